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
		goRule{canon.RuleDNS001, dns001},
		goRule{canon.RuleDNS002, dns002},
		goRule{canon.RuleDNS003, dns003},
		goRule{canon.RuleDNS004, dns004},
		goRule{canon.RuleDNS009, dns009},
		goRule{canon.RuleDNS010, dns010},
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
