package runbook_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/runbook"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/golden"
	"github.com/mobplan/mobplan/planner/plan"
)

var updateCmd = golden.Command("./generators/runbook", "TestGoldens")

func render(t *testing.T, p *plan.Plan) string {
	t.Helper()
	fs, err := runbook.Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Path != runbook.Path {
		t.Fatalf("files: %+v", fs)
	}
	return string(fs[0].Data)
}

// RUNBOOK.md of every valid example, byte for byte, the same twice.
func TestGoldens(t *testing.T) {
	for _, ex := range testtool.ValidExamples(t) {
		t.Run(ex, func(t *testing.T) {
			got := render(t, testtool.ExamplePlan(t, ex))
			if again := render(t, testtool.ExamplePlan(t, ex)); !bytes.Equal([]byte(got), []byte(again)) {
				t.Fatal("two runs differ")
			}
			golden.Check(t, filepath.Join("testdata", ex+".md"), []byte(got), updateCmd)
		})
	}
}

func contains(t *testing.T, doc string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("RUNBOOK.md lacks %q", w)
		}
	}
}

// The steps come in the teams' order, public certificate orders first.
func TestOrder(t *testing.T) {
	doc := render(t, testtool.ExamplePlan(t, "contoso"))
	last := -1
	for _, h := range []string{
		"## 1. Order the public certificates", "## 2. Request the internal certificates", "## 3. Internal DNS",
		"## 4. External DNS", "## 5. Reverse proxy", "## 6. Load balancer", "## 7. Firewall", "## 8. Management Shell",
		"## 9. Go-live checks", "## 10. Mobile test matrix",
	} {
		i := strings.Index(doc, "\n"+h)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order", h)
		}
		last = i
	}
	pub := doc[strings.Index(doc, "## 1."):strings.Index(doc, "## 2.")]
	if !strings.Contains(pub, "rp-listener") || !strings.Contains(pub, "edge-edgeexternal") || strings.Contains(pub, "fe01-default") {
		t.Errorf("the public certificates are not those ordered first:\n%s", pub)
	}
}

// Each step names its artifact, the verify command and the plan's
// expected result.
func TestContosoSteps(t *testing.T) {
	doc := render(t, testtool.ExamplePlan(t, "contoso"))
	contains(t, doc,
		"- **Artifact:** `certs/rp-listener.csr` (Windows: `certs/rp-listener.inf`, OpenSSL: `certs/rp-listener.cnf`)",
		"SANs webext.contoso.com, dialin.contoso.com, lyncdiscover.contoso.com, lyncdiscover.fabrikam.com, meet.contoso.com, meet.fabrikam.com, oos.contoso.com",
		"| `Resolve-DnsName lyncdiscover.fabrikam.com -Type A -Server <external resolver>` | 131.107.155.1 | DNS-001 |",
		"| `Resolve-DnsName lyncdiscoverinternal.contoso.com -Type A -Server <internal DNS server>` | 192.168.21.120 | DNS-002 |",
		"`dns/external/fabrikam.com.zone` (BIND), or `dns/windows-dns.ps1` (Windows DNS), and `exports/dns-external.csv`",
		"| `Invoke-WebRequest https://lyncdiscover.fabrikam.com/ -UseBasicParsing` | lyncdiscover.fabrikam.com | 192.168.21.121 443 → 4443 (https), 80 → 8080 (http) | SfB-Web-HTTPS |",
		"| `Test-NetConnection 192.168.21.121 -Port 443` | TcpTestSucceeded True; forwarded to port 4443 of fe01 192.168.21.122, fe02 192.168.21.123, fe03 192.168.21.124 |",
		"Test-CsUcwaConference -TargetFqdn 'pool01.contoso.net'",
		"--from external --live --dns <external resolver>:53",
		"| F12 | Internet | 131.107.155.30, 131.107.155.31 | UDP 50000-59999 |",
		"- **Rollback:**",
	)
	if strings.Contains(doc, "Also assumed") {
		t.Error("contoso plans mobile A/V: the media rules are listed, not assumed")
	}
}

// Each matrix cell follows the user's effective policies.
func TestMatrixCells(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	doc := render(t, p)
	contains(t, doc, "| Platform | Network | Sign-in | IM | Presence | Push | Call via Work | Click to Join |",
		"| iOS | internal Wi-Fi | succeeds: lyncdiscoverinternal.contoso.com → 192.168.21.120, UCWA on webext.contoso.com (hairpin allowed on the firewall) |",
		"| Android | external | succeeds: lyncdiscover.contoso.com → 131.107.155.1, UCWA on webext.contoso.com |")
	u := &p.Directory.Users[0]
	u.UsesMobility = true
	u.Mobility = plan.MobilityPolicy{EnableMobility: true, EnableOutsideVoice: false, EnablePushNotifications: false}
	u.EnterpriseVoice = true
	doc = render(t, p)
	contains(t, doc, "none: EnablePushNotifications is False", "not offered: EnableOutsideVoice is False", "joins with VoIP only: EnableOutsideVoice is False")
	u.Mobility.EnableMobility = false
	contains(t, render(t, p), "refused: EnableMobility is False")
	p.Mobility.AudioVideo = false
	contains(t, render(t, p), "- **Also assumed:** mobile audio and video are off")
	p.HairpinAllowed = false
	p.ReverseProxies[0].SeparateFromFirewall = false
	contains(t, render(t, p), "is the proxy's public address, which the Wi-Fi cannot reach (RP-007)")
}

// Hostile text in any string of the plan adds no structure: every line
// of the attacked RUNBOOK.md has a shape (block, table cells, raw HTML,
// entities, links, code spans) some line of the plain one has. A value
// may move a step or drop a line that looked it up (a certificate
// renamed), so the lines are compared as a set.
func TestInjectionEveryField(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	known := map[string]bool{}
	for _, l := range strings.Split(testtool.MarkdownShape(render(t, p)), "\n") {
		known[l] = true
	}
	seeds := []string{"rp\nuser root;\n#", "<img src=x onerror=alert(1)>", "[link](javascript:alert(1))", "`code`", "# heading", "- item", "a | b", "&lt;"}
	for _, fd := range testtool.StringFields(p) {
		if strings.HasPrefix(fd.Path, "Listeners[") || strings.HasPrefix(fd.Path, "Roles[") || strings.HasPrefix(fd.Path, "Edges[") {
			continue // not in the runbook
		}
		for _, s := range seeds {
			restore := fd.Replace(s)
			doc := render(t, p)
			for _, l := range strings.Split(testtool.MarkdownShape(doc), "\n") {
				if !known[l] {
					t.Fatalf("%s = %q: RUNBOOK.md has a line of a new shape %q:\n%s", fd.Path, s, l, doc)
				}
			}
			restore()
		}
	}
}
