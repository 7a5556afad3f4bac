// Package artifacts compares a rendered set of files with an artifacts
// directory and writes it: every file atomically, all or nothing even
// across a crash, under a lock, refusing to overwrite files edited by
// hand (drift) or never written by mobplan (unmanaged) unless forced.
//
// The directory's manifest.json records the sha256 of every file mobplan
// wrote; a file whose bytes no longer match is drift, a file at a
// planned path that no manifest lists is the user's. Nothing below the
// directory is followed through a link, and every path read from a
// manifest or journal is checked like a generated one: no write or
// delete can reach outside the directory.
package artifacts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/mobplan/mobplan/internal/atomicfile"
	"github.com/mobplan/mobplan/internal/parallel"
)

// ManifestName is the manifest's path inside the artifacts directory.
const ManifestName = "manifest.json"

// lockName is the lock file that keeps two applies apart.
const lockName = ".mobplan.lock"

// reservedPrefix starts every name mobplan keeps for itself in the
// artifacts directory: the lock, the journal and the temporary files.
const reservedPrefix = ".mobplan"

// Manifest describes what apply wrote.
type Manifest struct {
	FormatVersion string `json:"format_version"`
	ToolVersion   string `json:"tool_version"`
	// InputDigest is the sha256 of the canonical topology value.
	InputDigest string `json:"input_digest"`
	// AllowErrors records that apply wrote a topology with validation
	// errors (--allow-errors), for reproducing a broken deployment.
	AllowErrors bool `json:"allow_errors,omitempty"`
	// Files maps each generated file's path to its sha256.
	Files map[string]string `json:"files"`
}

// File is one file to write, by slash-separated relative path.
type File struct {
	Path string
	Data []byte
	Mode fs.FileMode
	// Pending says why the bytes are known only at apply (plan makes no
	// keys, so a CSR needing a new key is pending); Data is nil.
	Pending string
	// Sum, set by a rendering made only to be compared (a plan that
	// reports, or saves its digests), is the sha256 of bytes it did not
	// keep: Data is nil. Such a set is never applied.
	Sum string
}

// Digest is the sha256 of the file's bytes, kept or not.
func (f File) Digest() string {
	if f.Sum != "" {
		return f.Sum
	}
	return Digest(f.Data)
}

// Set is a complete rendering: the files and the manifest describing them.
type Set struct {
	Files    []File
	Manifest Manifest
	// Commit, when set, runs under the lock once every check has passed,
	// before any artifact is written: apply stores the private keys it
	// made (and the lab passwords) there, so a refused apply stores none.
	Commit func() error
}

// HasPending reports whether some file's bytes are known only at apply:
// such a set can be shown, never applied.
func (s *Set) HasPending() bool {
	for _, f := range s.Files {
		if f.Pending != "" {
			return true
		}
	}
	return false
}

// DigestsOnly reports whether the set keeps digests in place of some
// files' bytes (File.Sum): it can be compared, not applied.
func (s *Set) DigestsOnly() bool {
	for _, f := range s.Files {
		if f.Sum != "" {
			return true
		}
	}
	return false
}

