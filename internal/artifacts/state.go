package artifacts

import (
	"fmt"

	"github.com/mobplan/mobplan/internal/parallel"
)

// State is what a settled artifacts directory holds, by digest: the
// manifest's bytes and the sha256 of each file it lists, as found on
// disk ("" for a file that is missing). Everything a rendering reads
// from the directory is among them.
type State struct {
	Manifest []byte
	Files    map[string]string
	// listed is what the manifest says each file holds.
	listed map[string]string
}

// ReadState reads dir's state the way Diff reads the files (no link
// followed), hashing on every core. It returns nil, nil when the
// directory is not settled: no manifest, or an apply's journal before
// or after the files are read (an apply at work or interrupted), which
// only a full comparison judges. It takes no lock, so an apply never
// finds the directory locked by a plan.
func ReadState(dir string) (*State, error) {
	t, err := openTree(dir)
	if err != nil {
		return nil, err
	}
	if settled, err := noJournal(t); err != nil || !settled {
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
	parallel.For(len(paths), func(i int) { sums[i], errs[i] = t.digest(paths[i]) })
	st := &State{Manifest: b, Files: make(map[string]string, len(paths)), listed: m.Files}
	for i, p := range paths {
		if errs[i] != nil {
			return nil, fmt.Errorf("reading %s: %w", t.show(p), errs[i])
		}
		st.Files[p] = sums[i]
	}
	if settled, err := noJournal(t); err != nil || !settled {
		return nil, err
	}
	return st, nil
}

func noJournal(t *tree) (bool, error) {
	fi, err := t.stat(journalName)
	return err == nil && fi == nil, err
}

// Matches reports whether a comparison found nothing to do and the
// set's files are exactly the state's, digest for digest, each as its
// manifest lists it (no drift in the state itself): the state is then
// one that renders to itself.
func (st *State) Matches(s *Set, changes []Change) bool {
	// The set's paths are distinct (NewSet), so equal counts and every
	// set path in the state make the same set of paths.
	if st == nil || len(s.Files) != len(st.Files) {
		return false
	}
	for p, sum := range st.Files {
		if st.listed[p] != sum {
			return false
		}
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
