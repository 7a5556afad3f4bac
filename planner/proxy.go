package planner

import (
	"net/url"
	"sort"
	"strings"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// Reverse proxy publishing rules (mobility-rules.md 2.3).
//
// A reverse proxy that declares rules keeps them as declared. One that
// declares none gets, from the pools:
//
//   - SfB-Web-HTTPS: per pool with external web services, its external web
//     FQDN (plus, for the Autodiscover target, the lyncdiscover names and
//     the meet/dial-in hosts) to the external web VIP, 443→4443 and
//     80→8080 (RP-001, RP-002, RP-004, RP-005, RP-008). The rule of the
//     Autodiscover target is named SfB-Web-HTTPS; other pools' rules carry
//     the pool name (SfB-Web-HTTPS-<pool>), so adding a pool renames nothing.
//   - SfB-Web-HTTP: with HTTP Autodiscover, lyncdiscover.<d> on port 80,
//     bridged to 8080 only; the names are then on no HTTPS rule (RP-003).
//   - OOS-HTTPS: a published Office Online Server, 443→443.

// rpIdleTimeout is the idle timeout of derived rules. RP-006 asks for at
// least 960 s with push notifications (the push time-out is 900 s); the
// guide allows less without push but says to baseline it, so 960 s is
// kept either way: turning push on later then changes no rule.
const rpIdleTimeout = 960

// rpListenerCertName is the certificate name of a reverse proxy's TLS
// listeners when the topology names none; the certificate planner
// requests it under the same name.
func rpListenerCertName(rp string) string { return rp + "-listener" }

// Why of the derived rules.
const (
	whyRPWeb      = "RP-001, RP-004, RP-005, RP-006, RP-008"
	whyRPWebAD    = "RP-001, RP-002, RP-004, RP-005, RP-006, RP-008"
	whyRPHTTPAD   = "RP-003, RP-004, RP-005, RP-006"
	whyRPOOS      = "Office Online Server published for external meeting content"
	whyRPDeclared = "declared"
)

func planProxies(t *model.Topology, p *plan.Plan) {
	for _, name := range model.SortedKeys(t.ReverseProxies) {
		p.ReverseProxies = append(p.ReverseProxies, planProxy(t, p, name, t.ReverseProxies[name]))
	}
}

func planProxy(t *model.Topology, p *plan.Plan, name string, rp model.ReverseProxy) plan.ReverseProxy {
	out := plan.ReverseProxy{Name: name, InternalIP: rp.InternalIP, SeparateFromFirewall: rp.SeparateFromFirewall, Listeners: rpListeners(p, name, rp)}
	if len(rp.Rules) > 0 {
		out.Rules = rpDeclaredRules(rp)
		return out
	}
	out.Rules = rpDerivedRules(t)
	if rpHTTPAutodiscover(t) {
		out.Listeners = rpEnsurePort80(out.Listeners)
	}
	return out
}

// rpListeners are the declared listeners, by name. A listener is TLS
// unless it is on port 80 without a certificate (as HLB-008 reads it).
// Its certificate is the one the certificate planner (which runs first)
// planned for this proxy, under the name it planned it: a declared name
// may have been made safe as a file name there.
func rpListeners(p *plan.Plan, rpName string, rp model.ReverseProxy) []plan.Listener {
	var out []plan.Listener
	for _, ln := range model.SortedKeys(rp.Listeners) {
		l := rp.Listeners[ln]
		pl := plan.Listener{Name: ln, IP: l.IP, Port: l.Port, TLS: l.Port != 80 || l.Certificate != ""}
		if pl.TLS {
			pl.Certificate = l.Certificate
			if c, ok := p.CertificateFor(plan.UsageRPListener, rpName); ok {
				pl.Certificate = c.Name
			} else if pl.Certificate == "" {
				pl.Certificate = rpListenerCertName(rpName)
			}
		}
		out = append(out, pl)
	}
	return out
}

// rpEnsurePort80 adds a plain port 80 listener on the address of the
// HTTPS listener when the proxy has none (RP-003).
func rpEnsurePort80(ls []plan.Listener) []plan.Listener {
	var https *plan.Listener
	for i := range ls {
		if ls[i].Port == 80 && !ls[i].TLS {
			return ls
		}
		if ls[i].TLS && (https == nil || ls[i].Port == 443 && https.Port != 443) {
			https = &ls[i]
		}
	}
	if https == nil {
		return ls
	}
	name := "http"
	for _, l := range ls {
		if l.Name == name {
			name = "http-80"
		}
	}
	out := append(append([]plan.Listener(nil), ls...), plan.Listener{Name: name, IP: https.IP, Port: 80})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func rpHTTPAutodiscover(t *model.Topology) bool {
	return t.Mobility.Enabled && t.Mobility.AutodiscoverScheme == "http"
}

// rpDerivedRules are the rules of a proxy that declares none.
func rpDerivedRules(t *model.Topology) []plan.PubRule {
	ad, hasAD := t.AutodiscoverTarget()
	httpAD := rpHTTPAutodiscover(t)
	var rules []plan.PubRule
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		if pool.WebExternal.FQDN == "" {
			continue
		}
		isAD := hasAD && n == ad.Name
		name, why := "SfB-Web-HTTPS-"+n, whyRPWeb
		var extra []string
		if isAD {
			name = "SfB-Web-HTTPS"
			extra = rpSimpleURLHosts(t)
			if t.Mobility.Enabled && !httpAD {
				extra = append(extra, rpLyncdiscover(t)...)
				why = whyRPWebAD
			}
		}
		rules = append(rules, plan.PubRule{
			Name:        name,
			PublicNames: rpNames(pool.WebExternal.FQDN, extra),
			Bridges: []plan.Bridge{
				{FrontPort: 443, BackPort: pool.Ports.ExternalHTTPS, BackScheme: "https"},
				{FrontPort: 80, BackPort: pool.Ports.ExternalHTTP, BackScheme: "http"},
			},
			Target:            rpTarget(pool),
			ForwardHostHeader: true,
			IdleTimeout:       rpIdleTimeout,
			Why:               why,
		})
	}
	if httpAD && hasAD && ad.WebExternal.FQDN != "" {
		rules = append(rules, plan.PubRule{
			Name:              "SfB-Web-HTTP",
			PublicNames:       rpNames("", rpLyncdiscover(t)),
			Bridges:           []plan.Bridge{{FrontPort: 80, BackPort: ad.Ports.ExternalHTTP, BackScheme: "http"}},
			Target:            rpTarget(ad),
			ForwardHostHeader: true,
			IdleTimeout:       rpIdleTimeout,
			Why:               whyRPHTTPAD,
		})
	}
	if o := t.OfficeWebApps; o != nil && o.Published {
		rules = append(rules, plan.PubRule{
			Name:              "OOS-HTTPS",
			PublicNames:       []string{strings.ToLower(o.FQDN)},
			Bridges:           []plan.Bridge{{FrontPort: 443, BackPort: 443, BackScheme: "https"}},
			Target:            o.IP,
			ForwardHostHeader: true,
			IdleTimeout:       rpIdleTimeout,
			Why:               whyRPOOS,
		})
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
	return rules
}

// rpNames is first (when set) followed by the other names, sorted,
// lower-case and without duplicates.
func rpNames(first string, others []string) []string {
	var out []string
	seen := map[string]bool{}
	if first != "" {
		first = strings.ToLower(first)
		out, seen[first] = append(out, first), true
	}
	var rest []string
	for _, n := range others {
		n = strings.ToLower(n)
		if n != "" && !seen[n] {
			rest, seen[n] = append(rest, n), true
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// rpTarget is the pool's external web VIP, or its first server's address
// when it has none (a Standard Edition server).
func rpTarget(p model.Pool) string {
	if p.WebExternal.VIP != "" {
		return p.WebExternal.VIP
	}
	for _, sn := range model.SortedKeys(p.Servers) {
		if ips := p.Servers[sn].IPs; len(ips) > 0 {
			return ips[0]
		}
	}
	return ""
}

func rpLyncdiscover(t *model.Topology) []string {
	var out []string
	for _, d := range t.SIPDomains {
		out = append(out, "lyncdiscover."+d)
	}
	return out
}

// rpSimpleURLHosts are the hosts of the meet and dial-in simple URLs
// (the admin URL is internal only), from the effective simple URLs.
func rpSimpleURLHosts(t *model.Topology) []string {
	var out []string
	su := t.EffectiveSimpleURLs()
	for _, u := range su.Meet {
		out = append(out, rpURLHost(u.URL))
	}
	for _, u := range su.Dialin {
		out = append(out, rpURLHost(u.URL))
	}
	return out
}

// rpURLHost is the host of a simple URL ("https://meet.contoso.com/x").
func rpURLHost(s string) string {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// rpDeclaredRules carries declared rules over. A rule's bridges follow
// its listeners: a plain port 80 listener is bridged to the back end's
// HTTP port, any other to the port of its back-end scheme.
func rpDeclaredRules(rp model.ReverseProxy) []plan.PubRule {
	var out []plan.PubRule
	for _, rn := range model.SortedKeys(rp.Rules) {
		r := rp.Rules[rn]
		out = append(out, plan.PubRule{
			Name:              rn,
			PublicNames:       append([]string(nil), r.PublicNames...),
			Bridges:           rpDeclaredBridges(rp, r),
			Target:            r.Target,
			ForwardHostHeader: r.ForwardHostHeader,
			IdleTimeout:       r.IdleTimeout,
			Why:               whyRPDeclared,
		})
	}
	return out
}

func rpDeclaredBridges(rp model.ReverseProxy, r model.PublishingRule) []plan.Bridge {
	var out []plan.Bridge
	seen := map[int]bool{}
	for _, ln := range r.Listeners {
		l, ok := rp.Listeners[ln]
		if !ok || seen[l.Port] {
			continue
		}
		seen[l.Port] = true
		b := plan.Bridge{FrontPort: l.Port, BackPort: r.BackHTTPSPort, BackScheme: "https"}
		if l.Port == 80 && l.Certificate == "" || r.BackScheme == "http" {
			b.BackPort, b.BackScheme = r.BackHTTPPort, "http"
		}
		out = append(out, b)
	}
	return out
}
