package planner

import (
	"net/netip"
	"net/url"
	"sort"
	"strings"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// DNS defaults, used where the topology declares no SOA, name servers or
// TTL. The SOA timers are the schema's defaults for a declared SOA.
const (
	dnsDefaultRefresh = 3600
	dnsDefaultRetry   = 600
	dnsDefaultExpire  = 604800
	dnsDefaultMinimum = 300
)

// planDNS derives the DNS zones of both views (section 2.1 of the rule
// catalogue) and carries declared zones over as they are.
//
// Zone policy:
//   - External view: one public zone per SIP domain; a public name outside
//     every SIP domain gets a zone for its own domain.
//   - Internal view: the AD zone holds the servers' names. A SIP domain
//     that holds the deployment's public service names (an external web
//     services FQDN, or an Edge Access, Web Conferencing or A/V FQDN) gets a
//     split-brain copy: one internal zone of that name, which must then
//     answer every name internal clients need in it. Any other SIP domain
//     gets pin-point zones: one zone per name internal clients need (for
//     contoso: lyncdiscoverinternal, meet, sip and _sipinternaltls._tcp of
//     fabrikam.com), so the rest of that domain still resolves publicly.
//   - A declared zone (topology dns block) replaces the derived zone of the
//     same view and name; its records are carried as declared.
func planDNS(t *model.Topology, p *plan.Plan) {
	b := dnsBuilder{t: t, sip: map[string]bool{}, domains: map[string]bool{}}
	for _, d := range t.SIPDomains {
		if d = dnsNorm(d); d != "" {
			b.sip[d] = true
			b.domains[d] = true
		}
	}
	if d := dnsNorm(t.ADDomain); d != "" {
		b.domains[d] = true
	}
	b.split = b.splitDomains()
	b.external()
	b.internal()

	zones := map[string]*plan.Zone{} // view + " " + name
	for _, w := range b.wants {
		zn, kind := b.zoneOf(w)
		key := w.view + " " + zn
		z := zones[key]
		if z == nil {
			z = &plan.Zone{View: w.view, Name: zn, Kind: kind}
			zones[key] = z
		}
		r := w.rec
		r.Name = dnsRelative(w.fqdn, zn)
		z.Records = append(z.Records, r)
	}
	// Every SIP domain has a public zone, and the AD domain an internal one.
	for _, d := range t.SIPDomains {
		dnsEnsure(zones, "external", dnsNorm(d), plan.ZoneAuthoritative)
	}
	if t.ADDomain != "" {
		dnsEnsure(zones, "internal", dnsNorm(t.ADDomain), plan.ZoneAuthoritative)
	}
	for view, declared := range map[string]map[string]model.Zone{"internal": t.DNS.Internal, "external": t.DNS.External} {
		for _, name := range model.SortedKeys(declared) {
			z := dnsDeclared(view, dnsNorm(name), declared[name])
			zones[view+" "+z.Name] = &z
		}
	}

	p.Zones = nil
	for _, key := range model.SortedKeys(zones) {
		z := zones[key]
		z.Records = dnsSortRecords(z.Records)
		b.defaults(z)
		p.Zones = append(p.Zones, *z)
	}
}

// dnsWant is one derived record by its FQDN, before it is placed in a zone.
type dnsWant struct {
	view string
	fqdn string
	rec  plan.Record
}

type dnsBuilder struct {
	t     *model.Topology
	split map[string]bool // SIP (or other) domains with a split-brain internal zone
	wants []dnsWant
	// The SIP domains, and those with the AD domain, normalised: each
	// derived name is placed by suffix lookups, not by a scan of them all.
	sip, domains map[string]bool
}

// add records one value per record: A/AAAA addresses, CNAME/SRV targets.
// An address record is AAAA for an IPv6 address, whatever the caller
// asked: every address a name resolves to (a listener, a VIP, a server)
// gets the record of its family.
func (b *dnsBuilder) add(view, fqdn, typ, why string, values ...string) {
	for _, v := range values {
		t := typ
		if t == "A" && dnsIsIPv6(v) {
			t = "AAAA"
		}
		b.wants = append(b.wants, dnsWant{view, dnsNorm(fqdn), plan.Record{Type: t, Value: dnsValue(t, v), TTL: plan.DNSDefaultTTL, Why: why}})
	}
}

func (b *dnsBuilder) addSRV(view, fqdn, target string, port int, why string) {
	b.wants = append(b.wants, dnsWant{view, dnsNorm(fqdn), plan.Record{Type: "SRV", Value: dnsNorm(target), TTL: plan.DNSDefaultTTL, Port: port, Why: why}})
}

// external derives the public records.
func (b *dnsBuilder) external() {
	t := b.t
	const v = "external"
	_, hasAD := t.AutodiscoverTarget()
	rp, hasRP := dnsProxyIP(t)
	if hasRP {
		if t.Mobility.Enabled && hasAD {
			for _, d := range t.SIPDomains {
				// An A record to the proxy, never a CNAME into another domain (DNS-004).
				b.add(v, "lyncdiscover."+d, "A", "DNS-001", rp...)
			}
		}
		for _, n := range model.SortedKeys(t.Pools) {
			if f := t.Pools[n].WebExternal.FQDN; f != "" {
				b.add(v, f, "A", "DNS-005", rp...)
			}
		}
		for _, s := range b.simpleURLs() {
			if s.kind != "admin" { // the admin URL is internal only
				b.add(v, s.host, "A", "DNS-009", rp...)
			}
		}
		if o := t.OfficeWebApps; o != nil && o.Published && o.FQDN != "" {
			b.add(v, o.FQDN, "A", "Office Online Server, published (CERT-005)", rp...)
		}
	}
	for _, n := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[n]
		var access, webconf, av []string
		for _, sn := range model.SortedKeys(e.Servers) {
			s := e.Servers[sn]
			access, webconf, av = append(access, s.AccessIP), append(webconf, s.WebconfIP), append(av, s.AVIP)
		}
		b.add(v, e.AccessFQDN, "A", "Access Edge", dnsNonEmpty(access)...)
		b.add(v, e.WebconfFQDN, "A", "Web Conferencing Edge", dnsNonEmpty(webconf)...)
		b.add(v, e.AVFQDN, "A", "A/V Edge", dnsNonEmpty(av)...)
	}
	if e, ok := b.primaryEdge(); ok {
		var access []string
		for _, sn := range model.SortedKeys(e.Servers) {
			access = append(access, e.Servers[sn].AccessIP)
		}
		for _, d := range t.SIPDomains {
			// The Access Edge name of each SIP domain: its Access Edge FQDN
			// if that lies in the domain, else sip.<domain> (on the Edge
			// certificate as a SAN, CERT-011).
			target := "sip." + d
			if dnsUnder(e.AccessFQDN, d) {
				target = e.AccessFQDN
			}
			b.add(v, target, "A", "Access Edge", dnsNonEmpty(access)...)
			b.addSRV(v, "_sip._tls."+d, target, 443, "external sign-in")
			if e.FederationEnabled || t.Mobility.Push.Enabled {
				why := "federation"
				if t.Mobility.Push.Enabled && (t.Mobility.Clients.IOS || t.Mobility.Clients.WindowsPhone) {
					why = "PUSH-007"
				}
				b.addSRV(v, "_sipfederationtls._tcp."+d, target, 5061, why)
			}
		}
	}
}

