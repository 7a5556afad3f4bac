package pipeline_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mobplan/mobplan/generators/dns"
	"github.com/mobplan/mobplan/internal/atomicfile"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/testtool"
)

// TestConcurrentAppliesKeepSerialRising: two topologies applied at once,
// again and again, into one artifacts folder (each moving the external
// zone its own way). Every apply runs whole under the folder's lock, so
// each reads the zone the last one wrote: the serial never goes down,
// and it goes up whenever the zone changes.
func TestConcurrentAppliesKeepSerialRising(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "artifacts")
	var roots []string
	for _, ip := range []string{"131.107.155.1", "131.107.155.2"} {
		root := testtool.CopyExample(t, "contoso")
		testtool.AddTestKeys(t, root, "contoso")
		p := filepath.Join(root, "servers.hcl")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(b), `"131.107.155.1"`, `"`+ip+`"`)), 0o644); err != nil {
			t.Fatal(err)
		}
		roots = append(roots, root)
	}
	const zone = "dns/external/fabrikam.com.zone"
	type step struct {
		serial uint32
		zone   string
	}
	var (
		mu    sync.Mutex
		steps []step
		wg    sync.WaitGroup
	)
	for _, root := range roots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < 6; {
				r, err := pipeline.Run(root, pipeline.Options{ArtifactsDir: shared, Lock: true, ToolVersion: "test"})
				if errors.Is(err, atomicfile.ErrLocked) {
					continue // the other apply holds the folder: try again
				}
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := r.Lock.Apply(r.Set, false); err != nil {
					r.Lock.Unlock()
					t.Error(err)
					return
				}
				b, err := os.ReadFile(filepath.Join(shared, zone))
				serial, ok := dns.ParseSerial(b)
				if err != nil || !ok {
					t.Errorf("zone after apply: %v", err)
				}
				mu.Lock()
				steps = append(steps, step{serial, strings.SplitN(string(b), "\n", 2)[1]})
				mu.Unlock()
				r.Lock.Unlock()
				done++
			}
		}()
	}
	wg.Wait()
	if len(steps) != 12 {
		t.Fatalf("%d applies recorded, want 12", len(steps))
	}
	for i := 1; i < len(steps); i++ {
		prev, cur := steps[i-1], steps[i]
		if cur.serial < prev.serial {
			t.Errorf("apply %d: serial went down, %d → %d", i, prev.serial, cur.serial)
		}
		if cur.zone != prev.zone && cur.serial == prev.serial {
			t.Errorf("apply %d: the zone changed but its serial stayed %d", i, cur.serial)
		}
	}
}
