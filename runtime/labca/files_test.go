package labca

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

func TestCreateNewNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "public.key")
	if err := createNew(path, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := createNew(path, []byte("second"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("second createNew: %v, want an error that the file exists", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "first" {
		t.Errorf("file holds %q, want the first write", data)
	}
	if fi, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := atomicfile.ReadRegular(path, 5); err != nil || string(data) != "12345" {
		t.Errorf("readRegular = %q, %v", data, err)
	}
	if _, err := atomicfile.ReadRegular(path, 4); err == nil || !strings.Contains(err.Error(), "larger than 4 bytes") {
		t.Errorf("a file over the bound: %v", err)
	}
	if _, err := atomicfile.ReadRegular(dir, 5); err == nil || !strings.Contains(err.Error(), "a folder") {
		t.Errorf("a folder: %v", err)
	}
	if runtime.GOOS != "windows" {
		link := filepath.Join(dir, "link")
		if err := os.Symlink(path, link); err != nil {
			t.Fatal(err)
		}
		if _, err := atomicfile.ReadRegular(link, 5); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("a link: %v", err)
		}
	}
}
