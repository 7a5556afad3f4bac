package render_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mobplan/mobplan/generators"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/render"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/golden"
	"github.com/mobplan/mobplan/planner"
)

// TestSyntaxEquivalence: contoso written in HCL, CUE, Jsonnet, JSON and
// YAML has one input digest and renders to byte-identical artifacts,
// manifest included.
func TestSyntaxEquivalence(t *testing.T) {
	keys := filepath.Join("testdata", "keys", "contoso")
	renderAll := func(t *testing.T, dir string) (string, []byte) {
		t.Helper()
		c, m := testtool.LoadModel(t, dir)
		digest := c.InputDigest()
		set, err := render.Render(planner.New(m), generators.All(), render.Options{ArtifactsDir: t.TempDir(), Keys: certs.NewKeyStore(keys, false), ToolVersion: "test", InputDigest: digest})
		if err != nil {
			t.Fatal(err)
		}
		return digest, archive(set)
	}
	hclDir := testtool.ExampleDir("contoso")
	wantDigest, want := renderAll(t, hclDir)

	// The JSON and YAML forms are the HCL topology's canonical value.
	hcl, _ := testtool.LoadModel(t, hclDir)
	data := t.TempDir()
	j, _ := json.MarshalIndent(hcl.Doc.Value, "", "  ")
	y, _ := yaml.Marshal(hcl.Doc.Value)
	for name, b := range map[string][]byte{"json/topology.json": j, "yaml/topology.yaml": y} {
		p := filepath.Join(data, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for syntax, dir := range map[string]string{
		"cue":     testtool.ExampleDir("contoso-cue"),
		"jsonnet": testtool.ExampleDir("contoso-jsonnet"),
		"json":    filepath.Join(data, "json"),
		"yaml":    filepath.Join(data, "yaml"),
	} {
		t.Run(syntax, func(t *testing.T) {
			if got, err := loader.Detect(dir); err != nil || got != syntax {
				t.Fatalf("detected %q, %v", got, err)
			}
			digest, got := renderAll(t, dir)
			if digest != wantDigest {
				t.Errorf("input digest %s, HCL has %s", digest, wantDigest)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("artifacts differ from the HCL topology's:\n%s", golden.Diff("hcl", want, syntax, got))
			}
		})
	}
}
