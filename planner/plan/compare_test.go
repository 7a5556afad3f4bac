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

// TestPublicReissues: a change to a public certificate's names, key or
// EKU is a new order, said in deployment terms; an internal certificate's
// change or a declared existing file is not.
func TestPublicReissues(t *testing.T) {
	rp := Certificate{Name: "rp-listener", Issuer: "public", Subject: "webext.tailspin.com", KeyType: "RSA", KeyBits: 2048,
		SANs: []string{"webext.tailspin.com", "meet.tailspin.com"}, EKU: []string{EKUServerAuth}}
	grown := rp
	grown.SANs = []string{"webext.tailspin.com", "lyncdiscover.tailspin.com"}
	grown.KeyBits = 4096
	internal := Certificate{Name: "fe01-default", Issuer: "internal", Subject: "pool.tailspin.local", SANs: []string{"a"}}
	internal2 := internal
	internal2.SANs = []string{"b"}
	existing := Certificate{Name: "edge", Issuer: "public", Declared: true, File: "edge.pem", SANs: []string{"x"}}
	edge := Certificate{Name: "edge-edgeexternal", Issuer: "public", Subject: "sip.tailspin.com", SANs: []string{"sip.tailspin.com"}}

	old := &Plan{Certificates: []Certificate{rp, internal, existing}}
	new := &Plan{Certificates: []Certificate{grown, internal2, existing, edge}}
	var got []string
	for _, d := range PublicReissues(old, new) {
		got = append(got, d.String())
	}
	want := []string{
		"~ re-issue rp-listener from the public CA: SAN lyncdiscover.tailspin.com added",
		"~ re-issue rp-listener from the public CA: SAN meet.tailspin.com removed",
		"~ re-issue rp-listener from the public CA: key RSA 2048 -> RSA 4096",
		"+ order edge-edgeexternal from the public CA: new certificate for sip.tailspin.com with 1 SANs",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Compare says the same among its lines.
	all := map[string]bool{}
	for _, d := range Compare(old, new) {
		all[d.String()] = true
	}
	for _, w := range want {
		if !all[w] {
			t.Errorf("Compare lacks %q", w)
		}
	}
	if len(PublicReissues(new, new)) != 0 {
		t.Error("an unchanged plan re-issues")
	}
}
