package planner

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

// TestIPv6AddressesGetAAAA: a reverse proxy listener and a VIP with an
// IPv6 address give AAAA records (tailspin: the proxy listens on both
// families, the internal web VIP is IPv6 only).
func TestIPv6AddressesGetAAAA(t *testing.T) {
	p := New(certModel(t, "../examples/tailspin"))
	records := func(view, zone string) []string {
		var out []string
		for _, r := range dnsTestZone(t, p, view, zone).Records {
			out = append(out, r.Name+" "+r.Type+" "+r.Value)
		}
		return out
	}
	ext := records("external", "tailspin.com")
	for _, want := range []string{
		"webext A 203.0.113.10", "webext AAAA 2001:db8:113::10",
		"lyncdiscover A 203.0.113.10", "lyncdiscover AAAA 2001:db8:113::10",
		"meet AAAA 2001:db8:113::10", "dialin AAAA 2001:db8:113::10",
	} {
		if !slices.Contains(ext, want) {
			t.Errorf("external tailspin.com lacks %q: %v", want, ext)
		}
	}
	in := records("internal", "tailspin.local")
	if !slices.Contains(in, "pool01 AAAA fd00:10::20") || slices.Contains(in, "pool01 A fd00:10::20") {
		t.Errorf("internal tailspin.local: want pool01 AAAA fd00:10::20 only: %v", in)
	}
	for _, z := range p.Zones {
		for _, r := range z.Records {
			if r.Type == "A" && strings.Contains(r.Value, ":") {
				t.Errorf("%s zone %s: A record %s with an IPv6 address %s", z.View, z.Name, r.Name, r.Value)
			}
		}
	}
}

// fwFamilies is the set of families of a row side's addresses.
func fwFamilies(side string) map[int]bool {
	out := map[int]bool{}
	for _, e := range strings.Split(side, ", ") {
		out[fwFamily(e)] = true
	}
	return out
}

// TestFirewallNeverPairsFamilies: in every example's plan, no firewall
// row pairs an IPv6 source with IPv4-only destinations, or the reverse.
func TestFirewallNeverPairsFamilies(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite", "tailspin"} {
		p := New(certModel(t, "../examples/"+ex))
		for _, r := range p.Firewall {
			s, d := fwFamilies(r.Source), fwFamilies(r.Destination)
			for _, f := range []int{4, 6} {
				other := 10 - f
				if s[f] && !d[f] && !d[0] && d[other] {
					t.Errorf("%s %s: IPv%d source %s with IPv%d-only destination %s", ex, r.ID, f, r.Source, other, r.Destination)
				}
			}
		}
	}
}

func TestFwSplitFamilies(t *testing.T) {
	in := []plan.FirewallRule{
		{Source: "Internet", Destination: "203.0.113.10, 2001:db8::10", Purpose: "both families face the Internet"},
		{Source: "10.50.0.0/16, fd00:50::/48", Destination: "fd00:10::20", Purpose: "v4 range has no v6 peer"},
		{Source: "172.16.0.10, fd00:16::10", Destination: "10.0.0.21, fd00:10::21, Any", Purpose: "p"},
	}
	var got []string
	for _, r := range fwSplitFamilies(in) {
		got = append(got, fmt.Sprintf("%s -> %s (%s)", r.Source, r.Destination, r.Purpose))
	}
	want := []string{
		"Internet -> 203.0.113.10, 2001:db8::10 (both families face the Internet)",
		"fd00:50::/48 -> fd00:10::20 (v4 range has no v6 peer (IPv6))",
		"172.16.0.10 -> 10.0.0.21, Any (p (IPv4))",
		"fd00:16::10 -> fd00:10::21, Any (p (IPv6))",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestHLBSIPVIP: with sip_lb = "hlb" the pool's SIP VIP is planned with
// the ports of the ports page, at the address DNS gives the pool FQDN.
func TestHLBSIPVIP(t *testing.T) {
	p := New(certModel(t, "../examples/tailspin"))
	var sip *plan.VIP
	for i := range p.VIPs {
		if p.VIPs[i].Role == "sip" {
			sip = &p.VIPs[i]
		}
	}
	if sip == nil {
		t.Fatalf("no SIP VIP planned for an HLB-balanced pool: %+v", p.VIPs)
	}
	var fronts []int
	for _, pp := range sip.Ports {
		if pp.Front != pp.Back {
			t.Errorf("SIP VIP port %d forwarded to %d", pp.Front, pp.Back)
		}
		fronts = append(fronts, pp.Front)
	}
	want := []int{5061, 444, 135, 448}
	for port := 5070; port <= 5080; port++ {
		want = append(want, port)
	}
	if !slices.Equal(fronts, want) {
		t.Errorf("SIP VIP ports %v, want %v", fronts, want)
	}
	var poolAddrs []string
	for _, r := range dnsTestZone(t, p, "internal", "tailspin.local").Records {
		if r.Name == "pool01" {
			poolAddrs = append(poolAddrs, r.Value)
		}
	}
	if !slices.Equal(poolAddrs, []string{sip.IP}) {
		t.Errorf("pool01.tailspin.local resolves to %v, the SIP VIP is at %s", poolAddrs, sip.IP)
	}
	if len(sip.Backends) != 2 || sip.MonitorPort != 5061 {
		t.Errorf("SIP VIP backends %v, monitor %d", sip.Backends, sip.MonitorPort)
	}
}
