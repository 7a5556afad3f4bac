package artifacts

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func set(t *testing.T, files map[string]string) *Set {
	t.Helper()
	var fs []File
	for p, d := range files {
		fs = append(fs, File{Path: p, Data: []byte(d)})
	}
	s, err := NewSet(fs, Manifest{ToolVersion: "test", InputDigest: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func read(t *testing.T, dir, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func actions(cs []Change) map[string]Action {
	out := map[string]Action{}
	for _, c := range cs {
		out[c.Path] = c.Action
	}
	return out
}

func TestApplyCycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "artifacts")
	v1 := set(t, map[string]string{"dns/a.zone": "a1\n", "certs/x.csr": "x\n", "REPORT.md": "r\n"})

	cs, old, err := Diff(dir, v1)
	if err != nil || old != nil {
		t.Fatal(err, old)
	}
	if a := actions(cs); a["dns/a.zone"] != Create || len(a) != 3 {
		t.Fatalf("first diff: %v", a)
	}
	res, err := Apply(dir, v1, false)
	if err != nil || len(res.Written) != 3 {
		t.Fatalf("first apply: %v %v", res, err)
	}
	if read(t, dir, "dns/a.zone") != "a1\n" || read(t, dir, ManifestName) != string(v1.ManifestBytes()) {
		t.Fatal("files not written")
	}

	// Unchanged input: nothing to do, nothing touched.
	st1, _ := os.Stat(filepath.Join(dir, "dns/a.zone"))
	res, err = Apply(dir, v1, false)
	if err != nil || len(res.Written)+len(res.Deleted) != 0 {
		t.Fatalf("second apply wrote %v", res)
	}
	st2, _ := os.Stat(filepath.Join(dir, "dns/a.zone"))
	if !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("unchanged file was rewritten")
	}

	// An edit, an addition and a removal.
	v2 := set(t, map[string]string{"dns/a.zone": "a2\n", "dns/b.zone": "b\n", "REPORT.md": "r\n"})
	cs, _, _ = Diff(dir, v2)
	want := map[string]Action{"dns/a.zone": Update, "dns/b.zone": Create, "certs/x.csr": Delete, "REPORT.md": Unchanged}
	for p, a := range want {
		if actions(cs)[p] != a {
			t.Errorf("%s: %s, want %s", p, actions(cs)[p], a)
		}
	}
	if _, err := Apply(dir, v2, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "certs")); !errors.Is(err, os.ErrNotExist) {
		t.Error("empty certs/ folder left behind")
	}
	if read(t, dir, "dns/a.zone") != "a2\n" {
		t.Error("update not written")
	}
	// No temporary files remain.
	tmps, _ := filepath.Glob(filepath.Join(dir, "*", ".mobplan-*.tmp"))
	if len(tmps) > 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}

func TestDriftIsRefusedUnlessForced(t *testing.T) {
	dir := t.TempDir()
	v1 := set(t, map[string]string{"a.txt": "one\n", "b.txt": "b\n"})
	if _, err := Apply(dir, v1, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("edited by hand\n"), 0o644)

	cs, _, _ := Diff(dir, v1)
	for _, c := range cs {
		if c.Path == "a.txt" && (!c.Drift || c.Action != Update) {
			t.Errorf("a.txt: %+v, want drift", c)
		}
		if c.Path == "b.txt" && c.Drift {
			t.Error("b.txt reported as drift")
		}
	}
	var de *DriftError
	if _, err := Apply(dir, v1, false); !errors.As(err, &de) || de.Paths[0] != "a.txt" {
		t.Fatalf("want a drift error, got %v", err)
	}
	if read(t, dir, "a.txt") != "edited by hand\n" {
		t.Fatal("hand edit overwritten without --force")
	}
	if _, err := Apply(dir, v1, true); err != nil {
		t.Fatal(err)
	}
	if read(t, dir, "a.txt") != "one\n" {
		t.Fatal("--force did not restore the file")
	}
}

func TestFailedWriteLeavesPreviousArtifacts(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	v1 := set(t, map[string]string{"a/x.txt": "1\n", "b/y.txt": "1\n"})
	if _, err := Apply(dir, v1, false); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "b"), 0o555)
	defer os.Chmod(filepath.Join(dir, "b"), 0o755)
	v2 := set(t, map[string]string{"a/x.txt": "2\n", "b/y.txt": "2\n"})
	if _, err := Apply(dir, v2, false); err == nil {
		t.Fatal("apply into a read-only folder succeeded")
	}
	if read(t, dir, "a/x.txt") != "1\n" || read(t, dir, "b/y.txt") != "1\n" || read(t, dir, ManifestName) != string(v1.ManifestBytes()) {
		t.Fatal("a failed apply changed the previous artifacts")
	}
}

func TestConcurrentAppliesDoNotInterleave(t *testing.T) {
	dir := t.TempDir()
	a := set(t, map[string]string{"f1": "A\n", "f2": "A\n", "f3": "A\n"})
	b := set(t, map[string]string{"f1": "B\n", "f2": "B\n", "f3": "B\n"})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		for _, s := range []*Set{a, b} {
			wg.Add(1)
			go func(s *Set) {
				defer wg.Done()
				Apply(dir, s, true) // a refused lock is fine; a torn result is not
			}(s)
		}
	}
	wg.Wait()
	f1, f2, f3 := read(t, dir, "f1"), read(t, dir, "f2"), read(t, dir, "f3")
	if f1 != f2 || f2 != f3 {
		t.Fatalf("interleaved result: %q %q %q", f1, f2, f3)
	}
	m := read(t, dir, ManifestName)
	if (f1 == "A\n") != (m == string(a.ManifestBytes())) {
		t.Fatal("manifest does not describe the files")
	}
}

func TestInvalidPaths(t *testing.T) {
	for _, p := range []string{"", "/abs", "../up", "a/../b", `a\b`, ManifestName, "a//b"} {
		if _, err := NewSet([]File{{Path: p}}, Manifest{}); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
	if _, err := NewSet([]File{{Path: "a"}, {Path: "a"}}, Manifest{}); err == nil {
		t.Error("duplicate path accepted")
	}
}

// TestFailedWriteAsRoot injects a failure root cannot bypass: a new file
// whose folder is blocked by a plain file. Nothing may change.
func TestFailedWriteAsRoot(t *testing.T) {
	dir := t.TempDir()
	v1 := set(t, map[string]string{"a/x.txt": "1\n"})
	if _, err := Apply(dir, v1, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "c"), []byte("not a folder\n"), 0o644)
	v2 := set(t, map[string]string{"a/x.txt": "2\n", "c/z.txt": "new\n"})
	if _, err := Apply(dir, v2, false); err == nil {
		t.Fatal("apply succeeded")
	}
	if read(t, dir, "a/x.txt") != "1\n" || read(t, dir, ManifestName) != string(v1.ManifestBytes()) {
		t.Fatal("a failed apply changed the previous artifacts")
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, "a", ".mobplan-*.tmp")); len(tmps) > 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}
