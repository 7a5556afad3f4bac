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
		Differences: []plan.Difference{
			{Area: "dns", Symbol: "+", Subject: "external zone contoso.com", Text: "record lyncdiscover A 131.107.155.2", Unit: plan.UnitRecord},
			{Area: "dns", Symbol: "~", Subject: "external zone contoso.com", Text: "meet A 131.107.155.1 → 131.107.155.2", Unit: plan.UnitRecord},
			{Area: "firewall", Symbol: "-", Subject: "firewall", Text: "Internet -> 131.107.155.1 TCP 443 (x)", Unit: plan.UnitFirewall},
		},
		Warnings:     diag.Diagnostics{{Severity: diag.Warning, Rule: "RP-003", Summary: "a warning"}},
		Acknowledged: []diag.Acknowledged{{Diagnostic: diag.Diagnostic{Severity: diag.Info, Rule: "VER-009", Summary: "a note"}, Reason: "accepted", Expires: "2027-06-30"}},
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
		"  ~ external zone contoso.com: meet A 131.107.155.1 → 131.107.155.2",
		"Plan: 1 DNS record to add, 1 to change; 1 firewall row to remove.\n",
		"Files: 0 to create, 1 to update, 1 to delete. 1 generated file(s) edited by hand",
		legend,
		"Warning: a warning [RP-003]",
		"0 errors, 1 warning, 0 notes",
		"1 acknowledged finding, not shown as warnings:\n  a note [VER-009]: acknowledged, until 2027-06-30: accepted\n",
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
		Acknowledged  int
		Deployment    []plan.Tally
		Validation    struct {
			Valid        bool
			Diagnostics  []struct{ Rule string }
			Acknowledged []struct{ Rule, Reason string }
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.FormatVersion != "1" || out.Summary.Update != 1 || len(out.Changes) != 3 || out.Warnings != 1 || out.Acknowledged != 1 ||
		!out.Validation.Valid || len(out.Validation.Diagnostics) != 1 || out.Validation.Diagnostics[0].Rule != "RP-003" ||
		len(out.Validation.Acknowledged) != 1 || out.Validation.Acknowledged[0].Rule != "VER-009" || out.Validation.Acknowledged[0].Reason != "accepted" ||
		len(out.Deployment) != 2 || out.Deployment[0] != (plan.Tally{Unit: plan.UnitRecord, Add: 1, Change: 1}) {
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
	for _, want := range []string{"### mobplan plan", "**Plan:** 1 DNS record to add, 1 to change; 1 firewall row to remove.",
		"| `~` | `dns/external/contoso.com.zone` | update |", "| `!` | `proxy/nginx.conf` | unchanged, edited by hand: drift |", "| `-` | `certs/old.csr` | delete |",
		"<details><summary>In deployment terms (3)</summary>", "- **Warning** `RP-003` a warning\n", "- `VER-009` a note: acknowledged until 2027-06-30: accepted\n"} {
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
	if err := v.csv(failingWriter{}); err == nil {
		t.Error("csv: write error dropped")
	}
}

// The CSV of the changes: one row per difference, a cell a spreadsheet
// would compute neutralised.
func TestPlanViewCSV(t *testing.T) {
	v := sampleView()
	v.Differences = append(v.Differences, plan.Difference{Area: "shell", Symbol: "~", Subject: "=cmd|' /C calc'!A0", Text: "commands changed", Unit: plan.UnitScriptSection})
	var b bytes.Buffer
	if err := v.csv(&b); err != nil {
		t.Fatal(err)
	}
	want := `action,area,unit,subject,change,from,to
add,dns,DNS record,external zone contoso.com,record lyncdiscover A 131.107.155.2,,
change,dns,DNS record,external zone contoso.com,meet A 131.107.155.1 → 131.107.155.2,,
remove,firewall,firewall row,firewall,Internet -> 131.107.155.1 TCP 443 (x),,
change,shell,script section,'=cmd|' /C calc'!A0,commands changed,,
`
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}

// Colour on a terminal: the symbols are painted, nothing else.
func TestPlanViewColor(t *testing.T) {
	v := sampleView()
	v.Color = true
	var b bytes.Buffer
	if err := v.text(&b, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  " + diag.Paint(true, diag.ColorYellow, "~") + " dns/external/contoso.com.zone\n", "  " + diag.Paint(true, diag.ColorMagenta, "!") + " proxy/nginx.conf",
		"  " + diag.Paint(true, diag.ColorGreen, "+") + " external zone", "  " + diag.Paint(true, diag.ColorRed, "-") + " certs/old.csr"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("colour text lacks %q:\n%s", want, b.String())
		}
	}
	v.Color = false
	b.Reset()
	v.text(&b, false)
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("colour without a terminal:\n%q", b.String())
	}
}

// What a plan prints comes from the user's names and values: a terminal
// never gets a control character from them.
func TestPlanViewTerminalSafe(t *testing.T) {
	v := sampleView()
	v.Differences = []plan.Difference{{Symbol: "~", Subject: "firewall", Text: "purpose \x1b]0;pwned\x07 \u202e", Unit: plan.UnitFirewall}}
	var b bytes.Buffer
	if err := v.text(&b, true); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07\u202e") || !strings.Contains(b.String(), `purpose \x1b]0;pwned\x07 \u202e`) {
		t.Errorf("text view:\n%q", b.String())
	}
}
