package planner

import (
	"bytes"
	"net"
	"sort"
	"strconv"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// planReport fills the administrator report's summary (Roles), the
// helpdesk's manual Autodiscover URLs (FallbackURLs) and the endpoints
// the lab runtime serves (Listeners). It runs last: the listeners come
// from the planned reverse proxies and VIPs, so the runtime serves what
// the proxy and load balancer generators configure.
func planReport(t *model.Topology, p *plan.Plan) {
	p.Roles = reportRoles(t)
	p.FallbackURLs = reportFallbackURLs(t)
	p.Listeners = reportListeners(t, p)
}

// reportRoles: one line per pool server ("pool/server"), Edge server
// interface ("edge pool/server"), SBA, reverse proxy (its listener
// addresses, then its internal leg) and Office Web Apps farm, in that
// order.
func reportRoles(t *model.Topology) []plan.Role {
	var out []plan.Role
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		for _, sn := range model.SortedKeys(pool.Servers) {
			s := pool.Servers[sn]
			out = append(out, plan.Role{
				Role: reportPoolRole(pool.Kind), Name: n + "/" + sn, FQDN: s.FQDN,
				IPs: s.IPs, Network: "internal", Site: pool.Site,
			})
		}
	}
	for _, en := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[en]
		for _, sn := range model.SortedKeys(e.Servers) {
			s := e.Servers[sn]
			out = append(out,
				plan.Role{Role: "Edge server, internal interface", Name: en + "/" + sn, FQDN: s.FQDN,
					IPs: []string{s.InternalIP}, Network: "internal", Site: e.Site},
				plan.Role{Role: "Edge server, external interface", Name: en + "/" + sn, FQDN: s.FQDN,
					IPs: uniqueStrings([]string{s.AccessIP, s.WebconfIP, s.AVIP}), Network: "perimeter", Site: e.Site})
		}
	}
	for _, n := range model.SortedKeys(t.SBAs) {
		s := t.SBAs[n]
		out = append(out, plan.Role{Role: "Survivable Branch Appliance", Name: n, FQDN: s.FQDN,
			IPs: uniqueStrings([]string{s.IP}), Network: "internal", Site: s.Site})
	}
	for _, n := range model.SortedKeys(t.ReverseProxies) {
		rp := t.ReverseProxies[n]
		var ips []string
		for _, ln := range model.SortedKeys(rp.Listeners) {
			ips = append(ips, rp.Listeners[ln].IP)
		}
		sort.Strings(ips)
		ips = append(ips, rp.InternalIP)
		out = append(out, plan.Role{Role: "Reverse proxy", Name: n,
			IPs: uniqueStrings(ips), Network: "perimeter"})
	}
	if o := t.OfficeWebApps; o != nil {
		out = append(out, plan.Role{Role: "Office Web Apps / Office Online Server", Name: "office-web-apps", FQDN: o.FQDN,
			IPs: uniqueStrings([]string{o.IP}), Network: "internal"})
	}
	return out
}

func reportPoolRole(kind string) string {
	switch kind {
	case "fe-se":
		return "Standard Edition server"
	case "director":
		return "Director"
	default:
		return "Front End server"
	}
}

// reportFallbackURLs are the Autodiscover URLs of the Autodiscover target
// a helpdesk can enter by hand (external first).
func reportFallbackURLs(t *model.Topology) []plan.FallbackURL {
	ad, ok := t.AutodiscoverTarget()
	if !ok {
		return nil
	}
	const path = "/Autodiscover/autodiscoverservice.svc/Root"
	var out []plan.FallbackURL
	if ad.WebExternal.FQDN != "" {
		out = append(out, plan.FallbackURL{Scope: "external", URL: "https://" + ad.WebExternal.FQDN + path})
	}
	out = append(out, plan.FallbackURL{Scope: "internal", URL: "https://" + ad.WebInternalFQDN() + path})
	return out
}

