package certs

import (
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

// rpListener is contoso's reverse proxy certificate.
func rpListener(t *testing.T) plan.Certificate {
	t.Helper()
	for _, c := range loadPlan(t, "contoso").Certificates {
		if c.Name == "rp-listener" {
			return c
		}
	}
	t.Fatal("contoso plans no rp-listener certificate")
	return plan.Certificate{}
}

// The attack of issue 9 on the OpenSSL configuration: a name with a line
// break, written into a comment, became a section that made openssl req
// put the attacker's SAN in the CSR. INF and CNF refuse every value that
// would add a line, a section or a key.
func TestIssueAttacksRefused(t *testing.T) {
	const section = "rp\n\n[ alt_names ]\nDNS.99 = evil.example\n#"
	cases := []struct {
		name string
		set  func(c *plan.Certificate)
	}{
		{"assigned to", func(c *plan.Certificate) { c.AssignTo[0] = section }},
		{"usage", func(c *plan.Certificate) { c.Usage[0] = section }},
		{"why", func(c *plan.Certificate) { c.Why = section }},
		{"name", func(c *plan.Certificate) { c.Name = "rp-listener\n[ alt_names ]\nDNS.99 = evil.example" }},
		{"name with a quote", func(c *plan.Certificate) { c.Name = `rp"` }},
		{"subject with an RDN", func(c *plan.Certificate) { c.Subject = "webext.contoso.com,O=Evil" }},
		{"subject with a variable", func(c *plan.Certificate) { c.Subject = "${ENV::HOME}" }},
		{"SAN with a second SAN", func(c *plan.Certificate) { c.SANs[0] = "webext.contoso.com&dns=evil.example" }},
		{"SAN with a line break", func(c *plan.Certificate) { c.SANs[1] = "a.contoso.com\nDNS.99 = evil.example" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cert := rpListener(t)
			cert.AssignTo = append([]string(nil), cert.AssignTo...)
			cert.Usage = append([]string(nil), cert.Usage...)
			cert.SANs = append([]string(nil), cert.SANs...)
			c.set(&cert)
			if out, err := CNF(cert); err == nil {
				t.Errorf("CNF wrote the %s:\n%s", c.name, out)
			}
			if out, err := INF(cert); err == nil {
				t.Errorf("INF wrote the %s:\n%s", c.name, out)
			}
		})
	}
}

// A comment line ending in '\' would swallow the next line in OpenSSL's
// configuration (a line continuation is joined before comments are
// removed), so comments refuses it, and any line break.
func TestComments(t *testing.T) {
	if got, err := comments("#", "a [ b ] = c; $d", ""); err != nil || got != "# a [ b ] = c; $d\n#\n" {
		t.Errorf("comments: %q, %v", got, err)
	}
	for _, l := range []string{`x\`, "a\nb", "a\rb", "a\u2028b", "a\x1bb"} {
		if _, err := comments("#", l); err == nil {
			t.Errorf("comments(%q) accepted", l)
		}
	}
}
