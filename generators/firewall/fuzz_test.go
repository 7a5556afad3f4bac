package firewall

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

// firewallFields are the strings of contoso's firewall rules, with a
// declared rule (whose name starts its purpose) added.
func firewallFields(t testing.TB) ([]plan.FirewallRule, []testtool.StringField, string) {
	p := testtool.ExamplePlan(t, "contoso")
	rules := append(p.Firewall, plan.FirewallRule{ID: "F99", Source: "Internet", Destination: "203.0.113.10", Protocol: "TCP",
		Ports: "443", Direction: "in", Purpose: "web-in: the listener", Why: "declared"})
	return rules, testtool.StringFields(&rules), testtool.MarkdownShape(string(Markdown(rules)))
}

// checkFirewall: the CSV reads back as one row per rule of the columns'
// width, no cell starting a formula; the Markdown keeps its shape.
func checkFirewall(t *testing.T, rules []plan.FirewallRule, path, s, want string) {
	t.Helper()
	b, err := CSV(rules)
	if err == nil {
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(recs) != len(rules)+1 {
			t.Fatalf("%s = %q: the CSV has %d rows for %d rules (%v):\n%s", path, s, len(recs), len(rules), err, b)
		}
		for _, rec := range recs {
			if len(rec) != len(Columns) {
				t.Fatalf("%s = %q: a row of %d fields:\n%s", path, s, len(rec), b)
			}
			for _, c := range rec {
				if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
					t.Fatalf("%s = %q: the cell %q starts a formula", path, s, c)
				}
			}
		}
	}
	if got := testtool.MarkdownShape(string(Markdown(rules))); got != want {
		t.Fatalf("%s = %q: rules.md changed shape:\n%s", path, s, Markdown(rules))
	}
}

// FuzzFirewall puts arbitrary text in one string of the firewall rules
// at a time: rules.csv keeps its rows and columns and starts no formula,
// rules.md keeps its shape.
func FuzzFirewall(f *testing.F) {
	rules, fields, want := firewallFields(f)
	for i, s := range testtool.InjectionSeeds {
		f.Add(i*3, s)
	}
	f.Fuzz(func(t *testing.T, i int, s string) {
		fd := fields[(i%len(fields)+len(fields))%len(fields)]
		defer fd.Replace(s)()
		checkFirewall(t, rules, fd.Path, s, want)
	})
}

// Every seed in every field, without fuzzing.
func TestInjectionEveryField(t *testing.T) {
	rules, fields, want := firewallFields(t)
	for _, fd := range fields {
		for _, s := range testtool.InjectionSeeds {
			restore := fd.Replace(s)
			checkFirewall(t, rules, fd.Path, s, want)
			restore()
		}
	}
}

// The Markdown parser sees what the attacks would add.
func TestMarkdownShapeSeesAttacks(t *testing.T) {
	rules, _, want := firewallFields(t)
	md := string(Markdown(rules))
	for _, bad := range []string{
		strings.Replace(md, "web-in: the listener", "<img src=x onerror=alert(1)>", 1),
		strings.Replace(md, "web-in: the listener", "a | b", 1),
		strings.Replace(md, "web-in: the listener", "[x](javascript:alert(1))", 1),
		strings.Replace(md, "web-in: the listener", "`x`", 1),
		strings.Replace(md, "web-in: the listener", "&lt;", 1),
		strings.Replace(md, "| F99 |", "\n# x\n| F99 |", 1),
	} {
		if testtool.MarkdownShape(bad) == want {
			t.Errorf("MarkdownShape does not see:\n%s", bad)
		}
	}
}
