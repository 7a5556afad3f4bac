package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := WriteFile(p, []byte("one\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "two\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only f.txt: %v", len(entries), entries)
	}
}

func TestWriteFileFailureLeavesFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := WriteFile(p, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder cannot be replaced by a file: the rename fails, and
	// neither the folder nor a temporary file may remain changed.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(sub, []byte("x"), 0o644); err == nil {
		t.Fatal("replacing a non-empty folder succeeded")
	}
	if fi, err := os.Stat(sub); err != nil || !fi.IsDir() {
		t.Fatal("the folder was replaced")
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, TempPattern))
	if len(tmps) > 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o644); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}

func TestIsTemp(t *testing.T) {
	dir := t.TempDir()
	name, err := CreateTemp(dir, []byte("x"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if !IsTemp(filepath.Base(name)) {
		t.Errorf("%s not recognised as a temporary file", name)
	}
	for _, n := range []string{"manifest.json", ".mobplan-.tmp", ".mobplan.lock", "x.mobplan-1.tmp", ".mobplan-1.tmp.zone"} {
		if IsTemp(n) {
			t.Errorf("%s recognised as a temporary file", n)
		}
	}
}

func TestRemove(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := Remove(p); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if err := SyncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
			t.Error("syncing a missing folder succeeded")
		}
	}
}

// TestLockIsExclusive holds the lock and expects a second Lock, from
// another open of the same file as another process would make, to fail
// at once with ErrLocked; once released it can be taken again.
func TestLockIsExclusive(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".mobplan.lock")
	l, err := Lock(p)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := Lock(p)
	if !errors.Is(err, ErrLocked) {
		if l2 != nil {
			l2.Unlock()
		}
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	if held, err := Held(p); !held || err != nil {
		t.Errorf("Held while locked: %v, %v", held, err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if held, err := Held(p); held || err != nil {
		t.Errorf("Held once unlocked: %v, %v", held, err)
	}
	if held, err := Held(p + ".absent"); held || err != nil {
		t.Errorf("Held of an absent lock: %v, %v", held, err)
	}
	if _, err := os.Stat(p + ".absent"); !errors.Is(err, os.ErrNotExist) {
		t.Error("Held created the lock file")
	}
	l3, err := Lock(p)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	l3.Unlock()
}

func TestLockRefusesLink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	link := filepath.Join(dir, ".mobplan.lock")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if l, err := Lock(link); err == nil {
		l.Unlock()
		t.Fatal("locked through a symbolic link")
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Error("the link's target was created")
	}
}
