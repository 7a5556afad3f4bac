package hcltopo

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestFunctionBombs: calls that would build a huge value fail at the
// call, at once. The first took 24 GB and 127 s before functions were
// bounded.
func TestFunctionBombs(t *testing.T) {
	double := "locals {\n  l0 = range(1000)\n"
	for i := 1; i <= 30; i++ {
		double += fmt.Sprintf("  l%d = concat(local.l%d, local.l%d)\n", i, i-1, i-1)
	}
	double += "}\n"
	text := "locals {\n  s0 = join(\"\", [for i in range(1000) : \"xxxxxxxxxx\"])\n" // 10 KB
	for i := 1; i <= 30; i++ {
		text += fmt.Sprintf("  s%d = join(\"\", [local.s%d, local.s%d])\n", i, i-1, i-1)
	}
	text += "}\n"
	for name, c := range map[string]struct{ src, fn string }{
		"setproduct": {"locals {\n  x = setproduct(range(100), range(100), range(100), range(100))\n}\n", "setproduct"},
		"range":      {"locals {\n  x = range(1e9)\n}\n", "range"},
		"doubling":   {double, "concat"},
		"flatten":    {"locals {\n  x = flatten([for i in range(300) : range(1000)])\n}\n", "flatten"},
		"split":      {"locals {\n  x = split(\"\", join(\"\", [for i in range(1000) : join(\"\", [for j in range(200) : \"x\"])]))\n}\n", "split"},
		"join":       {text, "join"},
		"replace":    {"locals {\n  s = join(\"\", [for i in range(1000) : \"xxxxxxxxxx\"])\n  x = replace(local.s, \"x\", local.s)\n}\n", "replace"},
		"indent":     {"locals {\n  x = indent(1e12, \"a\\nb\")\n}\n", "indent"},
		"format":     {"locals {\n  x = format(\"%999999999999d\", 1)\n}\n", "format"},
		"formatlist": {"locals {\n  x = formatlist(\"%.999999999999s\", [\"a\"])\n}\n", "formatlist"},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, ds := load(t, map[string]string{"t.hcl": c.src}, Options{})
			if len(ds) != 1 || !strings.Contains(ds[0].Detail, `"`+c.fn+`"`) || !strings.Contains(ds[0].Detail, "at most") || ds[0].Range == nil {
				t.Fatalf("want one error at the call to %s, got %v", c.fn, ds)
			}
			// A guard against the bomb running its course (127 s and 24 GB
			// before), not a speed goal: the race detector on a loaded
			// machine takes ten seconds over a refused 200,000-element split.
			if d := time.Since(start); d > 60*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestFunctionsWithinBounds: results up to the bounds are allowed.
func TestFunctionsWithinBounds(t *testing.T) {
	_, ds := load(t, map[string]string{"t.hcl": `
locals {
  a = setproduct(range(100), range(100))
  b = length(concat(flatten([for i in range(50) : range(1000)]), range(1000)))
  c = format("%10d|%.3s", 1, "abcdef")
  d = replace("aaa", "a", "bb")
  e = indent(2, "a\nb")
}
`}, Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
}

// TestFailedLocalReferenced: a local whose evaluation fails is reported
// once; what refers to it fails silently. A function call on it crashed
// the process (a nil value converted).
func TestFailedLocalReferenced(t *testing.T) {
	_, ds := load(t, map[string]string{"t.hcl": "locals {\n  a = nope(1)\n  b = upper(local.a)\n  c = concat(local.a, local.a)\n  d = [local.a]\n}\n"}, Options{})
	if len(ds) != 1 || ds[0].Summary != "Call to unknown function" {
		t.Fatalf("want the one failure, got %v", ds)
	}
}

// TestDeepValueRefused: locals that each wrap the one before build a value
// deeper than canon.MaxDepth from shallow expressions; it is refused at
// the expression that passes the limit.
func TestDeepValueRefused(t *testing.T) {
	src := "locals {\n  a0 = 1\n"
	for i := 1; i <= 300; i++ {
		src += fmt.Sprintf("  a%d = [local.a%d]\n", i, i-1)
	}
	src += "}\n"
	_, ds := load(t, map[string]string{"t.hcl": src}, Options{})
	if len(ds) != 1 || ds[0].Summary != "Nested too deeply" || ds[0].Range == nil || ds[0].Range.Start.Line != 203 {
		t.Fatalf("want one diagnostic at a201, got %v", ds)
	}
}
