package schema

import (
	"strings"

	"github.com/mobplan/mobplan/internal/canon"
)

// The DNS rules evaluated in Go: those that check names of every SIP
// domain, or of every simple URL (one meet URL per SIP domain). Their
// catalogue entries are in rules_dns.cue.

func init() {
	goRules = append(goRules,
		goRule{canon.RuleDNS001, dns001, reads(dnsReads, []string{"sip_domains.[]", "mobility.enabled", "reverse_proxies.*.listeners.*.ip"})},
		goRule{canon.RuleDNS002, dns002, reads(dnsReads, []string{"sip_domains.[]", "mobility.enabled", "pools.*.kind", "pools.*.fqdn",
			"pools.*.servers.*.ips.[]", "pools.*.web_internal.fqdn", "pools.*.web_internal.vip"})},
		goRule{canon.RuleDNS003, dns003, reads(dnsReads, []string{"sip_domains.[]"})},
		goRule{canon.RuleDNS004, dns004, reads(dnsReads, []string{"sip_domains.[]", "mobility.autodiscover_scheme"})},
		goRule{canon.RuleDNS005, dns005, reads(dnsReads, []string{"pools.*.web_external.fqdn", "reverse_proxies.*.listeners.*.ip",
			"reverse_proxies.*.rules.*.public_names.[]"})},
		goRule{canon.RuleDNS006, dns006, reads(dnsReads, []string{"mobility.enabled", "pools.*.fqdn", "pools.*.web_internal.fqdn",
			"pools.*.web_internal.vip", "pools.*.web_external.fqdn", "pools.*.web_external.vip", "pools.*.servers.*.fqdn",
			"pools.*.servers.*.ips.[]", "reverse_proxies.*.listeners.*.ip"})},
		goRule{canon.RuleDNS007, dns007, reads(dnsReads, []string{"pools.*.kind", "pools.*.fqdn", "pools.*.sip_lb", "pools.*.web_internal.fqdn",
			"pools.*.web_internal.vip", "pools.*.web_external.fqdn", "pools.*.servers.*.ips.[]"})},
		// As the reference listed DNS-008 when it was a CUE rule, whose
		// analysis did not follow the pools' kind and sip_lb through
		// _dnsLbPools (internal/cli's schema_markdown script pins the row).
		goRule{canon.RuleDNS008, dns008, reads(dnsReads, []string{"pools.*.fqdn", "pools.*.web_internal.fqdn", "pools.*.servers.*.ips.[]"})},
		goRule{canon.RuleDNS009, dns009, reads(dnsReads, []string{"sip_domains.[]", "sites", "pools.*.kind", "pools.*.site",
			"pools.*.servers.*.ips.[]", "pools.*.web_internal.vip", "reverse_proxies.*.listeners.*.ip",
			"simple_urls.meet.[].url", "simple_urls.meet.[].site", "simple_urls.dialin.[].url", "simple_urls.dialin.[].site",
			"simple_urls.admin.[].url", "simple_urls.admin.[].site"})},
		goRule{canon.RuleDNS010, dns010, reads(dnsReads, []string{"sip_domains.[]", "hybrid.enabled"})},
	)
}

// domainName is what the declared DNS says of the name prefix.d in a
// view, for every SIP domain d (_dnsDom in CUE).
func (tp *topo) domainName(view, prefix, d string) nameDNS {
	return tp.nameIn(view, prefix+"."+d)
}

// dns001: every SIP domain has a public lyncdiscover record (A/AAAA to a
// reverse proxy listener, or a CNAME to the Autodiscover target's
// external web FQDN). Checked where a declared public zone holds the name.
func dns001(tp *topo) []finding {
	if !getBool(tp.t, "mobility", "enabled") {
		return nil
	}
	var missing, wrong []finding
	for _, d := range tp.sipDomains() {
		nm := "lyncdiscover." + d
		r := tp.domainName("external", "lyncdiscover", d)
		if !r.recs.hasAddr() && r.covered {
			missing = append(missing, finding{At: []any{"dns", "external", r.zone},
				Detail: "The public zone " + r.zone + " has no A, AAAA or CNAME record for " + nm + "."})
		}
		if a := r.recs.of("A"); a != nil {
			for _, ip := range a.order {
				if !tp.rpIPs[ip] {
					wrong = append(wrong, finding{At: firstAt(a.where[ip]),
						Detail: nm + " points at " + ip + ", which is not a reverse proxy listener."})
				}
			}
		}
	}
	return append(missing, wrong...)
}

