package artifacts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/mobplan/mobplan/internal/atomicfile"
)

// journalName is the intent record of an apply in progress, in the
// artifacts directory. While it exists the directory may be between two
// states; the next apply, under the lock, rolls it back before anything
// else, and Diff judges the files by the state it rolls back to.
//
// Rolling back rather than forward: an apply that did not report success
// has not happened, whatever stopped it (a crash, a kill, Ctrl-C, a full
// disk), so the folder is again exactly what the last complete apply
// wrote, and the user's next command decides what to write, as it would
// have without the interruption. Only once the journal says "done" (all
// renames made and synced) is the apply complete; then the next run
// merely finishes removing the backups.
const journalName = ".mobplan-journal.json"

// An apply moves its journal through three phases.
const (
	// phaseStaging: temporaries and backups are being written and new
	// folders made; no artifact has changed yet.
	phaseStaging = "staging"
	// phaseRenaming: every temporary and backup is written and synced,
	// and the renames may have begun.
	phaseRenaming = "renaming"
	// phaseDone: every rename is made and synced; what is left is
	// removing the backups.
	phaseDone = "done"
)

type journal struct {
	FormatVersion string `json:"format_version"`
	Phase         string `json:"phase"`
	// Folders are the folders the apply writes temporaries into, "."
	// for the artifacts directory itself.
	Folders []string `json:"folders"`
	// Created are the folders the apply made, outermost first.
	Created []string `json:"created_folders,omitempty"`
	// Entries are the renames, in the order they are made.
	Entries []entry `json:"entries,omitempty"`
}

// entry is one file the apply changes. Temp and Backup are base names in
// the folder of Path.
//
//	create: Temp is renamed to Path                  (Old "", Backup "")
//	update: Backup is a link to (or copy of) Path; Temp renamed over Path
//	delete: Path is renamed to Backup                (Temp "", New "")
//
// An update's previous file is kept by a second hard link (or a copy
// where links are not supported) rather than renamed aside, so a reader
// of Path finds the old file or the new one, never none.
type entry struct {
	Path   string `json:"path"`
	Temp   string `json:"temp,omitempty"`
	Backup string `json:"backup,omitempty"`
	// Old and New are the sha256 of Path's bytes before and after, ""
	// when it does not exist then.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

func (e entry) temp() string   { return path.Join(path.Dir(e.Path), e.Temp) }
func (e entry) backup() string { return path.Join(path.Dir(e.Path), e.Backup) }

// readJournal reads the directory's journal; nil when there is none. A
// journal that mobplan cannot have written is refused, never acted on.
func readJournal(t *tree) (*journal, error) {
	b, _, ok, err := t.read(journalName)
	if err != nil || !ok {
		return nil, err
	}
	corrupt := func(why string) error {
		return fmt.Errorf("%s is corrupt (%s): mobplan did not write it, so it cannot say how to recover; remove it, then check the artifacts with 'mobplan plan'", t.show(journalName), why)
	}
	var j journal
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, corrupt(err.Error())
	}
	if j.FormatVersion != "1" {
		return nil, corrupt(fmt.Sprintf("format version %q", j.FormatVersion))
	}
	switch j.Phase {
	case phaseStaging, phaseRenaming, phaseDone:
	default:
		return nil, corrupt(fmt.Sprintf("phase %q", j.Phase))
	}
	folders := map[string]bool{}
	for _, d := range j.Folders {
		if d != "." && checkPath(d) != nil {
			return nil, corrupt(fmt.Sprintf("folder %q", d))
		}
		folders[d] = true
	}
	for _, d := range j.Created {
		if checkPath(d) != nil || !folders[d] && !isParentOf(d, j.Folders) {
			return nil, corrupt(fmt.Sprintf("created folder %q", d))
		}
	}
	seen := map[string]bool{}
	for _, e := range j.Entries {
		if e.Path != ManifestName && checkPath(e.Path) != nil || seen[e.Path] {
			return nil, corrupt(fmt.Sprintf("path %q", e.Path))
		}
		seen[e.Path] = true
		if !folders[path.Dir(e.Path)] {
			return nil, corrupt(fmt.Sprintf("the folder of %q is not listed", e.Path))
		}
		for _, n := range []string{e.Temp, e.Backup} {
			if n != "" && (!atomicfile.IsTemp(n) || strings.ContainsAny(n, `/\:`)) {
				return nil, corrupt(fmt.Sprintf("temporary file %q", n))
			}
		}
		for _, d := range []string{e.Old, e.New} {
			if d != "" && !isDigest(d) {
				return nil, corrupt(fmt.Sprintf("digest %q", d))
			}
		}
		create := e.Temp != "" && e.Backup == "" && e.Old == "" && e.New != ""
		update := e.Temp != "" && e.Backup != "" && e.Old != "" && e.New != "" && e.Temp != e.Backup
		del := e.Temp == "" && e.Backup != "" && e.Old != "" && e.New == ""
		if !create && !update && !del {
			return nil, corrupt(fmt.Sprintf("entry for %q", e.Path))
		}
	}
	return &j, nil
}

