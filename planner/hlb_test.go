package planner_test

import (
	"testing"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

// hlbWebVIPs are the two web VIPs the planner derives for a pool.
func hlbWebVIPs(pool, intIP, extIP string, backends []plan.Backend) []plan.VIP {
	return []plan.VIP{
		{
			Name: pool + "-web-external", Pool: pool, Role: "web-external", IP: extIP,
			Ports:    []plan.PortPair{{Front: 443, Back: 4443}, {Front: 80, Back: 8080}, {Front: 4443, Back: 4443}, {Front: 8080, Back: 8080}},
			Backends: backends, Persistence: "source", IdleTimeout: 1800, MonitorPort: 5061, PerRequestLB: true,
		},
		{
			Name: pool + "-web-internal", Pool: pool, Role: "web-internal", IP: intIP,
			Ports:    []plan.PortPair{{Front: 443, Back: 443}, {Front: 80, Back: 80}},
			Backends: backends, Persistence: "source", IdleTimeout: 1800, MonitorPort: 5061, PerRequestLB: true,
		},
	}
}

// Section 2.4 of the rule catalogue, with the values of examples/contoso.
func TestVIPsContoso(t *testing.T) {
	p := planner.New(proxyHLBModel(t, "contoso"))
	want := hlbWebVIPs("pool01", "192.168.21.120", "192.168.21.121", []plan.Backend{
		{Name: "fe01", IP: "192.168.21.122"},
		{Name: "fe02", IP: "192.168.21.123"},
		{Name: "fe03", IP: "192.168.21.124"},
	})
	proxyHLBEqual(t, "contoso VIPs", p.VIPs, want)
}

// A Standard Edition server has no load balancer.
func TestVIPsStandardEdition(t *testing.T) {
	if v := planner.New(proxyHLBModel(t, "standard-edition")).VIPs; len(v) != 0 {
		t.Errorf("got VIPs %+v, want none", v)
	}
}

// A two-server Director and two Enterprise pools: six VIPs. The Lync
// Server 2013 pool does not call for cookie persistence (only 2010 does).
func TestVIPsMultisite(t *testing.T) {
	p := planner.New(proxyHLBModel(t, "multisite"))
	var want []plan.VIP
	want = append(want, hlbWebVIPs("dir01", "10.1.0.50", "10.1.0.51", []plan.Backend{{Name: "dir1", IP: "10.1.0.52"}, {Name: "dir2", IP: "10.1.0.53"}})...)
	want = append(want, hlbWebVIPs("lyon", "10.2.0.10", "10.2.0.11", []plan.Backend{{Name: "lfe1", IP: "10.2.0.12"}, {Name: "lfe2", IP: "10.2.0.13"}})...)
	want = append(want, hlbWebVIPs("paris", "10.1.0.10", "10.1.0.11", []plan.Backend{{Name: "fe1", IP: "10.1.0.12"}, {Name: "fe2", IP: "10.1.0.13"}})...)
	proxyHLBEqual(t, "multisite VIPs", p.VIPs, want)
}

// A single-server Director needs no VIP (HLB-001).
func TestVIPsSingleServerDirector(t *testing.T) {
	m := proxyHLBModel(t, "multisite")
	d := m.Pools["dir01"]
	d.Servers = map[string]model.Server{"dir1": d.Servers["dir1"]}
	m.Pools["dir01"] = d
	for _, v := range planner.New(m).VIPs {
		if v.Pool == "dir01" {
			t.Errorf("VIP %s for a single-server Director", v.Name)
		}
	}
}

// A retained Lync Server 2010 pool: the external web VIPs use the
// MS-WSMAN cookie (HLB-004, HLB-005); internal VIPs keep source affinity.
func TestVIPsCookieWithLync2010(t *testing.T) {
	m := proxyHLBModel(t, "multisite")
	lyon := m.Pools["lyon"]
	lyon.Version = "lync2010"
	m.Pools["lyon"] = lyon
	for _, v := range planner.New(m).VIPs {
		switch v.Role {
		case "web-external":
			if v.Persistence != "cookie" || v.CookieName != "MS-WSMAN" {
				t.Errorf("%s: persistence %s cookie %q", v.Name, v.Persistence, v.CookieName)
			}
		case "web-internal":
			if v.Persistence != "source" || v.CookieName != "" {
				t.Errorf("%s: persistence %s cookie %q", v.Name, v.Persistence, v.CookieName)
			}
		}
	}
}

// A declared VIP replaces the derived one of its pool and role.
func TestVIPsDeclared(t *testing.T) {
	m := proxyHLBModel(t, "contoso")
	m.LoadBalancers = map[string]model.LoadBalancer{"f5": {Name: "f5", VIPs: map[string]model.VIP{
		"ext": {
			Name: "ext", Pool: "pool01", Role: "web-external", IP: "192.168.21.121",
			Ports:       []model.PortPair{{Front: 443, Back: 4443}, {Front: 80, Back: 8080}, {Front: 4443, Back: 4443}},
			Persistence: "none", IdleTimeout: 1800, PerRequestLB: true, TLS12: true, MonitorPort: 5061,
		},
	}}}
	p := planner.New(m)
	backends := []plan.Backend{{Name: "fe01", IP: "192.168.21.122"}, {Name: "fe02", IP: "192.168.21.123"}, {Name: "fe03", IP: "192.168.21.124"}}
	want := []plan.VIP{
		{
			Name: "ext", Pool: "pool01", Role: "web-external", IP: "192.168.21.121",
			Ports:    []plan.PortPair{{Front: 443, Back: 4443}, {Front: 80, Back: 8080}, {Front: 4443, Back: 4443}},
			Backends: backends, Persistence: "none", IdleTimeout: 1800, MonitorPort: 5061, PerRequestLB: true, Declared: true,
		},
		hlbWebVIPs("pool01", "192.168.21.120", "192.168.21.121", backends)[1],
	}
	proxyHLBEqual(t, "declared VIPs", p.VIPs, want)
}
