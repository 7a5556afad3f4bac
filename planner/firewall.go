package planner

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// planFirewall derives the mobility-relevant firewall rules of
// mobility-rules.md 2.5 (PORT-001 .. PORT-007), then lists the declared
// firewall_rules after them.
//
// Each row of the catalogue table (F1 .. F12) gives zero or more rules
// (one per Edge pool or SBA where it applies); the rules present are
// numbered F1, F2, ... in that order. Sources and destinations are
// addresses (comma-separated when several), "Internet", "Any", or the
// Wi-Fi ranges (network.wifi_ranges; "Corporate Wi-Fi" when none).
func planFirewall(t *model.Topology, p *plan.Plan) {
	var rules []plan.FirewallRule
	if t.Mobility.Enabled {
		rules = append(rules, fwReverseProxy(t)...) // F1 .. F3
		rules = append(rules, fwWifi(t)...)         // F4 .. F7
	}
	rules = append(rules, fwEdge(t)...) // F8 .. F11
	rules = append(rules, fwSBA(t)...)  // F12
	if t.Mobility.Enabled && t.Mobility.AudioVideo {
		rules = append(rules, fwEdgeMedia(t)...)
	}
	rules = append(rules, fwDeclared(t)...)
	rules = fwSplitFamilies(rules)
	for i := range rules {
		rules[i].ID = "F" + strconv.Itoa(i+1)
	}
	p.Firewall = rules
}

// fwReverseProxy: Internet -> RP listeners (F1, F2), RP internal leg ->
// each pool's external web services (F3).
func fwReverseProxy(t *model.Topology) []plan.FirewallRule {
	http := t.Mobility.AutodiscoverScheme == "http"
	var all, port80 []string
	var internal []string
	for _, rn := range model.SortedKeys(t.ReverseProxies) {
		rp := t.ReverseProxies[rn]
		for _, ln := range model.SortedKeys(rp.Listeners) {
			l := rp.Listeners[ln]
			all = append(all, l.IP)
			if l.Port == 80 {
				port80 = append(port80, l.IP)
			}
		}
		if rp.InternalIP != "" {
			internal = append(internal, rp.InternalIP)
		}
	}
	if http {
		port80 = all
	}
	var out []plan.FirewallRule
	if len(all) > 0 {
		out = append(out, plan.FirewallRule{
			Source: "Internet", Destination: fwList(all), Protocol: "TCP", Ports: "443", Direction: "in",
			Purpose: "reverse proxy listener: external web services, lyncdiscover, simple URLs",
			Why:     "PORT-001",
		})
	}
	if len(port80) > 0 {
		why := "PORT-001"
		purpose := "reverse proxy listener on port 80 (HTTP to HTTPS redirect)"
		if http {
			why = "PORT-001, RP-003"
			purpose = "reverse proxy listener on port 80: HTTP Autodiscover"
		}
		out = append(out, plan.FirewallRule{
			Source: "Internet", Destination: fwList(port80), Protocol: "TCP", Ports: "80", Direction: "in",
			Purpose: purpose, Why: why,
		})
	}
	if len(internal) > 0 {
		out = append(out, fwPoolsFromRP(t, fwList(internal), http)...)
	}
	return out
}

// fwPoolsFromRP is F3: one rule per distinct set of back-end ports
// (normally one), to each pool's external web VIP, else its servers.
func fwPoolsFromRP(t *model.Topology, source string, http bool) []plan.FirewallRule {
	byPorts := map[string][]string{}
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		ports := []int{pool.Ports.ExternalHTTPS}
		if http {
			ports = append(ports, pool.Ports.ExternalHTTP)
		}
		key := fwPorts(ports)
		if pool.WebExternal.VIP != "" {
			byPorts[key] = append(byPorts[key], pool.WebExternal.VIP)
		} else {
			byPorts[key] = append(byPorts[key], fwServerIPs(pool)...)
		}
	}
	var out []plan.FirewallRule
	for _, ports := range model.SortedKeys(byPorts) {
		out = append(out, plan.FirewallRule{
			Source: source, Destination: fwList(byPorts[ports]), Protocol: "TCP", Ports: ports,
			Direction: "in (DMZ to LAN)",
			Purpose:   "reverse proxy bridges web traffic to the pools' external web services",
			Why:       "PORT-002",
		})
	}
	return out
}