// dns002: every SIP domain has an internal lyncdiscoverinternal record
// (A/AAAA to the Autodiscover target's internal web address, or a CNAME
// to its internal web FQDN). Checked where a declared internal zone holds
// the name.
func dns002(tp *topo) []finding {
	if !getBool(tp.t, "mobility", "enabled") {
		return nil
	}
	ad := tp.adTargetName()
	ok, want := &set{}, ""
	if ad != "" {
		ok, want = tp.intAddrs(ad), tp.intFQDN(ad)
	}
	wantN := dnsName(want)
	var out []finding
	for _, d := range tp.sipDomains() {
		nm := "lyncdiscoverinternal." + d
		r := tp.domainName("internal", "lyncdiscoverinternal", d)
		if !r.recs.hasAddr() && r.covered {
			out = append(out, finding{At: []any{"dns", "internal", r.zone},
				Detail: "The internal zone " + r.zone + " has no A, AAAA or CNAME record for " + nm + "."})
		}
		if ok.len() > 0 {
			for _, t := range []string{"A", "AAAA"} {
				vs := r.recs.of(t)
				if vs == nil {
					continue
				}
				for _, a := range vs.order {
					if !ok.has[a] {
						out = append(out, finding{At: firstAt(vs.where[a]),
							Detail: nm + " points at " + a + ", but Autodiscover is answered by pool " + ad + ", whose internal web services are at " + ok.join() + "."})
					}
				}
			}
		}
		if cn := r.recs.of("CNAME"); want != "" && cn != nil {
			for _, tgt := range cn.order {
				if dnsName(tgt) != wantN {
					out = append(out, finding{At: firstAt(cn.where[tgt]),
						Detail: nm + " is a CNAME to " + tgt + ", but Autodiscover is answered by pool " + ad + ", whose internal web services FQDN is " + want + "."})
				}
			}
		}
	}
	return out
}

// dns003: the internal Autodiscover name is not in public DNS; at info
// level, the external name should not resolve internally.
func dns003(tp *topo) []finding {
	var public, internal []finding
	for _, d := range tp.sipDomains() {
		if r := tp.domainName("external", "lyncdiscoverinternal", d).recs; !r.empty() {
			public = append(public, finding{At: r.recordAt(),
				Detail: "The public DNS publishes lyncdiscoverinternal." + d + ", the internal Autodiscover name; it must resolve only inside the network."})
		}
		if r := tp.domainName("internal", "lyncdiscover", d).recs; !r.empty() {
			internal = append(internal, finding{Severity: "info", At: r.recordAt(),
				Detail: "The internal DNS also resolves lyncdiscover." + d + ". This is tolerated because clients try lyncdiscoverinternal." + d + " first, but ideally the external Autodiscover name resolves only in public DNS."})
		}
	}
	return append(public, internal...)
}

// dns004: with HTTPS Autodiscover, a lyncdiscover CNAME stays inside its
// SIP domain (mobile clients do not accept a certificate of another
// domain over HTTPS).
func dns004(tp *topo) []finding {
	if str(tp.t, "mobility", "autodiscover_scheme") != "https" {
		return nil
	}
	var out []finding
	for _, d := range tp.sipDomains() {
		cn := tp.domainName("external", "lyncdiscover", d).recs.of("CNAME")
		if cn == nil {
			continue
		}
		dn := dnsName(d)
		for _, tgt := range cn.order {
			if tn := dnsName(tgt); tn != dn && !strings.HasSuffix(tn, "."+dn) {
				out = append(out, finding{At: firstAt(cn.where[tgt]),
					Detail: "lyncdiscover." + d + " is a CNAME to " + tgt + ", outside the SIP domain " + d + "; over HTTPS the mobile client rejects the answer because it comes from another domain."})
			}
		}
	}
	return out
}

// dns010: in hybrid, the public Skype for Business records of every SIP
// domain point on-premises, not at Office 365.
func dns010(tp *topo) []finding {
	if !getBool(tp.t, "hybrid", "enabled") {
		return nil
	}
	var out []finding
	for _, d := range tp.sipDomains() {
		for _, p := range []string{"lyncdiscover", "sip", "_sip._tls", "_sipfederationtls._tcp"} {
			nm := p + "." + d
			r := tp.domainName("external", p, d).recs
			for _, t := range r.types {
				vs := r.byType[t]
				for _, v := range vs.order {
					if dnsO365.MatchString(v) {
						out = append(out, finding{At: firstAt(vs.where[v]),
							Detail: "The public " + t + " record " + nm + " points at " + v + ", in Office 365; while users are split between on-premises and online it must point at the on-premises deployment."})
					}
				}
			}
		}
	}
	return out
}

