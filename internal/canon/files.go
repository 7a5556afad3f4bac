package canon

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// StateDir is the folder inside a topology folder where mobplan keeps
// its state (the private keys of .mobplan/keys): never read as part of
// the topology, by any path.
const StateDir = ".mobplan"

// ReadFile reads the topology file p, which must lie inside root (as
// written and once symbolic links are resolved), not in root's StateDir,
// and be a regular file of at most MaxFileSize bytes. A device (a link
// to /dev/zero), a FIFO or a socket is refused before it is opened:
// reading one could hang or never end. Every file a topology consists
// of or refers to is read through here.
func ReadFile(root, p string) ([]byte, error) {
	real, err := resolve(root, p)
	if err != nil {
		return nil, err
	}
	return readRegular(p, real)
}

// ReadNamedFile reads a file the user named on the command line (a
// --var-file): it may lie anywhere, links followed, but it too must be
// a regular file of at most MaxFileSize bytes.
func ReadNamedFile(p string) ([]byte, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, err
	}
	return readRegular(p, real)
}

// readRegular reads real, the resolved path of the file the user knows
// as name, if it is a regular file of at most MaxFileSize bytes.
func readRegular(name, real string) ([]byte, error) {
	st, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	if err := regular(name, st); err != nil {
		return nil, err
	}
	// Not following a link and not blocking: the file was checked above,
	// and one swapped for a link or a FIFO since must not be opened as it.
	f, err := os.OpenFile(real, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	if err := regular(name, st); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s holds more than %d MiB; topology files are limited to %d MiB", name, MaxFileSize>>20, MaxFileSize>>20)
	}
	return b, nil
}

func regular(name string, st fs.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsDir():
		return fmt.Errorf("%s is a folder", name)
	case !m.IsRegular():
		return fmt.Errorf("%s is %s, not a regular file; only regular files are read", name, fileKind(m))
	case st.Size() > MaxFileSize:
		return fmt.Errorf("%s is %d bytes; topology files are limited to %d MiB", name, st.Size(), MaxFileSize>>20)
	}
	return nil
}

// fileKind names a file type that is not a regular file, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a plain file"
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Confine refuses a path p that lies outside root, as written or once
// symbolic links are resolved, or inside root's StateDir, so a topology
// (its certificate files, its Jsonnet imports, its generator programs)
// cannot read the rest of the machine or its own private keys. A p that
// does not exist is judged as written; reading it will say it is missing.
func Confine(root, p string) error {
	_, err := resolve(root, p)
	return err
}

// resolve is Confine returning the path with links resolved (as written
// when it does not exist).
func resolve(root, p string) (string, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	absP, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if !within(absRoot, absP) {
		return "", fmt.Errorf("%s: the path leaves the topology folder; files outside the topology folder %s are not read", p, root)
	}
	if inState(absRoot, absP) {
		return "", stateErr(p)
	}
	realRoot, err := filepath.EvalSymlinks(absRoot)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(absP)
	if errors.Is(err, fs.ErrNotExist) {
		return absP, nil
	}
	if err != nil {
		return "", err
	}
	if !within(realRoot, real) {
		return "", fmt.Errorf("%s: the path leads outside the topology folder through a symbolic link; files outside the topology folder %s are not read", p, root)
	}
	if inState(realRoot, real) {
		return "", stateErr(p)
	}
	return real, nil
}

func stateErr(p string) error {
	return fmt.Errorf("%s: the path is inside the topology's state folder %s, which holds its private keys; nothing there is read as part of the topology", p, StateDir)
}

func within(root, p string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// inState reports whether p, inside root, lies in root's StateDir
// (compared ignoring case, as some file systems do).
func inState(root, p string) bool {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(r, string(filepath.Separator))
	return strings.EqualFold(first, StateDir)
}
