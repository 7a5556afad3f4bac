package artifacts

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// rename is how apply moves every file (and its journal) into place; a
// test replaces it to fail, or to stop as a crash would, at the Nth call.
var rename = atomicfile.Rename

// link makes the second name that keeps a replaced file; a test makes it
// fail, as it does on file systems without hard links.
var link = os.Link

// Result says what Apply changed on disk: relative to the files as they
// were when it started, so it lists what Diff listed.
type Result struct {
	Written []string
	Deleted []string
}

// Apply makes dir hold exactly the set. Under the directory's lock it
// first rolls back any apply a crash interrupted (see journalName) and
// removes temporaries killed applies left; then it refuses drift and
// files it did not write unless force; then:
//
//  1. a journal (phase "staging") names the folders it will write to;
//  2. every changed file is written and synced beside its final path,
//     each file it replaces kept under a second name (a hard link, or a
//     synced copy), and the folders synced;
//  3. the journal lists every rename (phase "renaming");
//  4. the files are renamed into place (files no longer planned renamed
//     aside), the manifest last, and the folders synced;
//  5. the journal says "done"; the copies and the journal are removed.
//
// A failure before step 5 restores the previous artifacts at once; a
// crash leaves the journal, and the next apply restores them. Unchanged
// files are not touched.
func Apply(dir string, s *Set, force bool) (*Result, error) {
	l, err := LockDir(dir)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	return l.Apply(s, force)
}

// DirLock is an artifacts directory's lock, held for a whole apply:
// apply takes it before rendering, so the keys it makes, the SOA serials
// it reads and the files it writes come from one run that no other apply
// interleaves with.
type DirLock struct {
	dir  string
	t    *tree
	lock *atomicfile.Locked
}

