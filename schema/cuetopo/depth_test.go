package cuetopo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"

	"github.com/mobplan/mobplan/internal/canon"
)

// TestDeepNestingRefused: each input nests past canon.MaxNesting; 2 MB of
// "+1" crashed the evaluator with a fatal stack overflow, a thousand
// lines of references took 40 s and 1.3 GB.
func TestDeepNestingRefused(t *testing.T) {
	rep := strings.Repeat
	var chain strings.Builder
	chain.WriteString("x0: 1\n")
	for i := 1; i < 1000; i++ {
		fmt.Fprintf(&chain, "x%d: a: x%d\n", i, i-1)
	}
	cases := map[string]string{
		"brackets":   "x: " + rep("[", 9000) + rep("]", 9000) + "\n",
		"additions":  "x: 1" + rep("+1", 1000000) + "\n",
		"unary":      "x: " + rep("-", 9000) + "1\n",
		"labels":     rep("a: ", 100000) + "1\n",
		"selectors":  "y: {}\nx: y" + rep(".a", 100000) + "\n",
		"references": chain.String(),
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "t.cue")
			if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, ds := Load(dir)
			if len(ds) != 1 || ds[0].Summary != "Nested too deeply" || ds[0].Range == nil || ds[0].Range.Filename != p {
				t.Fatalf("want one 'Nested too deeply' diagnostic in %s, got %v", p, ds)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestDepthAllowed: brackets in strings and comments do not count, and
// the examples nest far less than the limit.
func TestDepthAllowed(t *testing.T) {
	deep := strings.Repeat("[", canon.MaxNesting()+10)
	src := fmt.Sprintf("a: \"%s\"\nb: #\"%s\"#\n// %s\nc: \"\\(len(\"%s\"))\"\n", deep, deep, deep, deep)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ds := Load(dir); len(ds) != 0 {
		t.Fatalf("%v", ds)
	}
	files, _ := filepath.Glob("../../examples/*/*.cue")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(f, src)
		if err != nil {
			t.Fatal(err)
		}
		depth, deepest := 0, 0
		ast.Walk(file, func(n ast.Node) bool {
			if _, ok := n.(ast.Expr); ok {
				depth++
				deepest = max(deepest, depth)
			}
			return true
		}, func(n ast.Node) {
			if _, ok := n.(ast.Expr); ok {
				depth--
			}
		})
		if deepest > canon.MaxNesting()/4 {
			t.Errorf("%s nests %d expressions deep", f, deepest)
		}
	}
}

// TestFormatDeepRefused: cue fmt's printer recurses over the syntax
// tree; a deep file is reported, not formatted.
func TestFormatDeepRefused(t *testing.T) {
	src := "x: 1" + strings.Repeat("+1", 1000000) + "\n"
	if _, ds := Format("t.cue", []byte(src)); len(ds) != 1 || ds[0].Summary != "Nested too deeply" {
		t.Fatalf("%v", ds)
	}
}
