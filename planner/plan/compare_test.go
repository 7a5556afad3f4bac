package plan

import (
	"reflect"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	old := &Plan{
		Zones: []Zone{{View: "external", Name: "contoso.com", Records: []Record{
			{Name: "lyncdiscover", Type: "A", Value: "1.1.1.1"},
			{Name: "meet", Type: "A", Value: "1.1.1.1"},
			{Name: "pool", Type: "A", Value: "10.0.0.1"},
			{Name: "pool", Type: "A", Value: "10.0.0.2"},
			{Name: "sip", Type: "A", Value: "1.1.1.3", TTL: 3600},
		}}},
		Certificates: []Certificate{{Name: "rp-listener", Subject: "webext.contoso.com", SANs: []string{"webext.contoso.com", "lyncdiscover.contoso.com"}, KeyType: "RSA", KeyBits: 2048}},
		ReverseProxies: []ReverseProxy{{Name: "rp", InternalIP: "10.0.0.7",
			Listeners: []Listener{{Name: "https", IP: "1.1.1.1", Port: 443, TLS: true, Certificate: "rp-listener"}},
			Rules:     []PubRule{{Name: "web", PublicNames: []string{"webext.contoso.com"}, Target: "10.0.0.9", Bridges: []Bridge{{443, 4443, "https"}}, ForwardHostHeader: true}},
		}},
		VIPs:     []VIP{{Name: "pool01-web-ext", IP: "10.0.0.1", Ports: []PortPair{{443, 4443}}, Persistence: "source"}},
		Firewall: []FirewallRule{{ID: "F1", Source: "Internet", Destination: "1.1.1.1", Protocol: "TCP", Ports: "443", Purpose: "reverse proxy listener"}},
	}
	new := &Plan{
		Zones: []Zone{
			{View: "external", Name: "contoso.com", Records: []Record{
				{Name: "lyncdiscover", Type: "A", Value: "2.2.2.2"},
				{Name: "meet", Type: "A", Value: "1.1.1.1"},
				{Name: "pool", Type: "A", Value: "10.0.0.1"},
				{Name: "pool", Type: "A", Value: "10.0.0.2"},
				{Name: "pool", Type: "A", Value: "10.0.0.3"},
				{Name: "sip", Type: "A", Value: "1.1.1.3", TTL: 300},
			}},
			{View: "external", Name: "fabrikam.com", Records: []Record{{Name: "lyncdiscover", Type: "A", Value: "2.2.2.2"}}},
		},
		Certificates: []Certificate{{Name: "rp-listener", Subject: "webext.contoso.com", SANs: []string{"webext.contoso.com", "lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com"}, KeyType: "RSA", KeyBits: 3072}},
		ReverseProxies: []ReverseProxy{{Name: "rp", InternalIP: "10.0.0.8",
			Listeners: []Listener{{Name: "https", IP: "2.2.2.2", Port: 443, TLS: true, Certificate: "rp-listener"}},
			Rules:     []PubRule{{Name: "web", PublicNames: []string{"webext.contoso.com", "meet.contoso.com"}, Target: "10.0.0.9", Bridges: []Bridge{{443, 4443, "https"}}, ForwardHostHeader: true}},
		}},
		VIPs: []VIP{{Name: "pool01-web-ext", IP: "10.0.0.1", Ports: []PortPair{{443, 4443}}, Persistence: "none"}},
		Firewall: []FirewallRule{
			{ID: "F1", Source: "Internet", Destination: "2.2.2.2", Protocol: "TCP", Ports: "443", Purpose: "reverse proxy listener"},
			{ID: "F2", Source: "Internet", Destination: "2.2.2.3", Protocol: "UDP", Ports: "3478", Purpose: "A/V Edge media"},
		},
	}
	var got []string
	for _, d := range Compare(old, new) {
		got = append(got, d.String())
	}
	want := []string{
		"~ external zone contoso.com: lyncdiscover A 1.1.1.1 → 2.2.2.2",
		"+ external zone contoso.com: record pool A 10.0.0.3",
		"~ external zone contoso.com: sip A 1.1.1.3 → 1.1.1.3 (TTL 300)",
		"+ external zone fabrikam.com: zone added with 1 record",
		"~ certificate rp-listener: key RSA 2048 → RSA 3072",
		"+ certificate rp-listener: SAN lyncdiscover.fabrikam.com",
		"~ reverse proxy rp: internal address 10.0.0.7 → 10.0.0.8",
		"~ reverse proxy listener rp/https: 1.1.1.1:443 TLS certificate rp-listener → 2.2.2.2:443 TLS certificate rp-listener",
		"+ publishing rule rp/web: public name meet.contoso.com",
		"~ VIP pool01-web-ext: 10.0.0.1 443->4443 source → 10.0.0.1 443->4443 none",
		"~ firewall: Internet -> 2.2.2.2 TCP 443 (reverse proxy listener): destination 1.1.1.1 → 2.2.2.2",
		"+ firewall: Internet -> 2.2.2.3 UDP 3478 (A/V Edge media)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(Compare(new, new)) != 0 {
		t.Error("a plan differs from itself")
	}

	wantCount := []Tally{
		{Unit: UnitZone, Add: 1}, {Unit: UnitRecord, Add: 1, Change: 2}, {Unit: UnitCertificate, Change: 1}, {Unit: UnitSAN, Add: 1}, {Unit: UnitPublicName, Add: 1},
		{Unit: UnitReverseProxy, Change: 1}, {Unit: UnitListener, Change: 1}, {Unit: UnitVIP, Change: 1}, {Unit: UnitFirewall, Add: 1, Change: 1},
	}
	if c := Count(Compare(old, new)); !reflect.DeepEqual(c, wantCount) {
		t.Errorf("Count = %+v\nwant %+v", c, wantCount)
	}

	// Backwards, the in-place changes read the other way and the
	// additions are removals.
	back := Compare(new, old)
	if back[0].String() != "~ external zone contoso.com: lyncdiscover A 2.2.2.2 → 1.1.1.1" || back[0].From != "lyncdiscover A 2.2.2.2" || back[0].To != "lyncdiscover A 1.1.1.1" {
		t.Errorf("backwards: %+v", back[0])
	}
	var removed int
	for _, d := range back {
		if d.Symbol == "-" {
			removed++
		}
	}
	if removed != 5 { // pool record, fabrikam zone, SAN, public name, firewall row
		t.Errorf("backwards: %d removals, want 5: %v", removed, back)
	}
}