// simpleHost is an entry of _dnsSimpleHosts: a simple URL with its host,
// the pool that hosts it and what each view's declared DNS says of it.
type simpleHost struct {
	kind, url, host, pool string
	internal, external    nameDNS
}

// simpleHosts lists the simple URLs DNS-009 checks (_effSimpleURLs): the
// declared ones and, for a kind the topology declares none of, the
// defaults the planner gives the certificates, the reverse proxy and DNS
// alike (model.EffectiveSimpleURLs): https://meet.<d> for every SIP
// domain, https://dialin.<primary>. The admin URL has no default. A
// global simple URL is hosted by the Autodiscover target, a site-scoped
// one by the site's first Director, else its first Front End pool.
func (tp *topo) simpleHosts() []simpleHost {
	const dflt = " (the default: the topology declares no such simple URL)"
	type url struct {
		url, note, site string
		sited           bool
	}
	declared := func(kind string) []url {
		var out []url
		for _, m := range getList(tp.t, "simple_urls", kind) {
			site, sited := getStr(m, "site")
			out = append(out, url{url: str(m, "url"), site: site, sited: sited})
		}
		return out
	}
	meet, dialin, admin := declared("meet"), declared("dialin"), declared("admin")
	if len(meet) == 0 {
		for _, d := range tp.sipDomains() {
			meet = append(meet, url{url: "https://meet." + d, note: dflt})
		}
	}
	if len(dialin) == 0 {
		primary := ""
		if ds := tp.sipDomains(); len(ds) > 0 {
			primary = ds[0]
		}
		dialin = []url{{url: "https://dialin." + primary, note: dflt}}
	}
	siteHost := tp.siteHosts()
	ad := tp.adTargetName()
	var out []simpleHost
	for _, k := range []struct {
		name string
		urls []url
	}{{"meet", meet}, {"dial-in", dialin}, {"admin", admin}} {
		for _, m := range k.urls {
			rest := m.url
			if _, after, ok := strings.Cut(m.url, "://"); ok {
				rest = after
			}
			h := strings.Split(strings.Split(rest, "/")[0], ":")[0]
			pool := ad
			if p, ok := siteHost[m.site]; ok && m.sited {
				pool = p
			}
			out = append(out, simpleHost{
				kind: k.name, url: m.url + m.note, host: h, pool: pool,
				internal: tp.nameIn("internal", h), external: tp.nameIn("external", h),
			})
		}
	}
	return out
}

// siteHosts is _dnsSiteHost: the pool that hosts a site's simple URLs,
// the first Director of the site by name, else its first Front End pool.
func (tp *topo) siteHosts() map[string]string {
	out := map[string]string{}
	for _, sn := range keys(getObj(tp.t, "sites")) {
		var dir, fe string
		for _, n := range tp.pools {
			if p := getObj(tp.t, "pools", n); str(p, "site") == sn {
				switch {
				case str(p, "kind") == "director" && dir == "":
					dir = n
				case str(p, "kind") != "director" && fe == "":
					fe = n
				}
			}
		}
		switch {
		case dir != "":
			out[sn] = dir
		case fe != "":
			out[sn] = fe
		}
	}
	return out
}