// fwWifi: mobile clients on the corporate Wi-Fi (F4 .. F7).
func fwWifi(t *model.Topology) []plan.FirewallRule {
	m := t.Mobility
	if !m.InternalWifi {
		return nil
	}
	wifi := fwWifiSource(t)
	var out []plan.FirewallRule
	if ad, ok := t.AutodiscoverTarget(); ok {
		dst := []string{ad.WebInternal.VIP}
		if ad.WebInternal.VIP == "" {
			dst = fwServerIPs(ad)
		}
		if len(dst) > 0 {
			out = append(out, plan.FirewallRule{
				Source: wifi, Destination: fwList(dst), Protocol: "TCP", Ports: "443", Direction: "LAN",
				Purpose: "lyncdiscoverinternal: internal web services of Autodiscover target " + ad.Name,
				Why:     "PORT-003",
			})
		}
	}
	if rps := fwRPListenerIPs(t); len(rps) > 0 {
		out = append(out, plan.FirewallRule{
			Source: wifi, Destination: fwList(rps), Protocol: "TCP", Ports: "443", Direction: "hairpin",
			Purpose: "Mobility/UCWA through the reverse proxy (external web FQDN)",
			Why:     "PORT-003, RP-007",
		})
	}
	if m.AudioVideo {
		var av []string
		for _, en := range model.SortedKeys(t.EdgePools) {
			e := t.EdgePools[en]
			for _, sn := range model.SortedKeys(e.Servers) {
				av = append(av, e.Servers[sn].AVIP)
			}
		}
		if len(av) > 0 {
			out = append(out, plan.FirewallRule{
				Source: wifi, Destination: fwList(av), Protocol: "UDP/TCP", Ports: "UDP 3478, TCP 443",
				Direction: "out",
				Purpose:   "media relay through the A/V Edge external side for internal mobile clients",
				Why:       "PORT-004",
			})
		}
	}
	// APNS is needed by Lync 2010 Mobile on iOS only, and only with push
	// (PORT-005 as the validator checks it).
	if m.Clients.Lync2010Mobile && m.Clients.IOS && m.Push.Enabled {
		out = append(out, plan.FirewallRule{
			Source: wifi, Destination: "Internet", Protocol: "TCP", Ports: "5223", Direction: "out",
			Purpose: "Apple Push Notification service (Lync 2010 Mobile on iOS)",
			Why:     "PORT-005",
		})
	}
	return out
}

// fwEdge: each Edge pool that carries federation or push (F8 .. F11),
// as PORT-006 requires.
func fwEdge(t *model.Topology) []plan.FirewallRule {
	cms := fwCMSPool(t)
	var out []plan.FirewallRule
	for _, en := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[en]
		if !e.FederationEnabled && !t.Mobility.Push.Enabled {
			continue
		}
		var access, internal []string
		for _, sn := range model.SortedKeys(e.Servers) {
			access = append(access, e.Servers[sn].AccessIP)
			internal = append(internal, e.Servers[sn].InternalIP)
		}
		internalAndVIPs := append(append([]string(nil), internal...), fwEdgeInternalVIPs(t, en)...)
		out = append(out,
			plan.FirewallRule{
				Source: fwList(access), Destination: "Internet", Protocol: "TCP", Ports: "5061", Direction: "both",
				Purpose: "Access Edge of Edge pool " + en + ": federation and the push clearing house (sipfed.online.lync.com)",
				Why:     "PORT-006",
			},
			plan.FirewallRule{
				Source: fwList(access), Destination: "Any", Protocol: "TCP/UDP", Ports: "TCP/UDP 53, TCP 80",
				Direction: "out", Purpose: "Edge pool " + en + ": DNS and certificate revocation lists",
				Why: "PORT-006",
			})
		if pools := fwEdgePoolServers(t, en); len(pools) > 0 {
			out = append(out, plan.FirewallRule{
				Source: fwList(pools), Destination: fwList(internalAndVIPs), Protocol: "TCP", Ports: "5061",
				Direction: "both", Purpose: "SIP between the pools and the internal side of Edge pool " + en + " (push path)",
				Why: "PORT-006",
			})
		}
		if cms != "" {
			out = append(out, plan.FirewallRule{
				Source: fwList(fwServerIPs(t.Pools[cms])), Destination: fwList(internal), Protocol: "TCP",
				Ports: "4443", Direction: "LAN to DMZ",
				Purpose: "Central Management Store replication from pool " + cms + " to Edge pool " + en,
				Why:     "PORT-006",
			})
		}
	}
	return out
}

