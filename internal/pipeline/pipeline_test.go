package pipeline_test

import (
	"errors"
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