// dns009: simple URL hosts resolve internally to the internal web
// services of the pool that hosts them, meet and dial-in hosts publicly to
// a reverse proxy listener, and the admin host only internally. Checked
// where declared zones hold the hosts.
func dns009(tp *topo) []finding {
	hosts := tp.simpleHosts()
	var out []finding
	// Internally: the address the hosting pool's internal web services
	// answer at.
	for _, s := range hosts {
		r := s.internal.recs
		if !r.hasAddr() {
			if s.internal.covered {
				out = append(out, finding{At: []any{"dns", "internal", s.internal.zone},
					Detail: "The internal zone " + s.internal.zone + " has no A record for " + s.host + ", the host of the " + s.kind + " URL " + s.url + "."})
			}
			continue
		}
		if s.pool == "" {
			continue
		}
		ok := tp.intAddrs(s.pool)
		if ok.len() == 0 {
			continue
		}
		for _, a := range tp.ownAndCNAMEAddrs("internal", r, s.host) {
			bad := notIn(a.ips, ok.has)
			if len(bad) == 0 {
				continue
			}
			d := "Internally, " + s.host + " (" + s.kind + " URL) points at " + strings.Join(bad, ", ")
			if a.via != "" {
				d = "Internally, " + s.host + " (" + s.kind + " URL) is a CNAME to " + a.via + " (" + strings.Join(bad, ", ") + ")"
			}
			out = append(out, finding{At: firstAt(a.where),
				Detail: d + "; it must point at the internal web services of pool " + s.pool + ", which hosts it: " + ok.join() + "."})
		}
	}
	// Publicly: meet and dial-in at a reverse proxy listener.
	for _, s := range hosts {
		if s.kind == "admin" {
			continue
		}
		r := s.external.recs
		if !r.hasAddr() && s.external.covered {
			out = append(out, finding{At: []any{"dns", "external", s.external.zone},
				Detail: "The public zone " + s.external.zone + " has no A or CNAME record for " + s.host + ", the host of the " + s.kind + " URL " + s.url + "."})
		}
		for _, a := range tp.ownAndCNAMEAddrs("external", r, s.host) {
			bad := notIn(a.ips, tp.rpIPs)
			if len(bad) == 0 {
				continue
			}
			d := s.host + " (" + s.kind + " URL) points at " + strings.Join(bad, ", ")
			if a.via != "" {
				d = s.host + " (" + s.kind + " URL) is a CNAME to " + a.via + " (" + strings.Join(bad, ", ") + ")"
			}
			out = append(out, finding{At: firstAt(a.where), Detail: d + dnsNotRP(len(bad))})
		}
	}
	// The admin host only internally (unless a public URL shares it).
	public := map[string]bool{}
	for _, s := range hosts {
		if s.kind != "admin" {
			public[s.host] = true
		}
	}
	for _, s := range hosts {
		if s.kind == "admin" && !public[s.host] && !s.external.recs.empty() {
			out = append(out, finding{At: s.external.recs.recordAt(),
				Detail: "The public DNS publishes " + s.host + ", the host of the admin URL " + s.url + "; the admin URL must resolve only inside the network."})
		}
	}
	return out
}

// ownAndCNAMEAddrs lists a name's own A/AAAA values (from r, the records
// of the zones holding it) and, where it has a CNAME, the addresses of its
// CNAME targets (#DnsAddrs of the name, the entries with a via).
func (tp *topo) ownAndCNAMEAddrs(view string, r *recs, name string) []addr {
	var out []addr
	for _, t := range []string{"A", "AAAA"} {
		if vs := r.of(t); vs != nil {
			for _, ip := range vs.order {
				out = append(out, addr{ips: []string{ip}, where: vs.where[ip]})
			}
		}
	}
	if r.has("CNAME") {
		for _, a := range tp.addrs(view, name) {
			if a.via != "" {
				out = append(out, a)
			}
		}
	}
	return out
}

// notIn lists the addresses ok does not hold, in order.
func notIn(ips []string, ok map[string]bool) []string {
	var bad []string
	for _, ip := range ips {
		if !ok[ip] {
			bad = append(bad, ip)
		}
	}
	return bad
}

// The DNS rules of each pool's names (DNS-005 to DNS-008) read the
// records of a name wherever it is declared (_dns in CUE, which is as wide
// as the domains' zones): they are evaluated in Go with the others, so the
// CUE no longer builds that index for them.

// extWebPools lists the pools with an external web services FQDN, with it.
func (tp *topo) extWebPools() (pools, fqdns []string) {
	for _, n := range tp.pools {
		if f, ok := tp.extFQDN(n); ok {
			pools, fqdns = append(pools, n), append(fqdns, f)
		}
	}
	return pools, fqdns
}

