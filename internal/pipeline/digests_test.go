package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"
)

// judgedChanges is what a plan reports of each file.
func judgedChanges(cs []artifacts.Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s %s drift=%v unmanaged=%v pending=%q\n", c.Path, c.Action, c.Drift, c.Unmanaged, c.Pending)
	}
	return b.String()
}

// A plan that keeps digests only reports what a plan with every file's
// bytes reports, for every example: into an empty folder, over its own
// apply, and after hand edits, a removal and a new key.
func TestDigestsOnlyPlanIsTheFullPlan(t *testing.T) {
	// example to the example whose lab keys it uses
	for name, keys := range map[string]string{"contoso": "contoso", "contoso-cue": "contoso", "contoso-jsonnet": "contoso", "custom-generators": "contoso",
		"multisite": "multisite", "pki-options": "pki-options", "standard-edition": "standard-edition", "tailspin": "tailspin"} {
		t.Run(name, func(t *testing.T) {
			root := testtool.CopyExample(t, name)
			testtool.AddTestKeys(t, root, keys)
			if name == "custom-generators" {
				gens := filepath.Join(testtool.ExampleDir(name), "generators")
				if err := os.MkdirAll(filepath.Join(root, "generators", "lib"), 0o755); err != nil {
					t.Fatal(err)
				}
				testtool.CopyFiles(t, filepath.Join(gens, "*.jsonnet"), filepath.Join(root, "generators"), 0o644)
				testtool.CopyFiles(t, filepath.Join(gens, "lib", "*"), filepath.Join(root, "generators", "lib"), 0o644)
			}
			compare := func(state string) {
				t.Helper()
				full, err := pipeline.Run(root, pipeline.Options{ToolVersion: "test"})
				if err != nil {
					t.Fatal(err)
				}
				digests, err := pipeline.Run(root, pipeline.Options{ToolVersion: "test", DigestsOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := judgedChanges(digests.Changes), judgedChanges(full.Changes); got != want {
					t.Errorf("%s: digests only:\n%s\nfull:\n%s", state, got, want)
				}
				if !reflect.DeepEqual(digests.Differences, full.Differences) {
					t.Errorf("%s: differences %v, want %v", state, digests.Differences, full.Differences)
				}
				if !reflect.DeepEqual(digests.Set.Manifest, full.Set.Manifest) || !digests.Set.DigestsOnly() || full.Set.DigestsOnly() {
					t.Errorf("%s: manifests differ, or the wrong set kept digests", state)
				}
				for _, f := range digests.Set.Files {
					if f.Data != nil {
						t.Errorf("%s: %s kept its bytes", state, f.Path)
					}
				}
			}
			compare("no artifacts")
			applytest.Apply(t, root, false)
			compare("applied")
			art := filepath.Join(root, "artifacts")
			zones, _ := filepath.Glob(filepath.Join(art, "dns", "*", "*.zone"))
			if len(zones) > 0 {
				if err := os.WriteFile(zones[0], []byte("; edited\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Remove(filepath.Join(art, "REPORT.md")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(art, "mine.txt"), []byte("mine\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			keys, _ := filepath.Glob(filepath.Join(root, ".mobplan", "keys", "*.key"))
			if len(keys) > 0 {
				if err := os.Remove(keys[0]); err != nil {
					t.Fatal(err)
				}
			}
			compare("edited")
		})
	}
}
