package schema

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mobplan/mobplan/internal/canon"
)

// The certificate rules that check a name per SIP domain, evaluated in Go:
// each looks up a name per SIP domain (the meet hosts, lyncdiscover.<d>,
// sip.<d>) in each certificate's SANs, a struct as wide as the domains,
// O(N²) in CUE v0.17.1 (BenchmarkRuleCost, family=CERT at 1,000 domains:
// +0.34 M allocations over "shared" with them in CUE, +0.01 M without).
// Their catalogue entries are in rules_cert.cue.

func init() {
	// What each rule reads of _crt: the usages and SANs, with the pools
	// (and servers) it is installed on and its label, or the reverse
	// proxies carrying it. The lists are what schema/reference worked out
	// from the CUE rules, which leaves out what only the keys of a
	// comprehension were computed from (the SIP domains of CERT-001, 004,
	// 006 and 010, the pools of CERT-004).
	crt := []string{"certificates.*.usage.[]", "certificates.*.sans.[]", "certificates.*.assigned_to.[]"}
	pools := []string{"certificates.*.file", "pools.*.servers.*.fqdn"}
	rps := []string{"reverse_proxies.*.listeners.*.certificate"}
	simple := []string{"sip_domains.[]", "simple_urls.meet.[].url", "simple_urls.dialin.[].url"}
	goRules = append(goRules,
		goRule{canon.RuleCERT001, cert001, reads(crt, pools, []string{"certificates.*.subject", "pools.*.fqdn", "pools.*.kind",
			"mobility.strict_dns_autologon"})},
		goRule{canon.RuleCERT002, cert002, reads(crt, pools, simple, []string{"simple_urls.admin.[].url", "pools.*.fqdn", "pools.*.web_internal.fqdn"})},
		goRule{canon.RuleCERT003, cert003, reads(crt, pools, simple, []string{"pools.*.web_external.fqdn"})},
		goRule{canon.RuleCERT004, cert004, []string{"certificates.*.usage.[]", "certificates.*.sans.[]", "certificates.*.file", "pools.*.autodiscover", "mobility.enabled"}},
		goRule{canon.RuleCERT005, cert005, reads(crt, rps, simple, []string{"certificates.*.file", "certificates.*.issuer", "pools.*.web_external.fqdn",
			"reverse_proxies.*.rules.*.public_names.[]", "office_web_apps.fqdn", "office_web_apps.published"})},
		goRule{canon.RuleCERT006, cert006, reads(crt, rps, []string{"certificates.*.file", "mobility.enabled", "mobility.autodiscover_scheme"})},
		goRule{canon.RuleCERT007, cert007, reads(crt, rps, simple, []string{"certificates.*.subject"})},
		goRule{canon.RuleCERT010, cert010, reads(crt, []string{"certificates.*.file", "certificates.*.subject", "sbas.*.fqdn"})},
	)
}

// crt is an entry of _crt: what a declared certificate is.
type crt struct {
	name  string
	c     obj
	uses  map[string]bool
	sans  map[string]bool // lower case
	pools map[string]bool // the pools it is installed on (servers are not needed here)
	rps   map[string]bool // the reverse proxies that carry it
	sbas  map[string]bool // the branch appliances it is installed on
	label string
}

func (k *crt) rp() bool  { return k.uses["RPListener"] || len(k.rps) > 0 }
func (k *crt) web() bool { return k.uses["WebServicesInternal"] || k.uses["WebServicesExternal"] }

func (k *crt) poolNames() string {
	var ns []string
	for n := range k.pools {
		ns = append(ns, n)
	}
	return crtList(ns)
}

// has is "the SAN h, or the wildcard SAN w".
func (k *crt) has(h, w string) bool { return k.sans[h] || k.sans[w] }

// certs is _crt, by certificate name in order, made once for all the
// rules (which only read it).
func (tp *topo) certs() []*crt {
	if tp.crts == nil {
		tp.crts = tp.makeCerts()
	}
	return tp.crts
}