// internal derives the internal view's records.
func (b *dnsBuilder) internal() {
	t := b.t
	const v = "internal"
	ad, hasAD := t.AutodiscoverTarget()
	for _, n := range model.SortedKeys(t.Pools) {
		p := t.Pools[n]
		why := "pool FQDN"
		if p.SIPLB == "dns" && (p.Kind == "fe-ee" || p.Kind == "director" && len(p.Servers) > 1) {
			why = "DNS-008" // DNS load balancing: the pool FQDN is every server
		}
		if p.SIPLB == "hlb" && vipBalanced(p) && p.WebInternal.VIP != "" {
			why = "pool FQDN: SIP VIP (hlb/haproxy.cfg)" // vipSIP, or the declared SIP VIP
		}
		b.add(v, p.FQDN, "A", why, b.poolAddrs(p)...)
		for _, sn := range model.SortedKeys(p.Servers) {
			s := p.Servers[sn]
			b.add(v, s.FQDN, "A", "server", s.IPs...)
		}
		if p.WebInternalFQDN() != p.FQDN {
			b.add(v, p.WebInternalFQDN(), "A", "DNS-007", dnsWebIntAddrs(p)...)
		}
	}
	for _, n := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[n]
		b.add(v, e.InternalFQDN, "A", "Edge internal", b.edgeIntAddrs(e)...)
		for _, sn := range model.SortedKeys(e.Servers) {
			s := e.Servers[sn]
			b.add(v, s.FQDN, "A", "Edge server", dnsNonEmpty([]string{s.InternalIP})...)
		}
	}
	for _, n := range model.SortedKeys(t.SBAs) {
		if s := t.SBAs[n]; s.IP != "" {
			b.add(v, s.FQDN, "A", "Survivable Branch Appliance", s.IP)
		}
	}
	if rp, ok := dnsProxyIP(t); ok {
		// Hairpin: internal mobile clients reach the external web services
		// through the reverse proxy, as Autodiscover hands out that name.
		for _, n := range model.SortedKeys(t.Pools) {
			if f := t.Pools[n].WebExternal.FQDN; f != "" && f != t.Pools[n].WebInternalFQDN() {
				b.add(v, f, "A", "DNS-006", rp...)
			}
		}
	}
	for _, s := range b.simpleURLs() {
		b.add(v, s.host, "A", "DNS-009", dnsWebIntAddrs(s.pool)...)
	}
	if o := t.OfficeWebApps; o != nil && o.FQDN != "" && o.IP != "" {
		b.add(v, o.FQDN, "A", "Office Online Server", o.IP)
	}
	if !hasAD {
		return
	}
	for _, d := range t.SIPDomains {
		if t.Mobility.Enabled {
			b.add(v, "lyncdiscoverinternal."+d, "A", "DNS-002", dnsWebIntAddrs(ad)...)
		}
		// Sign-in of desktop clients and phones: the Director if deployed,
		// else the Front End pool.
		b.add(v, "sip."+d, "A", "internal sign-in", b.poolAddrs(ad)...)
		b.addSRV(v, "_sipinternaltls._tcp."+d, ad.FQDN, 5061, "internal sign-in")
	}
}

