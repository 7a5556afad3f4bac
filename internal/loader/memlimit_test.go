package loader_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/memlimit"
)

// TestCeilingFitsTheSource: with no ceiling given, reading a topology
// raises the memory ceiling to what its size needs; a given one stays.
func TestCeilingFitsTheSource(t *testing.T) {
	defer memlimit.Set(memlimit.Set(0))
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(examples, "invalid", "_base", "topology.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	// 3 MiB of comments: the ceiling is 3 MiB × PerSourceByte = 6 GiB.
	pad := strings.Repeat("# padding padding padding padding padding padding padding padding\n", 3<<20/66+1)
	if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), append(src, pad...), 0o644); err != nil {
		t.Fatal(err)
	}
	memlimit.SetAuto()
	if _, err := loader.Load(dir, loader.Options{}); err != nil {
		t.Fatal(err)
	}
	want := int64(6 << 30)
	if m := memlimit.Machine(); m > 0 {
		want = min(want, max(memlimit.Default, m/4*3))
	}
	if got := memlimit.Limit(); got < want || got > want+memlimit.PerSourceByte*(1<<10) {
		t.Errorf("automatic ceiling %s, want about %s", memlimit.Format(got), memlimit.Format(want))
	}
	memlimit.Set(1 << 30)
	if _, err := loader.Load(dir, loader.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := memlimit.Limit(); got != 1<<30 {
		t.Errorf("a ceiling given was changed to %s", memlimit.Format(got))
	}
}
