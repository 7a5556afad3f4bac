package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/planner/plan"
)

// A plan view built by hand, rendered without running the pipeline.
func sampleView() planView {
	changes := []artifacts.Change{
		{Path: "dns/external/contoso.com.zone", Action: artifacts.Update, Old: []byte("a\n"), New: []byte("b\n")},
		{Path: "proxy/nginx.conf", Action: artifacts.Unchanged, Drift: true},
		{Path: "certs/old.csr", Action: artifacts.Delete, Old: []byte("x\n")},
	}
	return planView{
		ArtifactsDir: "topo/artifacts",
		Summary:      artifacts.Summarize(changes),
		Changes:      changes,
		Differences:  []plan.Difference{{Area: "dns", Symbol: "+", Subject: "external zone contoso.com", Text: "record lyncdiscover A 131.107.155.2"}},
		Warnings:     diag.Diagnostics{{Severity: diag.Warning, Rule: "VER-009", Summary: "a warning"}},
	}
}

func TestPlanViewText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleView().text(&b, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"mobplan would make these changes in topo/artifacts:",
		"  ~ dns/external/contoso.com.zone\n",
		"      +b",
		"  ! proxy/nginx.conf  (edited by hand: drift)",
		"  - certs/old.csr",
		"  + external zone contoso.com: record lyncdiscover A 131.107.155.2",
		"Plan: 0 to create, 1 to update, 1 to delete. 1 generated file(s) edited by hand",
		legend,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text view lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := (planView{ArtifactsDir: "a"}).text(&b, false); err != nil || b.String() != "No changes. The artifacts in a match the topology.\n" {
		t.Errorf("no-change view = %q, %v", b.String(), err)
	}
}

func TestPlanViewJSON(t *testing.T) {
	b, err := json.Marshal(sampleView().json())
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		FormatVersion string `json:"format_version"`
		Summary       artifacts.Summary
		Changes       []map[string]any
		Warnings      int
		Validation    struct {
			Valid       bool
			Diagnostics []struct{ Rule string }
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.FormatVersion != "1" || out.Summary.Update != 1 || len(out.Changes) != 3 || out.Warnings != 1 ||
		!out.Validation.Valid || len(out.Validation.Diagnostics) != 1 || out.Validation.Diagnostics[0].Rule != "VER-009" {
		t.Errorf("json view = %s", b)
	}
	if strings.Contains(string(b), `"Old"`) || strings.Contains(string(b), `"old"`) {
		t.Errorf("json view carries file contents: %s", b)
	}
}

func TestPlanViewMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := sampleView().markdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### mobplan plan", "| `~` | `dns/external/contoso.com.zone` | update |", "| `-` | `certs/old.csr` | delete |", "<details><summary>In deployment terms (1)</summary>"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown view lacks %q:\n%s", want, b.String())
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// A write error is returned, never dropped.
func TestPlanViewWriteErrors(t *testing.T) {
	v := sampleView()
	if err := v.text(failingWriter{}, false); err == nil {
		t.Error("text: write error dropped")
	}
	if err := v.markdown(failingWriter{}); err == nil {
		t.Error("markdown: write error dropped")
	}
}
