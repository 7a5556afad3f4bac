package testtool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CopyExample copies the topology files of examples/<name> (not its
// folders or dot files) into a new temporary folder and returns it.
func CopyExample(t testing.TB, name string) string {
	t.Helper()
	root := t.TempDir()
	CopyTopology(t, ExampleDir(name), root)
	return root
}

// CopyTopology copies the topology files of from (not its artifacts, key
// store or other folders) into to, which is made if needed.
func CopyTopology(t testing.TB, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		copyFile(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()), 0o644)
	}
}

// AddTestKeys puts the committed lab test keys of example name into
// root's key store, so applying root makes no key (key generation is the
// slowest step of an apply, and the keys are the goldens' too).
func AddTestKeys(t testing.TB, root, name string) {
	t.Helper()
	keys := filepath.Join(root, ".mobplan", "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	CopyFiles(t, filepath.Join(ExampleDir(".."), "internal", "render", "testdata", "keys", name, "*.key"), keys, 0o600)
}

// CopyFiles copies the files matching pattern, at least one, into dir.
func CopyFiles(t testing.TB, pattern, dir string, mode os.FileMode) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	for _, f := range files {
		copyFile(t, f, filepath.Join(dir, filepath.Base(f)), mode)
	}
}

func copyFile(t testing.TB, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}
