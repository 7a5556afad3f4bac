package artifacts

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// State is what a settled artifacts directory holds, by digest: the
// manifest's bytes and the sha256 of each file it lists, as found on
// disk ("" for a file that is missing). Everything a rendering reads
// from the directory is among them.
type State struct {
	Manifest []byte
	Files    map[string]string
}

// ReadState reads dir's state the way Diff reads the files (no link
// followed), hashing on every core. It returns nil, nil when the
// directory is not settled: no manifest, or an apply's journal or lock
// (an apply at work or interrupted), which only a full comparison
// judges.
func ReadState(dir string) (*State, error) {
	t, err := openTree(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := t.stat(journalName); err != nil || fi != nil {
		return nil, err
	}
	// Every apply leaves its lock file; only a held one is at work.
	if held, err := atomicfile.Held(t.abs(lockName)); err != nil || held {
		return nil, err
	}
	b, _, ok, err := t.read(ManifestName)
	if err != nil || !ok {
		return nil, err
	}
	m, err := parseManifest(t, b)
	if err != nil {
		return nil, err
	}
	paths := sortedKeys(m.Files)
	sums := make([]string, len(paths))
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sums[i], errs[i] = t.digest(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	st := &State{Manifest: b, Files: make(map[string]string, len(paths))}
	for i, p := range paths {
		if errs[i] != nil {
			return nil, fmt.Errorf("reading %s: %w", t.show(p), errs[i])
		}
		st.Files[p] = sums[i]
	}
	return st, nil
}

// Matches reports whether a comparison found nothing to do and the
// set's files are exactly the state's, digest for digest: the state is
// then one that renders to itself.
func (st *State) Matches(s *Set, changes []Change) bool {
	if st == nil || len(s.Files) != len(st.Files) {
		return false
	}
	for _, c := range changes {
		if c.Action != Unchanged || c.Drift || c.Unmanaged || c.Pending != "" {
			return false
		}
	}
	for p, sum := range s.Manifest.Files {
		if st.Files[p] != sum {
			return false
		}
	}
	return true
}

// Unchanged lists the state's files as a comparison that found nothing
// to do lists them.
func (st *State) Unchanged() []Change {
	out := make([]Change, 0, len(st.Files))
	for _, p := range sortedKeys(st.Files) {
		out = append(out, Change{Path: p, Action: Unchanged})
	}
	return out
}
