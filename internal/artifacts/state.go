package artifacts

import (
	"fmt"
	"io/fs"
	"os"
	"time"

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
	// stats are the files as they were opened to be hashed (nil for a
	// missing one), and read when the reading began: a later comparison
	// takes a digest only for a file still the same (DiffKnowing).
	stats map[string]fs.FileInfo
	read  time.Time
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
	stats := make([]fs.FileInfo, len(paths))
	errs := make([]error, len(paths))
	read := time.Now()
	parallel.For(len(paths), func(i int) { sums[i], stats[i], errs[i] = t.sumStat(paths[i]) })
	st := &State{Manifest: b, Files: make(map[string]string, len(paths)), listed: m.Files,
		stats: make(map[string]fs.FileInfo, len(paths)), read: read}
	for i, p := range paths {
		if errs[i] != nil {
			return nil, fmt.Errorf("reading %s: %w", t.show(p), errs[i])
		}
		st.Files[p], st.stats[p] = sums[i], stats[i]
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

// racyWindow is how close to the state's reading a file's modification
// time may be for its digest to be taken on its information alone: a
// file system that keeps times coarsely (FAT: two seconds) could show a
// file written just after it was hashed with the time it had.
const racyWindow = 2 * time.Second

// sumOf is the digest the state holds of the file at p, if the file now
// (now: its information, nil when missing) is the very one hashed: same
// file, size, mode and modification time, not modified within
// racyWindow of the reading; or missing then and now.
func (st *State) sumOf(p string, now fs.FileInfo) (string, bool) {
	sum, ok := st.Files[p]
	if !ok {
		return "", false
	}
	then := st.stats[p]
	switch {
	case then == nil || now == nil:
		return sum, then == nil && now == nil
	case !os.SameFile(then, now) || then.Size() != now.Size() || then.Mode() != now.Mode() || !then.ModTime().Equal(now.ModTime()):
		return "", false
	case !then.ModTime().Before(st.read.Add(-racyWindow)):
		return "", false
	}
	return sum, true
}
