package labca

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// Whole-file writes go through internal/atomicfile; createNew stays here
// (atomicfile replaces files, and a CA file is never replaced).

// createTemp and syncDir are internal/atomicfile's.
func createTemp(dir string, data []byte, mode fs.FileMode) (string, error) {
	return atomicfile.CreateTemp(dir, data, mode)
}

func syncDir(dir string) error { return atomicfile.SyncDir(dir) }

// createNew puts data at path, whole, only if nothing is there: a synced
// temporary file is hard-linked to path (which fails when path exists, so
// a file another run made at the same moment is never overwritten), then
// removed. Where the file system has no hard links it falls back to a
// rename after checking that path is still free. The caller syncs the
// folder.
func createNew(path string, data []byte, mode fs.FileMode) error {
	tmp, err := createTemp(filepath.Dir(path), data, mode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after a link the temporary name goes; path stays
	err = os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, lerr := os.Lstat(path); !errors.Is(lerr, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", path, fs.ErrExist)
	}
	return os.Rename(tmp, path)
}
