package render_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/mobplan/mobplan/generators"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/render"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/golden"
)

// updateArtifacts rewrites testdata/artifacts (and creates missing test
// keys) after an intended change.
var updateArtifacts = golden.Command("./internal/render", "TestArtifactTrees")

// TestArtifactTrees renders every valid example and compares the whole
// artifacts tree with its golden, byte for byte. The private keys come
// from testdata/keys (lab-only keys made for this test), so the CSRs are
// stable too. Applying twice writes nothing the second time, and a fresh
// directory gets the same bytes.
func TestArtifactTrees(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite", "tailspin"} {
		t.Run(ex, func(t *testing.T) {
			keys := filepath.Join("testdata", "keys", ex)
			if _, err := os.Stat(keys); err != nil && !golden.Update() {
				t.Fatalf("no test key store %s; create it with: %s", keys, updateArtifacts)
			}
			p := testtool.ExamplePlan(t, ex)
			render1 := func(dir string) *artifacts.Set {
				set, err := render.Render(p, generators.All(), render.Options{ArtifactsDir: dir, Keys: certs.NewKeyStore(keys, false), ToolVersion: "test", InputDigest: "test"})
				if err != nil {
					t.Fatal(err)
				}
				return set
			}
			dir := t.TempDir()
			set := render1(dir)
			if _, err := artifacts.Apply(dir, set, false); err != nil {
				t.Fatal(err)
			}
			// Second apply: same plan, nothing to write.
			if res, err := artifacts.Apply(dir, render1(dir), false); err != nil || len(res.Written)+len(res.Deleted) > 0 {
				t.Fatalf("second apply: %+v %v", res, err)
			}
			// A fresh directory: the same bytes.
			if !bytes.Equal(archive(render1(t.TempDir())), archive(set)) {
				t.Fatal("rendering into a fresh directory gave different bytes")
			}
			golden.Check(t, filepath.Join("testdata", "artifacts", ex+".txtar"), archive(set), updateArtifacts)
			for _, f := range set.Files {
				if bytes.Contains(f.Data, []byte("PRIVATE KEY")) {
					t.Errorf("%s holds a private key", f.Path)
				}
			}
		})
	}
}

// archive renders the set (files and manifest) as one txtar archive.
func archive(s *artifacts.Set) []byte {
	a := &txtar.Archive{Comment: []byte("The artifacts tree of one example, as apply writes it.\n")}
	for _, f := range s.Files {
		a.Files = append(a.Files, txtar.File{Name: f.Path, Data: f.Data})
	}
	a.Files = append(a.Files, txtar.File{Name: artifacts.ManifestName, Data: s.ManifestBytes()})
	sort.Slice(a.Files, func(i, j int) bool { return a.Files[i].Name < a.Files[j].Name })
	return txtar.Format(a)
}
