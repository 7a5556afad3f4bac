package labca

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// Stand-in for internal/atomicfile until that package lands on this
// branch: createTemp and syncDir have the same signatures and behaviour
// as atomicfile.CreateTemp and atomicfile.SyncDir and are to be replaced
// by them; createNew stays (atomicfile replaces files, and a CA file is
// never replaced).

// tempPattern is atomicfile.TempPattern.
const tempPattern = ".mobplan-*.tmp"

// createTemp writes data to a new temporary file in dir with mode, synced;
// it returns the file's path.
func createTemp(dir string, data []byte, mode fs.FileMode) (string, error) {
	// os.CreateTemp makes the file 0600, so it is never readable with a
	// looser mode than asked for, even for a moment.
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	return name, nil
}

// syncDir makes the names in dir durable; where the system cannot sync a
// folder it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // a rename is durable once it returns on NTFS
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	err = d.Sync()
	d.Close()
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	return nil
}

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