// dns005: external web services FQDNs resolve publicly to a reverse
// proxy listener, on a reverse proxy that publishes the name (when that
// proxy declares its rules). Checked where a declared public zone holds
// the name.
func dns005(tp *topo) []finding {
	pools, fqdns := tp.extWebPools()
	var missing, wrong, unpublished []finding
	rps := getObj(tp.t, "reverse_proxies")
	published := map[string]map[string]bool{} // _dnsRpNames
	for _, rn := range keys(rps) {
		rules := getObj(rps[rn], "rules")
		for _, un := range keys(rules) {
			for _, x := range getList(rules[un], "public_names") {
				if published[rn] == nil {
					published[rn] = map[string]bool{}
				}
				published[rn][dnsName(str(x))] = true
			}
		}
	}
	for i, n := range pools {
		nm := fqdns[i]
		if zone, ok := tp.covered("external", nm); ok && !tp.hasAddrRecord("external", nm) {
			missing = append(missing, finding{At: []any{"dns", "external", zone},
				Detail: "The public zone " + zone + " has no A, AAAA or CNAME record for " + nm + ", the external web services FQDN of pool " + n + "."})
		}
		for _, a := range tp.addrs("external", nm) {
			if bad := notIn(a.ips, tp.rpIPs); len(bad) > 0 {
				d := nm + ", the external web services FQDN of pool " + n + ", points at " + strings.Join(bad, ", ")
				if a.via != "" {
					d = nm + ", the external web services FQDN of pool " + n + ", is a CNAME to " + a.via + " (" + strings.Join(bad, ", ") + ")"
				}
				wrong = append(wrong, finding{At: firstAt(a.where), Detail: d + dnsNotRP(len(bad))})
			}
			// The proxies listening at its addresses, each with those addresses.
			byRP := map[string]*set{}
			var order []string
			for _, ip := range a.ips {
				rn, ok := tp.rpByIP[ip]
				if !ok {
					continue
				}
				if byRP[rn] == nil {
					byRP[rn] = &set{}
					order = append(order, rn)
				}
				byRP[rn].add(ip)
			}
			for _, rn := range order {
				if len(getObj(rps[rn], "rules")) > 0 && !published[rn][dnsName(nm)] {
					unpublished = append(unpublished, finding{At: firstAt(a.where),
						Detail: nm + " points at " + byRP[rn].join() + ", on reverse proxy " + rn + ", but no publishing rule of " + rn + " lists " + nm + "."})
				}
			}
		}
	}
	return append(append(missing, wrong...), unpublished...)
}

// dns006: internally, each external web services FQDN resolves to the
// reverse proxy (hairpin). Error when it resolves to an internal web VIP
// or a server address, warning when it resolves to anything else that is
// not a reverse proxy listener. Applies when mobility is enabled (the
// reason is the Mobility URL); checked where a declared internal zone
// holds the name.
func dns006(tp *topo) []finding {
	if !getBool(tp.t, "mobility", "enabled") {
		return nil
	}
	// Internal-side addresses, each described: internal web VIPs, external
	// web VIPs, server addresses; and the pools' internal names.
	intVIPs, extVIPs, nodeIPs, intNames := map[string]*set{}, map[string]*set{}, map[string]*set{}, map[string]*set{}
	add := func(m map[string]*set, k, v string) {
		if m[k] == nil {
			m[k] = &set{}
		}
		m[k].add(v)
	}
	for _, n := range tp.pools {
		p := getObj(tp.t, "pools", n)
		if vip, ok := getStr(p, "web_internal", "vip"); ok {
			add(intVIPs, vip, n)
		}
		if vip, ok := getStr(p, "web_external", "vip"); ok {
			add(extVIPs, vip, n)
		}
		add(intNames, dnsName(tp.intFQDN(n)), n)
		add(intNames, dnsName(str(p, "fqdn")), n)
		servers := getObj(p, "servers")
		for _, sn := range keys(servers) {
			add(intNames, dnsName(str(servers[sn], "fqdn")), n)
			for _, a := range getList(servers[sn], "ips") {
				add(nodeIPs, str(a), "server "+sn+" of pool "+n)
			}
		}
	}
	var pools, names []string
	for _, n := range tp.pools {
		if f, ok := tp.extFQDN(n); ok && f != tp.intFQDN(n) {
			pools, names = append(pools, n), append(names, f)
		}
	}
	var missing, wrong, internal []finding
	for i, n := range pools {
		nm := names[i]
		if zone, ok := tp.covered("internal", nm); ok && !tp.hasAddrRecord("internal", nm) {
			missing = append(missing, finding{At: []any{"dns", "internal", zone},
				Detail: "The internal zone " + zone + " has no record for " + nm + ", the external web services FQDN of pool " + n + ": mobile clients on the internal network get this name from Autodiscover and cannot resolve it."})
		}
		for _, a := range tp.addrs("internal", nm) {
			bad := notIn(a.ips, tp.rpIPs)
			if len(bad) == 0 {
				continue
			}
			// An error if any address is an internal web VIP or a server address.
			var inner []string
			for _, ip := range bad {
				if intVIPs[ip] != nil || nodeIPs[ip] != nil {
					inner = append(inner, ip)
				}
			}
			b0 := bad[0]
			if len(inner) > 0 {
				b0 = inner[0]
			}
			what := "not a reverse proxy listener"
			switch {
			case intVIPs[b0] != nil:
				what = "the internal web services VIP of pool " + intVIPs[b0].join()
			case nodeIPs[b0] != nil:
				what = "the address of " + nodeIPs[b0].join()
			case extVIPs[b0] != nil:
				what = "the external web services VIP of pool " + extVIPs[b0].join()
			}
			d := "Internally, " + nm + " (external web services of pool " + n + ") points at " + strings.Join(bad, ", ")
			if a.via != "" {
				d = "Internally, " + nm + " (external web services of pool " + n + ") is a CNAME to " + a.via + " (" + strings.Join(bad, ", ") + ")"
			}
			if len(bad) > 1 {
				d += "; " + b0 + " is " + what
			} else {
				d += ", which is " + what
			}
			f := finding{At: firstAt(a.where), Detail: d + "; internal mobile clients must reach it through the reverse proxy."}
			if len(inner) == 0 {
				f.Severity = "warning"
			}
			wrong = append(wrong, f)
		}
		// A CNAME to an internal name of a pool with no declared address
		// (else reported above).
		if cn := tp.lookup("internal", nm).of("CNAME"); cn != nil {
			for _, tgt := range cn.order {
				owners := intNames[dnsName(tgt)]
				if owners == nil {
					continue
				}
				if tr := tp.lookup("internal", strings.TrimSuffix(tgt, ".")); tr.has("A") || tr.has("AAAA") {
					continue
				}
				internal = append(internal, finding{At: firstAt(cn.where[tgt]),
					Detail: "Internally, " + nm + " (external web services of pool " + n + ") is a CNAME to " + tgt + ", an internal name of pool " + owners.join() + "; internal mobile clients must reach it through the reverse proxy."})
			}
		}
	}
	return append(append(missing, wrong...), internal...)
}

