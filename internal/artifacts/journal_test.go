package artifacts

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// snapshot is every entry under dir but the lock file: a file's bytes
// and mode, or "<dir>" for a folder.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == "." || rel == lockName:
		case d.IsDir():
			out[rel] = "<dir>"
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fi, _ := d.Info()
			mode := fi.Mode().Perm()
			if runtime.GOOS == "windows" {
				mode = 0
			}
			out[rel] = fmt.Sprintf("%v %q", mode, b)
		default:
			out[rel] = d.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var diffs []string
	for _, k := range sortedKeys(keys) {
		if got[k] != want[k] {
			diffs = append(diffs, fmt.Sprintf("  %s: got %s, want %s", k, orNone(got[k]), orNone(want[k])))
		}
	}
	t.Fatalf("%s:\n%s", what, strings.Join(diffs, "\n"))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// transition is a previous and a next set exercising every kind of
// change: update (with a new mode), unchanged, create in new nested
// folders, create at the top, delete (emptying a folder), delete at the
// top, and the manifest.
func transition(t *testing.T) (v1, v2 *Set) {
	t.Helper()
	mk := func(files ...File) *Set {
		s, err := NewSet(files, Manifest{ToolVersion: "test", InputDigest: "abc"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	v1 = mk(
		File{Path: "a/x.txt", Data: []byte("x1\n")},
		File{Path: "a/keep.txt", Data: []byte("keep\n")},
		File{Path: "b/old.txt", Data: []byte("old\n")},
		File{Path: "gone.txt", Data: []byte("gone\n")},
		File{Path: "m.txt", Data: []byte("m1\n"), Mode: 0o600},
	)
	v2 = mk(
		File{Path: "a/x.txt", Data: []byte("x2\n")},
		File{Path: "a/keep.txt", Data: []byte("keep\n")},
		File{Path: "n/new/deep.txt", Data: []byte("deep\n")},
		File{Path: "top.txt", Data: []byte("top\n")},
		File{Path: "m.txt", Data: []byte("m2\n"), Mode: 0o640},
		File{Path: "empty.txt", Data: []byte{}},
	)
	return v1, v2
}

// applied is a fresh directory holding s, and its snapshot.
func applied(t *testing.T, s *Set) (string, map[string]string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "artifacts")
	if _, err := Apply(dir, s, false); err != nil {
		t.Fatal(err)
	}
	return dir, snapshot(t, dir)
}

// withRename replaces the rename seam for the test.
func withRename(t *testing.T, f func(string, string) error) {
	t.Helper()
	saved := rename
	rename = f
	t.Cleanup(func() { rename = saved })
}

// countRenames is how many renames applying next over prev makes.
func countRenames(t *testing.T, prev, next *Set) int {
	t.Helper()
	dir, _ := applied(t, prev)
	n := 0
	withRename(t, func(a, b string) error { n++; return atomicfile.Rename(a, b) })
	if _, err := Apply(dir, next, false); err != nil {
		t.Fatal(err)
	}
	rename = atomicfile.Rename
	return n
}

// TestFailedRenameRestoresPrevious fails the Nth rename of an apply, for
// every N, and expects exactly the previous artifacts afterwards (bytes,
// modes, manifest, no temporaries, no journal, no new folders), then a
// clean apply. No permission tricks: it runs as root too.
func TestFailedRenameRestoresPrevious(t *testing.T) {
	v1, v2 := transition(t)
	total := countRenames(t, v1, v2)
	// Three journal writes and one rename per change.
	if total < 10 {
		t.Fatalf("only %d renames: the transition exercises too little", total)
	}
	_, want2 := applied(t, v2)
	for _, kept := range []string{"link", "copy"} {
		if kept == "copy" {
			// No hard links: the replaced files are kept as copies.
			link = func(string, string) error { return errors.ErrUnsupported }
			t.Cleanup(func() { link = os.Link })
		}
		for n := 1; n <= total; n++ {
			t.Run(fmt.Sprintf("%s/%d", kept, n), func(t *testing.T) {
				dir, want1 := applied(t, v1)
				calls := 0
				withRename(t, func(a, b string) error {
					calls++
					if calls == n {
						return fmt.Errorf("injected failure of rename %d", n)
					}
					return atomicfile.Rename(a, b)
				})
				_, err := Apply(dir, v2, false)
				if err == nil {
					t.Fatalf("apply succeeded despite the failure of rename %d", n)
				}
				if err != nil {
					if !strings.Contains(err.Error(), "injected failure") {
						t.Fatalf("error does not carry the cause: %v", err)
					}
					sameSnapshot(t, "after a failed apply", snapshot(t, dir), want1)
				}
				rename = atomicfile.Rename
				if _, err := Apply(dir, v2, false); err != nil {
					t.Fatalf("apply after the failure: %v", err)
				}
				sameSnapshot(t, "after the next apply", snapshot(t, dir), want2)
			})
		}
	}
}

// crash runs Apply and stops it dead at its Nth rename (after making
// it), as a SIGKILL would: no rollback, no cleanup; only the lock is
// released, as the kernel releases it. It reports whether it stopped.
func crash(t *testing.T, dir string, s *Set, n int) bool {
	t.Helper()
	calls := 0
	stopped := true
	withRename(t, func(a, b string) error {
		err := atomicfile.Rename(a, b)
		calls++
		if calls == n {
			runtime.Goexit()
		}
		return err
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := Apply(dir, s, false); err != nil {
			t.Errorf("apply before the crash: %v", err)
		}
		stopped = false
	}()
	wg.Wait()
	rename = atomicfile.Rename
	return stopped
}

// TestCrashIsRecovered stops an apply after its Nth rename, for every
// N, leaving its journal; then Diff must work and call nothing drift,
// and the next Apply (of either topology) must report what Diff said
// and leave exactly that topology's artifacts and nothing else. A crash
// during that recovery is recovered in turn.
func TestCrashIsRecovered(t *testing.T) {
	v1, v2 := transition(t)
	total := countRenames(t, v1, v2)
	_, want := applied(t, v2)
	_, want1 := applied(t, v1)
	states := map[*Set]map[string]string{v1: want1, v2: want}
	for n := 1; n <= total; n++ {
		for _, next := range []*Set{v1, v2} {
			name := fmt.Sprintf("%d/then-v1", n)
			if next == v2 {
				name = fmt.Sprintf("%d/then-v2", n)
			}
			t.Run(name, func(t *testing.T) {
				dir, _ := applied(t, v1)
				if !crash(t, dir, v2, n) {
					t.Fatalf("rename %d never came", n)
				}
				cs, _, err := Diff(dir, next)
				if err != nil {
					t.Fatalf("diff after the crash: %v", err)
				}
				var written, deleted []string
				for _, c := range cs {
					if c.Drift || c.Unmanaged {
						t.Errorf("%s reported as drift or unmanaged after a crash: %+v", c.Path, c)
					}
					switch c.Action {
					case Create, Update:
						written = append(written, c.Path)
					case Delete:
						deleted = append(deleted, c.Path)
					}
				}
				res, err := Apply(dir, next, false)
				if err != nil {
					t.Fatalf("apply after the crash: %v", err)
				}
				if !slices.Equal(res.Written, written) || !slices.Equal(res.Deleted, deleted) {
					t.Errorf("apply did %v/%v, diff said %v/%v", res.Written, res.Deleted, written, deleted)
				}
				sameSnapshot(t, "after recovery", snapshot(t, dir), states[next])
			})
		}
	}
	// A crash while recovering from a crash.
	for n := 1; n <= total; n++ {
		dir, _ := applied(t, v1)
		crash(t, dir, v2, n)
		for m := 1; ; m++ {
			again := copyTree(t, dir)
			if !crash(t, again, v1, m) {
				sameSnapshot(t, fmt.Sprintf("crash %d, then a clean recovery", n), snapshot(t, again), want1)
				break
			}
			if _, err := Apply(again, v1, false); err != nil {
				t.Fatalf("crash at %d, again at %d while recovering: %v", n, m, err)
			}
			sameSnapshot(t, fmt.Sprintf("crash at %d, again at %d while recovering", n, m), snapshot(t, again), want1)
		}
	}
}

func copyTree(t *testing.T, dir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "artifacts")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		return os.WriteFile(filepath.Join(dst, rel), b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestStaleTemporariesRemoved: temporaries a killed apply left (before
// it wrote a journal, or from an older mobplan) are removed under the
// lock, and folders only they kept go with them.
func TestStaleTemporariesRemoved(t *testing.T) {
	v1, _ := transition(t)
	dir, want := applied(t, v1)
	for _, p := range []string{".mobplan-1.tmp", "a/.mobplan-2.tmp", "b/.mobplan-3.tmp"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("stale"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A folder holding nothing but a killed apply's temporary.
	if err := os.MkdirAll(filepath.Join(dir, "b", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b", "c", ".mobplan-4.tmp"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	j := &journal{FormatVersion: "1", Phase: phaseStaging, Folders: []string{".", "b/c"}, Created: []string{"b/c"}}
	tr, _ := openTree(dir)
	if err := writeJournal(tr, j); err != nil {
		t.Fatal(err)
	}
	res, err := Apply(dir, v1, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written)+len(res.Deleted) > 0 {
		t.Errorf("wrote %v", res)
	}
	sameSnapshot(t, "after sweeping", snapshot(t, dir), want)
}

// TestLockHeld holds the directory's lock as another apply would and
// expects Apply to fail at once with the lock error, changing nothing.
func TestLockHeld(t *testing.T) {
	v1, v2 := transition(t)
	dir, want := applied(t, v1)
	l, err := atomicfile.Lock(filepath.Join(dir, lockName))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Apply(dir, v2, false)
	if !errors.Is(err, atomicfile.ErrLocked) || !strings.Contains(err.Error(), "another apply is writing") {
		t.Fatalf("apply under a held lock: %v", err)
	}
	sameSnapshot(t, "after a refused apply", snapshot(t, dir), want)
	// With a journal, a held lock is an apply at work: Diff says so
	// rather than judging files in motion.
	tr, _ := openTree(dir)
	if err := writeJournal(tr, &journal{FormatVersion: "1", Phase: phaseStaging, Folders: []string{"."}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Diff(dir, v2); err == nil || !strings.Contains(err.Error(), "another apply is writing") {
		t.Errorf("diff during an apply: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(dir, v2, false); err != nil {
		t.Fatal(err)
	}
}

// TestForgedJournalIsRefused: a journal mobplan cannot have written is
// never acted on, whether it names a path outside the artifacts or
// claims a file the user holds.
func TestForgedJournalIsRefused(t *testing.T) {
	v1, _ := transition(t)
	base := t.TempDir()
	victim := filepath.Join(base, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	digest := Digest([]byte("precious\n"))
	cases := map[string]journal{
		"outside": {FormatVersion: "1", Phase: phaseRenaming, Folders: []string{".", ".."},
			Entries: []entry{{Path: "../victim.txt", Temp: ".mobplan-x.tmp", New: digest}}},
		"temporary outside": {FormatVersion: "1", Phase: phaseRenaming, Folders: []string{"."},
			Entries: []entry{{Path: "notes.txt", Temp: "../victim.txt", New: digest}}},
		// The user's own file, claimed as one the apply created: its
		// bytes are not the ones recorded, so it is not removed.
		"user's file": {FormatVersion: "1", Phase: phaseRenaming, Folders: []string{"."},
			Entries: []entry{{Path: "notes.txt", Temp: ".mobplan-x.tmp", New: Digest([]byte("other"))}}},
	}
	for name, j := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(base, "artifacts")
			os.RemoveAll(dir)
			if _, err := Apply(dir, v1, false); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("precious\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			want := snapshot(t, dir)
			tr, _ := openTree(dir)
			if err := writeJournal(tr, &j); err != nil {
				t.Fatal(err)
			}
			want[journalName] = snapshot(t, dir)[journalName]
			if _, _, err := Diff(dir, v1); err == nil {
				t.Error("diff accepted the journal")
			}
			if _, err := Apply(dir, v1, true); err == nil {
				t.Error("apply accepted the journal")
			}
			sameSnapshot(t, "after a forged journal", snapshot(t, dir), want)
			if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
				t.Fatal("the file outside was changed")
			}
		})
	}
}

func TestJournalOrderIsStable(t *testing.T) {
	// The created folders are made outermost first.
	_, v2 := transition(t)
	dir := filepath.Join(t.TempDir(), "artifacts")
	var journals []journal
	withRename(t, func(a, b string) error {
		if filepath.Base(b) == journalName {
			tr, _ := openTree(dir)
			if err := atomicfile.Rename(a, b); err != nil {
				return err
			}
			j, err := readJournal(tr)
			if err != nil {
				return err
			}
			journals = append(journals, *j)
			return nil
		}
		return atomicfile.Rename(a, b)
	})
	if _, err := Apply(dir, v2, false); err != nil {
		t.Fatal(err)
	}
	if len(journals) != 3 {
		t.Fatalf("%d journals written, want staging, renaming, done", len(journals))
	}
	phases := []string{journals[0].Phase, journals[1].Phase, journals[2].Phase}
	if !slices.Equal(phases, []string{phaseStaging, phaseRenaming, phaseDone}) {
		t.Errorf("phases %v", phases)
	}
	if c := journals[0].Created; !slices.Equal(c, []string{"a", "n", "n/new"}) {
		t.Errorf("created folders %v", c)
	}
	entries := journals[1].Entries
	if last := entries[len(entries)-1]; last.Path != ManifestName {
		t.Errorf("the manifest is renamed at %s, not last", last.Path)
	}
	paths := make([]string, len(entries))
	for i, e := range entries {
		paths[i] = e.Path
	}
	if !sort.StringsAreSorted(paths[:len(paths)-1]) {
		t.Errorf("entries not in order: %v", paths)
	}
}
