package report

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner"
)

var examples = []string{"contoso", "standard-edition", "multisite", "invalid/_base"}

func load(t *testing.T, example string) (*model.Topology, *plan.Plan) {
	t.Helper()
	m := testtool.ExampleModel(t, example)
	return m, planner.New(m)
}

func report(t *testing.T, p *plan.Plan) string {
	t.Helper()
	fs, err := Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Path != Path {
		t.Fatalf("files: %v", fs)
	}
	return string(fs[0].Data)
}

func contains(t *testing.T, doc string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("report lacks %q", w)
		}
	}
}

// checkTables: every table row has as many cells as its header.
func checkTables(t *testing.T, name, doc string) {
	t.Helper()
	cells := func(line string) int {
		return strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1
	}
	want := -1
	for i, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Errorf("%s: line %d has %d cells, its table %d: %s", name, i+1, got, want, line)
		}
	}
}

// A hand-built plan with every part: each is rendered, pipes escaped.
func TestHandBuilt(t *testing.T) {
	p := &plan.Plan{
		Product: "lync2013", SIPDomains: []string{"a.example", "b.example"}, ADDomain: "a.local",
		Roles: []plan.Role{{Role: "Front End server", Name: "p/fe1", FQDN: "fe1.a.local", IPs: []string{"10.0.0.1", "10.0.1.1"}, Network: "internal", Site: "S"}},
		Certificates: []plan.Certificate{{Name: "fe1-default", Usage: []string{"Default"}, AssignTo: []string{"fe1.a.local"},
			Subject: "p.a.local", SANs: []string{"p.a.local", "fe1.a.local"}, Issuer: "internal", KeyType: "RSA", KeyBits: 2048,
			EKU: []string{"server-auth"}, Why: "CERT-001"}, {Name: "rp", Subject: "web.a.example", Declared: true}},
		Zones: []plan.Zone{
			{View: "internal", Name: "a.example", Kind: "split-brain", Records: []plan.Record{{Name: "lyncdiscoverinternal", Type: "A", Value: "10.0.0.5", TTL: 3600, Why: "DNS-002"}}},
			{View: "external", Name: "a.example", Kind: "authoritative", Declared: true, Records: []plan.Record{
				{Name: "_sip._tls", Type: "SRV", Value: "sip.a.example.", Priority: 0, Weight: 0, Port: 443, Why: "external sign-in | SRV"},
			}},
		},
		ReverseProxies: []plan.ReverseProxy{{Name: "rp", InternalIP: "172.16.0.1",
			Listeners: []plan.Listener{{Name: "https", IP: "203.0.113.1", Port: 443, TLS: true, Certificate: "rp"}},
			Rules: []plan.PubRule{{Name: "SfB-Web-HTTPS", PublicNames: []string{"web.a.example", "lyncdiscover.a.example"},
				Bridges: []plan.Bridge{{FrontPort: 443, BackPort: 4443, BackScheme: "https"}}, Target: "10.0.0.6", ForwardHostHeader: true, IdleTimeout: 960, Why: "RP-001"}}}},
		VIPs: []plan.VIP{{Name: "p-web-external", Pool: "p", Role: "web-external", IP: "10.0.0.6", Ports: []plan.PortPair{{Front: 443, Back: 4443}},
			Backends: []plan.Backend{{Name: "fe1", IP: "10.0.0.1"}}, Persistence: "cookie", CookieName: "MS-WSMAN", IdleTimeout: 1800, MonitorPort: 5061, PerRequestLB: true}},
		Firewall:     []plan.FirewallRule{{ID: "F1", Source: "Internet", Destination: "203.0.113.1", Protocol: "TCP", Ports: "443", Direction: "in", Purpose: "web", Why: "PORT-001"}},
		Shell:        []plan.ShellSection{{Title: "0. Verify web ports", Commands: []string{"Get-CsService -WebServer"}}},
		FallbackURLs: []plan.FallbackURL{{Scope: "external", URL: "https://web.a.example/Autodiscover/autodiscoverservice.svc/Root"}},
		Listeners:    []plan.RuntimeListen{{Name: "dns-internal", Network: "internal", Port: 53, Serves: "dns"}},
	}
	doc := report(t, p)
	contains(t, doc,
		Header,
		"- Product: Lync Server 2013 (`lync2013`)\n- SIP domains: a.example (primary), b.example\n- AD domain: a.local\n",
		"| Front End server | p/fe1 | fe1.a.local | 10.0.0.1, 10.0.1.1 | internal | S |",
		"| fe1-default | Default | p.a.local | p.a.local, fe1.a.local | internal | fe1.a.local | RSA 2048 | server-auth | CERT-001 |",
		"| rp | - | web.a.example | - | - | - | - | - | declared |",
		"### External view\n\n#### Zone a.example (authoritative, declared)\n\n",
		"| _sip._tls | SRV | 0 0 443 sip.a.example. | - | external sign-in \\| SRV |",
		"### Internal view\n\n#### Zone a.example (split-brain)\n\n",
		"| lyncdiscoverinternal | A | 10.0.0.5 | 3600 | DNS-002 |",
		"### rp (internal leg 172.16.0.1)",
		"| https | 203.0.113.1 | 443 | yes | rp |",
		"| SfB-Web-HTTPS | web.a.example, lyncdiscover.a.example | /* | 10.0.0.6 | 443 → 4443 (https) | yes | 960 s | RP-001 |",
		"| p-web-external | p | web-external | 10.0.0.6 | 443 → 4443 | cookie (MS-WSMAN) | 1800 s | 5061 | yes | fe1 10.0.0.1 | derived |",
		"| F1 | Internet | 203.0.113.1 | TCP | 443 | in | web | PORT-001 |",
		"- 0. Verify web ports\n",
		"| external | https://web.a.example/Autodiscover/autodiscoverservice.svc/Root |",
		"| dns-internal | internal | (chosen by the runtime) | 53 | dns |",
	)
	if strings.Index(doc, "### External view") > strings.Index(doc, "### Internal view") {
		t.Error("external view first")
	}
	if strings.Contains(doc, "\n\n\n") {
		t.Error("double blank line")
	}
	checkTables(t, "hand-built", doc)
}

