package datatopo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
)

// TestDeepNestingRefused: 80 KB of nested JSON took more than 12 GB (each
// level's path copied for each level below it), 18 KB of nested YAML a
// gigabyte; both are refused at the level past canon.MaxDepth, in
// milliseconds.
func TestDeepNestingRefused(t *testing.T) {
	rep := strings.Repeat
	cases := map[string]string{
		"t.json":       `{"a": ` + rep("[", 40000) + rep("]", 40000) + "}",
		"objects.json": rep(`{"a":`, 20000) + "1" + rep("}", 20000),
		"flow.yaml":    "a: " + rep("[", 9000) + rep("]", 9000) + "\n",
		"block.yaml":   "a:\n" + rep("- ", 9000) + "x\n",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, name, src)
			start := time.Now()
			_, ds := Load(dir)
			if len(ds) != 1 || ds[0].Summary != "Nested too deeply" || ds[0].Range == nil || ds[0].Range.Filename != p {
				t.Fatalf("want one 'Nested too deeply' diagnostic, got %v", ds)
			}
			if ds[0].Range.Start.Byte > 6*canon.MaxDepth() {
				t.Errorf("reported at %+v, not where the limit is passed", ds[0].Range.Start)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestDepthAllowed: brackets inside strings are text, and nesting below
// the limit is read.
func TestDepthAllowed(t *testing.T) {
	deep := strings.Repeat("[", canon.MaxDepth()+10)
	n := canon.MaxDepth() - 10
	for name, src := range map[string]string{
		"strings.json": fmt.Sprintf(`{"a": "%s\"%s"}`, deep, deep),
		"nested.json":  `{"a": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}",
		"strings.yaml": fmt.Sprintf("a: '%s'\nb: \"%s\"\n# %s\n", deep, deep, deep),
		"nested.yaml":  "a: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n",
	} {
		dir := t.TempDir()
		write(t, dir, name, src)
		if _, ds := Load(dir); len(ds) != 0 {
			t.Errorf("%s: %v", name, ds)
		}
	}
}