// dnsSimple is a simple URL host and the pool that hosts it.
type dnsSimple struct {
	kind, host string
	pool       model.Pool
}

// simpleURLs lists the simple URL hosts with their hosting pool: the site's
// first Director (else first Front End pool) for a site-scoped URL, the
// Autodiscover target otherwise (as DNS-009 checks it).
func (b *dnsBuilder) simpleURLs() []dnsSimple {
	t := b.t
	ad, hasAD := t.AutodiscoverTarget()
	// The same URLs, defaults included, as the certificates and the
	// reverse proxy: a name on a certificate that DNS does not serve is a
	// meeting link that resolves nowhere.
	su := t.EffectiveSimpleURLs()
	var out []dnsSimple
	for _, g := range []struct {
		kind string
		urls []model.SimpleURL
	}{{"meet", su.Meet}, {"dialin", su.Dialin}, {"admin", su.Admin}} {
		for _, s := range g.urls {
			host := dnsURLHost(s.URL)
			if host == "" {
				continue
			}
			pool, ok := ad, hasAD
			if s.Site != "" {
				if sp, found := dnsSiteHost(t, s.Site); found {
					pool, ok = sp, true
				}
			}
			if ok {
				out = append(out, dnsSimple{g.kind, host, pool})
			}
		}
	}
	return out
}

// dnsSiteHost is the pool hosting a site's simple URLs: its first Director
// by name, else its first Front End pool.
func dnsSiteHost(t *model.Topology, site string) (model.Pool, bool) {
	for _, director := range []bool{true, false} {
		for _, n := range model.SortedKeys(t.Pools) {
			p := t.Pools[n]
			if p.Site == site && (p.Kind == "director") == director {
				return p, true
			}
		}
	}
	return model.Pool{}, false
}

// primaryEdge is the Edge pool of the Autodiscover target, else the first
// Edge pool by name.
func (b *dnsBuilder) primaryEdge() (model.EdgePool, bool) {
	t := b.t
	if ad, ok := t.AutodiscoverTarget(); ok {
		if e, found := t.EdgePools[ad.EdgePool]; found {
			return e, true
		}
	}
	for _, n := range model.SortedKeys(t.EdgePools) {
		return t.EdgePools[n], true
	}
	return model.EdgePool{}, false
}

