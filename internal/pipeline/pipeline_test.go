package pipeline_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/testtool"
)

// Validation errors come back as Problems, for the caller to render in
// the format asked for; nothing is planned.
func TestRunReportsProblems(t *testing.T) {
	r, err := pipeline.Run(testtool.ExampleDir("invalid/DNS-001"), pipeline.Options{ToolVersion: "test"})
	var p *pipeline.Problems
	if !errors.As(err, &p) || r != nil {
		t.Fatalf("got %v, %v; want Problems", r, err)
	}
	if len(p.Diagnostics) == 0 || p.Diagnostics[0].Rule != "DNS-001" || len(p.Sources) == 0 {
		t.Errorf("problems = %+v", p.Diagnostics)
	}
}

// A structural error stops the pipeline even with AllowErrors.
func TestRunStructuralErrorsAlwaysStop(t *testing.T) {
	_, err := pipeline.Run(testtool.ExampleDir("invalid/SCHEMA-001"), pipeline.Options{ToolVersion: "test", AllowErrors: true})
	var p *pipeline.Problems
	if !errors.As(err, &p) {
		t.Fatalf("got %v; want Problems", err)
	}
}

// The artifacts folder may not be the topology folder or hold it: apply
// would treat the topology's own files as its own.
func TestArtifactsDirNotTopology(t *testing.T) {
	topo := testtool.ExampleDir("standard-edition")
	for _, dir := range []string{topo, filepath.Dir(topo), "/"} {
		_, err := pipeline.Run(topo, pipeline.Options{ToolVersion: "test", ArtifactsDir: dir})
		if err == nil || !strings.Contains(err.Error(), "is the topology folder") {
			t.Errorf("--artifacts %s: %v", dir, err)
		}
	}
}