// lbPool is _dnsLbPools: the pool's SIP traffic is DNS load balanced
// over several servers (a Standard Edition server or a single Director
// has nothing to balance).
func (tp *topo) lbPool(n string) bool {
	p := getObj(tp.t, "pools", n)
	kind := str(p, "kind")
	return str(p, "sip_lb") == "dns" && (kind == "fe-ee" || (kind == "director" && len(getObj(p, "servers")) > 1))
}

// intOverridden is _web[pool].int_overridden.
func (tp *topo) intOverridden(n string) bool {
	f, ok := getStr(tp.t, "pools", n, "web_internal", "fqdn")
	return ok && f != str(tp.t, "pools", n, "fqdn")
}

// serverIPs is _web[pool].server_ips: every server's addresses, servers
// by name.
func (tp *topo) serverIPs(n string) []string {
	servers := getObj(tp.t, "pools", n, "servers")
	var out []string
	for _, sn := range keys(servers) {
		for _, a := range getList(servers[sn], "ips") {
			out = append(out, str(a))
		}
	}
	return out
}

// dns007: each pool's internal web services FQDN resolves internally to
// its internal web address and is not in public DNS.
func dns007(tp *topo) []finding {
	var pools []string
	for _, n := range tp.pools {
		// Not when both names are the same (TOPO-001 reports that).
		if f, ok := tp.extFQDN(n); !ok || f != tp.intFQDN(n) {
			pools = append(pools, n)
		}
	}
	var missing, wrong, public []finding
	for _, n := range pools {
		nm := tp.intFQDN(n)
		if zone, ok := tp.covered("internal", nm); ok && !tp.hasAddrRecord("internal", nm) {
			missing = append(missing, finding{At: []any{"dns", "internal", zone},
				Detail: "The internal zone " + zone + " has no A, AAAA or CNAME record for " + nm + ", the internal web services FQDN of pool " + n + "."})
		}
		// A DNS load-balanced pool whose web FQDN is not overridden is DNS-008's.
		if ok := tp.intAddrs(n); (!tp.lbPool(n) || tp.intOverridden(n)) && ok.len() > 0 {
			_, vip := getStr(tp.t, "pools", n, "web_internal", "vip")
			what := " (the internal web services VIP)"
			switch {
			case !vip:
				what = " (the server)"
			case ok.len() > 1:
				what = " (the internal web services VIP or the server)"
			}
			for _, a := range tp.addrs("internal", nm) {
				bad := notIn(a.ips, ok.has)
				if len(bad) == 0 {
					continue
				}
				d := nm + ", the internal web services FQDN of pool " + n + ", points at " + strings.Join(bad, ", ")
				if a.via != "" {
					d = nm + ", the internal web services FQDN of pool " + n + ", is a CNAME to " + a.via + " (" + strings.Join(bad, ", ") + ")"
				}
				wrong = append(wrong, finding{At: firstAt(a.where), Detail: d + "; it must resolve to " + ok.join() + what + "."})
			}
		}
		if r := tp.lookup("external", nm); r != nil {
			public = append(public, finding{At: r.recordAt(),
				Detail: "The public DNS publishes " + nm + ", the internal web services FQDN of pool " + n + "; it must resolve only inside the network."})
		}
	}
	return append(append(missing, wrong...), public...)
}

