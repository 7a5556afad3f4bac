package planner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

func dnsTestModel(t *testing.T, dir string) *model.Topology {
	t.Helper()
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnostics.HasErrors() {
		t.Fatalf("%s is not valid: %v", dir, c.Diagnostics)
	}
	m, err := c.Result.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func dnsTestPlan(t *testing.T, example string) *plan.Plan {
	t.Helper()
	p := &plan.Plan{}
	planDNS(dnsTestModel(t, filepath.Join("..", "examples", example)), p)
	return p
}

// dnsTestZones renders zones compactly: "view name kind" then one line per
// record, "name TYPE value" (SRV: "name SRV prio weight port target").
func dnsTestZones(zs []plan.Zone) map[string][]string {
	out := map[string][]string{}
	for _, z := range zs {
		key := z.View + " " + z.Name + " " + z.Kind
		lines := []string{}
		for _, r := range z.Records {
			v := r.Value
			if r.Type == "SRV" {
				v = fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, r.Value)
			}
			lines = append(lines, r.Name+" "+r.Type+" "+v)
		}
		out[key] = lines
	}
	return out
}

func dnsTestZone(t *testing.T, p *plan.Plan, view, name string) plan.Zone {
	t.Helper()
	for _, z := range p.Zones {
		if z.View == view && z.Name == name {
			return z
		}
	}
	t.Fatalf("no %s zone %s", view, name)
	return plan.Zone{}
}

func dnsTestCompare(t *testing.T, got, want map[string][]string) {
	t.Helper()
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, w := strings.Join(got[k], "\n"), strings.Join(want[k], "\n")
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected zone %s:\n%s", k, g)
		} else if _, ok := got[k]; !ok {
			t.Errorf("missing zone %s", k)
		} else if g != w {
			t.Errorf("zone %s:\n%s\nwant:\n%s", k, g, w)
		}
	}
}

