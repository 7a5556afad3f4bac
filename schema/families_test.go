package schema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirewallPairsOneFamily: a firewall row cannot join an IPv4 address
// with an IPv6 one, so PORT-002 requires no opening from the reverse
// proxy's IPv4 internal address to a dual-stack server's IPv6 address,
// and still reports the IPv4 one when it is missing.
func TestFirewallPairsOneFamily(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(examples, "invalid", "PORT-002", "topology.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	dual := strings.NewReplacer(
		"    vip  = \"10.0.0.10\"\n", "",
		`ips  = ["10.0.0.10"]`, `ips  = ["10.0.0.10", "fd00::10"]`,
	).Replace(string(src))
	if dual == string(src) {
		t.Fatal("the example changed: nothing replaced")
	}
	for _, c := range []struct {
		name, ports string
		want        []string // the targets PORT-002 names
	}{
		{"rule opens 4443", "[4443]", nil},
		{"rule opens 443 only", "[443]", []string{"to 10.0.0.10,"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			top := strings.Replace(dual, "destination = [\"10.0.0.10\"]\n  protocol    = \"tcp\"\n  ports       = [443]", "destination = [\"10.0.0.10\"]\n  protocol    = \"tcp\"\n  ports       = "+c.ports, 1)
			if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(top), 0o644); err != nil {
				t.Fatal(err)
			}
			ds := findings(t, dir, "PORT-002")
			if len(ds) != len(c.want) {
				t.Fatalf("PORT-002 findings %v, want %d", ds, len(c.want))
			}
			for i, d := range ds {
				if !strings.Contains(d.Detail, c.want[i]) || strings.Contains(d.Detail, "fd00::10") {
					t.Errorf("finding %q, want it to name only %q", d.Detail, c.want[i])
				}
			}
		})
	}
}

// TestFirewallNoCommonFamily: when a peer has no address of the other's
// family at all, the two cannot talk, and the rule still says so.
func TestFirewallNoCommonFamily(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(examples, "invalid", "PORT-007-firewall", "topology.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ rule, from, to string }{
		{"PORT-007", `"10.0.5.10"`, `"2001:db8:5::10"`},                                // an IPv6-only SBA, an IPv4 pool
		{"PORT-002", `internal_ip = "172.16.0.10"`, `internal_ip = "2001:db8:16::10"`}, // an IPv6-only reverse proxy, an IPv4 VIP
	} {
		t.Run(c.rule, func(t *testing.T) {
			dir := t.TempDir()
			top := strings.ReplaceAll(string(src), c.from, c.to)
			if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), []byte(top), 0o644); err != nil {
				t.Fatal(err)
			}
			if ds := findings(t, dir, c.rule); len(ds) == 0 {
				t.Errorf("no %s finding between addresses of different families only", c.rule)
			}
		})
	}
}