func (tp *topo) makeCerts() []*crt {
	srv := map[string]map[string]bool{} // server FQDN (lower case) -> pools
	for _, pn := range tp.pools {
		ss := getObj(tp.t, "pools", pn, "servers")
		for _, sn := range keys(ss) {
			f := strings.ToLower(str(ss[sn], "fqdn"))
			if srv[f] == nil {
				srv[f] = map[string]bool{}
			}
			srv[f][pn] = true
		}
	}
	listeners := map[string]map[string]bool{} // certificate -> reverse proxies
	rps := getObj(tp.t, "reverse_proxies")
	for _, rn := range keys(rps) {
		ls := getObj(rps[rn], "listeners")
		for _, ln := range keys(ls) {
			if c, ok := getStr(ls[ln], "certificate"); ok {
				if listeners[c] == nil {
					listeners[c] = map[string]bool{}
				}
				listeners[c][rn] = true
			}
		}
	}
	sbas := getObj(tp.t, "sbas")
	sbaFQDN := map[string]map[string]bool{} // appliance FQDN (lower case) -> appliances
	for _, bn := range keys(sbas) {
		f := strings.ToLower(str(sbas[bn], "fqdn"))
		if sbaFQDN[f] == nil {
			sbaFQDN[f] = map[string]bool{}
		}
		sbaFQDN[f][bn] = true
	}
	pools := getObj(tp.t, "pools")
	cs := getObj(tp.t, "certificates")
	out := []*crt{}
	for _, cn := range keys(cs) {
		c := getObj(cs[cn])
		k := &crt{name: cn, c: c, uses: map[string]bool{}, sans: map[string]bool{}, pools: map[string]bool{}, rps: map[string]bool{}, sbas: map[string]bool{}, label: cn}
		for _, u := range getList(c, "usage") {
			k.uses[str(u)] = true
		}
		for _, s := range getList(c, "sans") {
			k.sans[strings.ToLower(str(s))] = true
		}
		for _, t := range getList(c, "assigned_to") {
			t := str(t)
			if _, ok := pools[t]; ok {
				k.pools[t] = true
			}
			for pn := range srv[strings.ToLower(t)] {
				k.pools[pn] = true
			}
			if _, ok := rps[t]; ok {
				k.rps[t] = true
			}
			if _, ok := sbas[t]; ok {
				k.sbas[t] = true
			}
			for bn := range sbaFQDN[strings.ToLower(t)] {
				k.sbas[bn] = true
			}
		}
		for rn := range listeners[cn] {
			k.rps[rn] = true
		}
		if f, ok := getStr(c, "file"); ok {
			k.label = fmt.Sprintf("%s (read from %s)", cn, f)
		}
		out = append(out, k)
	}
	return out
}

// crtList is #CrtList: the names sorted, at most six of them.
func crtList(in []string) string {
	s := append([]string(nil), in...)
	sort.Strings(s)
	if len(s) > 6 {
		return strings.Join(s[:5], ", ") + fmt.Sprintf(" and %d more", len(s)-5)
	}
	return strings.Join(s, ", ")
}

// crtSans is #CrtSans: "the SAN x" or "the SANs x, y".
func crtSans(in []string) string {
	if len(in) == 1 {
		return "the SAN " + crtList(in)
	}
	return "the SANs " + crtList(in)
}

// crtHost is the lower-cased host of a simple URL:
// "https://meet.contoso.com/x" -> "meet.contoso.com".
func crtHost(url string) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(url), "https://"), "http://")
	return strings.Split(strings.Split(rest, "/")[0], ":")[0]
}

// crtWild is the wildcard SAN that covers a name (one label),
// the name itself for a name of two labels or fewer.
func crtWild(fqdn string) string {
	if _, parent, ok := strings.Cut(fqdn, "."); ok && strings.Contains(parent, ".") {
		return "*." + parent
	}
	return fqdn
}

