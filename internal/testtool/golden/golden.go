// Package golden compares test output with golden files. A mismatch
// prints a unified diff; goldens are rewritten only when the environment
// asks for it (MOBPLAN_UPDATE_GOLDEN=1), never created silently.
package golden

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
)

// EnvVar is the environment variable that rewrites goldens when set to 1.
const EnvVar = "MOBPLAN_UPDATE_GOLDEN"

// Update reports whether goldens are to be rewritten in this run.
func Update() bool { return os.Getenv(EnvVar) == "1" }

// Command is the command line that rewrites the goldens of the tests
// matching run in pkg (an import path relative to the module, such as
// ./internal/render).
func Command(pkg, run string) string {
	return EnvVar + "=1 go test " + pkg + " -run '" + run + "'"
}

// Check compares got with the golden file at path. With MOBPLAN_UPDATE_GOLDEN=1
// it writes got there instead (creating the folder). A missing golden or a
// difference fails the test; the message carries a unified diff and
// updateCmd, the command that rewrites the golden after an intended change.
func Check(t testing.TB, path string, got []byte, updateCmd string) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("golden file %s does not exist; create it with: %s", path, updateCmd)
	}
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(path, want, "got", got); d != "" {
		t.Errorf("output differs from golden file %s (after an intended change, rewrite it with: %s):\n%s", path, updateCmd, d)
	}
}

// Diff is the unified diff from want to got, or "" when they are equal.
func Diff(wantName string, want []byte, gotName string, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	return string(diff.Diff(wantName, want, gotName, got))
}
