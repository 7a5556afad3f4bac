package planner

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// certValidExamples are the valid example topologies.
var certValidExamples = []string{"contoso", "standard-edition", "multisite", "invalid/_base", "pki-options"}

// certModel loads and decodes an example (or any topology folder).
func certModel(t *testing.T, dir string) *model.Topology {
	t.Helper()
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnostics.HasErrors() {
		t.Fatalf("%s: %v", dir, c.Diagnostics)
	}
	m, err := c.Result.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// certPlan plans only the certificates of a topology.
func certPlan(t *model.Topology) *plan.Plan {
	p := &plan.Plan{}
	planCertificates(t, p)
	return p
}

func certByName(t *testing.T, p *plan.Plan, name string) plan.Certificate {
	t.Helper()
	for _, c := range p.Certificates {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no certificate %q; have %v", name, certNames(p))
	return plan.Certificate{}
}

func certNames(p *plan.Plan) []string {
	var out []string
	for _, c := range p.Certificates {
		out = append(out, c.Name)
	}
	return out
}

// certWant is what a test expects of one certificate.
type certWant struct {
	name, usage, subject, issuer string
	assign, sans, eku            []string
	why                          string
}

func certCheck(t *testing.T, p *plan.Plan, w certWant) {
	t.Helper()
	c := certByName(t, p, w.name)
	got := certWant{c.Name, strings.Join(c.Usage, ","), c.Subject, c.Issuer, c.AssignTo, c.SANs, c.EKU, c.Why}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", w.name, got, w)
	}
	if c.KeyType != "RSA" || c.KeyBits != 2048 || c.Declared {
		t.Errorf("%s: key %s/%d declared=%v, want a derived RSA 2048 certificate", w.name, c.KeyType, c.KeyBits, c.Declared)
	}
}

var (
	srvAuth    = []string{plan.EKUServerAuth}
	srvCliAuth = []string{plan.EKUServerAuth, plan.EKUClientAuth}
)

// Section 2.2 of the rule catalogue, C1–C6, for contoso.
func TestCertificatesContoso(t *testing.T) {
	p := certPlan(certModel(t, "../examples/contoso"))
	want := []string{
		"edge-edgeexternal", "edge-edgeinternal",
		"fe01-default", "fe01-webservicesexternal", "fe01-webservicesinternal",
		"fe02-default", "fe02-webservicesexternal", "fe02-webservicesinternal",
		"fe03-default", "fe03-webservicesexternal", "fe03-webservicesinternal",
		"rp-listener",
	}
	if got := certNames(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("certificates:\n got %v\nwant %v", got, want)
	}
	for _, w := range []certWant{
		// C1 (no strict DNS auto-logon in contoso, so no sip.<d>).
		{"fe01-default", "Default", "pool01.contoso.net", "internal", []string{"fe01.contoso.net"},
			[]string{"pool01.contoso.net", "fe01.contoso.net"}, srvCliAuth, "CERT-001, CERT-009"},
		// C2.
		{"fe01-webservicesinternal", "WebServicesInternal", "pool01.contoso.net", "internal", []string{"fe01.contoso.net"},
			[]string{"pool01.contoso.net", "admin.contoso.com", "dialin.contoso.com", "fe01.contoso.net",
				"lyncdiscoverinternal.contoso.com", "lyncdiscoverinternal.fabrikam.com",
				"meet.contoso.com", "meet.fabrikam.com", "webint.contoso.net"}, srvAuth, "CERT-002, CERT-004, CERT-009"},
		// C3, with the subject as first SAN.
		{"fe02-webservicesexternal", "WebServicesExternal", "pool01.contoso.net", "internal", []string{"fe02.contoso.net"},
			[]string{"pool01.contoso.net", "dialin.contoso.com", "lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com",
				"meet.contoso.com", "meet.fabrikam.com", "webext.contoso.com"}, srvAuth, "CERT-003, CERT-004, CERT-009"},
		// C4.
		{"rp-listener", "RPListener", "webext.contoso.com", "public", []string{"rp"},
			[]string{"webext.contoso.com", "dialin.contoso.com", "lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com",
				"meet.contoso.com", "meet.fabrikam.com", "oos.contoso.com"}, srvAuth, "CERT-005, CERT-006, CERT-009"},
		// C5: one certificate for both Edge servers.
		{"edge-edgeexternal", "EdgeExternal", "sip.contoso.com", "public", []string{"edge01.contoso.net", "edge02.contoso.net"},
			[]string{"sip.contoso.com", "sip.fabrikam.com", "webcon.contoso.com"}, srvAuth, "CERT-011, CERT-009"},
		// C6: no SANs.
		{"edge-edgeinternal", "EdgeInternal", "edgepool.contoso.net", "internal", []string{"edge01.contoso.net", "edge02.contoso.net"},
			[]string{}, srvCliAuth, "CERT-011, CERT-009"},
	} {
		certCheck(t, p, w)
	}
	if c, ok := p.CertificateFor(plan.UsageRPListener, "rp"); !ok || c.Name != "rp-listener" {
		t.Errorf("CertificateFor(RPListener, rp) = %q, %v", c.Name, ok)
	}
	if c, ok := p.CertificateFor(plan.UsageWebServicesInternal, "FE03.contoso.net"); !ok || c.Name != "fe03-webservicesinternal" {
		t.Errorf("CertificateFor(WebServicesInternal, fe03) = %q, %v", c.Name, ok)
	}
}

// Strict DNS auto-logon puts sip.<d> on the Default certificates (CERT-001).
func TestCertificatesStrictDNSAutologon(t *testing.T) {
	m := certModel(t, "../examples/contoso")
	m.Mobility.StrictDNSAutologon = true
	certCheck(t, certPlan(m), certWant{"fe03-default", "Default", "pool01.contoso.net", "internal", []string{"fe03.contoso.net"},
		[]string{"pool01.contoso.net", "fe03.contoso.net", "sip.contoso.com", "sip.fabrikam.com"}, srvCliAuth, "CERT-001, CERT-009"})
}

// HTTP Autodiscover: no lyncdiscover SAN on the proxy; Standard Edition:
// pool FQDN = server FQDN; admin URL defaults to admin.<primary>.
func TestCertificatesStandardEdition(t *testing.T) {
	p := certPlan(certModel(t, "../examples/standard-edition"))
	if got, want := certNames(p), []string{"rp-listener", "se01-default", "se01-webservicesexternal", "se01-webservicesinternal"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("certificates: got %v, want %v", got, want)
	}
	for _, w := range []certWant{
		{"rp-listener", "RPListener", "webext.litware.com", "public", []string{"rp"},
			[]string{"webext.litware.com", "dialin.litware.com", "meet.litware.com"}, srvAuth, "CERT-005, CERT-009"},
		{"se01-default", "Default", "se01.litware.local", "internal", []string{"se01.litware.local"},
			[]string{"se01.litware.local"}, srvCliAuth, "CERT-001, CERT-009"},
		{"se01-webservicesinternal", "WebServicesInternal", "se01.litware.local", "internal", []string{"se01.litware.local"},
			[]string{"se01.litware.local", "dialin.litware.com", "lyncdiscoverinternal.litware.com", "meet.litware.com"},
			srvAuth, "CERT-002, CERT-004, CERT-009"},
		{"se01-webservicesexternal", "WebServicesExternal", "se01.litware.local", "internal", []string{"se01.litware.local"},
			[]string{"se01.litware.local", "dialin.litware.com", "lyncdiscover.litware.com", "meet.litware.com", "webext.litware.com"},
			srvAuth, "CERT-003, CERT-004, CERT-009"},
	} {
		certCheck(t, p, w)
	}
}

// A Director (the Autodiscover target, so the proxy's subject), three
// pools published by one proxy, an SBA.
func TestCertificatesMultisite(t *testing.T) {
	p := certPlan(certModel(t, "../examples/multisite"))
	if n := len(p.Certificates); n != 3*6+1+2+1 {
		t.Errorf("%d certificates, want 22 (3 per server, proxy, 2 Edge, SBA): %v", n, certNames(p))
	}
	for _, w := range []certWant{
		{"rp-listener", "RPListener", "dirext.fabrikam.com", "public", []string{"rp"},
			[]string{"dirext.fabrikam.com", "dialin.fabrikam.com", "lyncdiscover.fabrikam.com", "lyonext.fabrikam.com",
				"meet.fabrikam.com", "parisext.fabrikam.com"}, srvAuth, "CERT-005, CERT-006, CERT-009"},
		{"dir2-default", "Default", "dir01.fabrikam.local", "internal", []string{"dir2.fabrikam.local"},
			[]string{"dir01.fabrikam.local", "dir2.fabrikam.local"}, srvCliAuth, "CERT-001, CERT-009"},
		{"lfe1-webservicesinternal", "WebServicesInternal", "lyon.fabrikam.local", "internal", []string{"lfe1.fabrikam.local"},
			[]string{"lyon.fabrikam.local", "admin.fabrikam.com", "dialin.fabrikam.com", "lfe1.fabrikam.local",
				"lyncdiscoverinternal.fabrikam.com", "lyonint.fabrikam.local", "meet.fabrikam.com"}, srvAuth, "CERT-002, CERT-004, CERT-009"},
		{"sba-lyon-sba", "SBA", "sba1.fabrikam.local", "internal", []string{"sba1.fabrikam.local"},
			[]string{"sba1.fabrikam.local", "sip.fabrikam.com"}, srvCliAuth, "CERT-010, CERT-009"},
		// One SIP domain: no further sip.<d>.
		{"edge-edgeexternal", "EdgeExternal", "sip.fabrikam.com", "public", []string{"edge1.fabrikam.local"},
			[]string{"sip.fabrikam.com", "webconf.fabrikam.com"}, srvAuth, "CERT-011, CERT-009"},
	} {
		certCheck(t, p, w)
	}
}

// No simple URLs: meet.<d> per SIP domain and dialin on the primary (the
// defaults DNS and the reverse proxy use too); no admin URL, as none is
// declared.
// Mobility disabled: no lyncdiscover names, no CERT-004/CERT-006.
func TestCertificatesDefaultsWithoutSimpleURLsOrMobility(t *testing.T) {
	m := certModel(t, "../examples/contoso")
	m.SimpleURLs = model.SimpleURLs{}
	m.Mobility.Enabled = false
	p := certPlan(m)
	certCheck(t, p, certWant{"rp-listener", "RPListener", "webext.contoso.com", "public", []string{"rp"},
		[]string{"webext.contoso.com", "dialin.contoso.com", "meet.contoso.com", "meet.fabrikam.com", "oos.contoso.com"},
		srvAuth, "CERT-005, CERT-009"})
	certCheck(t, p, certWant{"fe01-webservicesinternal", "WebServicesInternal", "pool01.contoso.net", "internal", []string{"fe01.contoso.net"},
		[]string{"pool01.contoso.net", "dialin.contoso.com", "fe01.contoso.net",
			"meet.contoso.com", "meet.fabrikam.com", "webint.contoso.net"}, srvAuth, "CERT-002, CERT-009"})
}

// Declared certificates replace the derived ones they cover.
func TestCertificatesDeclared(t *testing.T) {
	m := certModel(t, "../examples/contoso")
	m.Certificates = map[string]model.Certificate{
		// Both web usages of the whole pool: replaces six derived certificates.
		"Pool01 Web": {Usage: []string{plan.UsageWebServicesInternal, plan.UsageWebServicesExternal}, AssignedTo: []string{"pool01"},
			Subject: "pool01.contoso.net", SANs: []string{"*.contoso.com", "pool01.contoso.net", "*.fabrikam.com"},
			Issuer: "internal", KeyBits: 4096, SigAlg: "sha256-rsa"},
		// An existing file, named by the listener: no request.
		"rp": {Usage: []string{plan.UsageRPListener}, Subject: "webext.contoso.com", SANs: []string{"webext.contoso.com"},
			Issuer: "public", KeyBits: 2048, EKU: []string{plan.EKUServerAuth}, File: "rp.pem"},
		// A Default certificate of fe01 with an ECDSA key, by server FQDN.
		"fe01-ec": {Usage: []string{plan.UsageDefault}, AssignedTo: []string{"FE01.contoso.net"}, Subject: "pool01.contoso.net",
			SANs: []string{"fe01.contoso.net", "pool01.contoso.net"}, Issuer: "internal", KeyBits: 2048, SigAlg: "ecdsa-sha384"},
		// Covers nothing (Edge internal of an unknown pool) and takes a
		// derived certificate's name.
		"fe02-default": {Usage: []string{plan.UsageEdgeInternal}, AssignedTo: []string{"nowhere"}, Subject: "x.contoso.net",
			Issuer: "internal", KeyBits: 2048},
	}
	rp := m.ReverseProxies["rp"]
	l := rp.Listeners["https"]
	l.Certificate = "rp"
	rp.Listeners["https"] = l
	p := certPlan(m)

	want := []string{"edge-edgeexternal", "edge-edgeinternal", "fe01-ec", "fe02-default", "fe02-default-2",
		"fe03-default", "pool01-web", "rp"}
	if got := certNames(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("certificates:\n got %v\nwant %v", got, want)
	}
	web := certByName(t, p, "pool01-web")
	if !web.Declared || web.Existing() || web.Why != "declared" || web.KeyBits != 4096 ||
		!reflect.DeepEqual(web.AssignTo, []string{"fe01.contoso.net", "fe02.contoso.net", "fe03.contoso.net"}) ||
		!reflect.DeepEqual(web.SANs, []string{"pool01.contoso.net", "*.contoso.com", "*.fabrikam.com"}) ||
		!reflect.DeepEqual(web.Usage, []string{plan.UsageWebServicesExternal, plan.UsageWebServicesInternal}) {
		t.Errorf("pool01-web: %+v", web)
	}
	// An EKU the topology leaves unknown: what the usage needs.
	if !reflect.DeepEqual(web.EKU, srvAuth) {
		t.Errorf("pool01-web EKU = %v", web.EKU)
	}
	r := certByName(t, p, "rp")
	if !r.Existing() || r.File != "rp.pem" || !reflect.DeepEqual(r.AssignTo, []string{"rp"}) {
		t.Errorf("rp: %+v", r)
	}
	if c, ok := p.CertificateFor(plan.UsageRPListener, "rp"); !ok || c.Name != "rp" {
		t.Errorf("CertificateFor(RPListener, rp) = %q, %v", c.Name, ok)
	}
	ec := certByName(t, p, "fe01-ec")
	if ec.KeyType != "ECDSA" || ec.KeyBits != 384 || !reflect.DeepEqual(ec.EKU, srvCliAuth) ||
		!reflect.DeepEqual(ec.SANs, []string{"pool01.contoso.net", "fe01.contoso.net"}) {
		t.Errorf("fe01-ec: %+v", ec)
	}
	if d := certByName(t, p, "fe02-default-2"); d.Declared || d.Usage[0] != plan.UsageDefault {
		t.Errorf("fe02-default-2 should be fe02's derived Default certificate: %+v", d)
	}
}

// A declared RPListener certificate that names no proxy covers them all.
func TestCertificatesDeclaredUnassignedListener(t *testing.T) {
	m := certModel(t, "../examples/contoso")
	m.Certificates = map[string]model.Certificate{
		"public": {Usage: []string{plan.UsageRPListener}, Subject: "webext.contoso.com", Issuer: "public", KeyBits: 2048},
	}
	p := certPlan(m)
	if c, ok := p.CertificateFor(plan.UsageRPListener, "rp"); ok {
		t.Errorf("the declared certificate is not assigned, so CertificateFor finds none, got %q", c.Name)
	}
	for _, n := range certNames(p) {
		if n == "rp-listener" {
			t.Errorf("rp-listener derived although a declared RPListener certificate covers every proxy")
		}
	}
}

// Same model, same plan, whatever the map order.
func TestCertificatesDeterministic(t *testing.T) {
	for _, ex := range certValidExamples {
		m := certModel(t, "../examples/"+ex)
		first, _ := json.Marshal(certPlan(m).Certificates)
		for i := 0; i < 5; i++ {
			again, _ := json.Marshal(certPlan(m).Certificates)
			if string(again) != string(first) {
				t.Fatalf("%s: plan %d differs", ex, i)
			}
		}
	}
}

// Every derived certificate, declared back into its topology, passes the
// CERT rules: derived certificates satisfy them by construction, with the
// default pki settings, with 4096-bit keys, and with one certificate per
// Front End (CERT-004's single certificate clause then checks it).
// (CERT-008 is a warning left to the administrator: internal CA on web
// services with mobiles on the Wi-Fi.)
func TestCertificatesSatisfyRules(t *testing.T) {
	for _, ex := range certValidExamples {
		for name, pki := range map[string]string{"": "", "4096": "pki {\n  key_bits = 4096\n}\n", "single": "pki {\n  single_certificate = true\n}\n"} {
			if ex == "pki-options" && pki != "" {
				continue // it sets pki itself
			}
			t.Run(strings.ReplaceAll(ex, "/", "_")+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				certCopyDir(t, "../examples/"+ex, dir)
				if err := os.WriteFile(filepath.Join(dir, "zz-pki.hcl"), []byte(pki), 0o644); err != nil {
					t.Fatal(err)
				}
				m := certModel(t, dir)
				p := certPlan(m)
				var b strings.Builder
				combined := 0
				for _, c := range p.Certificates {
					if c.Declared {
						continue
					}
					if len(c.Usage) == 3 {
						combined++
					}
					if name == "4096" && c.KeyBits != 4096 {
						t.Errorf("%s: %d bits, pki says 4096", c.Name, c.KeyBits)
					}
					fmt.Fprintf(&b, "certificate %q {\n  usage = %s\n  assigned_to = %s\n  subject = %q\n  sans = %s\n  issuer = %q\n  eku = %s\n  key_bits = %d\n}\n",
						c.Name, certHCLList(c.Usage), certHCLList(c.AssignTo), c.Subject, certHCLList(c.SANs), c.Issuer, certHCLList(c.EKU), c.KeyBits)
				}
				if name == "single" {
					want := 0
					for _, pl := range m.Pools {
						if pl.Kind != "" {
							want += len(pl.Servers)
						}
					}
					if combined == 0 || combined != want {
						t.Errorf("single_certificate: %d certificates for Default and both web services, want one per pool server (%d)", combined, want)
					}
				}
				if err := os.WriteFile(filepath.Join(dir, "zz-derived-certificates.hcl"), []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				c, err := loader.Load(dir, loader.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range c.Diagnostics {
					if !strings.HasPrefix(d.Rule, "CERT-") && d.Severity != diag.Error {
						continue
					}
					if d.Rule == "CERT-008" && d.Severity == diag.Warning {
						continue
					}
					t.Errorf("%s", d)
				}
			})
		}
	}
}

// The planner's template defaults are the schema's, so a model built
// without the schema plans the same requests.
func TestCertTemplateDefaultsAreTheSchemas(t *testing.T) {
	m := certModel(t, "../examples/contoso")
	for u, want := range DefaultTemplates {
		if got := m.PKI.Template.For(u); got != want {
			t.Errorf("pki.template.%s: schema default %q, planner %q", u, got, want)
		}
	}
	if len(DefaultTemplates) != 5 || len(m.PKI.TemplateEKU) != 0 {
		t.Errorf("templates %v, template_eku %v", DefaultTemplates, m.PKI.TemplateEKU)
	}
	if m.PKI.KeyBits != DefaultKeyBits || m.PKI.SingleCertificate {
		t.Errorf("schema defaults key_bits %d single %v", m.PKI.KeyBits, m.PKI.SingleCertificate)
	}
}

// A declared internal certificate still to request names the template
// of its usage; without an EKU it asks for what the template issues.
func TestCertDeclaredTemplate(t *testing.T) {
	m := certModel(t, "../examples/standard-edition")
	m.Certificates = map[string]model.Certificate{"mine": {Usage: []string{plan.UsageWebServicesInternal, plan.UsageDefault},
		AssignedTo: []string{"se01"}, Subject: "se01.litware.local", Issuer: "internal", KeyBits: 2048}}
	c := certByName(t, certPlan(m), "mine")
	if c.Template != "WebServerClientAuth" || !reflect.DeepEqual(c.EKU, []string{plan.EKUServerAuth, plan.EKUClientAuth}) {
		t.Errorf("declared Default certificate: template %q, EKU %v", c.Template, c.EKU)
	}
}

func certHCLList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func certCopyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCertURLHostAndFileStem(t *testing.T) {
	for in, want := range map[string]string{
		"https://meet.contoso.com":           "meet.contoso.com",
		"https://Lync.Contoso.com/meet":      "lync.contoso.com",
		"https://dialin.contoso.com:443/x?y": "dialin.contoso.com",
		"meet.contoso.com":                   "meet.contoso.com",
	} {
		if got := certURLHost(in); got != want {
			t.Errorf("certURLHost(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"Pool01 Web": "pool01-web",
		"../../etc":  "etc",
		"a/b":        "a-b",
		"...":        "certificate",
		"fe01_x.y-z": "fe01_x.y-z",
	} {
		if got := certFileStem(in); got != want {
			t.Errorf("certFileStem(%q) = %q, want %q", in, got, want)
		}
	}
}

// A proxy with only a plain HTTP listener needs no certificate; any other
// listener is TLS and gets <rp>-listener.
func TestCertificatesProxyListeners(t *testing.T) {
	m := certModel(t, "../examples/standard-edition")
	rp := m.ReverseProxies["rp"]
	delete(rp.Listeners, "https")
	if _, ok := certPlan(m).CertificateFor(plan.UsageRPListener, "rp"); ok {
		t.Errorf("an HTTP-only proxy got a listener certificate")
	}
	rp.Listeners["alt"] = model.Listener{Name: "alt", IP: "198.51.100.20", Port: 8443}
	if c, ok := certPlan(m).CertificateFor(plan.UsageRPListener, "rp"); !ok || c.Name != "rp-listener" {
		t.Errorf("a TLS listener on 8443: got %q, %v", c.Name, ok)
	}
}

// With no pool publishing external web services, the reverse proxy's
// listener certificate is named after the simple URLs it still publishes
// (found by FuzzPipeline: the subject was empty).
func TestCertListenerWithoutWebExternal(t *testing.T) {
	m := certModel(t, "../examples/standard-edition")
	se := m.Pools["se01"]
	se.WebExternal = model.WebServices{}
	m.Pools["se01"] = se
	c := certByName(t, certPlan(m), "rp-listener")
	if c.Subject != "dialin.litware.com" || c.SANs[0] != c.Subject || !reflect.DeepEqual(c.SANs, []string{"dialin.litware.com", "meet.litware.com"}) {
		t.Errorf("subject %q, SANs %v; want dialin.litware.com, then meet.litware.com", c.Subject, c.SANs)
	}
}

// certSANsBySort is certSANs' definition: the subject, then every other
// name lower-cased, without empty names or duplicates, sorted.
func certSANsBySort(subject string, lists ...[]string) []string {
	seen := map[string]bool{}
	var rest []string
	for _, l := range lists {
		for _, n := range l {
			if n = strings.ToLower(n); n != "" && n != subject && !seen[n] {
				seen[n] = true
				rest = append(rest, n)
			}
		}
	}
	slices.Sort(rest)
	return append([]string{subject}, rest...)
}

// TestCertSANsMergesAsSortingWould: lists taken as they are (sorted,
// lower case) and lists sorted first give the same SANs as sorting
// everything, whatever the lists hold.
func TestCertSANsMergesAsSortingWould(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"", "a.example", "A.example", "b.example", "sip.contoso.com", "meet.contoso.com", "Meet.Contoso.com", "z", "é.example", "É.example"}
	pick := func() []string {
		var l []string
		for range r.IntN(6) {
			l = append(l, names[r.IntN(len(names))])
		}
		if r.IntN(2) == 0 {
			l = certSorted(certLower(l))
		}
		return l
	}
	for i := range 5000 {
		subject := names[r.IntN(len(names))]
		var lists [][]string
		for range r.IntN(5) {
			lists = append(lists, pick())
		}
		if got, want := certSANs(subject, lists...), certSANsBySort(subject, lists...); !slices.Equal(got, want) {
			t.Fatalf("case %d: certSANs(%q, %q) = %q, want %q", i, subject, lists, got, want)
		}
	}
}
