package addrmap

import (
	"reflect"
	"slices"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
)

// The same plan gives the same map; every planned address has its own
// loopback address; the public listeners are reached from outside, and
// from inside only with hairpin or a proxy separate from the firewall.
func TestAssign(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	a, err := Assign(p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Assign(testtool.ExamplePlan(t, "contoso"))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two assignments of one plan differ")
	}
	byIP := map[string]string{}
	for _, s := range a {
		if s.Planned == "" {
			if s.Serves != "dns" || s.IP != DNSAddress(s.Network) {
				t.Errorf("unplaced slot %+v", s)
			}
			continue
		}
		if prev, ok := byIP[s.IP]; ok && prev != s.RuntimeListen.IP {
			t.Errorf("%s and %s share %s", prev, s.RuntimeListen.IP, s.IP)
		}
		byIP[s.IP] = s.RuntimeListen.IP
		if s.Serves == "reverse-proxy" && !slices.Equal(s.Reach, []string{"external", "internal"}) {
			t.Errorf("contoso's proxy is separate from the firewall; %s reached from %v", s.Planned, s.Reach)
		}
		if s.Network == "internal" && !slices.Equal(s.Reach, []string{"internal"}) {
			t.Errorf("internal endpoint %s reached from %v", s.Planned, s.Reach)
		}
	}
	for i := range p.ReverseProxies {
		p.ReverseProxies[i].SeparateFromFirewall = false
	}
	p.HairpinAllowed = false
	c, _ := Assign(p)
	for _, s := range c {
		if s.Serves == "reverse-proxy" && slices.Contains(s.Reach, "internal") {
			t.Errorf("without hairpin the inside reaches %s", s.Planned)
		}
	}
}

func TestRuntimeFile(t *testing.T) {
	dir := t.TempDir()
	r := &Runtime{FormatVersion: FormatVersion, PlanDigest: "d", DNS: map[string]string{"internal": "127.53.0.1:53"},
		Locations: map[string]map[string]string{"external": {"131.107.155.1:443": "127.100.0.1:443"}}}
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if s, ok := got.Served("external", "131.107.155.1:443"); !ok || s != "127.100.0.1:443" {
		t.Errorf("served %q %v", s, ok)
	}
	if _, ok := got.Served("internal", "131.107.155.1:443"); ok {
		t.Error("an unmapped location reaches the listener")
	}
}