// reportListeners are the planned endpoints the runtime serves:
//
//   - the internal and external DNS servers, port 53; their addresses are
//     the runtime's choice (IP "");
//   - every planned reverse proxy listener (network external);
//   - every Front End/Director server's web service ports: internal
//     HTTP(S) as web-internal, external HTTP(S) as web-external;
//   - every planned VIP front port (network internal).
//
// An address and port already taken by an earlier entry is not listed
// again (a Standard Edition server's "VIP" is the server itself). The
// result is sorted by network, address, port.
func reportListeners(t *model.Topology, p *plan.Plan) []plan.RuntimeListen {
	out := []plan.RuntimeListen{
		{Name: "dns-external", Network: "external", Port: 53, Serves: "dns"},
		{Name: "dns-internal", Network: "internal", Port: 53, Serves: "dns"},
	}
	taken := map[string]bool{}
	add := func(l plan.RuntimeListen) {
		key := l.IP + "|" + strconv.Itoa(l.Port)
		if taken[key] {
			return
		}
		taken[key] = true
		out = append(out, l)
	}
	for _, rp := range p.ReverseProxies {
		for _, l := range rp.Listeners {
			add(plan.RuntimeListen{Name: "rp:" + rp.Name + "/" + l.Name, Network: "external", IP: l.IP, Port: l.Port, Serves: "reverse-proxy", Certificate: l.Certificate})
		}
	}
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		for _, sn := range model.SortedKeys(pool.Servers) {
			s := pool.Servers[sn]
			for _, ip := range s.IPs {
				for _, w := range []struct {
					port   int
					serves string
					usage  string // "" for plain HTTP
				}{
					{pool.Ports.InternalHTTPS, "web-internal", plan.UsageWebServicesInternal}, {pool.Ports.InternalHTTP, "web-internal", ""},
					{pool.Ports.ExternalHTTPS, "web-external", plan.UsageWebServicesExternal}, {pool.Ports.ExternalHTTP, "web-external", ""},
					{5061, "sip", plan.UsageDefault},
				} {
					prefix := "web:"
					if w.serves == "sip" {
						prefix = "sip:"
					}
					add(plan.RuntimeListen{Name: prefix + s.FQDN + ":" + strconv.Itoa(w.port), Network: "internal", IP: ip, Port: w.port, Serves: w.serves,
						Certificate: reportCertFor(p, w.usage, s.FQDN), Host: s.FQDN})
				}
			}
		}
	}
	for _, en := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[en]
		for _, sn := range model.SortedKeys(e.Servers) {
			s := e.Servers[sn]
			if s.AccessIP == "" {
				continue
			}
			for _, port := range []int{443, 5061} {
				add(plan.RuntimeListen{Name: "edge:" + s.FQDN + ":" + strconv.Itoa(port), Network: "external", IP: s.AccessIP, Port: port, Serves: "edge-access",
					Certificate: reportCertFor(p, plan.UsageEdgeExternal, s.FQDN), Host: s.FQDN})
			}
		}
	}
	for _, v := range p.VIPs {
		for _, pp := range v.Ports {
			add(plan.RuntimeListen{Name: "vip:" + v.Name + ":" + strconv.Itoa(pp.Front), Network: "internal", IP: v.IP, Port: pp.Front, Serves: "vip"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Network != b.Network {
			return a.Network < b.Network
		}
		if a.IP != b.IP {
			return reportIPLess(a.IP, b.IP)
		}
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Name < b.Name
	})
	return out
}

// reportCertFor names the planned certificate of a usage on a server, ""
// for none (plain HTTP, or no certificate planned).
func reportCertFor(p *plan.Plan, usage, server string) string {
	if usage == "" {
		return ""
	}
	if c, ok := p.CertificateFor(usage, server); ok {
		return c.Name
	}
	return ""
}

// reportIPLess orders addresses numerically when both parse, the empty
// address first.
func reportIPLess(a, b string) bool {
	pa, pb := net.ParseIP(a).To16(), net.ParseIP(b).To16()
	if pa != nil && pb != nil {
		return bytes.Compare(pa, pb) < 0
	}
	return a < b
}
