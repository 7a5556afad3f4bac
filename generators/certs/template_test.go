package certs_test

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/csv"
	"encoding/pem"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/generators/report"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

// documentedTemplate is topology.cue's default template per usage:
// Server and Client Authentication where Microsoft asks for both (Default,
// Edge internal, SBA), AD CS's WebServer for the web services.
var documentedTemplate = map[string]string{
	plan.UsageDefault: "WebServerClientAuth", plan.UsageEdgeInternal: "WebServerClientAuth", plan.UsageSBA: "WebServerClientAuth",
	plan.UsageWebServicesInternal: "WebServer", plan.UsageWebServicesExternal: "WebServer",
}

var ekuOID = map[string]string{plan.EKUServerAuth: "1.3.6.1.5.5.7.3.1", plan.EKUClientAuth: "1.3.6.1.5.5.7.3.2"}
var ekuOpenSSL = map[string]string{plan.EKUServerAuth: "serverAuth", plan.EKUClientAuth: "clientAuth"}

// TestRequestedEKUIsTheTemplates: every internal-CA request of every
// example names the documented template of its usage, and the .inf, the
// .cnf, the CSR and REPORT.md all ask for exactly what that template
// issues. (The Default and Edge internal requests used to ask for Client
// Authentication from the WebServer template, which does not issue it.)
func TestRequestedEKUIsTheTemplates(t *testing.T) {
	infTemplate := regexp.MustCompile(`(?m)^CertificateTemplate = (\S+)$`)
	infOID := regexp.MustCompile(`(?m)^OID = (\S+) ;`)
	cnfEKU := regexp.MustCompile(`(?m)^extendedKeyUsage = (.+)$`)
	for _, ex := range []string{"contoso", "standard-edition", "multisite", "tailspin", "pki-options"} {
		p := testtool.ExamplePlan(t, ex)
		// pki-options names a template of its own for Default (and
		// single_certificate puts Default and both web services on it).
		template, issues := documentedTemplate, planner.DefaultTemplateEKU
		if ex == "pki-options" {
			template = maps.Clone(documentedTemplate)
			template[plan.UsageDefault] = "LitwareSfBServer"
			issues = maps.Clone(planner.DefaultTemplateEKU)
			issues["LitwareSfBServer"] = []string{plan.EKUServerAuth, plan.EKUClientAuth}
		}
		files, err := certs.Generator.Generate(&artifact.Context{Plan: p, Keys: certs.NewKeyStore(filepath.Join("..", "..", "internal", "render", "testdata", "keys", ex), false)})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string][]byte{}
		for _, f := range files {
			m[f.Path] = f.Data
		}
		doc := string(report.Render(p))
		n := 0
		for _, c := range p.Certificates {
			if c.Issuer != "internal" || c.Existing() {
				continue
			}
			n++
			want := template[c.Usage[0]]
			issues := issues[want]
			if c.Template != want || len(issues) == 0 {
				t.Errorf("%s: %s (%v) names template %q, documented %q", ex, c.Name, c.Usage, c.Template, want)
				continue
			}
			var oids, names []string
			for _, e := range issues {
				oids, names = append(oids, ekuOID[e]), append(names, ekuOpenSSL[e])
			}
			inf := string(m["certs/"+c.Name+".inf"])
			if got := infTemplate.FindStringSubmatch(inf); got == nil || got[1] != want {
				t.Errorf("%s: %s.inf names template %v, want %s", ex, c.Name, got, want)
			}
			var got []string
			for _, o := range infOID.FindAllStringSubmatch(inf, -1) {
				got = append(got, o[1])
			}
			if !slices.Equal(got, oids) {
				t.Errorf("%s: %s.inf asks for %v, template %s issues %v", ex, c.Name, got, want, oids)
			}
			if g := cnfEKU.FindStringSubmatch(string(m["certs/"+c.Name+".cnf"])); g == nil || g[1] != strings.Join(names, ", ") {
				t.Errorf("%s: %s.cnf asks for %v, template %s issues %v", ex, c.Name, g, want, names)
			}
			if csr := m["certs/"+c.Name+".csr"]; csr != nil {
				if g := csrEKU(t, csr); !slices.Equal(g, oids) {
					t.Errorf("%s: %s.csr asks for %v, template %s issues %v", ex, c.Name, g, want, oids)
				}
			}
			if row := "| " + strings.Join(c.EKU, ", ") + " | " + want + " | "; !slices.Equal(c.EKU, issues) || !strings.Contains(doc, row) {
				t.Errorf("%s: REPORT.md does not show %s with %q", ex, c.Name, row)
			}
		}
		if n == 0 {
			t.Errorf("%s: no internal certificate", ex)
		}
	}
}

// csrEKU reads the extended key usage OIDs a request asks for.
func csrEKU(t *testing.T, data []byte) []string {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("no PEM")
	}
	r, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Extensions {
		if e.Id.String() == "2.5.29.37" {
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(e.Value, &oids); err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range oids {
				out = append(out, o.String())
			}
			return out
		}
	}
	return nil
}

// TestPublicCAOrders: certs/public-ca-orders.csv has one row per
// certificate to order from a public CA — subject, SANs in request
// order, the CSR to send — and nothing for internal or existing ones.
func TestPublicCAOrders(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	files, err := certs.Generator.Generate(&artifact.Context{Plan: p, Keys: certs.NewKeyStore(filepath.Join("..", "..", "internal", "render", "testdata", "keys", "contoso"), false)})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, f := range files {
		if f.Path == certs.OrdersPath {
			data = f.Data
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) == 0 || !slices.Equal(rows[0], certs.OrderColumns) {
		t.Fatalf("%s: %v\n%s", certs.OrdersPath, err, data)
	}
	var want [][]string
	for _, c := range p.Certificates {
		if c.Issuer == "public" && !c.Existing() {
			want = append(want, []string{c.Name, c.Subject, strings.Join(c.SANs, " "), "certs/" + c.Name + ".csr"})
		}
	}
	if len(want) != 2 || len(rows)-1 != len(want) {
		t.Fatalf("%d orders, want %d (rp-listener and the Edge external certificate):\n%s", len(rows)-1, len(want), data)
	}
	for i, w := range want {
		if got := rows[i+1][:4]; !slices.Equal(got, w) {
			t.Errorf("order %d: %v, want %v", i+1, got, w)
		}
	}
	// No public certificate to request: no orders file.
	internal := &plan.Plan{Certificates: []plan.Certificate{p.Certificates[len(p.Certificates)-1]}}
	internal.Certificates[0].Issuer, internal.Certificates[0].Template = "internal", "WebServer"
	if certs.HasPublicOrders(internal.Certificates) {
		t.Error("an internal certificate is a public order")
	}
}