// hostWild is an entry of _crtMeet, _crtDialin or _crtAdmin: a simple URL
// host and the wildcard SAN allowed to cover it.
type hostWild struct{ host, wild string }

// crtHosts is _crtMeet, _crtDialin and _crtAdmin: the hosts of the
// effective simple URLs (_effSimpleURLs), each once, in order.
func (tp *topo) crtHosts() (meet, dialin, admin []hostWild) {
	of := func(urls []string) []hostWild {
		var out []hostWild
		seen := map[string]bool{}
		for _, u := range urls {
			h := crtHost(u)
			if !seen[h] {
				seen[h] = true
				out = append(out, hostWild{h, crtWild(h)})
			}
		}
		return out
	}
	declared := func(kind string) []string {
		var out []string
		for _, m := range getList(tp.t, "simple_urls", kind) {
			out = append(out, str(m, "url"))
		}
		return out
	}
	m, d := declared("meet"), declared("dialin")
	if len(m) == 0 {
		for _, dom := range tp.sipDomains() {
			m = append(m, "https://meet."+dom)
		}
	}
	if len(d) == 0 {
		primary := ""
		if ds := tp.sipDomains(); len(ds) > 0 {
			primary = ds[0]
		}
		d = []string{"https://dialin." + primary}
	}
	return of(m), of(d), of(declared("admin"))
}

// missing collects names a certificate lacks, each once.
type missing struct {
	set
}

func (m *missing) lacks(k *crt, hs ...[]hostWild) {
	for _, l := range hs {
		for _, h := range l {
			if !k.has(h.host, h.wild) {
				m.add(h.host)
			}
		}
	}
}

// cert002: the internal web services certificate of a pool has the
// internal web services FQDN, the pool and server FQDNs and the simple
// URL hosts (or a wildcard for them).
func cert002(tp *topo) []finding {
	meet, dialin, admin := tp.crtHosts()
	var out []finding
	for _, k := range tp.certs() {
		if !k.uses["WebServicesInternal"] || len(k.pools) == 0 {
			continue
		}
		var miss missing
		for _, pn := range keys(boolObj(k.pools)) {
			for _, n := range []string{strings.ToLower(tp.intFQDN(pn)), strings.ToLower(str(tp.t, "pools", pn, "fqdn"))} {
				if !k.sans[n] {
					miss.add(n)
				}
			}
			// Every server of the pool the certificate is installed on.
			for _, sn := range k.servers(tp, pn) {
				if n := strings.ToLower(str(tp.t, "pools", pn, "servers", sn, "fqdn")); !k.sans[n] {
					miss.add(n)
				}
			}
		}
		miss.lacks(k, meet, dialin, admin)
		if miss.len() > 0 {
			out = append(out, finding{At: []any{"certificates", k.name, "sans"},
				Detail: fmt.Sprintf("The internal web services certificate %s of pool %s lacks %s.", k.label, k.poolNames(), crtSans(miss.order))})
		}
	}
	return out
}

// servers are the servers of pool pn the certificate is installed on:
// every server when it is assigned to the pool, else those it names.
func (k *crt) servers(tp *topo, pn string) []string {
	ss := getObj(tp.t, "pools", pn, "servers")
	on := map[string]bool{}
	for _, t := range getList(k.c, "assigned_to") {
		t := str(t)
		for _, sn := range keys(ss) {
			if t == pn || sameLower(t, str(ss[sn], "fqdn")) {
				on[sn] = true
			}
		}
	}
	return keys(boolObj(on))
}

func boolObj(m map[string]bool) obj {
	o := obj{}
	for k := range m {
		o[k] = true
	}
	return o
}

