package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/testtool"
)

// While another apply holds the artifacts' lock, apply fails at once
// with the lock error, before rendering: it makes no key and writes
// nothing anywhere.
func TestApplyHeldLock(t *testing.T) {
	topo := filepath.Join(t.TempDir(), "topo")
	if err := os.Mkdir(topo, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(testtool.ExampleDir("standard-edition"), "topology.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(topo, "topology.hcl"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := artifacts.LockDir(filepath.Join(topo, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, topo)
	code, _, stderr := runCLI(t, "apply", topo)
	if code != ExitError || !strings.Contains(stderr, "another apply is writing") {
		t.Errorf("apply under a held lock: exit %d, %q", code, stderr)
	}
	sameTree(t, "apply under a held lock", before, snapshot(t, topo))
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "apply", topo); code != 0 {
		t.Errorf("apply once the lock is free: exit %d, %s", code, stderr)
	}
}
