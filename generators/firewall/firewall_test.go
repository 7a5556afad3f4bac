package firewall

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"

	"github.com/mobplan/mobplan/generators/artifact"
)

var examples = []string{"contoso", "standard-edition", "multisite", "tailspin", "invalid/_base"}

func examplePlan(t *testing.T, example string) *plan.Plan {
	t.Helper()
	return testtool.ExamplePlan(t, example)
}

func files(t *testing.T, p *plan.Plan) map[string][]byte {
	t.Helper()
	fs, err := Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range fs {
		out[f.Path] = f.Data
	}
	if len(out) != 2 || out["firewall/rules.csv"] == nil || out["firewall/rules.md"] == nil {
		t.Fatalf("files: %v", fs)
	}
	return out
}

// The CSV reads back (encoding/csv, strict field count) to exactly the
// plan's rules under the header; both files end with a newline and are
// the same bytes when generated twice.
func TestExamples(t *testing.T) {
	for _, ex := range examples {
		p := examplePlan(t, ex)
		fs := files(t, p)
		recs, err := csv.NewReader(bytes.NewReader(fs["firewall/rules.csv"])).ReadAll()
		if err != nil {
			t.Fatalf("%s: CSV does not parse: %v", ex, err)
		}
		if !reflect.DeepEqual(recs[0], Columns) {
			t.Errorf("%s: header %v", ex, recs[0])
		}
		if len(recs)-1 != len(p.Firewall) {
			t.Fatalf("%s: %d rows for %d rules", ex, len(recs)-1, len(p.Firewall))
		}
		for i, r := range p.Firewall {
			if !reflect.DeepEqual(recs[i+1], row(r)) {
				t.Errorf("%s: row %d = %v, want %v", ex, i+1, recs[i+1], row(r))
			}
		}
		md := string(fs["firewall/rules.md"])
		if !strings.HasPrefix(md, Header) {
			t.Errorf("%s: markdown header missing", ex)
		}
		if got := strings.Count(md, "\n| F"); got != len(p.Firewall) {
			t.Errorf("%s: %d table rows for %d rules", ex, got, len(p.Firewall))
		}
		for path, data := range fs {
			if !bytes.HasSuffix(data, []byte("\n")) {
				t.Errorf("%s: %s does not end with a newline", ex, path)
			}
		}
		if again := files(t, examplePlan(t, ex)); !reflect.DeepEqual(fs, again) {
			t.Errorf("%s: not deterministic", ex)
		}
	}
}

// Contoso's bridged web traffic rule (2.5 F3: the second rule present).
func TestContosoRow(t *testing.T) {
	fs := files(t, examplePlan(t, "contoso"))
	want := "F2,172.25.34.10,192.168.21.121,TCP,4443,in (DMZ to LAN),reverse proxy bridges web traffic to the pools' external web services,PORT-002\n"
	if !bytes.Contains(fs["firewall/rules.csv"], []byte(want)) {
		t.Errorf("CSV lacks\n%s\ngot\n%s", want, fs["firewall/rules.csv"])
	}
	if !strings.Contains(string(fs["firewall/rules.md"]), "| F2 | 172.25.34.10 | 192.168.21.121 | TCP | 4443 | in (DMZ to LAN) |") {
		t.Errorf("markdown lacks the F2 row:\n%s", fs["firewall/rules.md"])
	}
}

// Commas, quotes and line breaks are quoted in the CSV and read back as
// they were; pipes and line breaks cannot break the Markdown table.
func TestQuoting(t *testing.T) {
	p := &plan.Plan{Firewall: []plan.FirewallRule{{
		ID: "F1", Source: "10.0.0.1, 10.0.0.2", Destination: `the "DMZ"`, Protocol: "TCP", Ports: "80, 443",
		Purpose: "line one\nline | two", Why: "declared",
	}}}
	fs := files(t, p)
	recs, err := csv.NewReader(bytes.NewReader(fs["firewall/rules.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs[1], row(p.Firewall[0])) {
		t.Errorf("round trip: %q", recs[1])
	}
	md := string(fs["firewall/rules.md"])
	if !strings.Contains(md, `| F1 | 10.0.0.1, 10.0.0.2 | the "DMZ" | TCP | 80, 443 | - | line one line \| two | declared |`) {
		t.Errorf("markdown row:\n%s", md)
	}
}

func TestEmpty(t *testing.T) {
	fs := files(t, &plan.Plan{})
	if string(fs["firewall/rules.csv"]) != strings.Join(Columns, ",")+"\n" {
		t.Errorf("empty CSV: %q", fs["firewall/rules.csv"])
	}
	if !strings.Contains(string(fs["firewall/rules.md"]), "No firewall rule is planned.") {
		t.Errorf("empty markdown: %s", fs["firewall/rules.md"])
	}
}