// cert003: the external web services certificate of a pool has the
// external web services FQDN and the meet and dial-in hosts (or a
// wildcard for them).
func cert003(tp *topo) []finding {
	meet, dialin, _ := tp.crtHosts()
	var out []finding
	for _, k := range tp.certs() {
		if !k.uses["WebServicesExternal"] || len(k.pools) == 0 {
			continue
		}
		var miss missing
		for _, pn := range keys(boolObj(k.pools)) {
			if f, ok := tp.extFQDN(pn); ok && !k.sans[strings.ToLower(f)] {
				miss.add(strings.ToLower(f))
			}
		}
		miss.lacks(k, meet, dialin)
		if miss.len() > 0 {
			out = append(out, finding{At: []any{"certificates", k.name, "sans"},
				Detail: fmt.Sprintf("The external web services certificate %s of pool %s lacks %s.", k.label, k.poolNames(), crtSans(miss.order))})
		}
	}
	return out
}

// cert005: the reverse proxy certificate is public and has every name
// the proxies carrying it publish.
func cert005(tp *topo) []finding {
	meet, dialin, _ := tp.crtHosts()
	var out []finding
	certs := tp.certs()
	for _, k := range certs {
		if k.rp() && str(k.c, "issuer") != "public" {
			out = append(out, finding{At: []any{"certificates", k.name, "issuer"},
				Detail: fmt.Sprintf("Certificate %s is presented by the reverse proxy to Internet clients, but is issued by an %s CA; mobile devices do not trust it.", k.name, str(k.c, "issuer"))})
		}
	}
	owa := getObj(tp.t, "office_web_apps")
	for _, k := range certs {
		if !k.rp() {
			continue
		}
		// Names published by the rules of the proxies carrying the
		// certificate; with no declared rules every pool's external web
		// FQDN is published.
		pub := map[string]bool{}
		for rn := range k.rps {
			us := getObj(tp.t, "reverse_proxies", rn, "rules")
			for _, un := range keys(us) {
				for _, nm := range getList(us[un], "public_names") {
					pub[strings.ToLower(str(nm))] = true
				}
			}
		}
		var miss missing
		for _, pn := range tp.pools {
			f, ok := tp.extFQDN(pn)
			nm := strings.ToLower(f)
			if ok && (len(pub) == 0 || pub[nm]) && !k.sans[nm] {
				miss.add(nm)
			}
		}
		miss.lacks(k, meet, dialin)
		if getBool(owa, "published") {
			nm := strings.ToLower(str(owa, "fqdn"))
			if (len(pub) == 0 || pub[nm]) && !k.sans[nm] {
				miss.add(nm)
			}
		}
		if miss.len() > 0 {
			out = append(out, finding{At: []any{"certificates", k.name, "sans"},
				Detail: fmt.Sprintf("The reverse proxy certificate %s lacks %s, which the proxy publishes.", k.label, crtSans(miss.order))})
		}
	}
	return out
}

// cert007: no wildcard subject; wildcard SANs only for the SIP domains
// and the meet and dial-in hosts, on web and reverse proxy certificates.
func cert007(tp *topo) []finding {
	meet, dialin, _ := tp.crtHosts()
	ok := map[string]bool{} // _crtWildOK
	for _, d := range tp.sipDomains() {
		ok["*."+strings.ToLower(d)] = true
	}
	for _, l := range [][]hostWild{meet, dialin} {
		for _, h := range l {
			ok[h.wild] = true
		}
	}
	var out []finding
	certs := tp.certs()
	for _, k := range certs {
		if s := str(k.c, "subject"); strings.Contains(s, "*") {
			out = append(out, finding{At: []any{"certificates", k.name, "subject"},
				Detail: fmt.Sprintf("Certificate %s has the wildcard subject %s; no server role supports a wildcard subject (CN).", k.name, s)})
		}
	}
	for _, k := range certs {
		// The internal Edge interface tolerates a wildcard SAN (the SAN is
		// not queried there), per the wildcard support page.
		if k.uses["EdgeInternal"] && len(k.uses) == 1 {
			continue
		}
		webOrRP := k.web() || k.rp()
		for i, s := range getList(k.c, "sans") {
			s := str(s)
			if !strings.Contains(s, "*") || (webOrRP && ok[strings.ToLower(s)]) {
				continue
			}
			var usage []string
			for _, u := range getList(k.c, "usage") {
				usage = append(usage, str(u))
			}
			d := fmt.Sprintf("Certificate %s has the wildcard SAN %s, which stands for neither a SIP domain (lyncdiscover, lyncdiscoverinternal) nor the domain of a meet or dial-in URL; only those may be wildcards.", k.name, s)
			if !webOrRP {
				d = fmt.Sprintf("Certificate %s (%s) has the wildcard SAN %s; wildcard SANs are supported only on Front End, Director and reverse proxy web certificates.", k.name, strings.Join(usage, ", "), s)
			}
			out = append(out, finding{At: []any{"certificates", k.name, "sans", i}, Detail: d})
		}
	}
	return out
}

