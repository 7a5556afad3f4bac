package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/schema"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// TestDerivedPlanSatisfiesRules declares every derived part of the plan
// at once — zones, certificates (bound to the proxy listeners), publishing
// rules, VIPs and firewall rules — back into each valid example's topology and validates
// it: no error, and no diagnostic the topology did not already have.
func TestDerivedPlanSatisfiesRules(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	// tailspin: names in capitals, no simple_urls block, SIP on the HLB,
	// IPv6 listener and VIP.
	for _, ex := range []string{"contoso", "standard-edition", "multisite", "tailspin"} {
		t.Run(ex, func(t *testing.T) {
			dir := "../examples/" + ex
			before, err := loader.Load(dir, loader.Options{})
			if err != nil || before.Diagnostics.HasErrors() {
				t.Fatal(err, before.Diagnostics)
			}
			m, err := before.Result.Model()
			if err != nil {
				t.Fatal(err)
			}
			p := New(m)

			doc, ds := hcltopo.Load(dir, hcltopo.Options{})
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			declarePlan(doc, p)
			after := s.Check(doc).Diagnostics

			had := map[string]bool{}
			for _, d := range before.Diagnostics {
				had[d.Rule] = true
			}
			for _, d := range after {
				// CERT-008 is a warning left to the administrator: internal-CA
				// web certificates while mobiles use the corporate Wi-Fi.
				if d.Rule == "CERT-008" && d.Severity == diag.Warning {
					continue
				}
				if d.Severity == diag.Error || !had[d.Rule] {
					t.Errorf("%s", d)
				}
			}
		})
	}
}

// declarePlan writes the plan's derived parts into the canonical document,
// as a user declaring today's state would.
func declarePlan(doc *canon.Document, p *plan.Plan) {
	v := doc.Value
	sub := func(m map[string]any, k string) map[string]any {
		if x, ok := m[k].(map[string]any); ok {
			return x
		}
		x := map[string]any{}
		m[k] = x
		return x
	}
	dns := sub(v, "dns")
	for _, z := range p.Zones {
		if z.Declared {
			continue
		}
		zone := map[string]any{}
		if z.View == "internal" {
			kind := z.Kind
			if kind != plan.ZonePinPoint {
				kind = plan.ZoneSplitBrain
			}
			zone["kind"] = kind
		}
		records := map[string]any{}
		for _, r := range z.Records {
			rec := map[string]any{"type": r.Type, "values": []any{r.Value}}
			if r.Type == "SRV" {
				rec["port"], rec["priority"], rec["weight"] = int64(r.Port), int64(r.Priority), int64(r.Weight)
			}
			list, _ := records[r.Name].([]any)
			records[r.Name] = append(list, rec)
		}
		zone["records"] = records
		sub(dns, z.View)[z.Name] = zone
	}

	certs := sub(v, "certificates")
	for _, c := range p.Certificates {
		if c.Declared {
			continue
		}
		certs[c.Name] = map[string]any{"usage": strs(c.Usage), "assigned_to": strs(c.AssignTo), "subject": c.Subject,
			"sans": strs(c.SANs), "issuer": c.Issuer, "eku": strs(c.EKU), "key_bits": int64(c.KeyBits)}
	}

	rps := sub(v, "reverse_proxies")
	for _, rp := range p.ReverseProxies {
		r := sub(rps, rp.Name)
		listeners := sub(r, "listeners")
		byPort := map[int][]any{}
		for _, l := range rp.Listeners {
			lm := sub(listeners, l.Name)
			lm["ip"], lm["port"] = l.IP, int64(l.Port)
			if l.Certificate != "" {
				lm["certificate"] = l.Certificate
			}
			byPort[l.Port] = append(byPort[l.Port], l.Name)
		}
		rules := sub(r, "rules")
		for _, u := range rp.Rules {
			if u.Why == "declared" {
				continue
			}
			rule := map[string]any{"public_names": strs(u.PublicNames), "target": u.Target,
				"forward_host_header": u.ForwardHostHeader, "idle_timeout": int64(u.IdleTimeout)}
			var ls []any
			scheme := "http"
			for _, b := range u.Bridges {
				ls = append(ls, byPort[b.FrontPort]...)
				switch b.BackScheme {
				case "https":
					rule["back_https_port"] = int64(b.BackPort)
					scheme = "https"
				case "http":
					rule["back_http_port"] = int64(b.BackPort)
				}
			}
			rule["back_scheme"] = scheme
			rule["listeners"] = dedupe(ls)
			rules[u.Name] = rule
		}
	}

	fw := sub(v, "firewall_rules")
	for _, f := range p.Firewall {
		// Media rows use port ranges, which declared rules cannot state,
		// and no rule checks them.
		if f.Why == "declared" || f.Why == MediaWhy {
			continue
		}
		for proto, ports := range firewallPorts(f) {
			rule := map[string]any{"source": endpoints(f.Source), "destination": endpoints(f.Destination), "protocol": proto, "ports": ports}
			if f.Direction == "both" {
				rule["direction"] = "both"
			}
			fw[f.ID+"-"+proto] = rule
		}
	}

	if len(p.VIPs) > 0 {
		vips := sub(sub(sub(v, "load_balancers"), "hlb"), "vips")
		for _, x := range p.VIPs {
			if x.Declared {
				continue
			}
			var ports []any
			for _, pp := range x.Ports {
				ports = append(ports, map[string]any{"front": int64(pp.Front), "back": int64(pp.Back)})
			}
			vip := map[string]any{"pool": x.Pool, "role": x.Role, "ip": x.IP, "ports": ports, "persistence": x.Persistence,
				"idle_timeout": int64(x.IdleTimeout), "per_request_lb": x.PerRequestLB, "monitor_port": int64(x.MonitorPort)}
			if x.Persistence == "cookie" {
				vip["cookie"] = map[string]any{"name": x.CookieName}
			}
			vips[x.Name] = vip
		}
	}
}

// endpoints turns a report's "Internet", "Any", "Corporate Wi-Fi" or
// address list into the topology's firewall endpoints.
func endpoints(s string) []any {
	var out []any
	for _, e := range strings.Split(s, ", ") {
		switch e {
		case "Internet":
			e = "internet"
		case "Any":
			e = "any"
		case "Corporate Wi-Fi":
			e = "wifi"
		}
		out = append(out, e)
	}
	return out
}

// firewallPorts groups a row's ports by protocol: "443" takes the row's
// protocol, "UDP 3478, TCP 443" names one per port.
func firewallPorts(f plan.FirewallRule) map[string][]any {
	proto := func(p string) string {
		return map[string]string{"TCP": "tcp", "UDP": "udp", "TCP/UDP": "tcp+udp", "UDP/TCP": "tcp+udp"}[p]
	}
	out := map[string][]any{}
	for _, tok := range strings.Split(f.Ports, ", ") {
		pr, num := proto(f.Protocol), tok
		if a, b, ok := strings.Cut(tok, " "); ok {
			pr, num = proto(a), b
		}
		n, err := strconv.Atoi(num)
		if err != nil || pr == "" {
			panic(fmt.Sprintf("firewall row %s: cannot read ports %q", f.ID, f.Ports))
		}
		out[pr] = append(out[pr], int64(n))
	}
	return out
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func dedupe(xs []any) []any {
	seen := map[string]bool{}
	var out []any
	for _, x := range xs {
		k := fmt.Sprint(x)
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}