// TestDNSContoso: exactly the records of mobility-rules.md 2.1.
func TestDNSContoso(t *testing.T) {
	p := dnsTestPlan(t, "contoso")
	dnsTestCompare(t, dnsTestZones(p.Zones), map[string][]string{
		"external contoso.com authoritative": {
			"_sip._tls SRV 0 0 443 sip.contoso.com",
			"_sipfederationtls._tcp SRV 0 0 5061 sip.contoso.com",
			"av A 131.107.155.30", "av A 131.107.155.31",
			"dialin A 131.107.155.1",
			"lyncdiscover A 131.107.155.1",
			"meet A 131.107.155.1",
			"oos A 131.107.155.1",
			"sip A 131.107.155.10", "sip A 131.107.155.11",
			"webcon A 131.107.155.20", "webcon A 131.107.155.21",
			"webext A 131.107.155.1",
		},
		"external fabrikam.com authoritative": {
			"_sip._tls SRV 0 0 443 sip.fabrikam.com",
			"_sipfederationtls._tcp SRV 0 0 5061 sip.fabrikam.com",
			"lyncdiscover A 131.107.155.1",
			"meet A 131.107.155.1",
			"sip A 131.107.155.10", "sip A 131.107.155.11",
		},
		"internal contoso.net authoritative": {
			"edge01 A 172.25.33.10", "edge02 A 172.25.33.11",
			"edgepool A 172.25.33.10", "edgepool A 172.25.33.11",
			"fe01 A 192.168.21.122", "fe02 A 192.168.21.123", "fe03 A 192.168.21.124",
			"pool01 A 192.168.21.122", "pool01 A 192.168.21.123", "pool01 A 192.168.21.124",
			"webint A 192.168.21.120",
		},
		"internal contoso.com split-brain": {
			"_sipinternaltls._tcp SRV 0 0 5061 pool01.contoso.net",
			"admin A 192.168.21.120",
			"dialin A 192.168.21.120",
			"lyncdiscoverinternal A 192.168.21.120",
			"meet A 192.168.21.120",
			"oos A 192.168.1.5",
			"sip A 192.168.21.122", "sip A 192.168.21.123", "sip A 192.168.21.124",
			"webext A 131.107.155.1",
		},
		// fabrikam.com holds no public service name of the deployment:
		// pin-point zones, one per name.
		"internal lyncdiscoverinternal.fabrikam.com pin-point": {"@ A 192.168.21.120"},
		"internal meet.fabrikam.com pin-point":                 {"@ A 192.168.21.120"},
		"internal sip.fabrikam.com pin-point":                  {"@ A 192.168.21.122", "@ A 192.168.21.123", "@ A 192.168.21.124"},
		"internal _sipinternaltls._tcp.fabrikam.com pin-point": {"@ SRV 0 0 5061 pool01.contoso.net"},
	})

	why := map[string]string{}
	for _, z := range p.Zones {
		for _, r := range z.Records {
			why[z.View+" "+r.Name+"."+z.Name] = r.Why
		}
	}
	for name, want := range map[string]string{
		"external lyncdiscover.fabrikam.com":           "DNS-001",
		"external webext.contoso.com":                  "DNS-005",
		"external meet.fabrikam.com":                   "DNS-009",
		"external _sipfederationtls._tcp.fabrikam.com": "PUSH-007",
		"internal lyncdiscoverinternal.contoso.com":    "DNS-002",
		"internal webext.contoso.com":                  "DNS-006",
		"internal webint.contoso.net":                  "DNS-007",
		"internal pool01.contoso.net":                  "DNS-008",
		"internal admin.contoso.com":                   "DNS-009",
		"internal @.lyncdiscoverinternal.fabrikam.com": "DNS-002",
	} {
		if why[name] != want {
			t.Errorf("%s: why %q, want %q", name, why[name], want)
		}
	}
	for _, z := range p.Zones {
		if z.Declared {
			t.Errorf("contoso declares no zone, but %s %s is declared", z.View, z.Name)
		}
		for _, r := range z.Records {
			if r.TTL != plan.DNSDefaultTTL || r.Why == "" {
				t.Errorf("%s %s %s: ttl %d, why %q", z.View, z.Name, r.Name, r.TTL, r.Why)
			}
		}
	}
}

// TestDNSDefaultSOAAndNS: default SOA fields; a default NS that no zone of
// the view gives an address, inside its own zone or not (ns1.<AD domain>
// used to be named by every internal zone and defined by none), becomes
// the localhost placeholder.
func TestDNSDefaultSOAAndNS(t *testing.T) {
	p := dnsTestPlan(t, "contoso")
	for _, c := range []struct {
		view, zone, primary, hostmaster, ns string
	}{
		{"external", "contoso.com", "ns1.contoso.com", "hostmaster.contoso.com", plan.DNSPlaceholderNS},
		{"external", "fabrikam.com", "ns1.fabrikam.com", "hostmaster.fabrikam.com", plan.DNSPlaceholderNS},
		{"internal", "contoso.net", "ns1.contoso.net", "hostmaster.contoso.net", plan.DNSPlaceholderNS},
		{"internal", "contoso.com", "ns1.contoso.net", "hostmaster.contoso.com", plan.DNSPlaceholderNS},
		{"internal", "meet.fabrikam.com", "ns1.contoso.net", "hostmaster.meet.fabrikam.com", plan.DNSPlaceholderNS},
	} {
		z := dnsTestZone(t, p, c.view, c.zone)
		want := plan.SOA{PrimaryNS: c.primary, Hostmaster: c.hostmaster, Refresh: 3600, Retry: 600, Expire: 604800, Minimum: 300}
		if z.SOA != want {
			t.Errorf("%s %s: SOA %+v, want %+v", c.view, c.zone, z.SOA, want)
		}
		if !reflect.DeepEqual(z.NS, []string{c.ns}) {
			t.Errorf("%s %s: NS %v, want [%s]", c.view, c.zone, z.NS, c.ns)
		}
	}
}

