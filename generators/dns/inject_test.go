package dns_test

import (
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/dns"
	"github.com/mobplan/mobplan/planner/plan"
)

// The attacks of issue 9 on the zone files: record values and the SOA
// hostmaster were written raw, and an extra A record and an
// `$INCLUDE /etc/passwd` passed named-checkzone. Each value that is not
// what its place in a master file allows is refused.
func TestIssueAttacksRefused(t *testing.T) {
	const extraA = "131.107.155.1\nevil 60 IN A 203.0.113.66"
	const include = "hostmaster.contoso.com.\n$INCLUDE /etc/passwd\n"
	record := func(p *plan.Plan, typ string) *plan.Record {
		for zi := range p.Zones {
			for ri := range p.Zones[zi].Records {
				if p.Zones[zi].Records[ri].Type == typ {
					return &p.Zones[zi].Records[ri]
				}
			}
		}
		t.Fatalf("no %s record", typ)
		return nil
	}
	cases := []struct {
		name string
		set  func(p *plan.Plan)
	}{
		{"A value with a second record", func(p *plan.Plan) { record(p, "A").Value = extraA }},
		{"A value that is a name", func(p *plan.Plan) { record(p, "A").Value = "evil.example." }},
		{"A value that is IPv6", func(p *plan.Plan) { record(p, "A").Value = "2001:db8::1" }},
		{"AAAA value that is IPv4", func(p *plan.Plan) { r := record(p, "A"); r.Type = "AAAA" }},
		{"SRV target with a second record", func(p *plan.Plan) { record(p, "SRV").Value = "sip.contoso.com.\n@ IN NS evil.example." }},
		{"SRV target with a comment", func(p *plan.Plan) { record(p, "SRV").Value = "sip.contoso.com. ; x" }},
		{"record name that is a directive", func(p *plan.Plan) { record(p, "A").Name = "$INCLUDE" }},
		{"record name with a space", func(p *plan.Plan) { record(p, "A").Name = "a b" }},
		{"record name starting a continuation", func(p *plan.Plan) { record(p, "A").Name = "a (" }},
		{"unknown type", func(p *plan.Plan) { record(p, "A").Type = "TXT" }},
		{"SOA hostmaster with $INCLUDE", func(p *plan.Plan) { p.Zones[0].SOA.Hostmaster = include }},
		{"SOA hostmaster with $INCLUDE on its line", func(p *plan.Plan) { p.Zones[0].SOA.Hostmaster = "$INCLUDE /etc/passwd" }},
		{"SOA primary name server", func(p *plan.Plan) { p.Zones[0].SOA.PrimaryNS = "ns1.contoso.com. x. (\n$INCLUDE /etc/passwd\n" }},
		{"name server", func(p *plan.Plan) { p.Zones[0].NS[0] = "ns1.contoso.com.\n$INCLUDE /etc/passwd" }},
		{"why", func(p *plan.Plan) { record(p, "A").Why = "x\n$INCLUDE /etc/passwd" }},
		{"zone name", func(p *plan.Plan) { p.Zones[0].Name = "contoso.com.\n$INCLUDE /etc/passwd\n$ORIGIN contoso.com" }},
		{"zone name with a semicolon", func(p *plan.Plan) { p.Zones[0].Name = "contoso.com;x" }},
		{"negative TTL", func(p *plan.Plan) { record(p, "A").TTL = -1 }},
		{"SRV port out of range", func(p *plan.Plan) { record(p, "SRV").Port = 70000 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := dnsPlan(t, "contoso")
			c.set(p)
			files, err := dns.Generator.Generate(&artifact.Context{Plan: p})
			if err == nil {
				var out strings.Builder
				for _, f := range files {
					if strings.HasSuffix(f.Path, ".zone") {
						out.WriteString("--- " + f.Path + "\n" + string(f.Data))
					}
				}
				t.Fatalf("the generator wrote the %s:\n%s", c.name, out.String())
			}
			// The zone file refuses it, not only the Windows DNS script.
			if !strings.HasPrefix(err.Error(), "dns: ") || !strings.Contains(err.Error(), ".zone") && !strings.Contains(err.Error(), "zone name") {
				t.Errorf("the error does not say that the zone file refused: %v", err)
			}
		})
	}
}
