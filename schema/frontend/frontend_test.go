package frontend

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestIgnored(t *testing.T) {
	for name, want := range map[string]bool{
		".#topology.hcl":     true, // Emacs lock file
		".topology.hcl.swp":  true, // Vim swap file
		".old.hcl":           true,
		"_draft.cue":         true,
		"_base.libsonnet":    true,
		"topology.hcl":       false,
		"pool_01.hcl":        false,
		"main.jsonnet":       false,
		"topology.hcl~":      false, // not a topology ending anyway
		"#topology.hcl#":     false, // idem
		"data.schema.json":   false,
		"x._hcl":             false,
		"a.b.c.d.e.f.g.yaml": false,
	} {
		if got := Ignored(name); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestFiles: a folder's files with the endings (in any letter case), in
// name order, without subfolders or ignored files; a file is itself.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.hcl", "a.HCL", "c.cue", ".h.hcl", "_d.hcl", "sub.hcl/x.hcl"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Files(dir, ".hcl")
	if want := []string{filepath.Join(dir, "a.HCL"), filepath.Join(dir, "b.hcl")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Files: %v %v, want %v", got, err, want)
	}
	one := filepath.Join(dir, "_d.hcl")
	if got, err := Files(one, ".hcl"); err != nil || !slices.Equal(got, []string{one}) {
		t.Errorf("Files of a file: %v %v", got, err)
	}
	if _, err := Files(filepath.Join(dir, "missing"), ".hcl"); err == nil {
		t.Error("no error for a missing path")
	}
}

func TestJoin(t *testing.T) {
	for want, words := range map[string][]string{"": nil, "a": {"a"}, "a or b": {"a", "b"}, "a, b or c": {"a", "b", "c"}} {
		if got := Join(words, "or"); got != want {
			t.Errorf("Join(%q) = %q, want %q", words, got, want)
		}
	}
}