// An empty plan still renders every section, saying nothing is planned.
func TestEmpty(t *testing.T) {
	doc := report(t, &plan.Plan{})
	if got := strings.Count(doc, "None planned."); got != 9 {
		t.Errorf("%d empty sections, want 9:\n%s", got, doc)
	}
	if !strings.HasPrefix(doc, Header) || !strings.HasSuffix(doc, "\n") || strings.HasSuffix(doc, "\n\n") {
		t.Errorf("framing:\n%q", doc)
	}
}

// Contoso: the summary, helpdesk URLs and firewall from the planner, and
// every certificate, zone, proxy rule and VIP the plan holds, whatever
// the other planner parts put there.
func TestContoso(t *testing.T) {
	_, p := load(t, "contoso")
	doc := report(t, p)
	contains(t, doc,
		"- Product: Skype for Business Server 2019 (`sfb2019`)",
		"- SIP domains: contoso.com (primary), fabrikam.com",
		"| Front End server | pool01/fe01 | fe01.contoso.net | 192.168.21.122 | internal | Redmond |",
		"| Edge server, external interface | edge/edge01 | edge01.contoso.net | 131.107.155.10, 131.107.155.20, 131.107.155.30 | perimeter | Redmond |",
		"| Reverse proxy | rp | - | 131.107.155.1, 172.25.34.10 | perimeter | - |",
		"| Office Web Apps / Office Online Server | office-web-apps | oos.contoso.com | 192.168.1.5 | internal | - |",
		"| external | https://webext.contoso.com/Autodiscover/autodiscoverservice.svc/Root |",
		"| internal | https://webint.contoso.net/Autodiscover/autodiscoverservice.svc/Root |",
		"| F2 | 172.25.34.10 | 192.168.21.121 | TCP | 4443 | in (DMZ to LAN) |",
		"- 3. Push notifications (Edge + Office 365 clearing house)\n",
		"- 2. Certificates (CERT-001 .. CERT-004) on fe01.contoso.net\n",
	)
	for _, c := range p.Certificates {
		contains(t, doc, "| "+c.Name+" | ")
	}
	for _, z := range p.Zones {
		contains(t, doc, "#### Zone "+z.Name+" (")
	}
	for _, rp := range p.ReverseProxies {
		for _, r := range rp.Rules {
			contains(t, doc, "| "+r.Name+" | "+strings.Join(r.PublicNames, ", ")+" |")
		}
	}
	for _, v := range p.VIPs {
		contains(t, doc, "| "+v.Name+" | "+v.Pool+" | "+v.Role+" | "+v.IP+" | ")
	}
	checkTables(t, "contoso", doc)
}

// Every example: tables well formed, no lab password, same bytes twice.
func TestExamples(t *testing.T) {
	for _, ex := range examples {
		m, p := load(t, ex)
		doc := report(t, p)
		checkTables(t, ex, doc)
		for _, u := range m.Users {
			if u.LabPassword != "" && strings.Contains(doc, u.LabPassword) {
				t.Errorf("%s: a lab password is in the report", ex)
			}
		}
		_, again := load(t, ex)
		if a, b := report(t, again), doc; !reflect.DeepEqual([]byte(a), []byte(b)) || !bytes.HasSuffix([]byte(a), []byte("\n")) {
			t.Errorf("%s: not deterministic or no final newline", ex)
		}
	}
}

// The findings section lists every finding the plan carries, with its
// acknowledgement, and says so when there is none.
func TestFindings(t *testing.T) {
	_, p := load(t, "contoso")
	contains(t, report(t, p), "## Findings\n\nValidation found nothing to report.\n")
	p.Findings = []plan.Finding{
		{Rule: "VER-009", Severity: "info", Message: "The SfB Server 2015 Planning Tool does not support SfB Server 2019 designs", Acknowledged: true, Reason: "we plan with mobplan | not the tool"},
		{Rule: "RP-003", Severity: "warning", Message: "With HTTP Autodiscover, lyncdiscover is published on port 80 only"},
		{Rule: "DNS-001", Severity: "error", Message: "Every SIP domain has a public lyncdiscover record <b>"},
	}
	doc := report(t, p)
	contains(t, doc,
		"| VER-009 | info | The SfB Server 2015 Planning Tool does not support SfB Server 2019 designs | yes: we plan with mobplan \\| not the tool |\n",
		"| RP-003 | warning | With HTTP Autodiscover, lyncdiscover is published on port 80 only | no |\n",
		"| DNS-001 | error | Every SIP domain has a public lyncdiscover record \\<b\\> | no |\n")
	checkTables(t, "findings", doc)
}

// REPORT.md draws both diagrams as Mermaid blocks.
func TestMermaidDiagrams(t *testing.T) {
	_, p := load(t, "contoso")
	doc := report(t, p)
	if n := strings.Count(doc, "\n```mermaid\nflowchart LR\n"); n != 2 {
		t.Errorf("%d Mermaid diagrams, want 2", n)
	}
	contains(t, doc, "H2. UCWA https://webext.contoso.com/ucwa through the public address (hairpin allowed on the firewall)")
}
