package testtool

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

// ExampleDir is the path of examples/<name> in this repository.
func ExampleDir(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "examples", filepath.FromSlash(name))
}

// ExampleModel loads examples/<name>, which must have no error, and
// returns its typed model.
func ExampleModel(t testing.TB, name string) *model.Topology {
	t.Helper()
	_, m := LoadModel(t, ExampleDir(name))
	return m
}

// LoadModel loads the topology at dir, which must have no error, and
// returns it checked and as its typed model.
func LoadModel(t testing.TB, dir string) (*loader.Checked, *model.Topology) {
	t.Helper()
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnostics.HasErrors() {
		t.Fatalf("%s: %v", dir, c.Diagnostics)
	}
	m, err := c.Result.Model()
	if err != nil {
		t.Fatal(err)
	}
	return c, m
}

// ExamplePlan is the plan of examples/<name>.
func ExamplePlan(t testing.TB, name string) *plan.Plan {
	t.Helper()
	return planner.New(ExampleModel(t, name))
}
