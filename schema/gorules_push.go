package schema

import (
	"strings"

	"github.com/mobplan/mobplan/internal/canon"
)

// The push rule evaluated in Go: the federation SRV record of every SIP
// domain. Its catalogue entry is in rules_push_dns.cue.

func init() {
	goRules = append(goRules, goRule{canon.RulePUSH007, push007, reads(dnsReads, []string{"dns.external.*.records.*.[].port",
		"sip_domains.[]", "mobility.push.enabled", "mobility.clients.ios", "mobility.clients.windows_phone",
		"edge_pools.*.access_fqdn", "edge_pools.*.servers.*.access_ip", "load_balancers.*.vips.*.role", "load_balancers.*.vips.*.ip"})})
}

// push007: with push for iOS or Windows Phone clients, every SIP domain
// has a public _sipfederationtls._tcp SRV record (port 5061) pointing at
// the Access Edge: its FQDN, or a name the declared public DNS resolves to
// Access Edge addresses (the catalogue's own sample uses sip.<domain> for
// every further SIP domain). Checked where a declared public zone holds
// the name.
func push007(tp *topo) []finding {
	if !getBool(tp.t, "mobility", "push", "enabled") ||
		!(getBool(tp.t, "mobility", "clients", "ios") || getBool(tp.t, "mobility", "clients", "windows_phone")) {
		return nil
	}
	// The Access Edge FQDNs (lower case) and public addresses: the
	// servers' access IPs and the external Edge VIPs of declared load
	// balancers.
	edges := getObj(tp.t, "edge_pools")
	fqdns, ips := map[string]bool{}, map[string]bool{}
	var fqdnList []string
	for _, n := range keys(edges) {
		f := str(edges[n], "access_fqdn")
		fqdns[dnsName(f)] = true
		fqdnList = append(fqdnList, f)
		servers := getObj(edges[n], "servers")
		for _, sn := range keys(servers) {
			ips[str(servers[sn], "access_ip")] = true
		}
	}
	lbs := getObj(tp.t, "load_balancers")
	for _, ln := range keys(lbs) {
		vips := getObj(lbs[ln], "vips")
		for _, vn := range keys(vips) {
			if str(vips[vn], "role") == "edge-external" {
				ips[str(vips[vn], "ip")] = true
			}
		}
	}
	ext := tp.zones["external"]
	var out []finding
	for _, d := range tp.sipDomains() {
		nm := "_sipfederationtls._tcp." + d
		r := tp.domainName("external", "_sipfederationtls._tcp", d)
		srv := r.recs.of("SRV")
		if srv == nil {
			if r.covered {
				out = append(out, finding{At: []any{"dns", "external", r.zone},
					Detail: "The public zone " + r.zone + " has no SRV record " + nm + ", which the push notification service uses to reach the Access Edge."})
			}
			continue
		}
		// The port, once per record (at its first value).
		for _, v := range srv.order {
			for _, p := range srv.where[v] {
				if p[7] != 0 {
					continue
				}
				rec := getList(ext, p[2].(string), "records", p[4].(string))[p[5].(int)]
				port, has := getObj(rec)["port"]
				if has && port.(interface{ String() string }).String() == "5061" {
					continue
				}
				d := "The SRV record " + nm + " gives no port"
				if has {
					d = "The SRV record " + nm + " gives port " + port.(interface{ String() string }).String()
				}
				out = append(out, finding{At: append(append([]any{}, p[:6]...), "port"),
					Detail: d + "; federation and push reach the Access Edge on port 5061."})
			}
		}
		// The target: an Access Edge FQDN, or a name (such as sip.<domain>)
		// that the declared public DNS resolves to Access Edge addresses.
		// A target in no declared zone is left alone, unless it is an
		// Office 365 name.
		if len(fqdns) == 0 {
			continue
		}
		for _, tgt := range srv.order {
			if fqdns[dnsName(tgt)] {
				continue
			}
			tn := strings.TrimSuffix(tgt, ".")
			addrs := tp.addrs("external", tn)
			var wrong []string
			for _, a := range addrs {
				wrong = append(wrong, notIn(a.ips, ips)...)
			}
			zone, cov := tp.covered("external", tn)
			var why string
			switch {
			case dnsO365.MatchString(tgt):
				why = "is in Office 365"
			case len(wrong) > 0:
				why = "resolves to " + strings.Join(wrong, ", ") + ", not an Access Edge address"
			case len(addrs) == 0 && cov:
				why = "has no address record in the public zone " + zone
			default:
				continue
			}
			out = append(out, finding{At: firstAt(srv.where[tgt]),
				Detail: "The SRV record " + nm + " points at " + tgt + ", which " + why + "; it must lead to the Access Edge (" + strings.Join(fqdnList, ", ") + ")."})
		}
	}
	return out
}
