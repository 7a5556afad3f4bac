package canon

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// FolderFiles returns the files of a topology path: the file itself, or
// the files of a folder (not its subfolders) whose names keep accepts,
// in name order.
func FolderFiles(path string, keep func(name string) bool) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && keep(e.Name()) {
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}