// poolAddrs is what a pool FQDN resolves to: every server with DNS load
// balancing (a Standard Edition server is its own pool); with an HLB, the
// declared SIP VIP of the pool, else its internal web VIP.
func (b *dnsBuilder) poolAddrs(p model.Pool) []string {
	if p.SIPLB == "hlb" {
		if vips := dnsDeclaredVIPs(b.t, p.Name, "sip"); len(vips) > 0 {
			return vips
		}
		if p.WebInternal.VIP != "" {
			return []string{p.WebInternal.VIP}
		}
	}
	return dnsServerIPs(p)
}

// edgeIntAddrs is what the internal Edge pool FQDN resolves to.
func (b *dnsBuilder) edgeIntAddrs(e model.EdgePool) []string {
	if e.InternalLB == "hlb" {
		if vips := dnsDeclaredVIPs(b.t, e.Name, "edge-internal"); len(vips) > 0 {
			return vips
		}
	}
	var out []string
	for _, sn := range model.SortedKeys(e.Servers) {
		out = append(out, e.Servers[sn].InternalIP)
	}
	return dnsNonEmpty(out)
}

// dnsDeclaredVIPs are the addresses of declared load balancer VIPs of a
// pool in a role.
func dnsDeclaredVIPs(t *model.Topology, pool, role string) []string {
	var out []string
	for _, ln := range model.SortedKeys(t.LoadBalancers) {
		vips := t.LoadBalancers[ln].VIPs
		for _, vn := range model.SortedKeys(vips) {
			if v := vips[vn]; v.Pool == pool && v.Role == role && v.IP != "" {
				out = append(out, v.IP)
			}
		}
	}
	return out
}

// dnsWebIntAddrs is where a pool's internal web services answer: its
// internal web VIP, or the server itself (Standard Edition, no VIP).
func dnsWebIntAddrs(p model.Pool) []string {
	if p.WebInternal.VIP != "" {
		return []string{p.WebInternal.VIP}
	}
	return dnsServerIPs(p)
}

func dnsServerIPs(p model.Pool) []string {
	var out []string
	for _, sn := range model.SortedKeys(p.Servers) {
		out = append(out, p.Servers[sn].IPs...)
	}
	return out
}

// dnsProxyIP is where names published by the reverse proxy resolve: the
// first reverse proxy by name, its first listener on port 443 by name
// (else its first listener) of each address family, so a dual-stack
// proxy gets an A and an AAAA record.
func dnsProxyIP(t *model.Topology) ([]string, bool) {
	rps := model.SortedKeys(t.ReverseProxies)
	if len(rps) == 0 {
		return nil, false
	}
	ls := t.ReverseProxies[rps[0]].Listeners
	names := model.SortedKeys(ls)
	var out []string
	for _, v6 := range []bool{false, true} {
		pick := ""
		for _, want443 := range []bool{true, false} {
			for _, ln := range names {
				l := ls[ln]
				if pick == "" && l.IP != "" && dnsIsIPv6(l.IP) == v6 && (!want443 || l.Port == 443) {
					pick = l.IP
				}
			}
		}
		if pick != "" {
			out = append(out, pick)
		}
	}
	return out, len(out) > 0
}

// dnsIsIPv6 tells an IPv6 address from an IPv4 one (or a name).
func dnsIsIPv6(s string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	return err == nil && a.Is6() && !a.Is4In6()
}

// splitDomains are the domains holding the deployment's public service
// names; each gets a split-brain internal zone.
func (b *dnsBuilder) splitDomains() map[string]bool {
	t := b.t
	var names []string
	for _, n := range model.SortedKeys(t.Pools) {
		names = append(names, t.Pools[n].WebExternal.FQDN)
	}
	for _, n := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[n]
		names = append(names, e.AccessFQDN, e.WebconfFQDN, e.AVFQDN)
	}
	out := map[string]bool{}
	for _, n := range dnsNonEmpty(names) {
		if d := b.domainOf(dnsNorm(n)); d != dnsNorm(t.ADDomain) {
			out[d] = true
		}
	}
	return out
}

