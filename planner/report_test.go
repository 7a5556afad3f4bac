package planner

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

func TestReportRolesContoso(t *testing.T) {
	m := fwModel(t, "contoso")
	got := reportRoles(m)
	want := []plan.Role{
		{Role: "Front End server", Name: "pool01/fe01", FQDN: "fe01.contoso.net", IPs: []string{"192.168.21.122"}, Network: "internal", Site: "Redmond"},
		{Role: "Front End server", Name: "pool01/fe02", FQDN: "fe02.contoso.net", IPs: []string{"192.168.21.123"}, Network: "internal", Site: "Redmond"},
		{Role: "Front End server", Name: "pool01/fe03", FQDN: "fe03.contoso.net", IPs: []string{"192.168.21.124"}, Network: "internal", Site: "Redmond"},
		{Role: "Edge server, internal interface", Name: "edge/edge01", FQDN: "edge01.contoso.net", IPs: []string{"172.25.33.10"}, Network: "internal", Site: "Redmond"},
		{Role: "Edge server, external interface", Name: "edge/edge01", FQDN: "edge01.contoso.net", IPs: []string{"131.107.155.10", "131.107.155.20", "131.107.155.30"}, Network: "perimeter", Site: "Redmond"},
		{Role: "Edge server, internal interface", Name: "edge/edge02", FQDN: "edge02.contoso.net", IPs: []string{"172.25.33.11"}, Network: "internal", Site: "Redmond"},
		{Role: "Edge server, external interface", Name: "edge/edge02", FQDN: "edge02.contoso.net", IPs: []string{"131.107.155.11", "131.107.155.21", "131.107.155.31"}, Network: "perimeter", Site: "Redmond"},
		{Role: "Reverse proxy", Name: "rp", IPs: []string{"131.107.155.1", "172.25.34.10"}, Network: "perimeter"},
		{Role: "Office Web Apps / Office Online Server", Name: "office-web-apps", FQDN: "oos.contoso.com", IPs: []string{"192.168.1.5"}, Network: "internal"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("roles:\n got  %+v\n want %+v", got, want)
	}
}

func TestReportRolesMultisite(t *testing.T) {
	rs := reportRoles(fwModel(t, "multisite"))
	byName := map[string]plan.Role{}
	for _, r := range rs {
		byName[r.Role+" "+r.Name] = r
	}
	if r := byName["Director dir01/dir1"]; r.FQDN != "dir1.fabrikam.local" || r.Site != "Paris" {
		t.Errorf("director: %+v", r)
	}
	if r := byName["Survivable Branch Appliance sba-lyon"]; r.FQDN != "sba1.fabrikam.local" || !reflect.DeepEqual(r.IPs, []string{"10.2.5.10"}) || r.Site != "Lyon" {
		t.Errorf("SBA: %+v", r)
	}
}

// The helpdesk URLs are those of the Autodiscover target: the pool
// (contoso), the Director (multisite), an SE server without an internal
// override (standard-edition).
func TestReportFallbackURLs(t *testing.T) {
	for ex, want := range map[string][]plan.FallbackURL{
		"contoso": {
			{Scope: "external", URL: "https://webext.contoso.com/Autodiscover/autodiscoverservice.svc/Root"},
			{Scope: "internal", URL: "https://webint.contoso.net/Autodiscover/autodiscoverservice.svc/Root"},
		},
		"multisite": {
			{Scope: "external", URL: "https://dirext.fabrikam.com/Autodiscover/autodiscoverservice.svc/Root"},
			{Scope: "internal", URL: "https://dirint.fabrikam.local/Autodiscover/autodiscoverservice.svc/Root"},
		},
		"standard-edition": {
			{Scope: "external", URL: "https://webext.litware.com/Autodiscover/autodiscoverservice.svc/Root"},
			{Scope: "internal", URL: "https://se01.litware.local/Autodiscover/autodiscoverservice.svc/Root"},
		},
	} {
		if got := reportFallbackURLs(fwModel(t, ex)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", ex, got, want)
		}
	}
}

// Listeners from a hand-built plan: DNS without addresses, the planned
// proxy listeners and VIP ports, the servers' web ports; an address and
// port already listed (an SE server's own "VIP") is not repeated.
func TestReportListenersHandBuilt(t *testing.T) {
	m := &model.Topology{Pools: map[string]model.Pool{
		"se": {Name: "se", Kind: "fe-se", FQDN: "se.example.net",
			Servers: map[string]model.Server{"se": {Name: "se", FQDN: "se.example.net", IPs: []string{"10.0.0.10"}}},
			Ports:   model.WebPorts{InternalHTTP: 80, InternalHTTPS: 443, ExternalHTTP: 8080, ExternalHTTPS: 4443}},
	}}
	p := &plan.Plan{
		ReverseProxies: []plan.ReverseProxy{{Name: "rp", Listeners: []plan.Listener{{Name: "https", IP: "203.0.113.1", Port: 443, TLS: true}}}},
		VIPs: []plan.VIP{
			{Name: "se-web-external", IP: "10.0.0.10", Ports: []plan.PortPair{{Front: 4443, Back: 4443}}},
			{Name: "other", IP: "10.0.0.2", Ports: []plan.PortPair{{Front: 443, Back: 443}}},
		},
	}
	got := reportListeners(m, p)
	want := []plan.RuntimeListen{
		{Name: "dns-external", Network: "external", Port: 53, Serves: "dns"},
		{Name: "rp:rp/https", Network: "external", IP: "203.0.113.1", Port: 443, Serves: "reverse-proxy"},
		{Name: "dns-internal", Network: "internal", Port: 53, Serves: "dns"},
		{Name: "vip:other:443", Network: "internal", IP: "10.0.0.2", Port: 443, Serves: "vip"},
		{Name: "web:se.example.net:80", Network: "internal", IP: "10.0.0.10", Port: 80, Serves: "web-internal", Host: "se.example.net"},
		{Name: "web:se.example.net:443", Network: "internal", IP: "10.0.0.10", Port: 443, Serves: "web-internal", Host: "se.example.net"},
		{Name: "web:se.example.net:4443", Network: "internal", IP: "10.0.0.10", Port: 4443, Serves: "web-external", Host: "se.example.net"},
		{Name: "sip:se.example.net:5061", Network: "internal", IP: "10.0.0.10", Port: 5061, Serves: "sip", Host: "se.example.net"},
		{Name: "web:se.example.net:8080", Network: "internal", IP: "10.0.0.10", Port: 8080, Serves: "web-external", Host: "se.example.net"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listeners:\n got  %+v\n want %+v", got, want)
	}
}

// On the examples, through New: every endpoint is unique, DNS comes
// first in each network, and whatever the other planner parts planned
// (proxy listeners, VIPs) is served.
func TestReportListenersExamples(t *testing.T) {
	for _, ex := range fwExamples {
		m := fwModel(t, ex)
		p := New(m)
		seen := map[string]bool{}
		for _, l := range p.Listeners {
			key := l.IP + ":" + strconv.Itoa(l.Port)
			if l.IP != "" && seen[key] {
				t.Errorf("%s: %s listed twice", ex, key)
			}
			seen[key] = true
		}
		for _, rp := range p.ReverseProxies {
			for _, l := range rp.Listeners {
				if !seen[l.IP+":"+strconv.Itoa(l.Port)] {
					t.Errorf("%s: proxy listener %s:%d not served", ex, l.IP, l.Port)
				}
			}
		}
		for _, v := range p.VIPs {
			for _, pp := range v.Ports {
				if !seen[v.IP+":"+strconv.Itoa(pp.Front)] {
					t.Errorf("%s: VIP %s:%d not served", ex, v.IP, pp.Front)
				}
			}
		}
		if !reflect.DeepEqual(p, New(m)) {
			t.Errorf("%s: plan not deterministic", ex)
		}
	}
}
