//go:build unix

package artifacts

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFIFOIsRefused: a FIFO at a planned path would hang a read; it is
// refused at once.
func TestFIFOIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "a.txt"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	v := set(t, map[string]string{"a.txt": "a\n"})
	done := make(chan error, 1)
	go func() { _, _, err := Diff(dir, v); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("diff: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("diff hangs on a FIFO")
	}
}
