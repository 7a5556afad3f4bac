package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/loader"
)

// notCanonical lists example files deliberately left unformatted (none
// today): a golden pins their columns and byte offsets.
var notCanonical = []string{}

// TestExamplesAreCanonical: 'mobplan fmt --check' passes on every example
// topology folder under examples/, at any depth (examples/invalid/*
// included), but for the files listed in notCanonical.
func TestExamplesAreCanonical(t *testing.T) {
	var folders []string
	err := filepath.WalkDir(examplesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if p != examplesDir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if _, err := loader.Detect(p); err == nil {
			folders = append(folders, p)
			// What lies below a topology belongs to it (generator
			// programs, artifacts), and fmt does not go there either.
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, dir := range folders {
		var stdout, stderr bytes.Buffer
		code := Main([]string{"fmt", "--check", dir}, Env{Stdout: &stdout, Stderr: &stderr})
		if stderr.Len() > 0 {
			t.Errorf("fmt --check %s:\n%s", dir, stderr.String())
		}
		for _, f := range strings.Fields(stdout.String()) {
			rel, _ := filepath.Rel(examplesDir, f)
			rel = filepath.ToSlash(rel)
			listed = append(listed, rel)
			if !slices.Contains(notCanonical, rel) {
				t.Errorf("examples/%s is not canonical; run: go run ./cmd/mobplan fmt %s", rel, filepath.ToSlash(dir))
			}
		}
		if code != ExitOK && stdout.Len() == 0 && stderr.Len() == 0 {
			t.Errorf("fmt --check %s: exit %d", dir, code)
		}
	}
	for _, f := range notCanonical {
		if !slices.Contains(listed, f) {
			t.Errorf("examples/%s is canonical now: remove it from notCanonical", f)
		}
	}
	for _, must := range []string{"contoso", "invalid/DNS-001"} {
		if !slices.Contains(folders, filepath.Join(examplesDir, must)) {
			t.Errorf("examples/%s was not checked", must)
		}
	}
}

// TestFmtWritesInPlace: fmt keeps a rewritten file's mode, rewrites the
// file a symbolic link points at rather than the link, does not rewrite
// canonical files, and leaves no temporary file behind.
func TestFmtWritesInPlace(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ugly := write("ugly.hcl", "a=1\n", 0o640)
	nice := write("nice.cue", "package t\n\na: 1\n", 0o644)
	data := write("data.json", "{ \"a\":1 }", 0o644)
	// The link's target is inside the topology folder (a subfolder, not
	// read as part of it): fmt refuses a link out of the folder.
	other := filepath.Join(dir, "shared")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(other, "shared.hcl")
	if err := os.WriteFile(target, []byte("b  =  2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.hcl")
	symlinks := os.Symlink(target, link) == nil
	past := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, p := range []string{nice, data} {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
	}

	var stdout, stderr bytes.Buffer
	if code := Main([]string{"fmt", dir}, Env{Stdout: &stdout, Stderr: &stderr}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := ugly + "\n"
	if symlinks {
		want = link + "\n" + want
	}
	if stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if b, _ := os.ReadFile(ugly); string(b) != "a = 1\n" {
		t.Errorf("ugly.hcl: %q", b)
	}
	if st, err := os.Stat(ugly); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("ugly.hcl mode: %v %v, want 0640", st.Mode(), err)
	}
	for _, p := range []string{nice, data} {
		if st, err := os.Stat(p); err != nil || !st.ModTime().Equal(past) {
			t.Errorf("%s was rewritten", filepath.Base(p))
		}
	}
	if symlinks {
		if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link was replaced by a file")
		}
		if b, _ := os.ReadFile(target); string(b) != "b = 2\n" {
			t.Errorf("link target: %q", b)
		}
		if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("link target mode: %v", st.Mode())
		}
	}
	for _, d := range []string{dir, other} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("temporary file left behind: %s", e.Name())
			}
		}
	}
}

// TestFmtSkipsIgnoredFiles: fmt formats the files validate reads, so an
// editor's lock file (a dangling link), a hidden copy or a "_" draft in
// the folder is neither read nor reported, whatever its syntax.
func TestFmtSkipsIgnoredFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ugly.hcl":         "a=1\n",
		".old.hcl":         "}{\n",
		"_draft.cue":       "}{\n",
		".main.jsonnet":    "}{\n",
		"_lib.libsonnet":   "}{\n",
		".#topology.hcl~":  "}{\n",
		"_generated.json":  "}{\n",
		".ugly.hcl.swp":    "}{\n",
		"_unformatted.hcl": "b   =   2\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("admin@host.4242:1700000000", filepath.Join(dir, ".#ugly.hcl")) // Emacs's lock
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"fmt", dir}, Env{Stdout: &stdout, Stderr: &stderr}); code != ExitOK || stderr.Len() > 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := filepath.Join(dir, "ugly.hcl") + "\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	for name, body := range files {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); name != "ugly.hcl" && string(b) != body {
			t.Errorf("%s was rewritten: %q", name, b)
		}
	}
	// Named explicitly, a file is formatted whatever its name.
	stdout.Reset()
	p := filepath.Join(dir, "_unformatted.hcl")
	if code := Main([]string{"fmt", p}, Env{Stdout: &stdout, Stderr: &stderr}); code != ExitOK || stdout.String() != p+"\n" {
		t.Errorf("fmt %s: exit %d, %q %q", p, code, stdout.String(), stderr.String())
	}
}