// domainOf is the domain a name belongs to: the longest of the AD domain
// and the SIP domains it lies under, else its parent domain.
func (b *dnsBuilder) domainOf(name string) string {
	// The first suffix that is a domain is the longest one.
	for n := dnsNorm(name); n != ""; {
		if b.domains[n] {
			return n
		}
		_, rest, ok := strings.Cut(n, ".")
		if !ok {
			break
		}
		n = rest
	}
	if labels := strings.Split(name, "."); len(labels) > 2 {
		return strings.Join(labels[1:], ".")
	}
	return name
}

// zoneOf places a derived name in a zone of its view, following the zone
// policy of planDNS.
func (b *dnsBuilder) zoneOf(w dnsWant) (string, string) {
	d := b.domainOf(w.fqdn)
	if w.view == "external" {
		return d, plan.ZoneAuthoritative
	}
	switch {
	case d == dnsNorm(b.t.ADDomain):
		return d, plan.ZoneAuthoritative
	case b.split[d]:
		return d, plan.ZoneSplitBrain
	case b.sip[d]:
		return w.fqdn, plan.ZonePinPoint
	}
	return d, plan.ZoneAuthoritative
}

// defaults fills a zone's SOA and name servers where nothing is declared:
// primary NS ns1.<zone> (internal view: ns1.<AD domain>), hostmaster
// hostmaster.<zone>, NS list [primary]. A default NS inside its own zone
// without an address record there becomes "localhost" (see
// DNSPlaceholderNS); an out-of-zone NS needs no glue.
func (b *dnsBuilder) defaults(z *plan.Zone) {
	if servers := b.nameServers(z.View); !z.Declared && len(servers) > 0 {
		// The topology names this view's DNS servers: they are the zone's
		// SOA primary and NS records, with glue for those inside the zone.
		if z.SOA.PrimaryNS == "" {
			z.SOA = plan.SOA{PrimaryNS: servers[0].FQDN, Hostmaster: "hostmaster." + z.Name,
				Refresh: dnsDefaultRefresh, Retry: dnsDefaultRetry, Expire: dnsDefaultExpire, Minimum: dnsDefaultMinimum}
		}
		if len(z.NS) == 0 {
			for _, ns := range servers {
				z.NS = append(z.NS, ns.FQDN)
				if dnsUnder(ns.FQDN, z.Name) && !dnsHasAddress(z, dnsRelative(ns.FQDN, z.Name)) {
					for _, ip := range ns.IPs {
						typ := "A"
						if strings.Contains(ip, ":") {
							typ = "AAAA"
						}
						z.Records = append(z.Records, plan.Record{Name: dnsRelative(ns.FQDN, z.Name), Type: typ, Value: ip, TTL: plan.DNSDefaultTTL, Why: "name server"})
					}
				}
			}
			z.Records = dnsSortRecords(z.Records)
		}
	}
	if z.SOA.PrimaryNS == "" {
		primary := "ns1." + z.Name
		if z.View == "internal" && b.t.ADDomain != "" {
			primary = "ns1." + dnsNorm(b.t.ADDomain)
		}
		z.SOA = plan.SOA{PrimaryNS: primary, Hostmaster: "hostmaster." + z.Name,
			Refresh: dnsDefaultRefresh, Retry: dnsDefaultRetry, Expire: dnsDefaultExpire, Minimum: dnsDefaultMinimum}
	}
	if len(z.NS) == 0 {
		ns := z.SOA.PrimaryNS
		if dnsUnder(ns, z.Name) && !dnsHasAddress(z, dnsRelative(ns, z.Name)) {
			ns = plan.DNSPlaceholderNS
		}
		z.NS = []string{ns}
	}
}

func dnsHasAddress(z *plan.Zone, name string) bool {
	for _, r := range z.Records {
		if r.Name == name && (r.Type == "A" || r.Type == "AAAA") {
			return true
		}
	}
	return false
}

