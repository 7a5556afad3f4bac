// Package applytest applies a topology folder for tests, as `mobplan
// apply` does. It lives apart from testtool because it imports the
// pipeline, whose generators' own tests import testtool.
package applytest

import (
	"testing"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/testtool"
)

// Apply runs the pipeline on root (making any key the key store lacks)
// and writes its artifacts; allowErrors applies despite rule errors.
func Apply(t testing.TB, root string, allowErrors bool) *pipeline.Result {
	t.Helper()
	r, err := pipeline.Run(root, pipeline.Options{ToolVersion: "test", MakeKeys: true, AllowErrors: allowErrors})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifacts.Apply(r.ArtifactsDir, r.Set, false); err != nil {
		t.Fatal(err)
	}
	return r
}

// Example copies examples/<name> and its lab test keys into a new folder,
// applies it and returns the folder.
func Example(t testing.TB, name string) string {
	t.Helper()
	root := testtool.CopyExample(t, name)
	testtool.AddTestKeys(t, root, name)
	Apply(t, root, false)
	return root
}
