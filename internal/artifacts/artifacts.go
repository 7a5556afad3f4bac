// Package artifacts compares a rendered set of files with an artifacts
// directory and writes it: every file atomically, all or nothing, under a
// lock, refusing to overwrite files edited by hand (drift) unless forced.
//
// The directory's manifest.json records the sha256 of every file mobplan
// wrote; a file whose bytes no longer match is drift.
package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// ManifestName is the manifest's path inside the artifacts directory.
const ManifestName = "manifest.json"

// lockName is the lock file that keeps two applies apart.
const lockName = ".mobplan.lock"

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
}

// Set is a complete rendering: the files and the manifest describing them.
type Set struct {
	Files    []File
	Manifest Manifest
	// Commit, when set, runs under the lock once every check has passed
	// and every file is staged, before the first rename: apply stores the
	// private keys it made there, so a refused apply stores none.
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
		m.Files[f.Path] = Digest(f.Data)
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if m.FormatVersion == "" {
		m.FormatVersion = "1"
	}
	return &Set{Files: out, Manifest: m}, nil
}

func checkPath(p string) error {
	if p == "" || path.IsAbs(p) || strings.Contains(p, `\`) || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." || p == ManifestName || p == lockName {
		return fmt.Errorf("invalid artifact path %q", p)
	}
	return nil
}

// Digest is the hex sha256 of data.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
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
// disk differ from what the manifest says mobplan wrote.
type Change struct {
	Path   string `json:"path"`
	Action Action `json:"action"`
	Drift  bool   `json:"drift,omitempty"`
	// Pending says why the new bytes are made only by apply.
	Pending string `json:"pending,omitempty"`
	Old     []byte `json:"-"`
	New     []byte `json:"-"`
}

// Diff compares the set with the directory dir (which may not exist).
func Diff(dir string, s *Set) ([]Change, *Manifest, error) {
	old, err := ReadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	var changes []Change
	planned := map[string]bool{}
	for _, f := range s.Files {
		planned[f.Path] = true
		cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{Path: f.Path, Action: Create, New: f.Data, Pending: f.Pending})
			continue
		case err != nil:
			return nil, nil, err
		}
		c := Change{Path: f.Path, Action: Unchanged, Old: cur, New: f.Data, Pending: f.Pending}
		if string(cur) != string(f.Data) || f.Pending != "" {
			c.Action = Update
		}
		if old != nil {
			if want, ok := old.Files[f.Path]; ok && want != Digest(cur) {
				c.Drift = true
			}
		}
		changes = append(changes, c)
	}
	if old != nil {
		for _, p := range sortedKeys(old.Files) {
			if planned[p] {
				continue
			}
			cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			changes = append(changes, Change{Path: p, Action: Delete, Old: cur, Drift: old.Files[p] != Digest(cur)})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, old, nil
}

// ReadManifest reads dir's manifest; nil when there is none.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w (it was edited by hand; remove it to start afresh)", filepath.Join(dir, ManifestName), err)
	}
	return &m, nil
}

// DriftError lists the hand-edited files apply refused to overwrite.
type DriftError struct{ Paths []string }

func (e *DriftError) Error() string {
	return fmt.Sprintf("%d generated file(s) were edited by hand: %s; apply --force overwrites them", len(e.Paths), strings.Join(e.Paths, ", "))
}

// Result says what Apply did.
type Result struct {
	Written []string
	Deleted []string
}

// Apply makes dir hold exactly the set. It takes the directory's lock,
// refuses drift unless force, then writes every changed file to a
// temporary file beside it before renaming any: a failure before the
// renames leaves the previous artifacts untouched. Unchanged files are
// not touched; files the previous manifest listed and the set no longer
// has are removed; the manifest is written last.
func Apply(dir string, s *Set, force bool) (*Result, error) {
	if s.HasPending() {
		return nil, fmt.Errorf("this rendering has files made only at apply (it was rendered for plan); nothing written")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	changes, _, err := Diff(dir, s)
	if err != nil {
		return nil, err
	}
	var drift []string
	for _, c := range changes {
		if c.Drift && c.Action != Unchanged {
			drift = append(drift, c.Path)
		}
	}
	if len(drift) > 0 && !force {
		return nil, &DriftError{Paths: drift}
	}

	modes := map[string]fs.FileMode{}
	for _, f := range s.Files {
		modes[f.Path] = f.Mode
	}
	type staged struct{ tmp, final string }
	var stage []staged
	cleanup := func() {
		for _, st := range stage {
			os.Remove(st.tmp)
		}
	}
	res := &Result{}
	writeTemp := func(rel string, data []byte, mode fs.FileMode) error {
		final := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return err
		}
		tmp, err := writeSynced(filepath.Dir(final), data, mode)
		if err != nil {
			return fmt.Errorf("writing %s: %w", rel, err)
		}
		stage = append(stage, staged{tmp, final})
		return nil
	}
	for _, c := range changes {
		if c.Action == Create || c.Action == Update {
			if err := writeTemp(c.Path, c.New, modes[c.Path]); err != nil {
				cleanup()
				return nil, err
			}
			res.Written = append(res.Written, c.Path)
		}
	}
	manifest := s.ManifestBytes()
	oldManifest, _ := os.ReadFile(filepath.Join(dir, ManifestName))
	manifestChanged := string(oldManifest) != string(manifest)
	if manifestChanged {
		// Staged last, so it is renamed last.
		if err := writeTemp(ManifestName, manifest, 0o644); err != nil {
			cleanup()
			return nil, err
		}
	}
	if s.Commit != nil {
		if err := s.Commit(); err != nil {
			cleanup()
			return nil, err
		}
	}
	for i, st := range stage {
		if err := os.Rename(st.tmp, st.final); err != nil {
			for _, rest := range stage[i:] {
				os.Remove(rest.tmp)
			}
			return nil, fmt.Errorf("renaming into place: %w", err)
		}
	}
	for _, c := range changes {
		if c.Action == Delete {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(c.Path))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			res.Deleted = append(res.Deleted, c.Path)
			removeEmptyParents(dir, filepath.Dir(filepath.Join(dir, filepath.FromSlash(c.Path))))
		}
	}
	syncDir(dir)
	return res, nil
}

// writeSynced writes data to a new temporary file in dir and fsyncs it.
func writeSynced(dir string, data []byte, mode fs.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, ".mobplan-*.tmp")
	if err != nil {
		return "", err
	}
	name := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func removeEmptyParents(root, dir string) {
	for dir != root && strings.HasPrefix(dir, root) {
		if err := os.Remove(dir); err != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// lock takes an exclusive, non-blocking lock on dir's lock file.
func lock(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another apply is writing %s (lock %s held)", dir, lockName)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