// LockDir makes the artifacts directory if needed and takes its lock; a
// lock held by another apply is an error at once.
func LockDir(dir string) (*DirLock, error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil {
			return nil, err
		}
	}
	t, err := openTree(dir)
	if err != nil {
		return nil, err
	}
	lock, err := atomicfile.Lock(t.abs(lockName))
	if errors.Is(err, atomicfile.ErrLocked) {
		return nil, fmt.Errorf("another apply is writing %s (lock %s held): %w", dir, lockName, atomicfile.ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return &DirLock{dir: dir, t: t, lock: lock}, nil
}

// Unlock releases the lock; unlocking again does nothing.
func (l *DirLock) Unlock() error {
	if l == nil || l.lock == nil {
		return nil
	}
	err := l.lock.Unlock()
	l.lock = nil
	return err
}

// Apply makes the locked directory hold exactly the set (see Apply).
func (l *DirLock) Apply(s *Set, force bool) (*Result, error) {
	if s.HasPending() {
		return nil, fmt.Errorf("this rendering has files made only at apply (it was rendered for plan); nothing written")
	}
	if s.DigestsOnly() {
		return nil, fmt.Errorf("this rendering kept digests, not the files' bytes (it was rendered for a report); nothing written")
	}
	dir, t := l.dir, l.t
	var before []Change
	j, err := readJournal(t)
	if err != nil {
		return nil, err
	}
	if j != nil {
		// What changes is reported against the files as they were, as
		// Diff (and so plan) showed it.
		if before, _, err = diff(t, s, j, nil); err != nil {
			return nil, err
		}
		if err := recoverJournal(t, j); err != nil {
			return nil, fmt.Errorf("recovering from an interrupted apply in %s: %w", dir, err)
		}
	}
	changes, old, err := diff(t, s, nil, nil)
	if err != nil {
		return nil, err
	}
	if before == nil {
		before = changes
	}
	t.sweep(sweepFolders(s, old))

	var drift, unmanaged []string
	for _, c := range changes {
		if c.Drift && c.Action != Unchanged {
			drift = append(drift, c.Path)
		}
		if c.Unmanaged {
			unmanaged = append(unmanaged, c.Path)
		}
	}
	if !force && (len(drift) > 0 || len(unmanaged) > 0) {
		var errs []error
		if len(unmanaged) > 0 {
			errs = append(errs, &UnmanagedError{Dir: dir, Paths: unmanaged})
		}
		if len(drift) > 0 {
			errs = append(errs, &DriftError{Paths: drift})
		}
		return nil, errors.Join(errs...)
	}

	if s.Commit != nil {
		if err := s.Commit(); err != nil {
			return nil, err
		}
	}
	if err := transact(t, s, changes); err != nil {
		return nil, err
	}
	res := &Result{}
	for _, c := range before {
		switch c.Action {
		case Create, Update:
			res.Written = append(res.Written, c.Path)
		case Delete:
			res.Deleted = append(res.Deleted, c.Path)
		}
	}
	return res, nil
}

// sweepFolders are where a killed apply can have left temporaries: the
// folders of every planned and every manifest path. (Those of the
// interrupted apply's own journal are swept by its recovery.)
func sweepFolders(s *Set, old *Manifest) []string {
	set := map[string]bool{".": true}
	for _, f := range s.Files {
		set[path.Dir(f.Path)] = true
	}
	if old != nil {
		for p := range old.Files {
			set[path.Dir(p)] = true
		}
	}
	return sortedKeys(set)
}

// op is one journal entry with the bytes it needs.
type op struct {
	entry
	data    []byte
	mode    fs.FileMode
	old     []byte
	oldMode fs.FileMode
	// staged: the temporary and the copy of the replaced file exist.
	staged bool
}

// stagers is how many files are staged at once. Each is written and
// synced on its own; syncing many at once lets the file system commit
// them together (a journaling file system groups concurrent syncs)
// instead of paying one disk flush per file, the cost that dominated an
// apply of a large deployment.
const stagers = 16

// stage writes every op's temporary and keeps a copy of each file it
// replaces or removes, several at a time; it returns the first error in
// op order, after every started op has ended.
func stage(t *tree, ops []*op) error {
	errs := make([]error, len(ops))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(stagers, len(ops)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = stageOne(t, ops[i])
			}
		}()
	}
	for i := range ops {
		next <- i
	}
	close(next)
	wg.Wait()
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func stageOne(t *tree, o *op) error {
	folder := t.abs(path.Dir(o.Path))
	if o.New != "" {
		name, err := atomicfile.CreateTemp(folder, o.data, o.mode)
		if err != nil {
			return fmt.Errorf("writing %s: %w", o.Path, err)
		}
		o.Temp = filepath.Base(name)
	}
	switch {
	case o.Old != "" && o.New != "":
		name, err := keepPrevious(folder, t.abs(o.Path), o.old, o.oldMode)
		if err != nil {
			return fmt.Errorf("keeping a copy of %s: %w", o.Path, err)
		}
		o.Backup = name
	case o.New == "":
		name, err := freeTempName(folder)
		if err != nil {
			return err
		}
		o.Backup = name
	}
	o.staged = true
	return nil
}