func isParentOf(d string, folders []string) bool {
	for _, f := range folders {
		if strings.HasPrefix(f, d+"/") {
			return true
		}
	}
	return false
}

// writeJournal replaces the journal, durably: once it returns, a crash
// recovers by this journal. It renames through the rename seam, so a
// test's injected failure can strike it too.
func writeJournal(t *tree, j *journal) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := atomicfile.CreateTemp(t.root, append(b, '\n'), 0o644)
	if err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	if err := rename(tmp, t.abs(journalName)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the journal: %w", err)
	}
	return atomicfile.SyncDir(t.root)
}

// undo is what rolling back one entry takes.
type undo int

const (
	// undoNothing: the path holds its previous bytes (never renamed, or
	// already restored).
	undoNothing undo = iota
	// undoRestore: the backup holds the previous bytes; rename it back.
	undoRestore
	// undoRemove: the path was created by the apply; remove it.
	undoRemove
)

// inspect finds how far each entry of a renaming journal got, checking
// that every file is in a state the apply can have left: the previous
// bytes, the new ones, or (for a backup) the previous ones. Anything
// else (a file edited since, a forged journal) is refused before
// anything is changed, so a rollback never overwrites or removes bytes
// that mobplan did not write.
func inspect(t *tree, j *journal) ([]undo, error) {
	out := make([]undo, len(j.Entries))
	for i, e := range j.Entries {
		cur, err := t.digest(e.Path)
		if err != nil {
			return nil, err
		}
		tempThere := false
		if e.Temp != "" {
			fi, err := t.stat(e.temp())
			if err != nil {
				return nil, err
			}
			tempThere = fi != nil
		}
		backup := ""
		if e.Backup != "" {
			if backup, err = t.digest(e.backup()); err != nil {
				return nil, err
			}
		}
		mismatch := func() ([]undo, error) {
			return nil, fmt.Errorf("%s does not hold what the interrupted apply recorded in %s (changed since?): move it away, or remove the journal to keep the files as they are, then run 'mobplan plan'", t.show(e.Path), t.show(journalName))
		}
		switch {
		case e.Temp != "" && tempThere:
			// Not renamed in yet.
			if cur != e.Old {
				return mismatch()
			}
			out[i] = undoNothing
		case e.Temp != "" && cur == e.New:
			// Renamed in: put the previous bytes back.
			switch {
			case e.Old == "":
				out[i] = undoRemove
			case backup == e.Old:
				out[i] = undoRestore
			default:
				return nil, fmt.Errorf("the previous bytes of %s are missing or damaged in %s; restore the artifacts from version control, then remove %s", t.show(e.Path), t.show(e.backup()), t.show(journalName))
			}
		case e.Temp != "" && cur == e.Old:
			// Already restored by an earlier rollback.
			out[i] = undoNothing
		case e.Temp == "" && backup != "":
			// Renamed aside by a delete.
			if cur != "" || backup != e.Old {
				return mismatch()
			}
			out[i] = undoRestore
		case e.Temp == "" && cur == e.Old:
			out[i] = undoNothing
		default:
			return mismatch()
		}
	}
	return out, nil
}

