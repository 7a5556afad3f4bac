package planner_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

// proxyHLBModel loads a valid example's model (shared by the reverse
// proxy and HLB tests).
func proxyHLBModel(t *testing.T, example string) *model.Topology {
	t.Helper()
	c, err := loader.Load("../examples/"+example, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnostics.HasErrors() {
		t.Fatalf("%s is not valid: %v", example, c.Diagnostics)
	}
	m, err := c.Result.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// proxyHLBEqual compares as JSON, which shows a readable difference.
func proxyHLBEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

var (
	rpHTTPS4443 = plan.Bridge{FrontPort: 443, BackPort: 4443, BackScheme: "https"}
	rpHTTP8080  = plan.Bridge{FrontPort: 80, BackPort: 8080, BackScheme: "http"}
)

// Section 2.3 of the rule catalogue, with the values of examples/contoso.
func TestProxiesContoso(t *testing.T) {
	p := planner.New(proxyHLBModel(t, "contoso"))
	want := []plan.ReverseProxy{{
		Name:                 "rp",
		InternalIP:           "172.25.34.10",
		SeparateFromFirewall: true,
		Listeners: []plan.Listener{
			{Name: "https", IP: "131.107.155.1", Port: 443, TLS: true, Certificate: "rp-listener"},
		},
		Rules: []plan.PubRule{
			{
				Name:              "OOS-HTTPS",
				PublicNames:       []string{"oos.contoso.com"},
				Bridges:           []plan.Bridge{{FrontPort: 443, BackPort: 443, BackScheme: "https"}},
				Target:            "192.168.1.5",
				ForwardHostHeader: true,
				IdleTimeout:       960,
				Why:               "Office Online Server published for external meeting content",
			},
			{
				Name: "SfB-Web-HTTPS",
				PublicNames: []string{
					"webext.contoso.com",
					"dialin.contoso.com",
					"lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com",
					"meet.contoso.com", "meet.fabrikam.com",
				},
				Bridges:           []plan.Bridge{rpHTTPS4443, rpHTTP8080},
				Target:            "192.168.21.121",
				ForwardHostHeader: true,
				IdleTimeout:       960,
				Why:               "RP-001, RP-002, RP-004, RP-005, RP-006, RP-008",
			},
		},
	}}
	proxyHLBEqual(t, "contoso reverse proxies", p.ReverseProxies, want)
}

// HTTP Autodiscover (RP-003): lyncdiscover on its own port 80 rule,
// bridged to 8080 only, and on no HTTPS rule.
func TestProxiesStandardEditionHTTPAutodiscover(t *testing.T) {
	m := proxyHLBModel(t, "standard-edition")
	p := planner.New(m)
	wantListeners := []plan.Listener{
		{Name: "http", IP: "198.51.100.20", Port: 80},
		{Name: "https", IP: "198.51.100.20", Port: 443, TLS: true, Certificate: "rp-listener"},
	}
	wantRules := []plan.PubRule{
		{
			Name:              "SfB-Web-HTTP",
			PublicNames:       []string{"lyncdiscover.litware.com"},
			Bridges:           []plan.Bridge{rpHTTP8080},
			Target:            "10.10.0.10",
			ForwardHostHeader: true,
			IdleTimeout:       960,
			Why:               "RP-003, RP-004, RP-005, RP-006",
		},
		{
			Name:              "SfB-Web-HTTPS",
			PublicNames:       []string{"webext.litware.com", "dialin.litware.com", "meet.litware.com"},
			Bridges:           []plan.Bridge{rpHTTPS4443, rpHTTP8080},
			Target:            "10.10.0.10",
			ForwardHostHeader: true,
			IdleTimeout:       960,
			Why:               "RP-001, RP-004, RP-005, RP-006, RP-008",
		},
	}
	if len(p.ReverseProxies) != 1 {
		t.Fatalf("got %d reverse proxies, want 1", len(p.ReverseProxies))
	}
	proxyHLBEqual(t, "listeners", p.ReverseProxies[0].Listeners, wantListeners)
	proxyHLBEqual(t, "rules", p.ReverseProxies[0].Rules, wantRules)

	// Without a port 80 listener, one is added on the HTTPS listener's address.
	rp := m.ReverseProxies["rp"]
	rp.Listeners = map[string]model.Listener{"https": rp.Listeners["https"]}
	m.ReverseProxies = map[string]model.ReverseProxy{"rp": rp}
	p = planner.New(m)
	proxyHLBEqual(t, "listeners with port 80 added", p.ReverseProxies[0].Listeners, wantListeners)
}

// A Director is the Autodiscover target: its rule carries lyncdiscover
// and the simple URLs; each Front End pool has its own rule.
func TestProxiesMultisite(t *testing.T) {
	p := planner.New(proxyHLBModel(t, "multisite"))
	rule := func(name, target string, names ...string) plan.PubRule {
		why := "RP-001, RP-004, RP-005, RP-006, RP-008"
		if name == "SfB-Web-HTTPS" {
			why = "RP-001, RP-002, RP-004, RP-005, RP-006, RP-008"
		}
		return plan.PubRule{
			Name: name, PublicNames: names, Bridges: []plan.Bridge{rpHTTPS4443, rpHTTP8080},
			Target: target, ForwardHostHeader: true, IdleTimeout: 960, Why: why,
		}
	}
	want := []plan.PubRule{
		rule("SfB-Web-HTTPS", "10.1.0.51", "dirext.fabrikam.com", "dialin.fabrikam.com", "lyncdiscover.fabrikam.com", "meet.fabrikam.com"),
		rule("SfB-Web-HTTPS-lyon", "10.2.0.11", "lyonext.fabrikam.com"),
		rule("SfB-Web-HTTPS-paris", "10.1.0.11", "parisext.fabrikam.com"),
	}
	proxyHLBEqual(t, "multisite rules", p.ReverseProxies[0].Rules, want)
	proxyHLBEqual(t, "multisite listeners", p.ReverseProxies[0].Listeners, []plan.Listener{
		{Name: "https", IP: "203.0.113.50", Port: 443, TLS: true, Certificate: "rp-listener"},
	})
}

// Properties every derived plan has (RP-001 .. RP-006).
func TestProxiesInvariants(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite"} {
		t.Run(ex, func(t *testing.T) {
			m := proxyHLBModel(t, ex)
			p := planner.New(m)
			for _, rp := range p.ReverseProxies {
				byName := map[string][]plan.PubRule{}
				for _, r := range rp.Rules {
					if !r.ForwardHostHeader || r.IdleTimeout < 960 || r.Why == "" || r.Target == "" {
						t.Errorf("rule %s: %+v", r.Name, r)
					}
					for _, n := range r.PublicNames {
						byName[n] = append(byName[n], r)
					}
				}
				for pn, pool := range m.Pools {
					rs := byName[pool.WebExternal.FQDN]
					if len(rs) != 1 || rs[0].Bridges[0] != (plan.Bridge{FrontPort: 443, BackPort: pool.Ports.ExternalHTTPS, BackScheme: "https"}) {
						t.Errorf("pool %s: %s published by %+v", pn, pool.WebExternal.FQDN, rs)
					}
				}
				for _, d := range m.SIPDomains {
					rs := byName["lyncdiscover."+d]
					if len(rs) != 1 {
						t.Fatalf("lyncdiscover.%s is published by %d rules", d, len(rs))
					}
					http := m.Mobility.AutodiscoverScheme == "http"
					if got := rs[0].Bridges[0].FrontPort == 80 && len(rs[0].Bridges) == 1; got != http {
						t.Errorf("lyncdiscover.%s: rule %+v with scheme %s", d, rs[0], m.Mobility.AutodiscoverScheme)
					}
				}
			}
		})
	}
}

// Rules a reverse proxy declares are carried over as declared; no rule
// is derived for it.
func TestProxiesDeclaredRules(t *testing.T) {
	m := proxyHLBModel(t, "contoso")
	rp := m.ReverseProxies["rp"]
	rp.Listeners = map[string]model.Listener{
		"https": rp.Listeners["https"],
		"http":  {Name: "http", IP: "131.107.155.1", Port: 80},
	}
	rp.Rules = map[string]model.PublishingRule{
		"web": {
			Name: "web", PublicNames: []string{"webext.contoso.com", "lyncdiscover.contoso.com"},
			Listeners: []string{"https", "http"}, Path: "/*", Target: "192.168.21.121",
			BackScheme: "https", BackHTTPSPort: 4443, BackHTTPPort: 8080,
			ForwardHostHeader: true, Auth: "none", IdleTimeout: 1200,
		},
	}
	m.ReverseProxies = map[string]model.ReverseProxy{"rp": rp}
	p := planner.New(m)
	proxyHLBEqual(t, "declared rules", p.ReverseProxies[0].Rules, []plan.PubRule{{
		Name: "web", PublicNames: []string{"webext.contoso.com", "lyncdiscover.contoso.com"},
		Bridges: []plan.Bridge{rpHTTPS4443, rpHTTP8080}, Target: "192.168.21.121",
		ForwardHostHeader: true, IdleTimeout: 1200, Why: "declared",
	}})
}

// Without push, the idle timeout is still 960 s (documented choice).
func TestProxiesIdleTimeoutWithoutPush(t *testing.T) {
	m := proxyHLBModel(t, "contoso")
	m.Mobility.Push.Enabled = false
	for _, r := range planner.New(m).ReverseProxies[0].Rules {
		if r.IdleTimeout != 960 {
			t.Errorf("rule %s: idle timeout %d", r.Name, r.IdleTimeout)
		}
	}
}

// Simple URLs left out default to meet.<d> and dialin.<primary>.
func TestProxiesDefaultSimpleURLs(t *testing.T) {
	m := proxyHLBModel(t, "contoso")
	m.SimpleURLs = model.SimpleURLs{}
	var names []string
	for _, r := range planner.New(m).ReverseProxies[0].Rules {
		if r.Name == "SfB-Web-HTTPS" {
			names = r.PublicNames
		}
	}
	got := strings.Join(names, " ")
	for _, n := range []string{"meet.contoso.com", "meet.fabrikam.com", "dialin.contoso.com"} {
		if !strings.Contains(got, n) {
			t.Errorf("public names %q lack %s", got, n)
		}
	}
	if strings.Contains(got, "dialin.fabrikam.com") {
		t.Errorf("public names %q: dial-in defaults to the primary domain only", got)
	}
}

func TestProxiesAndVIPsDeterministic(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite"} {
		m := proxyHLBModel(t, ex)
		a, _ := json.Marshal([]any{planner.New(m).ReverseProxies, planner.New(m).VIPs})
		b, _ := json.Marshal([]any{planner.New(m).ReverseProxies, planner.New(m).VIPs})
		if string(a) != string(b) {
			t.Errorf("%s: two plans differ", ex)
		}
	}
}