// dnsDeclared converts a declared zone: its records, SOA and NS as
// declared (defaults fill what it leaves out).
func dnsDeclared(view, name string, mz model.Zone) plan.Zone {
	z := plan.Zone{View: view, Name: name, Kind: mz.Kind, Declared: true}
	if view == "external" || z.Kind == "" {
		// split-brain/pin-point describe internal zones only.
		z.Kind = plan.ZoneAuthoritative
	}
	if mz.SOA != nil {
		z.SOA = plan.SOA{PrimaryNS: dnsNorm(mz.SOA.PrimaryNS), Hostmaster: dnsNorm(mz.SOA.Hostmaster),
			Refresh: mz.SOA.Refresh, Retry: mz.SOA.Retry, Expire: mz.SOA.Expire, Minimum: mz.SOA.Minimum}
	}
	for _, ns := range mz.NS {
		z.NS = append(z.NS, dnsNorm(ns))
	}
	for _, rn := range model.SortedKeys(mz.Records) {
		for _, mr := range mz.Records[rn] {
			for _, v := range mr.Values {
				r := plan.Record{Name: strings.ToLower(rn), Type: mr.Type, Value: dnsValue(mr.Type, v), TTL: plan.DNSDefaultTTL, Why: "declared"}
				if mr.TTL != nil {
					r.TTL = *mr.TTL
				}
				if mr.Type == "SRV" {
					r.Priority, r.Weight, r.Port = dnsInt(mr.Priority), dnsInt(mr.Weight), dnsInt(mr.Port)
				}
				z.Records = append(z.Records, r)
			}
		}
	}
	return z
}

// dnsSortRecords sorts records by name, type and value (addresses in
// numeric order) and merges duplicates, joining their reasons.
func dnsSortRecords(rs []plan.Record) []plan.Record {
	sort.SliceStable(rs, func(i, j int) bool { return dnsLess(rs[i], rs[j]) })
	var out []plan.Record
	for _, r := range rs {
		if n := len(out); n > 0 && dnsSame(out[n-1], r) {
			out[n-1].Why = dnsJoinWhy(out[n-1].Why, r.Why)
			continue
		}
		out = append(out, r)
	}
	return out
}

func dnsLess(a, b plan.Record) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	if a.Value != b.Value {
		x, errx := netip.ParseAddr(a.Value)
		y, erry := netip.ParseAddr(b.Value)
		if errx == nil && erry == nil {
			return x.Less(y)
		}
		return a.Value < b.Value
	}
	if a.Port != b.Port {
		return a.Port < b.Port
	}
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	return a.Weight < b.Weight
}

func dnsSame(a, b plan.Record) bool {
	return a.Name == b.Name && a.Type == b.Type && a.Value == b.Value && a.TTL == b.TTL &&
		a.Priority == b.Priority && a.Weight == b.Weight && a.Port == b.Port
}

// dnsJoinWhy merges two reasons, each a comma-separated list.
func dnsJoinWhy(a, b string) string {
	seen := map[string]bool{}
	var all []string
	for _, w := range strings.Split(a+", "+b, ", ") {
		if w != "" && !seen[w] {
			seen[w] = true
			all = append(all, w)
		}
	}
	sort.Strings(all)
	return strings.Join(all, ", ")
}

func dnsEnsure(zones map[string]*plan.Zone, view, name, kind string) {
	if _, ok := zones[view+" "+name]; !ok && name != "" {
		zones[view+" "+name] = &plan.Zone{View: view, Name: name, Kind: kind}
	}
}

// dnsRelative is a name relative to its zone ("@" for the apex).
func dnsRelative(fqdn, zone string) string {
	if fqdn == zone {
		return "@"
	}
	return strings.TrimSuffix(fqdn, "."+zone)
}

// dnsNorm is a name in the plan's form: lower case, no trailing dot.
func dnsNorm(s string) string { return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")) }

// dnsValue normalises a record value: target names like names, addresses
// as written.
func dnsValue(typ, v string) string {
	if typ == "CNAME" || typ == "SRV" {
		return dnsNorm(v)
	}
	return strings.TrimSpace(v)
}

// dnsUnder tells whether name is domain or a name below it.
func dnsUnder(name, domain string) bool {
	name, domain = dnsNorm(name), dnsNorm(domain)
	return domain != "" && (name == domain || strings.HasSuffix(name, "."+domain))
}

// dnsURLHost is the host of a simple URL, lower case.
func dnsURLHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return dnsNorm(u.Hostname())
}

func dnsNonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func dnsInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// nameServers are the topology's DNS servers of a view, by name.
func (b *dnsBuilder) nameServers(view string) []model.NameServer {
	var out []model.NameServer
	for _, n := range model.SortedKeys(b.t.NameServers) {
		if ns := b.t.NameServers[n]; ns.View == view {
			ns.FQDN = dnsNorm(ns.FQDN)
			out = append(out, ns)
		}
	}
	return out
}
