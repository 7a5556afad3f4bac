package plan

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	old := &Plan{
		Zones:        []Zone{{View: "external", Name: "contoso.com", Records: []Record{{Name: "lyncdiscover", Type: "A", Value: "1.1.1.1"}}}},
		Certificates: []Certificate{{Name: "rp-listener", Subject: "webext.contoso.com", SANs: []string{"webext.contoso.com", "lyncdiscover.contoso.com"}}},
		VIPs:         []VIP{{Name: "pool01-web-ext", IP: "10.0.0.1", Ports: []PortPair{{443, 4443}}, Persistence: "source"}},
	}
	new := &Plan{
		Zones: []Zone{
			{View: "external", Name: "contoso.com", Records: []Record{{Name: "lyncdiscover", Type: "A", Value: "2.2.2.2"}}},
			{View: "external", Name: "fabrikam.com", Records: []Record{{Name: "lyncdiscover", Type: "A", Value: "2.2.2.2"}}},
		},
		Certificates: []Certificate{{Name: "rp-listener", Subject: "webext.contoso.com", SANs: []string{"webext.contoso.com", "lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com"}}},
		VIPs:         []VIP{{Name: "pool01-web-ext", IP: "10.0.0.1", Ports: []PortPair{{443, 4443}}, Persistence: "none"}},
	}
	var got []string
	for _, d := range Compare(old, new) {
		got = append(got, d.String())
	}
	want := []string{
		"+ external zone contoso.com: record lyncdiscover A 2.2.2.2",
		"- external zone contoso.com: record lyncdiscover A 1.1.1.1",
		"+ external zone fabrikam.com: zone added with 1 records",
		"+ certificate rp-listener: SAN lyncdiscover.fabrikam.com",
		"~ VIP pool01-web-ext: 10.0.0.1 443->4443 source -> 10.0.0.1 443->4443 none",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(Compare(new, new)) != 0 {
		t.Error("a plan differs from itself")
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
