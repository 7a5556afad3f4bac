package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/schema/frontend"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// CERT-005 names a published Office Web Apps server the reverse proxy
// certificate lacks, and only a published one. No example publishes one
// beside a declared certificate, so the recorded findings of
// TestGoRulesMatchCUE never reach this branch.
func TestCERT005OfficeWebApps(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "examples", "invalid", "CERT-005", "topology.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	lacksOWA := func(published bool) bool {
		dir := t.TempDir()
		owa := "\noffice_web_apps {\n  fqdn      = \"oos.contoso.com\"\n  ip        = \"192.168.1.5\"\n  published = " + map[bool]string{true: "true", false: "false"}[published] + "\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), append(base, owa...), 0o644); err != nil {
			t.Fatal(err)
		}
		doc, ds := hcltopo.Syntax.Load(dir, frontend.Options{})
		if ds.HasErrors() {
			t.Fatal(ds)
		}
		found := false
		for _, d := range s.Check(doc).Diagnostics {
			if strings.HasPrefix(d.Rule, "SCHEMA-") {
				t.Fatalf("%s: %s", d.Summary, d.Detail)
			}
			found = found || (d.Rule == "CERT-005" && strings.Contains(d.Detail, "lacks the SAN oos.contoso.com"))
		}
		return found
	}
	if !lacksOWA(true) {
		t.Error("a published Office Web Apps server missing from the reverse proxy certificate is not reported")
	}
	if lacksOWA(false) {
		t.Error("an Office Web Apps server that is not published is reported")
	}
}
