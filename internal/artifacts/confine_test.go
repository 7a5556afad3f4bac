package artifacts

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// symlink makes a link or skips where the system does not let us.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
}

// TestForgedManifestDeletesNothingOutside: a manifest listing paths
// outside the artifacts (or of mobplan's own files) is refused as
// corrupt, naming the path, by Diff and Apply, even with force; nothing
// anywhere is deleted or written.
func TestForgedManifestDeletesNothingOutside(t *testing.T) {
	base := t.TempDir()
	victim := filepath.Join(base, "topology.hcl")
	if err := os.WriteFile(victim, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := Digest([]byte("keep me\n"))
	v := set(t, map[string]string{"a.txt": "a\n"})
	for _, bad := range []string{"../topology.hcl", "a/../../topology.hcl", "/etc/passwd", `..\topology.hcl`, "C:/x", ".mobplan.lock", "x/.mobplan-1.tmp"} {
		t.Run(bad, func(t *testing.T) {
			dir := filepath.Join(base, "artifacts")
			os.RemoveAll(dir)
			if _, err := Apply(dir, v, false); err != nil {
				t.Fatal(err)
			}
			m := v.Manifest
			m.Files = map[string]string{"a.txt": m.Files["a.txt"], bad: sum}
			b, _ := json.Marshal(m)
			if err := os.WriteFile(filepath.Join(dir, ManifestName), b, 0o644); err != nil {
				t.Fatal(err)
			}
			want := snapshot(t, dir)
			empty := set(t, map[string]string{"b.txt": "b\n"})
			for what, err := range map[string]error{
				"diff":  func() error { _, _, err := Diff(dir, empty); return err }(),
				"apply": func() error { _, err := Apply(dir, empty, true); return err }(),
				"read":  func() error { _, err := ReadManifest(dir); return err }(),
			} {
				if err == nil || !strings.Contains(err.Error(), "is corrupt") || !strings.Contains(err.Error(), bad) && !strings.Contains(err.Error(), strings.ReplaceAll(bad, `\`, `\\`)) {
					t.Errorf("%s: %v, want a corrupt manifest naming %q", what, err, bad)
				}
			}
			if b, err := os.ReadFile(victim); err != nil || string(b) != "keep me\n" {
				t.Fatal("the file outside the artifacts was touched")
			}
			sameSnapshot(t, "artifacts after a forged manifest", snapshot(t, dir), want)
		})
	}
}

// TestLinkedFolderIsRefused: a folder inside the artifacts that is a
// link elsewhere is not written through, read through or deleted
// through.
func TestLinkedFolderIsRefused(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "old.txt"), []byte("outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "artifacts")
	v1 := set(t, map[string]string{"dns/a.zone": "a\n", "old/old.txt": "old\n"})
	if _, err := Apply(dir, v1, false); err != nil {
		t.Fatal(err)
	}
	// Both folders replaced by links to the outside folder.
	for _, d := range []string{"dns", "old"} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
		symlink(t, outside, filepath.Join(dir, d))
	}
	v2 := set(t, map[string]string{"dns/a.zone": "a2\n", "dns/b.zone": "b\n"})
	if _, _, err := Diff(dir, v2); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("diff: %v, want a refused link", err)
	}
	if _, err := Apply(dir, v2, true); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("apply: %v, want a refused link", err)
	}
	// Only the deletion goes through old/: still refused.
	v3 := set(t, map[string]string{"x.txt": "x\n"})
	os.Remove(filepath.Join(dir, "dns"))
	if _, err := Apply(dir, v3, true); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("apply deleting through a link: %v, want a refused link", err)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 || entries[0].Name() != "old.txt" {
		t.Errorf("the outside folder changed: %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "old.txt")); string(b) != "outside\n" {
		t.Error("a file outside was overwritten")
	}
}

// TestLinkedFileIsRefused: a planned file that is a link is neither read
// (its target could be a secret shown in a diff) nor replaced.
func TestLinkedFileIsRefused(t *testing.T) {
	base := t.TempDir()
	secret := filepath.Join(base, "secret")
	if err := os.WriteFile(secret, []byte("password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "artifacts")
	v := set(t, map[string]string{"REPORT.md": "r\n"})
	if _, err := Apply(dir, v, false); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "REPORT.md"))
	symlink(t, secret, filepath.Join(dir, "REPORT.md"))
	cs, _, err := Diff(dir, v)
	if err == nil {
		for _, c := range cs {
			if strings.Contains(string(c.Old), "password") {
				t.Fatal("diff read through the link")
			}
		}
		t.Fatal("diff accepted a link at a planned path")
	}
	if _, err := Apply(dir, v, true); err == nil {
		t.Fatal("apply accepted a link at a planned path")
	}
	if b, _ := os.ReadFile(secret); string(b) != "password\n" {
		t.Fatal("the link's target was written")
	}
}

// TestLinkedRootIsResolved: the artifacts directory itself may be a
// link (resolved once); it is used as the folder it points at.
func TestLinkedRootIsResolved(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "artifacts")
	symlink(t, real, link)
	v := set(t, map[string]string{"a/b.txt": "b\n"})
	if _, err := Apply(link, v, false); err != nil {
		t.Fatal(err)
	}
	if read(t, real, "a/b.txt") != "b\n" {
		t.Fatal("not written into the linked folder")
	}
	if cs, _, err := Diff(link, v); err != nil || actions(cs)["a/b.txt"] != Unchanged {
		t.Fatalf("diff through the linked root: %v %v", cs, err)
	}
}

// TestUnmanagedFileIsRefused: a file at a planned path that no manifest
// lists is the user's: refused without force (naming it and saying how
// to proceed), overwritten with force; the normal first apply into an
// empty or missing folder is not affected.
func TestUnmanagedFileIsRefused(t *testing.T) {
	for _, withManifest := range []bool{false, true} {
		dir := t.TempDir()
		if withManifest {
			if _, err := Apply(dir, set(t, map[string]string{"other.txt": "o\n"}), false); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "REPORT.md"), []byte("my notes\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// Already holding the planned bytes: adopted, not refused.
		if err := os.WriteFile(filepath.Join(dir, "same.txt"), []byte("same\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		v := set(t, map[string]string{"REPORT.md": "report\n", "same.txt": "same\n", "new.txt": "n\n"})
		cs, _, err := Diff(dir, v)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Unmanaged != (c.Path == "REPORT.md") {
				t.Errorf("manifest %v: %s unmanaged=%v", withManifest, c.Path, c.Unmanaged)
			}
		}
		_, err = Apply(dir, v, false)
		var ue *UnmanagedError
		if !errors.As(err, &ue) || len(ue.Paths) != 1 || ue.Paths[0] != "REPORT.md" || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), "move them away") {
			t.Fatalf("manifest %v: %v, want an unmanaged-file error naming REPORT.md", withManifest, err)
		}
		if read(t, dir, "REPORT.md") != "my notes\n" {
			t.Fatal("the user's file was overwritten without --force")
		}
		if _, err := os.Stat(filepath.Join(dir, "new.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("a refused apply wrote new files")
		}
		if _, err := Apply(dir, v, true); err != nil {
			t.Fatal(err)
		}
		if read(t, dir, "REPORT.md") != "report\n" {
			t.Fatal("--force did not write the file")
		}
		// Now in the manifest: mobplan's, no longer refused.
		if _, err := Apply(dir, set(t, map[string]string{"REPORT.md": "report 2\n"}), false); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSpecialFileIsRefused: a planned path holding something other
// than a regular file or a folder where a file is expected is refused.
func TestSpecialFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	v := set(t, map[string]string{"a.txt": "a\n"})
	if _, _, err := Diff(dir, v); err == nil || !strings.Contains(err.Error(), "a folder, not a regular file") {
		t.Errorf("diff: %v", err)
	}
	if _, err := Apply(dir, v, true); err == nil {
		t.Error("apply replaced a folder")
	}
}

func TestPlannedFileAndFolderConflict(t *testing.T) {
	if _, err := NewSet([]File{{Path: "a"}, {Path: "a/b"}}, Manifest{}); err == nil {
		t.Error("a path planned as both a file and a folder was accepted")
	}
}

// TestReadFileDoesNotFollowLinks: what the planner reads back from the
// artifacts (the previous plan, previous files, a saved plan's state) is
// read as apply reads it: a link, to a file or through a folder, is
// refused instead of reading a file outside them.
func TestReadFileDoesNotFollowLinks(t *testing.T) {
	base := t.TempDir()
	secret := filepath.Join(base, "secret.key")
	if err := os.WriteFile(secret, []byte("private\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "artifacts")
	if err := os.MkdirAll(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "real", "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, secret, filepath.Join(dir, "plan.json"))
	symlink(t, base, filepath.Join(dir, "up"))
	if b, err := ReadFile(dir, "real/a.txt"); err != nil || string(b) != "a\n" {
		t.Fatalf("a regular artifact: %q, %v", b, err)
	}
	if b, err := ReadFile(dir, "missing.txt"); err != nil || b != nil {
		t.Fatalf("a missing artifact: %q, %v", b, err)
	}
	for _, rel := range []string{"plan.json", "up/secret.key", "../secret.key"} {
		b, err := ReadFile(dir, rel)
		if err == nil || b != nil {
			t.Errorf("ReadFile(%q) = %q, %v; want a refusal", rel, b, err)
		}
	}
}