// lowerDomains are _crtDomains: the SIP domains in lower case, each
// once; made once, as lacksEach asks for them per certificate.
func (tp *topo) lowerDomains() []string {
	if tp.lowerDoms == nil {
		var s set
		for _, d := range tp.sipDomains() {
			s.add(strings.ToLower(d))
		}
		tp.lowerDoms = append([]string{}, s.order...)
	}
	return tp.lowerDoms
}

// lacksEach lists the names prefix+d (or the wildcard *.d, when wild)
// the certificate lacks, for every SIP domain d.
func (tp *topo) lacksEach(k *crt, prefix string, wild bool) []string {
	var miss []string
	for _, d := range tp.lowerDomains() {
		if !k.sans[prefix+d] && !(wild && k.sans["*."+d]) {
			miss = append(miss, prefix+d)
		}
	}
	return miss
}

// cert001: the Default certificate of a pool has the pool FQDN as its
// subject and the pool and server FQDNs as SANs; with strict DNS matching
// for auto-logon, the sign-in target's has sip.<d> for every SIP domain.
func cert001(tp *topo) []finding {
	var out []finding
	certs := tp.certs()
	for _, k := range certs {
		if !k.uses["Default"] {
			continue
		}
		subj := str(k.c, "subject")
		for _, pn := range keys(boolObj(k.pools)) {
			if f := str(tp.t, "pools", pn, "fqdn"); !sameLower(subj, f) {
				out = append(out, finding{At: []any{"certificates", k.name, "subject"},
					Detail: fmt.Sprintf("Certificate %s is the Default certificate of pool %s, so its subject must be the pool FQDN %s, not %s.", k.name, pn, f, subj)})
			}
		}
	}
	for _, k := range certs {
		if !k.uses["Default"] {
			continue
		}
		var miss set
		for _, pn := range keys(boolObj(k.pools)) {
			if n := strings.ToLower(str(tp.t, "pools", pn, "fqdn")); !k.sans[n] {
				miss.add(n)
			}
			for _, sn := range k.servers(tp, pn) {
				if n := strings.ToLower(str(tp.t, "pools", pn, "servers", sn, "fqdn")); !k.sans[n] {
					miss.add(n)
				}
			}
		}
		if miss.len() > 0 {
			out = append(out, finding{At: []any{"certificates", k.name, "sans"},
				Detail: fmt.Sprintf("The Default certificate %s of pool %s lacks %s (the pool FQDN and the FQDN of every server it is installed on).", k.label, k.poolNames(), crtSans(miss.order))})
		}
	}
	if getBool(tp.t, "mobility", "strict_dns_autologon") {
		ad := tp.adTargetName()
		for _, k := range certs {
			if !k.uses["Default"] || !k.pools[ad] {
				continue
			}
			if miss := tp.lacksEach(k, "sip.", false); len(miss) > 0 {
				out = append(out, finding{At: []any{"certificates", k.name, "sans"}, Severity: "warning",
					Detail: fmt.Sprintf("Strict DNS matching for auto-logon is enforced and pool %s is the sign-in target, but its Default certificate %s lacks %s.", ad, k.label, crtSans(miss))})
			}
		}
	}
	return out
}

