package artifacts

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// digestsOf is s as a rendering that keeps digests only makes it.
func digestsOf(t *testing.T, s *Set) *Set {
	t.Helper()
	files := make([]File, len(s.Files))
	for i, f := range s.Files {
		if f.Pending == "" {
			f.Sum, f.Data = Digest(f.Data), nil
		}
		files[i] = f
	}
	out, err := NewSet(files, Manifest{ToolVersion: s.Manifest.ToolVersion, InputDigest: s.Manifest.InputDigest})
	if err != nil {
		t.Fatal(err)
	}
	if !out.DigestsOnly() || string(out.ManifestBytes()) != string(s.ManifestBytes()) {
		t.Fatalf("digests only: %v; manifest\n%s\nwant\n%s", out.DigestsOnly(), out.ManifestBytes(), s.ManifestBytes())
	}
	return out
}

// judged is what a comparison says of each file, bytes aside.
func judged(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s %s drift=%v unmanaged=%v pending=%q\n", c.Path, c.Action, c.Drift, c.Unmanaged, c.Pending)
	}
	return b.String()
}

// A set kept as digests is judged exactly as the same set with its
// bytes: every action, hand edit, file of the user's (adopted when it
// holds the planned bytes), pending file and interrupted apply.
func TestDigestsOnlyJudgesAsBytes(t *testing.T) {
	v1, v2 := transition(t)
	withPending := func(s *Set) *Set {
		files := append([]File{}, s.Files...)
		files = append(files, File{Path: "certs/new.csr", Pending: "new key and CSR on apply"})
		out, err := NewSet(files, s.Manifest)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := []struct {
		name  string
		setup func(t *testing.T) string
		next  *Set
	}{
		{"no folder", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none") }, v2},
		{"unchanged", func(t *testing.T) string { d, _ := applied(t, v2); return d }, v2},
		{"every kind of change", func(t *testing.T) string { d, _ := applied(t, v1); return d }, v2},
		{"pending", func(t *testing.T) string { d, _ := applied(t, v1); return d }, withPending(v2)},
		{"edited by hand and the user's own", func(t *testing.T) string {
			d, _ := applied(t, v1)
			for p, b := range map[string]string{"a/keep.txt": "edited\n", "gone.txt": "edited\n", "top.txt": "mine\n", "n/new/deep.txt": "deep\n"} {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(d, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(d, p), []byte(b), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			return d
		}, v2},
	}
	for n := 1; n <= countRenames(t, v1, v2); n++ {
		cases = append(cases, struct {
			name  string
			setup func(t *testing.T) string
			next  *Set
		}{fmt.Sprintf("apply interrupted at rename %d", n), func(t *testing.T) string {
			d, _ := applied(t, v1)
			if !crash(t, d, v2, n) {
				t.Fatalf("rename %d never came", n)
			}
			return d
		}, v1})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.setup(t)
			want, wantOld, err := Diff(dir, c.next)
			if err != nil {
				t.Fatal(err)
			}
			got, gotOld, err := Diff(dir, digestsOf(t, c.next))
			if err != nil {
				t.Fatal(err)
			}
			if judged(got) != judged(want) || (gotOld == nil) != (wantOld == nil) {
				t.Errorf("kept as digests:\n%s\nwith the bytes:\n%s", judged(got), judged(want))
			}
			for _, ch := range got {
				if ch.New != nil || ch.Old != nil {
					t.Errorf("%s: bytes kept", ch.Path)
				}
			}
		})
	}
}

// A set kept as digests cannot be applied: nothing is written.
func TestDigestsOnlyIsNeverApplied(t *testing.T) {
	_, v2 := transition(t)
	dir := filepath.Join(t.TempDir(), "artifacts")
	if _, err := Apply(dir, digestsOf(t, v2), false); err == nil || !strings.Contains(err.Error(), "nothing written") {
		t.Fatalf("apply of digests: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 1 {
		t.Errorf("written: %v", entries)
	}
}

// FileDigest hashes as ReadFile reads: no link followed, nothing
// outside the folder named.
func TestFileDigest(t *testing.T) {
	dir, _ := applied(t, set(t, map[string]string{"a/x.txt": "x\n"}))
	if got, err := FileDigest(dir, "a/x.txt"); err != nil || got != Digest([]byte("x\n")) {
		t.Errorf("digest %q, %v", got, err)
	}
	if got, err := FileDigest(dir, "a/none.txt"); err != nil || got != "" {
		t.Errorf("missing file: %q, %v", got, err)
	}
	if _, err := FileDigest(dir, "../x"); err == nil {
		t.Error("a path outside the folder was hashed")
	}
	if err := os.Symlink(filepath.Join(dir, "a", "x.txt"), filepath.Join(dir, "link.txt")); err == nil {
		if _, err := FileDigest(dir, "link.txt"); err == nil {
			t.Error("a link was followed")
		}
	}
}

// DiffKnowing judges by the digests read a moment before, for the files
// still as they were read, and only while the folder is as they were
// read: a file written since, one written just before the reading, an
// apply since, or one interrupted, is hashed again.
func TestDiffKnowing(t *testing.T) {
	v1, v2 := transition(t)
	dir, _ := applied(t, v1)
	// Written well before the reading, as files checked out are.
	past := time.Now().Add(-time.Hour)
	age := func(p string) {
		if err := os.Chtimes(filepath.Join(dir, p), past, past); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range v1.Files {
		age(f.Path)
	}
	read := func() *State {
		st, err := ReadState(dir)
		if err != nil || st == nil {
			t.Fatalf("state: %v, %v", st, err)
		}
		return st
	}
	judge := func(st *State) (got, want string) {
		t.Helper()
		w, _, err := Diff(dir, digestsOf(t, v2))
		if err != nil {
			t.Fatal(err)
		}
		g, _, err := DiffKnowing(dir, digestsOf(t, v2), st)
		if err != nil {
			t.Fatal(err)
		}
		return judged(g), judged(w)
	}
	same := func(name string, st *State) {
		t.Helper()
		if got, want := judge(st); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
	// forged is st saying a/keep.txt was edited by hand.
	forged := func(st *State) *State {
		f := *st
		f.Files = maps.Clone(st.Files)
		f.Files["a/keep.txt"] = Digest([]byte("edited\n"))
		return &f
	}
	const drift = "a/keep.txt update drift=true"
	same("as read", read())
	if got, _ := judge(forged(read())); !strings.Contains(got, drift) {
		t.Errorf("the state's digest was not the one judged:\n%s", got)
	}

	// Written since the reading, the same size: hashed again.
	st := read()
	if err := os.WriteFile(filepath.Join(dir, "a/keep.txt"), []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	same("edited since", st)
	if got, _ := judge(st); !strings.Contains(got, drift) {
		t.Errorf("an edit after the reading was hidden:\n%s", got)
	}

	// Written just before the reading: not taken on its information.
	if err := os.WriteFile(filepath.Join(dir, "a/keep.txt"), []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := judge(forged(read())); strings.Contains(got, drift) {
		t.Errorf("a file written just before the reading was taken as read:\n%s", got)
	}

	// An apply since rewrote the manifest: the files are hashed again.
	for _, f := range v1.Files {
		age(f.Path)
	}
	st = forged(read())
	if _, err := Apply(dir, v2, false); err != nil {
		t.Fatal(err)
	}
	same("after an apply", st)

	// An apply interrupted: judged as Diff judges it.
	if !crash(t, dir, v1, 1) {
		t.Fatal("no rename")
	}
	same("interrupted", st)
}