// recoverJournal returns the directory to the state before the apply the
// journal describes (or, once it is done, finishes it), then removes
// the journal. It is idempotent: a crash while it runs is recovered by
// running it again.
func recoverJournal(t *tree, j *journal) error {
	touched := map[string]bool{".": true}
	if j.Phase == phaseRenaming {
		undos, err := inspect(t, j)
		if err != nil {
			return err
		}
		// Backwards: the manifest, renamed last, goes back first.
		for i := len(j.Entries) - 1; i >= 0; i-- {
			e := j.Entries[i]
			switch undos[i] {
			case undoRestore:
				if err := rename(t.abs(e.backup()), t.abs(e.Path)); err != nil {
					return fmt.Errorf("restoring %s: %w", t.show(e.Path), err)
				}
			case undoRemove:
				if err := atomicfile.Remove(t.abs(e.Path)); err != nil {
					return fmt.Errorf("removing %s: %w", t.show(e.Path), err)
				}
			}
			touched[path.Dir(e.Path)] = true
		}
	}
	// Temporaries and backups left in the journal's folders go, and with
	// them folders they alone kept.
	for _, d := range t.sweep(j.Folders) {
		touched[d] = true
	}
	if j.Phase == phaseDone {
		for _, e := range j.Entries {
			if e.New == "" {
				for _, d := range t.removeEmptyFolders(path.Dir(e.Path)) {
					touched[d] = true
				}
			}
		}
	} else {
		// The folders the apply made, innermost first, if empty now.
		for i := len(j.Created) - 1; i >= 0; i-- {
			for _, d := range t.removeEmptyFolders(j.Created[i]) {
				touched[d] = true
			}
		}
	}
	if err := t.syncFolders(touched); err != nil {
		return err
	}
	if err := atomicfile.Remove(t.abs(journalName)); err != nil {
		return fmt.Errorf("removing the journal: %w", err)
	}
	return atomicfile.SyncDir(t.root)
}

// sweep removes the temporary files (atomicfile.TempPattern) in the
// folders, and the folders they alone kept; it returns the folders whose
// entries changed. Run under the lock, any temporary there is a killed
// apply's: no live writer owns it. Folders that are missing or links are
// skipped.
func (t *tree) sweep(folders []string) []string {
	var touched []string
	for _, d := range folders {
		if missing, err := t.folders(path.Join(d, "x")); err != nil || len(missing) > 0 {
			continue
		}
		entries, err := os.ReadDir(t.abs(d))
		if err != nil {
			continue
		}
		removed := false
		for _, e := range entries {
			if atomicfile.IsTemp(e.Name()) && e.Type().IsRegular() {
				if atomicfile.Remove(t.abs(path.Join(d, e.Name()))) == nil {
					removed = true
				}
			}
		}
		if removed {
			touched = append(touched, d)
			if d != "." {
				touched = append(touched, t.removeEmptyFolders(d)...)
			}
		}
	}
	return touched
}

// syncFolders syncs every folder of the set that still exists.
func (t *tree) syncFolders(folders map[string]bool) error {
	names := make([]string, 0, len(folders))
	for d := range folders {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		fi, err := os.Lstat(t.abs(d))
		if errors.Is(err, os.ErrNotExist) || err == nil && !fi.IsDir() {
			continue
		}
		if err := atomicfile.SyncDir(t.abs(d)); err != nil {
			return err
		}
	}
	return nil
}