// TestDNSStandardEdition: no VIP, so the server's address; HTTP
// Autodiscover changes nothing in DNS; no Edge, so no Edge records.
func TestDNSStandardEdition(t *testing.T) {
	p := dnsTestPlan(t, "standard-edition")
	dnsTestCompare(t, dnsTestZones(p.Zones), map[string][]string{
		"external litware.com authoritative": {
			"dialin A 198.51.100.20",
			"lyncdiscover A 198.51.100.20",
			"meet A 198.51.100.20",
			"webext A 198.51.100.20",
		},
		"internal litware.com split-brain": {
			"_sipinternaltls._tcp SRV 0 0 5061 se01.litware.local",
			"dialin A 10.10.0.10",
			"lyncdiscoverinternal A 10.10.0.10",
			"meet A 10.10.0.10",
			"sip A 10.10.0.10",
			"webext A 198.51.100.20",
		},
		"internal litware.local authoritative": {"se01 A 10.10.0.10"},
	})
}

// TestDNSMultisite: the declared public zone is carried as declared
// (nothing derived is added to it); the internal view is derived with the
// Director as the Autodiscover and sign-in target.
func TestDNSMultisite(t *testing.T) {
	p := dnsTestPlan(t, "multisite")
	dnsTestCompare(t, dnsTestZones(p.Zones), map[string][]string{
		"external fabrikam.com authoritative": {
			"_sip._tls SRV 0 0 443 sip.fabrikam.com",
			"_sipfederationtls._tcp SRV 0 0 5061 sip.fabrikam.com",
			"dialin A 203.0.113.50", "dirext A 203.0.113.50", "lyncdiscover A 203.0.113.50",
			"lyonext A 203.0.113.50", "meet A 203.0.113.50", "parisext A 203.0.113.50",
			"sip A 203.0.113.60",
		},
		"internal fabrikam.com split-brain": {
			"_sipinternaltls._tcp SRV 0 0 5061 dir01.fabrikam.local",
			"admin A 10.1.0.50", "dialin A 10.1.0.50",
			"dirext A 203.0.113.50",
			"lyncdiscoverinternal A 10.1.0.50",
			"lyonext A 203.0.113.50",
			"meet A 10.1.0.50",
			"parisext A 203.0.113.50",
			"sip A 10.1.0.52", "sip A 10.1.0.53",
		},
		"internal fabrikam.local authoritative": {
			"dc1 A 10.1.0.2", // glue for the internal name server
			"dir01 A 10.1.0.52", "dir01 A 10.1.0.53", "dir1 A 10.1.0.52", "dir2 A 10.1.0.53",
			"dirint A 10.1.0.50", "edge A 172.30.0.10", "edge1 A 172.30.0.10",
			"fe1 A 10.1.0.12", "fe2 A 10.1.0.13", "lfe1 A 10.2.0.12", "lfe2 A 10.2.0.13",
			"lyon A 10.2.0.12", "lyon A 10.2.0.13", "lyonint A 10.2.0.10",
			"paris A 10.1.0.12", "paris A 10.1.0.13", "parisint A 10.1.0.10",
			"sba1 A 10.2.5.10",
		},
	})
	ext := dnsTestZone(t, p, "external", "fabrikam.com")
	if !ext.Declared {
		t.Error("the declared public zone is not marked Declared")
	}
	for _, r := range ext.Records {
		if r.Why != "declared" {
			t.Errorf("declared record %s: why %q", r.Name, r.Why)
		}
	}
	if dnsTestZone(t, p, "internal", "fabrikam.com").Declared {
		t.Error("the derived internal zone is marked Declared")
	}
}

