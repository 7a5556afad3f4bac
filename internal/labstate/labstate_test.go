package labstate

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestPasswordsRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".mobplan")
	lp := &Passwords{FormatVersion: "1", Users: map[string]string{"alice@contoso.com": "s3cret"}}
	if err := WritePasswords(dir, lp); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, PasswordsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("passwords file: %v, mode %v", err, fi)
	}
	if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
		t.Errorf("state folder mode %o", d.Mode().Perm())
	}
	got, err := ReadPasswords(dir)
	if err != nil || got.Users["alice@contoso.com"] != "s3cret" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if err := WritePasswords(dir, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPasswords(dir); err != nil || len(got.Users) != 0 {
		t.Errorf("after removal: %+v, %v", got, err)
	}
}

// TestLinkedStateRefused: a .mobplan committed as a link, or a passwords
// file that is one, is neither written through nor read.
func TestLinkedStateRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	root, elsewhere := t.TempDir(), t.TempDir()
	dir := filepath.Join(root, ".mobplan")
	if err := os.Symlink(elsewhere, dir); err != nil {
		t.Fatal(err)
	}
	lp := &Passwords{FormatVersion: "1", Users: map[string]string{"alice@contoso.com": "s3cret"}}
	if err := WritePasswords(dir, lp); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("write through a linked state folder: %v", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("written where the link points: %v", entries)
	}
	if _, err := ReadPasswords(dir); err == nil {
		t.Error("read through a linked state folder")
	}
	real := filepath.Join(t.TempDir(), ".mobplan")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(elsewhere, "x.json"), filepath.Join(real, PasswordsFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPasswords(real); err == nil {
		t.Error("a linked passwords file was read")
	}
}
