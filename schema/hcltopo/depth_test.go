package hcltopo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
)

// deepInputs nest far past canon.MaxNesting in every way the HCL parser or
// evaluator recurses: each crashed the process with a fatal stack
// overflow (from 200 KB of '['), or took seconds and gigabytes.
func deepInputs(n int) map[string]string {
	rep := strings.Repeat
	local := func(e string) string { return "locals {\n  x = " + e + "\n}\n" }
	return map[string]string{
		"brackets":     local(rep("[", n) + rep("]", n)),
		"parentheses":  local(rep("(", n) + "1" + rep(")", n)),
		"objects":      local(rep("{a = ", n) + "1" + rep("}", n)),
		"unary minus":  local(rep("-", n) + "1"),
		"not":          local(rep("!", n) + "true"),
		"additions":    local("1" + rep(" + 1", n)),
		"conditionals": local(rep("true ? 1 : ", n) + "1"),
		"templates":    local(rep(`"${`, n) + "1" + rep(`}"`, n)),
		"template ifs": local(`"` + rep("%{ if true }", n) + rep("%{ endif }", n) + `"`),
		"strip ifs":    local(`"` + rep("%{~ if true ~}", n) + rep("%{~ endif ~}", n) + `"`),
		"indexes":      local("[1]" + rep("[0]", n)),
		"attributes":   local("{a = 1}" + rep(".a", n)),
		"blocks":       rep("pool \"p\" {\n", n) + rep("}\n", n),
		"for newlines": local("{for k, v in {} : k => 1" + rep(" +\n 1", n) + "}"),
		"heredocs":     local(rep("<<EOT\n${", n) + "1" + rep("}\nEOT\n", n)),
		"unicode":      local("\"é\"" + rep(" + 1", n)),
	}
}

// TestDeepNestingRefused: each deeply nested input is refused with a
// diagnostic at the place the limit is passed, quickly, with the fast
// scanner and HCL's lexer agreeing.
func TestDeepNestingRefused(t *testing.T) {
	dir := t.TempDir()
	for name, src := range deepInputs(200000) {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".hcl")
			if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, ds := Load(p, Options{})
			if len(ds) != 1 || ds[0].Summary != "Nested too deeply" || ds[0].Range == nil || ds[0].Range.Filename != p {
				t.Fatalf("want one 'Nested too deeply' diagnostic, got %v", ds)
			}
			if at := ds[0].Range.Start; at.Byte > 20*canon.MaxNesting() {
				t.Errorf("reported at %+v, not where the limit is first passed", at)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestDepthAllowed: nesting up to the limit is read, so the limit is
// where it says, and the fast scan and HCL's lexer measure alike.
func TestDepthAllowed(t *testing.T) {
	for name, src := range deepInputs(canon.MaxNesting() / 4) {
		fast := newDepthMeter(true)
		_, fastOK, exact := scanASCII([]byte(src), fast)
		lexed := newDepthMeter(true)
		_, lexedOK := lexedDepth("t.hcl", []byte(src), true, lexed)
		if !lexedOK || exact && !fastOK {
			t.Errorf("%s: %d levels refused", name, canon.MaxNesting()/4)
		}
		if exact && fast.n.Deepest() != lexed.n.Deepest() {
			t.Errorf("%s: the fast scan measures %d, HCL's lexer %d", name, fast.n.Deepest(), lexed.n.Deepest())
		}
	}
}

// TestDepthIgnoresStringsAndComments: brackets in strings, escapes and
// comments are text, interpolations are not.
func TestDepthIgnoresStringsAndComments(t *testing.T) {
	rep := strings.Repeat
	deep := rep("[", canon.MaxNesting()+1)
	for _, src := range []string{
		"x = \"" + deep + "\"\n",
		"x = \"\\\"" + deep + "\"\n",
		"x = \"$${" + deep + "\"\n",
		"x = \"%%{" + deep + "\"\n",
		"# " + deep + "\nx = 1\n",
		"// " + deep + "\nx = 1\n",
		"/* " + deep + " */ x = 1\n",
		"x = <<EOT\n" + deep + "\nEOT\n",
		"x = \"${\"" + deep + "\"}\"\n",
		"x = \"$$${" + deep + "\"\n", // $ and an escaped ${
	} {
		if d := checkDepth("t.hcl", []byte(src), true); d != nil {
			t.Errorf("%q: refused: %v", src, d)
		}
		if _, ok := lexedDepth("t.hcl", []byte(src), true, newDepthMeter(true)); !ok {
			t.Errorf("%q: HCL's lexer reads it otherwise", src)
		}
	}
	for _, src := range []string{
		"x = \"${" + deep + "\"\n",
		"x = <<EOT\n${" + deep + "\nEOT\n",
		"x = \"$${${" + deep + "\"\n", // an escaped ${, then ${
	} {
		if d := checkDepth("t.hcl", []byte(src), true); d == nil {
			t.Errorf("%.20q...: not refused", src)
		}
		if _, ok := lexedDepth("t.hcl", []byte(src), true, newDepthMeter(true)); ok {
			t.Errorf("%.20q...: HCL's lexer reads it otherwise", src)
		}
	}
}

// TestExamplesShallow: the examples nest a few levels deep, far from
// the limit.
func TestExamplesShallow(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*/*.hcl")
	more, _ := filepath.Glob("../../examples/invalid/*/*.hcl")
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := newDepthMeter(true)
		if _, ok, _ := scanASCII(src, m); !ok || m.n.Deepest() > 10 {
			t.Errorf("%s nests %d levels", f, m.n.Deepest())
		}
	}
}

// FuzzDepthScan: wherever the fast scan is sure of itself, it measures
// at least as deep as HCL's own lexer, so it can never let through what
// the parser would recurse into.
func FuzzDepthScan(f *testing.F) {
	for _, s := range deepInputs(3) {
		f.Add([]byte(s))
	}
	f.Add([]byte("x = \"a${b}c%{if d}e%{endif}\" # [[[\n"))
	f.Add([]byte("x = \"\\\\\" [ \"$${\" [ \"%%{\" ]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fast := newDepthMeter(true)
		_, fastOK, exact := scanASCII(src, fast)
		if !exact {
			return
		}
		lexed := newDepthMeter(true)
		_, lexedOK := lexedDepth("t.hcl", src, true, lexed)
		if fast.n.Deepest() < lexed.n.Deepest() || fastOK && !lexedOK {
			t.Fatalf("fast scan %d (%v), HCL's lexer %d (%v)", fast.n.Deepest(), fastOK, lexed.n.Deepest(), lexedOK)
		}
	})
}

// TestFormatDeepRefused: fmt's formatter recurses as the parser does;
// a deep file is reported, not formatted.
func TestFormatDeepRefused(t *testing.T) {
	src := deepInputs(300000)["brackets"]
	if _, ds := Format("t.hcl", []byte(src)); len(ds) != 1 || ds[0].Summary != "Nested too deeply" {
		t.Fatalf("%v", ds)
	}
}