// TestDNSDeclaredReplacesDerived: a declared zone takes the place of the
// derived zone of its view and name, with its SOA, NS, kind, TTLs and SRV
// fields as declared; zones of the other view and other names are still
// derived.
func TestDNSDeclaredReplacesDerived(t *testing.T) {
	m := dnsTestModel(t, filepath.Join("..", "examples", "contoso"))
	ttl, port, prio, weight := 600, 5061, 10, 20
	m.DNS.Internal = map[string]model.Zone{"contoso.com": {
		View: "internal", Kind: "split-brain",
		SOA: &model.SOA{PrimaryNS: "dc01.contoso.net.", Hostmaster: "admin.contoso.com", Refresh: 900, Retry: 300, Expire: 86400, Minimum: 60},
		NS:  []string{"dc01.contoso.net", "dc02.contoso.net"},
		Records: map[string][]model.Record{
			"lyncdiscoverinternal": {{Type: "CNAME", Values: []string{"WebInt.contoso.net."}, TTL: &ttl}},
			"_sipinternaltls._tcp": {{Type: "SRV", Values: []string{"pool01.contoso.net"}, Port: &port, Priority: &prio, Weight: &weight}},
		},
	}}
	m.DNS.External = map[string]model.Zone{"fabrikam.com": {
		View: "external", Kind: "split-brain", // the schema default; meaningless for a public zone
		Records: map[string][]model.Record{"ns1": {{Type: "A", Values: []string{"131.107.155.53"}}}},
	}}
	p := &plan.Plan{}
	planDNS(m, p)

	in := dnsTestZone(t, p, "internal", "contoso.com")
	want := plan.Zone{View: "internal", Name: "contoso.com", Kind: "split-brain", Declared: true,
		SOA: plan.SOA{PrimaryNS: "dc01.contoso.net", Hostmaster: "admin.contoso.com", Refresh: 900, Retry: 300, Expire: 86400, Minimum: 60},
		NS:  []string{"dc01.contoso.net", "dc02.contoso.net"},
		Records: []plan.Record{
			{Name: "_sipinternaltls._tcp", Type: "SRV", Value: "pool01.contoso.net", TTL: 3600, Priority: 10, Weight: 20, Port: 5061, Why: "declared"},
			{Name: "lyncdiscoverinternal", Type: "CNAME", Value: "webint.contoso.net", TTL: 600, Why: "declared"},
		}}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("declared internal zone:\n%+v\nwant\n%+v", in, want)
	}
	// A declared public zone without SOA/NS gets the defaults; its own
	// ns1 address record makes the in-zone name server usable.
	ext := dnsTestZone(t, p, "external", "fabrikam.com")
	if ext.Kind != plan.ZoneAuthoritative || !reflect.DeepEqual(ext.NS, []string{"ns1.fabrikam.com"}) || ext.SOA.PrimaryNS != "ns1.fabrikam.com" {
		t.Errorf("declared public zone: kind %s, SOA %+v, NS %v", ext.Kind, ext.SOA, ext.NS)
	}
	if len(ext.Records) != 1 {
		t.Errorf("declared public zone got derived records: %+v", ext.Records)
	}
	// Still derived: the public contoso.com and the pin-point zones.
	if z := dnsTestZone(t, p, "external", "contoso.com"); z.Declared || len(z.Records) != 13 {
		t.Errorf("public contoso.com: declared %v, %d records", z.Declared, len(z.Records))
	}
	dnsTestZone(t, p, "internal", "meet.fabrikam.com")
}

// TestDNSMobilityOff: without mobility, no Autodiscover names.
func TestDNSMobilityOff(t *testing.T) {
	m := dnsTestModel(t, filepath.Join("..", "examples", "contoso"))
	m.Mobility.Enabled = false
	p := &plan.Plan{}
	planDNS(m, p)
	for _, z := range p.Zones {
		for _, r := range z.Records {
			if strings.HasPrefix(r.Name, "lyncdiscover") || strings.HasPrefix(z.Name, "lyncdiscover") {
				t.Errorf("%s %s: %s with mobility off", z.View, z.Name, r.Name)
			}
		}
	}
}