// Two values of one record name and type that both move are a removal
// and an addition each: which old value became which new one is unknown.
func TestCompareAmbiguous(t *testing.T) {
	z := func(vs ...string) *Plan {
		var rs []Record
		for _, v := range vs {
			rs = append(rs, Record{Name: "pool", Type: "A", Value: v})
		}
		return &Plan{Zones: []Zone{{View: "internal", Name: "contoso.net", Records: rs}}}
	}
	var got []string
	for _, d := range Compare(z("10.0.0.1", "10.0.0.2"), z("10.0.0.3", "10.0.0.4")) {
		got = append(got, d.Symbol)
	}
	if strings.Join(got, "") != "++--" {
		t.Errorf("got %v", got)
	}
}

// A step that appears renumbers the ones after it; only the new step and
// a step whose commands changed are differences.
func TestCompareShellRenumbered(t *testing.T) {
	old := &Plan{Shell: []ShellSection{
		{Title: "1. Verify web ports", Commands: []string{"Get-CsService -WebServer"}},
		{Title: "2. Mobility policies", Commands: []string{"Set-CsMobilityPolicy -Identity 'global' -EnableMobility $True"}},
		{Title: "3. Tests", Commands: []string{"Test-CsFederatedPartner -TargetFqdn 'e'"}},
	}}
	new := &Plan{Shell: []ShellSection{
		{Title: "1. Verify web ports", Commands: []string{"Get-CsService -WebServer"}},
		{Title: "2. Push notifications", Commands: []string{"Set-CsPushNotificationConfiguration -EnableApplePushNotificationService $True"}},
		{Title: "3. Mobility policies", Commands: []string{"Set-CsMobilityPolicy -Identity 'global' -EnableMobility $True"}},
		{Title: "4. Tests", Commands: []string{"Test-CsFederatedPartner -TargetFqdn 'edge'"}},
	}}
	var got []string
	for _, d := range Compare(old, new) {
		got = append(got, d.String())
	}
	want := []string{
		"+ script section Push notifications: added",
		"~ script section Tests: commands changed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