// dns008: a DNS load-balanced pool resolves its FQDN to exactly its
// servers, and overrides its internal web services FQDN (which then
// resolves to the internal web VIP, see DNS-007). The override is decided
// from the topology; the records where a declared internal zone holds the
// pool FQDN.
func dns008(tp *topo) []finding {
	var pools []string
	for _, n := range tp.pools {
		if tp.lbPool(n) {
			pools = append(pools, n)
		}
	}
	var override, noA, notServer, missing []finding
	for _, n := range pools {
		p := getObj(tp.t, "pools", n)
		fqdn := str(p, "fqdn")
		ips := strings.Join(tp.serverIPs(n), ", ")
		if !tp.intOverridden(n) {
			override = append(override, finding{At: []any{"pools", n, "web_internal", "fqdn"},
				Detail: "Pool " + n + " balances SIP by DNS, so " + fqdn + " resolves to the servers; its internal web services FQDN must be overridden with a name of its own (for the internal web VIP), but it is " + fqdn + "."})
		}
		r := tp.lookup("internal", fqdn)
		hasAddr := r.has("A") || r.has("AAAA")
		if zone, ok := tp.covered("internal", fqdn); ok && !hasAddr {
			f := finding{At: []any{"dns", "internal", zone}, Detail: "The internal zone " + zone + " has no A record for " + fqdn}
			if r.has("CNAME") {
				f = finding{At: r.recordAt(), Detail: fqdn + " is a CNAME"}
			}
			f.Detail += "; pool " + n + " balances SIP by DNS, so its FQDN needs one A record per server: " + ips + "."
			noA = append(noA, f)
		}
		srv := map[string]bool{}
		for _, a := range tp.serverIPs(n) {
			srv[a] = true
		}
		for _, t := range []string{"A", "AAAA"} {
			vs := r.of(t)
			if vs == nil {
				continue
			}
			for _, a := range vs.order {
				if !srv[a] {
					notServer = append(notServer, finding{At: firstAt(vs.where[a]),
						Detail: fqdn + " has an " + t + " record for " + a + ", which is not a server of pool " + n + "; with DNS load balancing the pool FQDN resolves to exactly the servers (" + ips + ")."})
				}
			}
		}
		if !hasAddr {
			continue
		}
		got := map[string]bool{}
		for _, t := range []string{"A", "AAAA"} {
			if vs := r.of(t); vs != nil {
				for _, a := range vs.order {
					got[a] = true
				}
			}
		}
		var lacking []string
		servers := getObj(p, "servers")
		for _, sn := range keys(servers) {
			sips := getList(servers[sn], "ips")
			found := false
			for _, a := range sips {
				found = found || got[str(a)]
			}
			if !found && len(sips) > 0 { // the schema wants one address at least
				lacking = append(lacking, sn+" ("+str(sips[0])+")")
			}
		}
		if len(lacking) > 0 {
			missing = append(missing, finding{At: r.recordAt(),
				Detail: fqdn + " has no A record for server " + strings.Join(lacking, ", ") + " of pool " + n + "; with DNS load balancing the pool FQDN resolves to every server."})
		}
	}
	return append(append(append(override, noA...), notServer...), missing...)
}
