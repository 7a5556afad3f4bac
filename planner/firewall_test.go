package planner

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// fwExamples are the valid example topologies.
var fwExamples = []string{"contoso", "standard-edition", "multisite", "invalid/_base"}

// fwModel loads and decodes an example; it must be free of errors.
func fwModel(t *testing.T, example string) *model.Topology {
	t.Helper()
	c, err := loader.Load("../examples/"+example, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnostics.HasErrors() {
		t.Fatalf("%s: %v", example, c.Diagnostics)
	}
	m, err := c.Result.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fwPlan(m *model.Topology) []plan.FirewallRule {
	p := &plan.Plan{}
	planFirewall(m, p)
	return p.Firewall
}

// fwRow is a rule without its purpose, for compact expectations.
type fwRow struct{ ID, Source, Destination, Protocol, Ports, Direction, Why string }

func fwRows(rs []plan.FirewallRule) []fwRow {
	out := make([]fwRow, len(rs))
	for i, r := range rs {
		out[i] = fwRow{r.ID, r.Source, r.Destination, r.Protocol, r.Ports, r.Direction, r.Why}
	}
	return out
}

func fwCheck(t *testing.T, got []plan.FirewallRule, want []fwRow) {
	t.Helper()
	g := fwRows(got)
	if !reflect.DeepEqual(g, want) {
		for i := 0; i < len(g) || i < len(want); i++ {
			var a, b fwRow
			if i < len(g) {
				a = g[i]
			}
			if i < len(want) {
				b = want[i]
			}
			if a != b {
				t.Errorf("rule %d:\n got  %+v\n want %+v", i, a, b)
			}
		}
	}
}

// Contoso: mobility-rules.md 2.5 with the example's values. HTTPS
// Autodiscover (no port 80 rule), no Lync 2010 Mobile (no 5223), no SBA
// (no 5088/5089): the rules present are numbered F1 .. F9; mobile A/V
// adds the A/V Edge's media rows from the Internet (F10 .. F13).
func TestFirewallContoso(t *testing.T) {
	rs := fwPlan(fwModel(t, "contoso"))
	fes := "192.168.21.122, 192.168.21.123, 192.168.21.124"
	fwCheck(t, rs, []fwRow{
		{"F1", "Internet", "131.107.155.1", "TCP", "443", "in", "PORT-001"},
		{"F2", "172.25.34.10", "192.168.21.121", "TCP", "4443", "in (DMZ to LAN)", "PORT-002"},
		{"F3", "192.168.100.0/22", "192.168.21.120", "TCP", "443", "LAN", "PORT-003"},
		{"F4", "192.168.100.0/22", "131.107.155.1", "TCP", "443", "hairpin", "PORT-003, RP-007"},
		{"F5", "192.168.100.0/22", "131.107.155.30, 131.107.155.31", "UDP/TCP", "UDP 3478, TCP 443", "out", "PORT-004"},
		{"F6", "131.107.155.10, 131.107.155.11", "Internet", "TCP", "5061", "both", "PORT-006"},
		{"F7", "131.107.155.10, 131.107.155.11", "Any", "TCP/UDP", "TCP/UDP 53, TCP 80", "out", "PORT-006"},
		{"F8", fes, "172.25.33.10, 172.25.33.11", "TCP", "5061", "both", "PORT-006"},
		{"F9", fes, "172.25.33.10, 172.25.33.11", "TCP", "4443", "LAN to DMZ", "PORT-006"},
		{"F10", "Internet", "131.107.155.30, 131.107.155.31", "UDP", "3478", "both", MediaWhy},
		{"F11", "Internet", "131.107.155.30, 131.107.155.31", "TCP", "443", "in", MediaWhy},
		{"F12", "Internet", "131.107.155.30, 131.107.155.31", "UDP", "50000-59999", "both", MediaWhy},
		{"F13", "131.107.155.30, 131.107.155.31", "Internet", "TCP", "50000-59999", "out", MediaWhy},
	})
	for _, r := range rs {
		if r.Purpose == "" {
			t.Errorf("%s has no purpose", r.ID)
		}
	}
}

// Standard Edition, HTTP Autodiscover: port 80 from the Internet, 8080
// to the server (no VIP: the server's address); no Wi-Fi rules
// (internal_wifi = false) and no Edge.
func TestFirewallStandardEditionHTTP(t *testing.T) {
	fwCheck(t, fwPlan(fwModel(t, "standard-edition")), []fwRow{
		{"F1", "Internet", "198.51.100.20", "TCP", "443", "in", "PORT-001"},
		{"F2", "Internet", "198.51.100.20", "TCP", "80", "in", "PORT-001, RP-003"},
		{"F3", "172.16.10.5", "10.10.0.10", "TCP", "4443, 8080", "in (DMZ to LAN)", "PORT-002"},
	})
}

// Multisite: three pools behind the proxy, Wi-Fi without declared
// ranges, the Director as Autodiscover target, the first Front End pool
// by name (lyon) as CMS, and an SBA with users (5088, 5089). Lync 2010
// Mobile on iOS without push: no 5223 (PORT-005 needs push).
func TestFirewallMultisite(t *testing.T) {
	fwCheck(t, fwPlan(fwModel(t, "multisite")), []fwRow{
		{"F1", "Internet", "203.0.113.50", "TCP", "443", "in", "PORT-001"},
		{"F2", "172.30.1.10", "10.1.0.51, 10.2.0.11, 10.1.0.11", "TCP", "4443", "in (DMZ to LAN)", "PORT-002"},
		{"F3", "Corporate Wi-Fi", "10.1.0.50", "TCP", "443", "LAN", "PORT-003"},
		{"F4", "Corporate Wi-Fi", "203.0.113.50", "TCP", "443", "hairpin", "PORT-003, RP-007"},
		{"F5", "Corporate Wi-Fi", "203.0.113.62", "UDP/TCP", "UDP 3478, TCP 443", "out", "PORT-004"},
		{"F6", "203.0.113.60", "Internet", "TCP", "5061", "both", "PORT-006"},
		{"F7", "203.0.113.60", "Any", "TCP/UDP", "TCP/UDP 53, TCP 80", "out", "PORT-006"},
		{"F8", "10.1.0.52, 10.1.0.53, 10.2.0.12, 10.2.0.13, 10.1.0.12, 10.1.0.13", "172.30.0.10", "TCP", "5061", "both", "PORT-006"},
		{"F9", "10.2.0.12, 10.2.0.13", "172.30.0.10", "TCP", "4443", "LAN to DMZ", "PORT-006"},
		{"F10", "10.2.5.10", "10.2.0.12, 10.2.0.13", "TCP", "5088, 5089", "both", "PORT-007"},
		{"F11", "Internet", "203.0.113.62", "UDP", "3478", "both", MediaWhy},
		{"F12", "Internet", "203.0.113.62", "TCP", "443", "in", MediaWhy},
		{"F13", "Internet", "203.0.113.62", "UDP", "50000-59999", "both", MediaWhy},
		{"F14", "203.0.113.62", "Internet", "TCP", "50000-59999", "out", MediaWhy},
	})
}

// Lync 2010 Mobile on iOS with push opens 5223 from the Wi-Fi; HTTP
// Autodiscover adds 8080 to every pool.
func TestFirewallAPNSAndHTTP(t *testing.T) {
	m := fwModel(t, "contoso")
	m.Mobility.Clients.Lync2010Mobile = true
	m.Mobility.AutodiscoverScheme = "http"
	rs := fwPlan(m)
	var got []string
	for _, r := range rs {
		got = append(got, r.ID+" "+r.Destination+" "+r.Protocol+" "+r.Ports)
	}
	for _, want := range []string{
		"F2 131.107.155.1 TCP 80",
		"F3 192.168.21.121 TCP 4443, 8080",
		"F7 Internet TCP 5223",
	} {
		if !fwContains(got, want) {
			t.Errorf("missing %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
}

// Without mobility only the Edge rules remain; without federation or
// push, not even those.
func TestFirewallMobilityOffAndNoFederation(t *testing.T) {
	m := fwModel(t, "contoso")
	m.Mobility.Enabled = false
	rs := fwPlan(m)
	if len(rs) != 4 || rs[0].ID != "F1" || rs[0].Ports != "5061" {
		t.Errorf("mobility off: %+v", fwRows(rs))
	}
	m.Mobility.Push.Enabled = false
	e := m.EdgePools["edge"]
	e.FederationEnabled = false
	m.EdgePools["edge"] = e
	if rs := fwPlan(m); len(rs) != 0 {
		t.Errorf("no mobility, federation or push: %+v", fwRows(rs))
	}
}

// Without mobile A/V there are no media rows: the report says such
// rules are assumed.
func TestFirewallNoMobileMedia(t *testing.T) {
	m := fwModel(t, "contoso")
	m.Mobility.AudioVideo = false
	for _, r := range fwPlan(m) {
		if r.Why == MediaWhy || r.Why == "PORT-004" {
			t.Errorf("media row without mobile A/V: %+v", r)
		}
	}
}

// Declared rules come after the derived ones, marked "declared".
func TestFirewallDeclared(t *testing.T) {
	m := fwModel(t, "contoso")
	m.FirewallRules = map[string]model.FirewallRule{
		"z-dns": {Name: "z-dns", Source: []string{"any"}, Destination: []string{"internet"}, Protocol: "tcp+udp", Ports: []int{53}, Direction: "out"},
		"a-web": {Name: "a-web", Source: []string{"wifi", "10.0.0.0/8"}, Destination: []string{"131.107.155.1"}, Protocol: "tcp", Ports: []int{443, 80}, Purpose: "web"},
	}
	rs := fwPlan(m)
	n := len(rs)
	fwCheck(t, rs[n-2:], []fwRow{
		{"F14", "Corporate Wi-Fi, 10.0.0.0/8", "131.107.155.1", "TCP", "80, 443", "", "declared"},
		{"F15", "Any", "Internet", "TCP/UDP", "53", "out", "declared"},
	})
	if rs[n-2].Purpose != "a-web: web" || rs[n-1].Purpose != "z-dns" {
		t.Errorf("purposes: %q, %q", rs[n-2].Purpose, rs[n-1].Purpose)
	}
}

// Every example: IDs in sequence, every rule says why, same model =>
// same rules.
func TestFirewallInvariants(t *testing.T) {
	for _, ex := range fwExamples {
		m := fwModel(t, ex)
		rs := fwPlan(m)
		for i, r := range rs {
			if r.ID != "F"+strconv.Itoa(i+1) {
				t.Errorf("%s: rule %d has ID %s", ex, i, r.ID)
			}
			if r.Why == "" || r.Source == "" || r.Destination == "" || r.Protocol == "" || r.Ports == "" {
				t.Errorf("%s: incomplete rule %+v", ex, r)
			}
		}
		if again := fwPlan(m); !reflect.DeepEqual(rs, again) {
			t.Errorf("%s: not deterministic", ex)
		}
	}
}

func fwContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