// NewSet sorts files, checks their paths, and builds the manifest.
func NewSet(files []File, m Manifest) (*Set, error) {
	seen := map[string]bool{}
	m.Files = map[string]string{}
	out := make([]File, 0, len(files))
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return nil, err
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("two generators produce %s", f.Path)
		}
		seen[f.Path] = true
		if f.Mode == 0 {
			f.Mode = 0o644
		}
		m.Files[f.Path] = f.Digest()
		out = append(out, f)
	}
	// A file and a folder of the same name cannot both exist.
	for p := range seen {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if seen[d] {
				return nil, fmt.Errorf("%s is planned both as a file and as the folder of %s", d, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if m.FormatVersion == "" {
		m.FormatVersion = "1"
	}
	return &Set{Files: out, Manifest: m}, nil
}

// checkPath is the one rule for a path inside the artifacts directory,
// whoever names it (a generator, a manifest, a journal): relative,
// slash-separated, clean, not climbing out, not one of mobplan's own
// names, no colon (a drive or an alternate data stream on Windows).
func checkPath(p string) error {
	if p == "" || p == "." || path.IsAbs(p) || strings.ContainsAny(p, `\:`) || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." || p == ManifestName {
		return fmt.Errorf("invalid artifact path %q", p)
	}
	for _, part := range strings.Split(p, "/") {
		if strings.HasPrefix(part, reservedPrefix) {
			return fmt.Errorf("invalid artifact path %q: names starting with %q are mobplan's own", p, reservedPrefix)
		}
	}
	return nil
}

// Digest is the hex sha256 of data.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func isDigest(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// ManifestBytes renders the manifest deterministically.
func (s *Set) ManifestBytes() []byte {
	b, _ := json.MarshalIndent(s.Manifest, "", "  ")
	return append(b, '\n')
}

// Action is what apply would do to one file.
type Action string

const (
	Create    Action = "create"
	Update    Action = "update"
	Delete    Action = "delete"
	Unchanged Action = "unchanged"
)

// Change is one file's planned action. Drift marks a file whose bytes on
// disk differ from what the manifest says mobplan wrote; Unmanaged a
// file at a planned path that no manifest lists (the user's own), which
// apply would overwrite. Apply refuses both without force.
type Change struct {
	Path      string `json:"path"`
	Action    Action `json:"action"`
	Drift     bool   `json:"drift,omitempty"`
	Unmanaged bool   `json:"unmanaged,omitempty"`
	// Pending says why the new bytes are made only by apply.
	Pending string `json:"pending,omitempty"`
	// Old is the file's bytes on disk, for a file updated or deleted
	// (nil for one unchanged: nothing reads them, and a large
	// deployment's artifacts would be held twice).
	Old []byte `json:"-"`
	New []byte `json:"-"`
	// oldMode is the mode of the file on disk, kept with its backup.
	oldMode fs.FileMode
}

// Diff compares the set with the directory dir (which may not exist).
// It writes nothing. The actions compare with the files as they are on
// disk; when an interrupted apply left its journal, hand edits and the
// user's files are judged by the state the next apply rolls back to
// first, so a half-finished apply is neither hidden nor called drift.
func Diff(dir string, s *Set) ([]Change, *Manifest, error) { return DiffKnowing(dir, s, nil) }

// DiffKnowing is Diff for a set kept as digests, taking the digest of
// a file st lists from st (read while the topology was checked) instead
// of hashing it again when the file is still the one st hashed: the same
// file (device and inode, or Windows' file index), size, mode and
// modification time, and not modified just before st read it. st is
// used at all only while dir is as st found it: no apply's journal, and
// the very manifest st read. For a set with bytes, or st nil, it is
// Diff.
func DiffKnowing(dir string, s *Set, st *State) ([]Change, *Manifest, error) {
	t, err := openTree(dir)
	if err != nil {
		return nil, nil, err
	}
	j, err := readJournal(t)
	if err != nil {
		return nil, nil, err
	}
	if j != nil {
		// A journal under a held lock is an apply at work, not one
		// interrupted: its files are moving.
		held, err := atomicfile.Held(t.abs(lockName))
		if err != nil {
			return nil, nil, err
		}
		if held {
			return nil, nil, fmt.Errorf("another apply is writing %s now; try again once it has finished", dir)
		}
	}
	if !s.DigestsOnly() {
		st = nil
	}
	return diff(t, s, j, st)
}

// Diff compares the set with the locked directory. Holding the lock, a
// journal there is an interrupted apply's, which Apply rolls back first:
// the changes are judged against the state it restores, as Diff does.
func (l *DirLock) Diff(s *Set) ([]Change, *Manifest, error) {
	j, err := readJournal(l.t)
	if err != nil {
		return nil, nil, err
	}
	return diff(l.t, s, j, nil)
}

// diff compares; early, when set, holds digests of files on disk that
// need not be hashed again while the manifest is the one it read.
func diff(t *tree, s *Set, j *journal, early *State) ([]Change, *Manifest, error) {
	// pending are the entries an interrupted apply may have half done;
	// the bytes each path held before it are its Old digest.
	pending := map[string]entry{}
	manifestBytes, _, haveManifest, err := t.read(ManifestName)
	if err != nil {
		return nil, nil, err
	}
	if j != nil && j.Phase == phaseRenaming {
		undos, err := inspect(t, j)
		if err != nil {
			return nil, nil, err
		}
		for i, e := range j.Entries {
			pending[e.Path] = e
			if e.Path != ManifestName {
				continue
			}
			switch undos[i] {
			case undoRestore:
				manifestBytes, _, haveManifest, err = t.read(e.backup())
				if err != nil {
					return nil, nil, err
				}
			case undoRemove:
				manifestBytes, haveManifest = nil, false
			}
		}
	}
	if early != nil && (j != nil || !haveManifest || !bytes.Equal(manifestBytes, early.Manifest)) {
		early = nil
	}
	// earlySum is the digest early holds of the file at p, as sum gives
	// it, when the file is still the one early hashed (the mode is only
	// for an apply's backups).
	earlySum := func(p string) (diskSum, bool) {
		if early == nil {
			return diskSum{}, false
		}
		now, err := t.stat(p)
		if err != nil {
			return diskSum{}, false // sum reports it
		}
		sum, ok := early.sumOf(p, now)
		return diskSum{sum: sum, exists: sum != ""}, ok
	}
	var old *Manifest
	if haveManifest {
		if old, err = parseManifest(t, manifestBytes); err != nil {
			return nil, nil, err
		}
	}
	// judge says whether path p is drift or the user's, by the bytes it
	// holds once any interrupted apply is rolled back.
	judge := func(p string, cur []byte, exists bool, known string) (drift, unmanaged bool, sum string, present bool) {
		sum, present = known, exists
		if sum == "" {
			sum = Digest(cur)
		}
		if e, ok := pending[p]; ok {
			sum, present = e.Old, e.Old != ""
		}
		if !present {
			return false, false, sum, false
		}
		if old != nil {
			if want, ok := old.Files[p]; ok {
				return want != sum, false, sum, true
			}
		}
		return false, true, sum, true
	}
	// Files kept as digests are compared by the digest of what is on
	// disk, hashed on every core; nothing is held whole.
	digestsOnly := s.DigestsOnly()
	sums := make([]diskSum, len(s.Files))
	if digestsOnly {
		parallel.For(len(s.Files), func(i int) {
			f := s.Files[i]
			if f.Sum == "" {
				return
			}
			if k, ok := earlySum(f.Path); ok {
				sums[i] = k
				return
			}
			sums[i].sum, sums[i].mode, sums[i].exists, sums[i].err = t.sum(f.Path)
		})
	}
	var changes []Change
	planned := map[string]bool{}
	for i, f := range s.Files {
		planned[f.Path] = true
		var cur []byte
		var mode fs.FileMode
		var exists bool
		curSum := ""
		if f.Sum != "" {
			curSum, mode, exists, err = sums[i].sum, sums[i].mode, sums[i].exists, sums[i].err
		} else {
			cur, mode, exists, err = t.read(f.Path)
		}
		if err != nil {
			return nil, nil, err
		}
		c := Change{Path: f.Path, Action: Create, New: f.Data, Pending: f.Pending}
		if exists {
			c.Action, c.Old, c.oldMode = Unchanged, cur, mode
			same := bytes.Equal(cur, f.Data)
			if f.Sum != "" {
				same = curSum == f.Sum
			}
			if !same || f.Pending != "" {
				c.Action = Update
			}
		}
		// A file that holds the planned bytes has the planned digest.
		known := curSum
		if c.Action == Unchanged {
			known = s.Manifest.Files[f.Path]
		}
		drift, unmanaged, sum, _ := judge(f.Path, cur, exists, known)
		if c.Action == Unchanged {
			c.Old = nil
		}
		c.Drift = drift
		// A file of the user's that already holds the planned bytes is
		// not overwritten: it is adopted, not refused.
		c.Unmanaged = unmanaged && sum != f.Digest()
		changes = append(changes, c)
	}
	candidates := map[string]bool{}
	if old != nil {
		for p := range old.Files {
			candidates[p] = true
		}
	}
	for p, e := range pending {
		// A file the interrupted apply created goes with its rollback.
		if p != ManifestName && e.Old == "" {
			candidates[p] = true
		}
	}
	for _, p := range sortedKeys(candidates) {
		if planned[p] {
			continue
		}
		// A set that cannot be applied needs no file's bytes to delete.
		var cur []byte
		var mode fs.FileMode
		var exists bool
		known := ""
		if k, ok := earlySum(p); ok && digestsOnly {
			known, exists = k.sum, k.exists
		} else if digestsOnly {
			known, mode, exists, err = t.sum(p)
		} else {
			cur, mode, exists, err = t.read(p)
		}
		if err != nil {
			return nil, nil, err
		}
		if !exists {
			continue
		}
		drift, _, _, _ := judge(p, cur, exists, known)
		changes = append(changes, Change{Path: p, Action: Delete, Old: cur, oldMode: mode, Drift: drift})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, old, nil
}

// ReadManifest reads dir's manifest; nil when there is none. A manifest
// naming a path outside the directory is refused as corrupt.
func ReadManifest(dir string) (*Manifest, error) {
	t, err := openTree(dir)
	if err != nil {
		return nil, err
	}
	b, _, ok, err := t.read(ManifestName)
	if err != nil || !ok {
		return nil, err
	}
	return parseManifest(t, b)
}

func parseManifest(t *tree, b []byte) (*Manifest, error) {
	name := t.show(ManifestName)
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w (it was edited by hand; remove it to start afresh, then apply --force to take over the files it listed)", name, err)
	}
	for _, p := range sortedKeys(m.Files) {
		if err := checkPath(p); err != nil {
			return nil, fmt.Errorf("%s is corrupt: it lists %q, which is not a path mobplan writes inside the artifacts directory; nothing was written or deleted (restore it from version control, or remove it and apply --force)", name, p)
		}
		if !isDigest(m.Files[p]) {
			return nil, fmt.Errorf("%s is corrupt: the digest of %q is not a sha256; nothing was written or deleted (restore it from version control, or remove it and apply --force)", name, p)
		}
	}
	return &m, nil
}

// DriftError lists the hand-edited files apply refused to overwrite.
type DriftError struct{ Paths []string }

func (e *DriftError) Error() string {
	return fmt.Sprintf("%d generated file(s) were edited by hand: %s; apply --force overwrites them", len(e.Paths), strings.Join(e.Paths, ", "))
}

// UnmanagedError lists the files at planned paths that no manifest
// lists: mobplan never wrote them, so they are the user's.
type UnmanagedError struct {
	Dir   string
	Paths []string
}

func (e *UnmanagedError) Error() string {
	return fmt.Sprintf("%d file(s) in %s were not written by mobplan (no manifest lists them) and would be overwritten: %s; move them away, or apply --force to overwrite them", len(e.Paths), e.Dir, strings.Join(e.Paths, ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