// fwSBA: each SBA with users homed on it reaches its pool's UCWA SIP
// listening ports (F12).
func fwSBA(t *model.Topology) []plan.FirewallRule {
	homed := map[string]bool{}
	for _, u := range t.Users {
		if u.SBA != "" {
			homed[u.SBA] = true
		}
	}
	var out []plan.FirewallRule
	for _, sn := range model.SortedKeys(homed) {
		sba, ok := t.SBAs[sn]
		if !ok {
			continue
		}
		pool, ok := t.Pools[sba.Pool]
		if !ok {
			continue
		}
		src := sba.IP
		if src == "" {
			src = sba.FQDN
		}
		out = append(out, plan.FirewallRule{
			Source: src, Destination: fwList(fwServerIPs(pool)), Protocol: "TCP",
			Ports:     fwPorts([]int{pool.Ports.UCWASIPExternal, pool.Ports.UCWASIPPrimary}),
			Direction: "both",
			Purpose:   "UCWA SIP listening ports between SBA " + sn + " and pool " + sba.Pool,
			Why:       "PORT-007",
		})
	}
	return out
}

// MediaWhy marks the A/V Edge media rows: the documented Edge ports
// (Edge environmental requirements, "A/V Edge external"), which no rule
// of the catalogue checks.
const MediaWhy = "Edge media ports"

// fwEdgeMedia: the Internet and each Edge pool's A/V Edge external
// addresses, as external mobile clients' audio and video need them. Only
// when mobile A/V is on; otherwise media is not the mobility plan's to
// open and the report says it is assumed.
func fwEdgeMedia(t *model.Topology) []plan.FirewallRule {
	var out []plan.FirewallRule
	for _, en := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[en]
		var av []string
		for _, sn := range model.SortedKeys(e.Servers) {
			av = append(av, e.Servers[sn].AVIP)
		}
		if len(uniqueStrings(av)) == 0 {
			continue
		}
		dst := fwList(av)
		of := ", A/V Edge of Edge pool " + en
		out = append(out,
			plan.FirewallRule{Source: "Internet", Destination: dst, Protocol: "UDP", Ports: "3478", Direction: "both",
				Purpose: "STUN/TURN media relay for external clients" + of, Why: MediaWhy},
			plan.FirewallRule{Source: "Internet", Destination: dst, Protocol: "TCP", Ports: "443", Direction: "in",
				Purpose: "TURN over TCP media relay for external clients" + of, Why: MediaWhy},
			plan.FirewallRule{Source: "Internet", Destination: dst, Protocol: "UDP", Ports: "50000-59999", Direction: "both",
				Purpose: "RTP media" + of, Why: MediaWhy},
			plan.FirewallRule{Source: dst, Destination: "Internet", Protocol: "TCP", Ports: "50000-59999", Direction: "out",
				Purpose: "RTP media over TCP" + of, Why: MediaWhy},
		)
	}
	return out
}

// fwDeclared lists the topology's firewall_rules as they are.
func fwDeclared(t *model.Topology) []plan.FirewallRule {
	var out []plan.FirewallRule
	for _, n := range model.SortedKeys(t.FirewallRules) {
		r := t.FirewallRules[n]
		purpose := n
		if r.Purpose != "" {
			purpose = n + ": " + r.Purpose
		}
		proto := strings.ToUpper(r.Protocol)
		if r.Protocol == "tcp+udp" {
			proto = "TCP/UDP"
		}
		out = append(out, plan.FirewallRule{
			Source: fwEndpoints(r.Source), Destination: fwEndpoints(r.Destination), Protocol: proto,
			Ports: fwPorts(r.Ports), Direction: r.Direction, Purpose: purpose, Why: "declared",
		})
	}
	return out
}

// fwEndpoints writes declared endpoints in the report's words.
func fwEndpoints(eps []string) string {
	out := make([]string, len(eps))
	for i, e := range eps {
		switch e {
		case "internet":
			out[i] = "Internet"
		case "any":
			out[i] = "Any"
		case "wifi":
			out[i] = "Corporate Wi-Fi"
		default:
			out[i] = e
		}
	}
	return strings.Join(out, ", ")
}

func fwWifiSource(t *model.Topology) string {
	if len(t.Network.WifiRanges) == 0 {
		return "Corporate Wi-Fi"
	}
	return fwList(t.Network.WifiRanges)
}

