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

// The plan carries the findings for REPORT.md: the warnings and notes,
// and with AllowErrors the errors too.
func TestRunCarriesFindings(t *testing.T) {
	r, err := pipeline.Run(testtool.ExampleDir("standard-edition"), pipeline.Options{ToolVersion: "test", ArtifactsDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Plan.Findings) != 1 || r.Plan.Findings[0].Rule != "RP-003" || r.Plan.Findings[0].Severity != "warning" || r.Plan.Findings[0].Message == "" {
		t.Errorf("findings = %+v", r.Plan.Findings)
	}
	r, err = pipeline.Run(testtool.ExampleDir("invalid/DNS-001"), pipeline.Options{ToolVersion: "test", AllowErrors: true, ArtifactsDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var report string
	for _, f := range r.Set.Files {
		if f.Path == "REPORT.md" {
			report = string(f.Data)
		}
	}
	if !strings.Contains(report, "| DNS-001 | error | Every SIP domain has a public lyncdiscover record pointing at the reverse proxy: ") {
		t.Errorf("REPORT.md does not list the error:\n%s", report)
	}
}
