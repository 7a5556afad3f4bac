package render_test

import (
	"bytes"
	"flag"
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
)

var update = flag.Bool("update", false, "rewrite testdata/artifacts goldens (and create missing test keys)")

// TestArtifactTrees renders every valid example and compares the whole
// artifacts tree with its golden, byte for byte. The private keys come
// from testdata/keys (lab-only keys made for this test), so the CSRs are
// stable too. Applying twice writes nothing the second time, and a fresh
// directory gets the same bytes.
func TestArtifactTrees(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite"} {
		t.Run(ex, func(t *testing.T) {
			keys := filepath.Join("testdata", "keys", ex)
			if _, err := os.Stat(keys); err != nil && !*update {
				t.Fatalf("no test key store %s; run go test ./internal/render -update", keys)
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
			golden := filepath.Join("testdata", "artifacts", ex+".txtar")
			got := archive(set)
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/render -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("artifacts of %s differ from %s (go test ./internal/render -update rewrites it after an intended change)", ex, golden)
			}
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
