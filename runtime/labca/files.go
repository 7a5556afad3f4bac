package labca

import (
	"errors"
	"fmt"
	"io"
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

// readRegular reads path, which must be a regular file (not a link, a
// folder or a device) of at most max bytes. The file opened is checked to
// be the one looked at, so a link swapped in between is refused too.
func readRegular(path string, max int64) ([]byte, error) {
	lfi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !lfi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, typeName(lfi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(lfi, fi) {
		return nil, fmt.Errorf("%s changed while it was opened", path)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return data, nil
}

// typeName says what a non-regular file is, for error messages.
func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