// TestProxyListenerUsesPlannedCertificateName: a listener that names a
// declared certificate whose name is not a safe file name serves the
// certificate under the name the certificate planner gave it, so the
// proxy configs point at files that exist.
func TestProxyListenerUsesPlannedCertificateName(t *testing.T) {
	m := testtool.ExampleModel(t, "contoso")
	m.Certificates = map[string]model.Certificate{"RP Cert": {
		Name: "RP Cert", Usage: []string{"RPListener"}, AssignedTo: []string{"rp"}, Issuer: "public",
		Subject: "webext.contoso.com", SANs: []string{"webext.contoso.com"}, KeyBits: 2048, SigAlg: "sha256-rsa",
	}}
	l := m.ReverseProxies["rp"].Listeners["https"]
	l.Certificate = "RP Cert"
	m.ReverseProxies["rp"].Listeners["https"] = l
	p := planner.New(m)
	c, ok := p.CertificateFor(plan.UsageRPListener, "rp")
	if !ok || c.Name == "RP Cert" {
		t.Fatalf("planned certificate %+v (ok %v); want a file-safe name", c, ok)
	}
	if got := p.ReverseProxies[0].Listeners[0].Certificate; got != c.Name {
		t.Errorf("listener serves certificate %q, planned %q", got, c.Name)
	}
}