// cert004: with mobility, a web services certificate of a pool that runs
// Autodiscover has lyncdiscoverinternal.<d> (internal) and lyncdiscover.<d>
// (external) for every SIP domain, or *.<d>.
func cert004(tp *topo) []finding {
	if !getBool(tp.t, "mobility", "enabled") {
		return nil
	}
	var out []finding
	for _, k := range tp.certs() {
		if !k.web() {
			continue
		}
		var ad []string
		for _, pn := range keys(boolObj(k.pools)) {
			if getBool(tp.t, "pools", pn, "autodiscover") {
				ad = append(ad, pn)
			}
		}
		if len(ad) == 0 {
			continue
		}
		var miss set
		var serves []string
		for _, u := range []struct{ use, prefix string }{{"WebServicesInternal", "lyncdiscoverinternal."}, {"WebServicesExternal", "lyncdiscover."}} {
			if k.uses[u.use] {
				serves = append(serves, u.use)
				for _, n := range tp.lacksEach(k, u.prefix, true) {
					miss.add(n)
				}
			}
		}
		if miss.len() > 0 {
			out = append(out, finding{At: []any{"certificates", k.name, "sans"},
				Detail: fmt.Sprintf("Certificate %s serves %s on pool %s, which runs Autodiscover, but lacks %s (a wildcard *.<SIP domain> would also do).", k.label, strings.Join(serves, " and "), crtList(ad), crtSans(miss.order))})
		}
	}
	return out
}

// cert006: with Autodiscover over HTTPS, the reverse proxy certificate
// has lyncdiscover.<d> for every SIP domain, or *.<d>.
func cert006(tp *topo) []finding {
	if !getBool(tp.t, "mobility", "enabled") || str(tp.t, "mobility", "autodiscover_scheme") != "https" {
		return nil
	}
	var out []finding
	for _, k := range tp.certs() {
		if !k.rp() {
			continue
		}
		if miss := tp.lacksEach(k, "lyncdiscover.", true); len(miss) > 0 {
			out = append(out, finding{At: []any{"certificates", k.name, "sans"},
				Detail: fmt.Sprintf("Autodiscover is published over HTTPS, but the reverse proxy certificate %s lacks %s (or *.<SIP domain>); a CNAME does not change the name the client checks.", k.label, crtSans(miss))})
		}
	}
	return out
}

// cert010: a branch appliance's certificate has the appliance FQDN as its
// subject and sip.<d> for every SIP domain.
func cert010(tp *topo) []finding {
	var out []finding
	certs := tp.certs()
	for _, k := range certs {
		if !k.uses["SBA"] && !k.uses["Default"] {
			continue
		}
		subj := str(k.c, "subject")
		for _, bn := range keys(boolObj(k.sbas)) {
			if f := str(tp.t, "sbas", bn, "fqdn"); !sameLower(subj, f) {
				out = append(out, finding{At: []any{"certificates", k.name, "subject"},
					Detail: fmt.Sprintf("Certificate %s is the certificate of the appliance %s, so its subject must be the appliance FQDN %s, not %s.", k.name, bn, f, subj)})
			}
		}
	}
	for _, k := range certs {
		if !k.uses["SBA"] && !(k.uses["Default"] && len(k.sbas) > 0) {
			continue
		}
		if miss := tp.lacksEach(k, "sip.", false); len(miss) > 0 {
			out = append(out, finding{At: []any{"certificates", k.name, "sans"},
				Detail: fmt.Sprintf("The branch appliance certificate %s lacks %s (one sip.<domain> per SIP domain).", k.label, crtSans(miss))})
		}
	}
	return out
}

// sameLower compares two names as the CUE rules did, by strings.ToLower
// of each (strings.EqualFold folds a few non-ASCII letters differently).
func sameLower(a, b string) bool {
	//lint:ignore SA6005 the CUE rules' comparison, kept exactly
	return strings.ToLower(a) == strings.ToLower(b)
}
