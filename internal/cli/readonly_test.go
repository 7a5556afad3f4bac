package cli

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
)

// snapshot is every file and folder under root: path to mode and bytes.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		v := info.Mode().String()
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		out[rel] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if maps.Equal(before, after) {
		return
	}
	var diff []string
	for p := range before {
		if before[p] != after[p] {
			diff = append(diff, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diff = append(diff, p+" (new)")
		}
	}
	slices.Sort(diff)
	t.Errorf("%s changed the tree: %v", what, diff)
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, Env{Stdout: &out, Stderr: &errb, Environ: []string{"NO_COLOR=1"}})
	return code, out.String(), errb.String()
}

// plan is read-only: on a fresh clone of a repository with committed
// artifacts and no key store (keys are git-ignored), plan exits 0 in
// every format and leaves the whole tree as it was; after a key-size
// change it says a new key comes with apply instead of replacing a key,
// and reverting the change shows no change again.
func TestPlanIsReadOnly(t *testing.T) {
	root := t.TempDir()
	topo := filepath.Join(root, "topo")
	if err := os.Mkdir(topo, 0o755); err != nil {
		t.Fatal(err)
	}
	hcl, err := filepath.Glob(filepath.Join(testtool.ExampleDir("standard-edition"), "*.hcl"))
	if err != nil || len(hcl) == 0 {
		t.Fatal("no standard-edition topology", err)
	}
	for _, f := range hcl {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(topo, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runCLI(t, "apply", topo); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, stderr)
	}
	// apply keeps the lab passwords in the state folder, 0600, never
	// among the artifacts.
	if fi, err := os.Stat(filepath.Join(topo, ".mobplan", "lab-passwords.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lab passwords not kept 0600 in the state folder: %v", err)
	}
	if code, stdout, _ := runCLI(t, "plan", "--format", "json", topo); code != 0 || strings.Contains(stdout, "lab_password") {
		t.Errorf("plan output mentions lab passwords (exit %d)", code)
	}

	planEveryFormat := func(what string, wantCode int, want string) {
		t.Helper()
		before := snapshot(t, root)
		for _, format := range []string{"text", "json", "markdown"} {
			code, stdout, stderr := runCLI(t, "plan", "--detailed-exitcode", "--format", format, topo)
			if code != wantCode {
				t.Errorf("%s: plan --format %s: exit %d, want %d\n%s%s", what, format, code, wantCode, stdout, stderr)
			}
			if format == "text" && !strings.Contains(stdout, want) {
				t.Errorf("%s: plan says\n%s\nwant %q", what, stdout, want)
			}
		}
		sameTree(t, what+": plan", before, snapshot(t, root))
	}

	// After apply: the keys are here.
	planEveryFormat("after apply", 0, "No changes.")

	// Another key size: plan names the new key, touches no key.
	pki := filepath.Join(topo, "pki.hcl")
	if err := os.WriteFile(pki, []byte("pki {\n  key_bits = 4096\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	planEveryFormat("another key size", 2, "~ certs/rp-listener.csr  (new key and CSR on apply)")
	if err := os.Remove(pki); err != nil {
		t.Fatal(err)
	}
	planEveryFormat("key size reverted", 0, "No changes.")

	// A fresh clone: committed artifacts, no key store.
	if err := os.RemoveAll(filepath.Join(topo, ".mobplan")); err != nil {
		t.Fatal(err)
	}
	planEveryFormat("fresh clone", 0, "No changes.")
	if _, err := os.Lstat(filepath.Join(topo, ".mobplan")); err == nil {
		t.Error("plan created the key store")
	}
	// apply on the clone keeps the committed CSRs: nothing to write.
	if code, stdout, stderr := runCLI(t, "apply", topo); code != 0 || !strings.Contains(stdout, "No changes") {
		t.Errorf("apply on a fresh clone: exit %d\n%s%s", code, stdout, stderr)
	}
}