// TestDNSSortedUniqueDeterministic: for every example, zones sorted by
// view and name, records sorted and unique; two runs give the same plan.
func TestDNSSortedUniqueDeterministic(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite"} {
		a, b := dnsTestPlan(t, ex), dnsTestPlan(t, ex)
		ja, _ := json.Marshal(a.Zones)
		jb, _ := json.Marshal(b.Zones)
		if string(ja) != string(jb) {
			t.Errorf("%s: two runs differ", ex)
		}
		for i, z := range a.Zones {
			if i > 0 {
				prev := a.Zones[i-1]
				if prev.View+" "+prev.Name >= z.View+" "+z.Name {
					t.Errorf("%s: zones out of order: %s %s before %s %s", ex, prev.View, prev.Name, z.View, z.Name)
				}
			}
			for j := 1; j < len(z.Records); j++ {
				if !dnsLess(z.Records[j-1], z.Records[j]) {
					t.Errorf("%s: %s %s: records out of order or duplicated: %+v, %+v", ex, z.View, z.Name, z.Records[j-1], z.Records[j])
				}
			}
		}
	}
}

// TestDNSDerivedSatisfyRules feeds every derived zone back into the
// topology as a declared zone and validates it: the DNS rules (DNS-001 …
// DNS-011, PUSH-007) that check declared zones find nothing, so the derived
// records satisfy them by construction.
func TestDNSDerivedSatisfyRules(t *testing.T) {
	for _, ex := range []string{"contoso", "standard-edition", "multisite"} {
		t.Run(ex, func(t *testing.T) {
			src := filepath.Join("..", "examples", ex)
			p := dnsTestPlan(t, ex)
			dir := t.TempDir()
			entries, err := os.ReadDir(src)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if data, err := os.ReadFile(filepath.Join(src, e.Name())); err == nil && !e.IsDir() {
					if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "zz_derived_dns.hcl"), []byte(dnsTestHCL(p.Zones)), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := loader.Load(dir, loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			before, _ := loader.Load(src, loader.Options{})
			had := map[string]bool{}
			for _, d := range before.Diagnostics {
				had[d.Rule+" "+d.Summary] = true
			}
			for _, d := range c.Diagnostics {
				if d.Severity == diag.Error || (!had[d.Rule+" "+d.Summary] && (strings.HasPrefix(d.Rule, "DNS-") || d.Rule == "PUSH-007")) {
					t.Errorf("%s %s: %s (%s)", d.Severity, d.Rule, d.Summary, d.Detail)
				}
			}
		})
	}
}

// dnsTestHCL writes derived zones as dns_zone blocks.
func dnsTestHCL(zs []plan.Zone) string {
	var b strings.Builder
	for _, z := range zs {
		if z.Declared {
			continue
		}
		fmt.Fprintf(&b, "dns_zone %q %q {\n", z.View, z.Name)
		if z.View == "internal" {
			fmt.Fprintf(&b, "  kind = %q\n", map[string]string{plan.ZonePinPoint: "pin-point"}[z.Kind]+map[bool]string{true: "split-brain"}[z.Kind != plan.ZonePinPoint])
		}
		for _, r := range z.Records {
			fmt.Fprintf(&b, "  record %q {\n    type = %q\n    values = [%q]\n", r.Name, r.Type, r.Value)
			if r.Type == "SRV" {
				fmt.Fprintf(&b, "    port = %d\n    priority = %d\n    weight = %d\n", r.Port, r.Priority, r.Weight)
			}
			b.WriteString("  }\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// TestDNSNameServers: the topology's name servers are the SOA primary and
// NS records of every derived zone of their view, with glue inside the
// zone; declared zones keep what they declare.
func TestDNSNameServers(t *testing.T) {
	p := dnsTestPlan(t, "multisite")
	for _, z := range p.Zones {
		switch {
		case z.Declared:
			if len(z.NS) != 1 || z.NS[0] == "dc1.fabrikam.local" {
				t.Errorf("declared zone %s %s took the derived name servers: %v", z.View, z.Name, z.NS)
			}
		case z.View == "internal":
			if z.SOA.PrimaryNS != "dc1.fabrikam.local" || len(z.NS) != 1 || z.NS[0] != "dc1.fabrikam.local" {
				t.Errorf("internal %s: SOA %s, NS %v; want dc1.fabrikam.local", z.Name, z.SOA.PrimaryNS, z.NS)
			}
		}
	}
}

// TestDNSPlaceholderOnlyWhenUndefined: a default name server that a zone
// of the view does define is kept.
func TestDNSPlaceholderOnlyWhenUndefined(t *testing.T) {
	m := dnsTestModel(t, filepath.Join("..", "examples", "contoso"))
	srv := m.Pools["pool01"].Servers["fe01"]
	srv.FQDN = "ns1.contoso.net" // now the AD zone has an address for ns1
	m.Pools["pool01"].Servers["fe01"] = srv
	p := &plan.Plan{}
	planDNS(m, p)
	if z := dnsTestZone(t, p, "internal", "contoso.com"); !reflect.DeepEqual(z.NS, []string{"ns1.contoso.net"}) {
		t.Errorf("internal contoso.com: NS %v, want ns1.contoso.net, which the AD zone defines", z.NS)
	}
}

// TestDNSSplitBrainHides: a derived split-brain zone lists the public
// names of its domain it does not answer, which internal clients then
// cannot resolve.
func TestDNSSplitBrainHides(t *testing.T) {
	p := dnsTestPlan(t, "contoso")
	in := dnsTestZone(t, p, "internal", "contoso.com")
	if in.Kind != plan.ZoneSplitBrain || len(in.Hides) == 0 {
		t.Fatalf("internal contoso.com: kind %s, hides %v", in.Kind, in.Hides)
	}
	names := map[string]bool{}
	for _, r := range in.Records {
		names[dnsAbsolute(r.Name, in.Name)] = true
	}
	want := map[string]bool{}
	for _, r := range dnsTestZone(t, p, "external", "contoso.com").Records {
		if n := dnsAbsolute(r.Name, "contoso.com"); !names[n] {
			want[n] = true
		}
	}
	if !reflect.DeepEqual(in.Hides, model.SortedKeys(want)) || !slices.Contains(in.Hides, "av.contoso.com") {
		t.Errorf("hides %v, want %v", in.Hides, model.SortedKeys(want))
	}
	for _, z := range p.Zones {
		if z.Kind != plan.ZoneSplitBrain && len(z.Hides) > 0 {
			t.Errorf("%s %s (%s) hides %v", z.View, z.Name, z.Kind, z.Hides)
		}
	}
}

// TestDNSNonSIPDomainPinPoint: the external web services FQDN in a public
// domain that is no SIP domain, and the only name internal clients need
// there, gets a pin-point zone, not a split-brain copy of the domain.
func TestDNSNonSIPDomainPinPoint(t *testing.T) {
	m := dnsTestModel(t, filepath.Join("..", "examples", "standard-edition"))
	for n, pool := range m.Pools {
		if pool.WebExternal.FQDN != "" {
			pool.WebExternal.FQDN = "webext.litware-web.com"
			m.Pools[n] = pool
		}
	}
	p := &plan.Plan{}
	planDNS(m, p)
	z := dnsTestZone(t, p, "internal", "webext.litware-web.com")
	if z.Kind != plan.ZonePinPoint || len(z.Records) != 1 || z.Records[0].Name != "@" {
		t.Errorf("pin-point zone: %+v", z)
	}
	for _, z := range p.Zones {
		if z.View == "internal" && z.Name == "litware-web.com" {
			t.Errorf("internal zone litware-web.com (%s) hides the domain's public names", z.Kind)
		}
	}
	dnsTestZone(t, p, "external", "litware-web.com")
}