// transact carries out the changes (and the manifest) as one journaled
// transaction; on failure the directory is as it was before.
func transact(t *tree, s *Set, changes []Change) error {
	modes := map[string]fs.FileMode{}
	for _, f := range s.Files {
		modes[f.Path] = f.Mode
	}
	var ops, deletes []*op
	for _, c := range changes {
		switch c.Action {
		case Create, Update:
			o := &op{entry: entry{Path: c.Path, New: Digest(c.New)}, data: c.New, mode: modes[c.Path]}
			if c.Action == Update {
				o.Old, o.old, o.oldMode = Digest(c.Old), c.Old, c.oldMode
			}
			ops = append(ops, o)
		case Delete:
			deletes = append(deletes, &op{entry: entry{Path: c.Path, Old: Digest(c.Old)}})
		}
	}
	ops = append(ops, deletes...)
	manifest := s.ManifestBytes()
	cur, curMode, exists, err := t.read(ManifestName)
	if err != nil {
		return err
	}
	if !exists || !bytes.Equal(cur, manifest) {
		// Renamed last, so a reader that trusts the manifest finds the
		// files it lists.
		o := &op{entry: entry{Path: ManifestName, New: Digest(manifest)}, data: manifest, mode: 0o644}
		if exists {
			o.Old, o.old, o.oldMode = Digest(cur), cur, curMode
		}
		ops = append(ops, o)
	}
	if len(ops) == 0 {
		return nil
	}

	j := &journal{FormatVersion: "1", Phase: phaseStaging}
	folders := map[string]bool{".": true}
	created := map[string]bool{}
	for _, o := range ops {
		folders[path.Dir(o.Path)] = true
		missing, err := t.folders(o.Path)
		if err != nil {
			return err
		}
		for _, d := range missing {
			created[d] = true
			folders[d] = true
		}
	}
	j.Folders = sortedKeys(folders)
	j.Created = sortedKeys(created)
	// Outermost first: each made after its parent.
	sort.SliceStable(j.Created, func(a, b int) bool {
		return strings.Count(j.Created[a], "/") < strings.Count(j.Created[b], "/")
	})

	// 1. The staging journal, before anything else changes.
	if err := writeJournal(t, j); err != nil {
		return err
	}
	abort := func(err error) error {
		if rerr := recoverJournal(t, j); rerr != nil {
			return fmt.Errorf("%w; restoring the previous artifacts failed too (%v): the next apply restores them from %s", err, rerr, t.show(journalName))
		}
		return fmt.Errorf("%w; the artifacts are as they were", err)
	}
	// 2. Folders, temporaries, copies of what they replace; synced.
	for _, d := range j.Created {
		if err := os.Mkdir(t.abs(d), 0o755); err != nil {
			return abort(err)
		}
	}
	if err := stage(t, ops); err != nil {
		// Entries name what was staged, for the abort to remove; a
		// temporary an op made before failing is swept by the next run.
		for _, o := range ops {
			if o.staged {
				j.Entries = append(j.Entries, o.entry)
			}
		}
		return abort(err)
	}
	for _, o := range ops {
		j.Entries = append(j.Entries, o.entry)
	}
	if err := t.syncFolders(folders); err != nil {
		return abort(err)
	}
	// 3. The renames, recorded before the first is made.
	j.Phase = phaseRenaming
	if err := writeJournal(t, j); err != nil {
		return abort(err)
	}
	// 4. The renames, the manifest last.
	for _, o := range ops {
		from, to := t.abs(o.temp()), t.abs(o.Path)
		if o.New == "" {
			from, to = t.abs(o.Path), t.abs(o.backup())
		}
		if err := rename(from, to); err != nil {
			return abort(fmt.Errorf("renaming %s into place: %w", o.Path, err))
		}
	}
	if err := t.syncFolders(folders); err != nil {
		return abort(err)
	}
	// 5. Done: from here on a crash keeps the new artifacts.
	j.Phase = phaseDone
	if err := writeJournal(t, j); err != nil {
		// The journal on disk may say renaming or done; this one says
		// renaming, and undoes every rename made.
		j.Phase = phaseRenaming
		return abort(err)
	}
	// The apply is complete; removing the copies and the journal can
	// only fail for reasons the next apply retries.
	_ = recoverJournal(t, j)
	return nil
}

// keepPrevious keeps the file final under a temporary name in folder
// and returns that name: a second hard link where the file system has
// them (nothing to write or sync but the folder, synced anyway), else a
// synced copy of its bytes.
func keepPrevious(folder, final string, old []byte, mode fs.FileMode) (string, error) {
	name, err := freeTempName(folder)
	if err != nil {
		return "", err
	}
	if link(final, filepath.Join(folder, name)) == nil {
		return name, nil
	}
	tmp, err := atomicfile.CreateTemp(folder, old, mode)
	if err != nil {
		return "", err
	}
	return filepath.Base(tmp), nil
}

// freeTempName picks a temporary file name not used in folder, for a
// file renamed aside.
func freeTempName(folder string) (string, error) {
	for range 10 {
		name := strings.Replace(atomicfile.TempPattern, "*", rand.Text(), 1)
		if _, err := os.Lstat(filepath.Join(folder, name)); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("no free temporary file name in %s", folder)
}
