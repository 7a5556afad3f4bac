package planner

import (
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// planNames is every name of a view's zones (FQDN -> record types).
func planNames(p *plan.Plan, view string) map[string][]string {
	out := map[string][]string{}
	for _, z := range p.Zones {
		if z.View != view {
			continue
		}
		for _, r := range z.Records {
			n := z.Name
			if r.Name != "@" {
				n = r.Name + "." + z.Name
			}
			out[n] = append(out[n], r.Type)
		}
	}
	return out
}

// TestSimpleURLsOneSource: the simple URL hosts on the certificates are
// the ones DNS serves and the reverse proxy publishes, with or without a
// simple_urls block: without one, meet.<d> and dialin.<primary> (the
// required URLs) everywhere, and no admin host on any certificate.
func TestSimpleURLsOneSource(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*model.Topology)
		admin string // the admin host, if one is declared
	}{
		{"declared", func(*model.Topology) {}, "admin.contoso.com"},
		{"defaults", func(m *model.Topology) { m.SimpleURLs = model.SimpleURLs{} }, ""},
		{"admin only", func(m *model.Topology) {
			m.SimpleURLs = model.SimpleURLs{Admin: []model.SimpleURL{{URL: "https://lyncadmin.contoso.com"}}}
		}, "lyncadmin.contoso.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := certModel(t, "../examples/contoso")
			tc.edit(m)
			p := New(m)
			ext, in := planNames(p, "external"), planNames(p, "internal")
			var published []string
			for _, rp := range p.ReverseProxies {
				for _, u := range rp.Rules {
					published = append(published, u.PublicNames...)
				}
			}
			su := m.EffectiveSimpleURLs()
			var public []string
			for _, u := range append(slices.Clone(su.Meet), su.Dialin...) {
				public = append(public, certURLHost(u.URL))
			}
			if len(su.Meet) != len(m.SIPDomains) || len(su.Dialin) != 1 {
				t.Fatalf("effective simple URLs %+v: want one meet URL per SIP domain and one dial-in URL", su)
			}
			for _, h := range public {
				if ext[h] == nil || in[h] == nil {
					t.Errorf("%s: no record in both views (external %v, internal %v)", h, ext[h], in[h])
				}
				if !slices.Contains(published, h) {
					t.Errorf("%s: not published by the reverse proxy (%v)", h, published)
				}
			}
			var admins []string
			for _, c := range p.Certificates {
				for _, s := range c.SANs {
					if strings.HasPrefix(s, "admin.") || strings.HasPrefix(s, "lyncadmin.") {
						admins = append(admins, s)
					}
					// Every simple URL host a certificate carries is one DNS serves.
					if (strings.HasPrefix(s, "meet.") || strings.HasPrefix(s, "dialin.")) && ext[s] == nil {
						t.Errorf("certificate %s carries %s, which the public DNS does not serve", c.Name, s)
					}
				}
			}
			if tc.admin == "" && len(admins) > 0 {
				t.Errorf("no admin URL declared, yet certificates carry %v", admins)
			}
			if tc.admin != "" {
				if !slices.Contains(admins, tc.admin) {
					t.Errorf("admin URL %s declared, but no certificate carries it (%v)", tc.admin, admins)
				}
				if in[tc.admin] == nil || ext[tc.admin] != nil {
					t.Errorf("admin host %s: internal %v, external %v; want internal only", tc.admin, in[tc.admin], ext[tc.admin])
				}
			}
		})
	}
}
