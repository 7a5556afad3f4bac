package canon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ReadFile reads a topology file of at most MaxFileSize bytes.
func ReadFile(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder", p)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes; topology files are limited to %d MiB", p, st.Size(), MaxFileSize>>20)
	}
	return os.ReadFile(p)
}

// Confine refuses a path p that lies outside root, as written or once
// symbolic links are resolved, so a topology (its certificate files, its
// Jsonnet imports, its generator programs) cannot read the rest of the
// machine. A p that does not exist is judged as written; reading it will
// say it is missing.
func Confine(root, p string) error {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	absP, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	if !within(absRoot, absP) {
		return fmt.Errorf("%s: the path leaves the topology folder; files outside the topology folder %s are not read", p, root)
	}
	realRoot, err := filepath.EvalSymlinks(absRoot)
	if err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(absP)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !within(realRoot, real) {
		return fmt.Errorf("%s: the path leads outside the topology folder through a symbolic link", p)
	}
	return nil
}

func within(root, p string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}
