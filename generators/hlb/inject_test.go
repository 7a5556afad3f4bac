package hlb_test

import (
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/hlb"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

// The attack of issue 9 on hlb/haproxy.cfg: a name with a line break
// wrote whole listen sections. Every value that reaches the file is
// refused when it is not what its place in the file allows.
func TestIssueAttacksRefused(t *testing.T) {
	const listen = "x\n\nlisten evil\n    bind :2222\n    mode tcp\n    server evil 203.0.113.66:22\n#"
	cases := []struct {
		name string
		set  func(v *plan.VIP)
	}{
		{"VIP name", func(v *plan.VIP) { v.Name = listen }},
		{"VIP name with a space", func(v *plan.VIP) { v.Name = "a b" }},
		{"pool", func(v *plan.VIP) { v.Pool = listen }},
		{"role", func(v *plan.VIP) { v.Role = listen }},
		{"persistence", func(v *plan.VIP) { v.Persistence = listen }},
		{"address", func(v *plan.VIP) { v.IP = "192.0.2.1:80\n" + listen }},
		{"server name", func(v *plan.VIP) { v.Backends[0].Name = "fe01 192.0.2.66:22 id 9\n    server" }},
		{"server address", func(v *plan.VIP) { v.Backends[0].IP = "192.0.2.66:22 backup #" }},
		{"cookie name", func(v *plan.VIP) { v.Persistence = "cookie"; v.CookieName = "MS-WSMAN\n" + listen }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testtool.ExamplePlan(t, "contoso")
			c.set(&p.VIPs[0])
			files, err := hlb.Generator.Generate(&artifact.Context{Plan: p})
			if err == nil {
				t.Fatalf("the generator wrote the %s:\n%s", c.name, files[0].Data)
			}
			if !strings.HasPrefix(err.Error(), "hlb: ") {
				t.Errorf("the error does not say which generator refused: %v", err)
			}
		})
	}
}

// Two VIPs whose sections would share a name (VIP "a-443" port 80 and
// VIP "a" port 44380 would not, but two VIPs of one name would) are
// refused rather than written as one section twice.
func TestSectionNamesCollide(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	p.VIPs = append(p.VIPs, p.VIPs[0])
	if _, err := hlb.Generator.Generate(&artifact.Context{Plan: p}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("two VIPs of one name: %v", err)
	}
}
