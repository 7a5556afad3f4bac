package report

import (
	"strings"
	"testing"
)

// The attack of issue 9 on REPORT.md: names passed raw HTML. Every value
// is escaped wherever the report writes it: table cells, headings, list
// items and the product's code span.
func TestIssueAttacks(t *testing.T) {
	const html = `<img src=x onerror=alert(1)>`
	_, p := load(t, "contoso")
	p.ReverseProxies[0].Name = html
	p.Zones[0].Name = "<script>alert(1)</script>"
	p.Roles[0].Name = "[x](javascript:alert(1))"
	p.Product = "sfb2019` <b>bold</b> `"
	p.Shell[0].Title = "# <iframe src=//evil.example>"
	p.Certificates[0].Why = "&lt;b&gt; | extra cell"
	doc := report(t, p)
	for _, raw := range []string{"<img", "<script", "<iframe", "[x](", "&lt;", "| extra cell"} {
		if unescaped(doc, raw) {
			t.Errorf("REPORT.md holds %q raw", raw)
		}
	}
	// In a code span, which nothing ends but a run of as many backticks.
	if want := "\n- Product: sfb2019\\` \\<b\\>bold\\</b\\> \\` (`` sfb2019` <b>bold</b> ` ``)\n"; !strings.Contains(doc, want) {
		t.Errorf("REPORT.md lacks %q", want)
	}
	if strings.Contains(doc, "\n- # ") {
		t.Errorf("a list item became a heading")
	}
	checkTables(t, "attacked", doc)
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