func fwRPListenerIPs(t *model.Topology) []string {
	var out []string
	for _, rn := range model.SortedKeys(t.ReverseProxies) {
		rp := t.ReverseProxies[rn]
		for _, ln := range model.SortedKeys(rp.Listeners) {
			out = append(out, rp.Listeners[ln].IP)
		}
	}
	return out
}

// fwCMSPool is the pool holding the Central Management Store: the first
// Front End pool by name (as the validator's PORT-006 assumes).
func fwCMSPool(t *model.Topology) string {
	for _, n := range model.SortedKeys(t.Pools) {
		if t.Pools[n].Kind != "director" {
			return n
		}
	}
	return ""
}

// fwEdgePoolServers: the server addresses of the pools using Edge pool
// en (those naming it, and those naming none).
func fwEdgePoolServers(t *model.Topology, en string) []string {
	var out []string
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		if pool.EdgePool == "" || pool.EdgePool == en {
			out = append(out, fwServerIPs(pool)...)
		}
	}
	return out
}

// fwEdgeInternalVIPs: declared load balancer VIPs of the Edge pool's
// internal side.
func fwEdgeInternalVIPs(t *model.Topology, en string) []string {
	var out []string
	for _, ln := range model.SortedKeys(t.LoadBalancers) {
		lb := t.LoadBalancers[ln]
		for _, vn := range model.SortedKeys(lb.VIPs) {
			if v := lb.VIPs[vn]; v.Role == "edge-internal" && v.Pool == en {
				out = append(out, v.IP)
			}
		}
	}
	return out
}

func fwServerIPs(p model.Pool) []string {
	var out []string
	for _, sn := range model.SortedKeys(p.Servers) {
		out = append(out, p.Servers[sn].IPs...)
	}
	return out
}

// fwList joins addresses in first-seen order without repeats.
func fwList(xs []string) string { return strings.Join(uniqueStrings(xs), ", ") }

// fwPorts writes ports sorted, without repeats: "5088, 5089".
func fwPorts(ps []int) string {
	s := append([]int(nil), ps...)
	sort.Ints(s)
	var out []string
	for i, p := range s {
		if i == 0 || p != s[i-1] {
			out = append(out, fmt.Sprint(p))
		}
	}
	return strings.Join(out, ", ")
}

// fwFamily is the address family of an endpoint: 4, 6, or 0 for one that
// has none of its own ("Internet", "Any", the Wi-Fi, a host name).
func fwFamily(e string) int {
	if a, err := netip.ParseAddr(e); err == nil {
		if a.Is4() || a.Is4In6() {
			return 4
		}
		return 6
	}
	if p, err := netip.ParsePrefix(e); err == nil {
		if p.Addr().Is4() {
			return 4
		}
		return 6
	}
	return 0
}

// fwSplitFamilies splits a row whose sources or destinations mix IPv4 and
// IPv6 addresses into one row per family, so that no row pairs an IPv6
// source with an IPv4-only destination (or the reverse): a firewall
// cannot pass such traffic, and a row that says so misleads the team that
// applies it. Endpoints of no family go on both rows; a family with
// nothing to pair with on the other side gives no row.
func fwSplitFamilies(rules []plan.FirewallRule) []plan.FirewallRule {
	var out []plan.FirewallRule
	for _, r := range rules {
		src, dst := strings.Split(r.Source, ", "), strings.Split(r.Destination, ", ")
		sf, df := map[int]bool{}, map[int]bool{}
		for _, e := range src {
			sf[fwFamily(e)] = true
		}
		for _, e := range dst {
			df[fwFamily(e)] = true
		}
		// Only an address of one family facing one of the other needs
		// splitting ("Internet" pairs with both).
		if !(sf[4] && df[6] || sf[6] && df[4]) {
			out = append(out, r)
			continue
		}
		for _, fam := range []int{4, 6} {
			pick := func(es []string) (keep []string, own bool) {
				for _, e := range es {
					switch fwFamily(e) {
					case fam:
						keep, own = append(keep, e), true
					case 0:
						keep = append(keep, e)
					}
				}
				return keep, own
			}
			s, sOwn := pick(src)
			d, dOwn := pick(dst)
			if len(s) == 0 || len(d) == 0 || !sOwn && !dOwn {
				continue
			}
			row := r
			row.Source, row.Destination = strings.Join(s, ", "), strings.Join(d, ", ")
			row.Purpose = fmt.Sprintf("%s (IPv%d)", r.Purpose, fam)
			out = append(out, row)
		}
	}
	return out
}
