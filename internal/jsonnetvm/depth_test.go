package jsonnetvm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/toolutils"

	"github.com/mobplan/mobplan/internal/canon"
)

// deepPrograms nest far past canon.MaxNesting in each way go-jsonnet's
// parser, desugarer or evaluator recurses: 40 KB of '[' crashed the
// process with a fatal stack overflow, 1 MB of "+1", ".a" or "(1)" too.
func deepPrograms(n int) map[string]string {
	rep := strings.Repeat
	return map[string]string{
		"brackets":    rep("[", n) + rep("]", n),
		"parentheses": rep("(", n) + "1" + rep(")", n),
		"objects":     rep("{a:", n) + "1" + rep("}", n),
		"unary":       rep("-", n) + "1",
		"additions":   "1" + rep("+1", n),
		"equalities":  "1" + rep("==1", n),
		"locals":      rep("local a=1;", n) + "1",
		"bindings":    rep("local a=1, b=", n) + "1" + rep(";a", n),
		"ifs":         rep("if true then 1 else ", n) + "1",
		"functions":   "(" + rep("function(x) ", n) + "1)(1)",
		"errors":      rep("error ", n) + "1",
		"asserts":     rep("assert true; ", n) + "1",
		"fields":      "local a = {a: a}; a" + rep(".a", n),
		"calls":       "local f(x) = f; f" + rep("(1)", n),
		"extensions":  "{}" + rep(" {}", n),
		"for clauses": "[1" + rep(" for x in [1]", n) + "]",
	}
}

// TestDeepNestingRefused: each is refused, quickly, before go-jsonnet
// parses it, as the entry file and as an imported library.
func TestDeepNestingRefused(t *testing.T) {
	for name, src := range deepPrograms(300000) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			entry := write(t, dir, "main.jsonnet", src)
			start := time.Now()
			_, e := Evaluate(entry, []byte(src), Options{Root: dir}, nil)
			if e == nil || e.Summary != "Nested too deeply" || e.Range == nil || e.Range.Filename != entry || e.Range.Start.Byte > 20*canon.MaxNesting() {
				t.Fatalf("got %+v", e)
			}
			lib := write(t, dir, "sub/deep.libsonnet", src)
			main := "local ok = import 'ok.libsonnet'; { a: ok.f(import 'sub/deep.libsonnet') }"
			write(t, dir, "ok.libsonnet", "{ f(x):: x }")
			entry = write(t, dir, "main.jsonnet", main)
			_, e = Evaluate(entry, []byte(main), Options{Root: dir}, nil)
			if e == nil || e.Summary != "Nested too deeply" || e.Range == nil || e.Range.Filename != lib {
				t.Fatalf("imported: got %+v", e)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestDepthAllowed: brackets in strings, verbatim strings, text blocks
// and comments are text; a deep file read with importstr is data; and
// the examples nest far less than the limit.
func TestDepthAllowed(t *testing.T) {
	deep := strings.Repeat("[", canon.MaxNesting()+10)
	src := "// " + deep + "\n# " + deep + "\n/* " + deep + " */\n{\n" +
		"  a: '" + deep + "\\'" + deep + "',\n" +
		"  b: \"" + deep + "\\\"" + deep + "\",\n" +
		"  c: @'" + deep + "''" + deep + "',\n" +
		"  d: |||\n    " + deep + "\n\n    " + deep + "\n  |||,\n" +
		"  e: std.length(importstr 'deep.txt'),\n" +
		"}\n"
	dir := t.TempDir()
	write(t, dir, "deep.txt", deep+"- - - - -\n")
	entry := write(t, dir, "main.jsonnet", src)
	if _, e := Evaluate(entry, []byte(src), Options{Root: dir}, nil); e != nil {
		t.Fatalf("%+v", e)
	}
	for name, src := range deepPrograms(canon.MaxNesting() / 4) {
		if _, ok := CheckDepth([]byte(src)); !ok {
			t.Errorf("%s: %d levels refused", name, canon.MaxNesting()/4)
		}
	}
	files, _ := filepath.Glob("../../examples/*/*sonnet")
	more, _ := filepath.Glob("../../examples/*/*/*sonnet")
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if d := deepest(src); d > canon.MaxNesting()/4 {
			t.Errorf("%s nests %d levels", f, d)
		}
	}
}

func deepest(src []byte) int {
	// The depth CheckDepth measures is the least limit it passes.
	lo, hi := 0, canon.MaxNesting()
	if _, ok := CheckDepth(src); !ok {
		return hi + 1
	}
	for lo < hi { // binary search over a prefix of '[' that adds levels
		mid := (lo + hi) / 2
		if _, ok := CheckDepth(append([]byte(strings.Repeat("[", mid)), src...)); ok {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return canon.MaxNesting() - lo + 1
}

// astDepth is the depth of go-jsonnet's syntax tree of a small program.
func astDepth(n ast.Node) int {
	d := 0
	for _, c := range toolutils.Children(n) {
		d = max(d, astDepth(c))
	}
	return d + 1
}

// FuzzCheckDepth: for any program go-jsonnet parses, the depth the scan
// measures bounds the depth of the syntax tree go-jsonnet builds (within
// its desugaring's constant factor), so no string, comment or text block
// read otherwise than go-jsonnet reads it can hide nesting.
func FuzzCheckDepth(f *testing.F) {
	for _, s := range deepPrograms(5) {
		f.Add(s)
	}
	f.Add("{ a: 'x[', b: @'y''[', c: |||\n  [[\n|||, d: \"\\\"[\" } // [[\n")
	f.Add("local a = [1, 2]; [x + 1 for x in a if x > 1] + a[0:1] # [[[\n")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 2000 {
			return
		}
		node, err := jsonnet.SnippetToAST("f.jsonnet", src)
		if err != nil {
			return
		}
		got := deepest([]byte(src))
		if a := astDepth(node); a > 12*(got+2) {
			t.Fatalf("the syntax tree is %d deep, the scan measured %d", a, got)
		}
	})
}

// TestStateFolderNotImported: a Jsonnet topology cannot read the key
// store: .mobplan is outside every import root, by any path.
func TestStateFolderNotImported(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".mobplan/keys/rp.key", "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n")
	for _, src := range []string{
		"{ k: importstr '.mobplan/keys/rp.key' }",
		"{ k: importstr './sub/../.mobplan/keys/rp.key' }",
		"{ k: importbin '.mobplan/keys/rp.key' }",
		"{ k: import '.mobplan/keys/rp.key' }",
	} {
		entry := write(t, dir, "main.jsonnet", src)
		out, e := Evaluate(entry, []byte(src), Options{Root: dir}, nil)
		if e == nil || !strings.Contains(e.Message, "state folder .mobplan") || strings.Contains(out+e.Message, "SECRETKEY") {
			t.Errorf("%s: got %q, %+v", src, out, e)
		}
	}
}
