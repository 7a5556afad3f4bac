package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// DefaultKeyBits is the RSA key size of derived certificates (CERT-009:
// 1024, 2048 or 4096; pki { key_bits } may choose 4096).
const DefaultKeyBits = 2048

// DefaultTemplates and DefaultTemplateEKU are the schema's defaults of
// pki { template, template_eku } (topology.cue documents them), for a
// model built without the schema.
var (
	DefaultTemplates = map[string]string{
		plan.UsageDefault:             "WebServerClientAuth",
		plan.UsageWebServicesInternal: "WebServer",
		plan.UsageWebServicesExternal: "WebServer",
		plan.UsageEdgeInternal:        "WebServerClientAuth",
		plan.UsageSBA:                 "WebServerClientAuth",
	}
	DefaultTemplateEKU = map[string][]string{
		"WebServer":           {plan.EKUServerAuth},
		"WebServerClientAuth": {plan.EKUServerAuth, plan.EKUClientAuth},
	}
)

// certTemplateUsages is the order in which a certificate with several
// usages takes its template: the first usage it has.
var certTemplateUsages = []string{plan.UsageDefault, plan.UsageEdgeInternal, plan.UsageSBA, plan.UsageWebServicesInternal, plan.UsageWebServicesExternal}

// certTemplate is the template of a certificate with these usages, and
// the extended key usages it issues (nil if unknown).
func certTemplate(t *model.Topology, usages []string) (string, []string) {
	for _, u := range certTemplateUsages {
		if !slices.Contains(usages, u) {
			continue
		}
		name := t.PKI.Template.For(u)
		if name == "" {
			name = DefaultTemplates[u]
		}
		eku, ok := t.PKI.TemplateEKU[name]
		if !ok {
			eku = DefaultTemplateEKU[name]
		}
		return name, append([]string(nil), eku...)
	}
	return "", nil
}

// planCertificates derives one certificate per usage and target from the
// catalogue (section 2.2), then lets declared certificates replace the
// derived ones they cover. Certificates are sorted by name.
//
// Decisions where the catalogue is silent:
//   - Front End and Director servers get three separate certificates
//     (Default, WebServicesInternal, WebServicesExternal), as the
//     catalogue's table shows, all from the internal CA: their SANs hold
//     internal names (pool and server FQDNs) that a public CA does not
//     issue. CERT-008 (internal CA with mobiles on the Wi-Fi) is left to
//     the administrator: trust the internal root on the devices.
//   - The subject is always the first SAN, as the SfB certificate wizard
//     requests it, except on the internal Edge certificate (no SANs).
//   - With strict DNS auto-logon, every Front End and Director pool's
//     Default certificate carries sip.<d>, not only the sign-in target's:
//     a superset that keeps CERT-001 true wherever sip.<d> points.
//   - The SBA's Default certificate gets client-auth like any Default one.
func planCertificates(t *model.Topology, p *plan.Plan) {
	h := certHostsOf(t)
	var derived []certCandidate
	derived = append(derived, certPoolCerts(t, h)...)
	derived = append(derived, certProxyCerts(t, h)...)
	derived = append(derived, certEdgeCerts(t)...)
	derived = append(derived, certSBACerts(t, h)...)
	for i := range derived {
		certFinish(t, &derived[i].cert)
		for j := range derived[i].alts {
			certFinish(t, &derived[i].alts[j].cert)
		}
	}
	p.Certificates = certMerge(certDeclared(t), derived)
}

// certFinish gives a derived certificate the pki settings: the key size,
// and for an internal CA the template of its usage, whose extended key
// usages are the ones requested.
func certFinish(t *model.Topology, c *plan.Certificate) {
	if bits := t.PKI.KeyBits; bits != 0 {
		c.KeyBits = bits
	}
	if c.Issuer != "internal" {
		return
	}
	if name, eku := certTemplate(t, c.Usage); name != "" && len(eku) > 0 {
		c.Template, c.EKU = name, eku
	}
}

// certHosts are the names certificates draw on, lower case and sorted.
type certHosts struct {
	meet, dialin, admin []string
	// lyncdiscover.<d> and lyncdiscoverinternal.<d> per SIP domain; empty
	// when mobility is disabled (CERT-004, CERT-006 do not apply).
	lyncdiscover, lyncdiscoverInternal []string
	// sip.<d> per SIP domain, in the topology's order (primary first),
	// and sorted for certSANs.
	sip, sipSorted []string
}

// certHostsOf takes the simple URL hosts from the effective simple URLs
// (the defaults DNS and the reverse proxy use too); the admin host only
// when an admin URL is declared.
func certHostsOf(t *model.Topology) certHosts {
	var h certHosts
	su := t.EffectiveSimpleURLs()
	for _, u := range su.Meet {
		h.meet = append(h.meet, certURLHost(u.URL))
	}
	for _, u := range su.Dialin {
		h.dialin = append(h.dialin, certURLHost(u.URL))
	}
	for _, u := range su.Admin {
		h.admin = append(h.admin, certURLHost(u.URL))
	}
	for _, d := range t.SIPDomains {
		d = strings.ToLower(d)
		if t.Mobility.Enabled {
			h.lyncdiscover = append(h.lyncdiscover, "lyncdiscover."+d)
			h.lyncdiscoverInternal = append(h.lyncdiscoverInternal, "lyncdiscoverinternal."+d)
		}
		h.sip = append(h.sip, "sip."+d)
	}
	// Sorted once here, so that each certificate merges them (certSANs).
	h.meet, h.dialin, h.admin = certSorted(h.meet), certSorted(h.dialin), certSorted(h.admin)
	h.lyncdiscover, h.lyncdiscoverInternal = certSorted(h.lyncdiscover), certSorted(h.lyncdiscoverInternal)
	h.sipSorted = certSorted(h.sip)
	return h
}

// certURLHost is the lower-case host of a simple URL:
// "https://meet.contoso.com/x" -> "meet.contoso.com".
func certURLHost(u string) string {
	s := strings.ToLower(u)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[:i]
	}
	return s
}

// certCandidate is a derived certificate with the names a declared
// certificate's assigned_to may use to cover it (lower case).
type certCandidate struct {
	cert  plan.Certificate
	match map[string]bool
	// rp is the reverse proxy of an RPListener certificate, for declared
	// certificates that a listener names.
	rp string
	// alts are the separate certificates a single certificate for several
	// usages stands for: where declared certificates cover some of those
	// usages, the ones they leave are planned instead.
	alts []certCandidate
}

// certPoolCerts derives, for every Front End and Director server, its
// Default, WebServicesInternal and WebServicesExternal certificates.
func certPoolCerts(t *model.Topology, h certHosts) []certCandidate {
	var out []certCandidate
	for _, pn := range model.SortedKeys(t.Pools) {
		pool := t.Pools[pn]
		subject := strings.ToLower(pool.FQDN)
		var lyncdiscover, lyncdiscoverInternal []string
		if pool.Autodiscover {
			lyncdiscover, lyncdiscoverInternal = h.lyncdiscover, h.lyncdiscoverInternal
		}
		for _, sn := range model.SortedKeys(pool.Servers) {
			srv := strings.ToLower(pool.Servers[sn].FQDN)
			match := certSet(pn, pool.FQDN, srv)
			var sip []string
			if t.Mobility.StrictDNSAutologon {
				sip = h.sipSorted
			}
			def := certNew(sn+"-default", plan.UsageDefault, []string{srv}, subject, "internal",
				certSANs(subject, []string{srv}, sip), certWhy("CERT-001"), plan.EKUServerAuth, plan.EKUClientAuth)
			wsi := certNew(sn+"-webservicesinternal", plan.UsageWebServicesInternal, []string{srv}, subject, "internal",
				certSANs(subject, []string{pool.WebInternalFQDN(), srv}, h.meet, h.dialin, h.admin, lyncdiscoverInternal),
				certWhy("CERT-002", certIf(len(lyncdiscoverInternal) > 0, "CERT-004")), plan.EKUServerAuth)
			wse := certNew(sn+"-webservicesexternal", plan.UsageWebServicesExternal, []string{srv}, subject, "internal",
				certSANs(subject, []string{pool.WebExternal.FQDN}, h.meet, h.dialin, lyncdiscover),
				certWhy("CERT-003", certIf(len(lyncdiscover) > 0, "CERT-004")), plan.EKUServerAuth)
			var three []certCandidate
			for _, c := range []plan.Certificate{def, wsi, wse} {
				three = append(three, certCandidate{cert: c, match: match})
			}
			if !t.PKI.SingleCertificate {
				out = append(out, three...)
				continue
			}
			// One certificate for the three usages (CERT-004's single
			// certificate): every name each of them needs.
			one := certNew(sn+"-default-webservices", plan.UsageDefault, []string{srv}, subject, "internal",
				certSANs(subject, def.SANs, wsi.SANs, wse.SANs),
				certWhy("CERT-001", "CERT-002", "CERT-003", certIf(len(lyncdiscover) > 0, "CERT-004"), "pki single_certificate"),
				plan.EKUServerAuth, plan.EKUClientAuth)
			one.Usage = []string{plan.UsageDefault, plan.UsageWebServicesExternal, plan.UsageWebServicesInternal}
			out = append(out, certCandidate{cert: one, match: match, alts: three})
		}
	}
	return out
}

// certProxyCerts derives the listener certificate of every reverse proxy
// with a TLS listener: public CA, every name the proxy publishes.
func certProxyCerts(t *model.Topology, h certHosts) []certCandidate {
	var out []certCandidate
	for _, rn := range model.SortedKeys(t.ReverseProxies) {
		rp := t.ReverseProxies[rn]
		if !certHasTLSListener(rp) {
			continue
		}
		published := certPublished(rp)
		var names []string
		for _, pn := range model.SortedKeys(t.Pools) {
			if f := strings.ToLower(t.Pools[pn].WebExternal.FQDN); f != "" && published(f) {
				names = append(names, f)
			}
		}
		if o := t.OfficeWebApps; o != nil && o.Published && published(strings.ToLower(o.FQDN)) {
			names = append(names, strings.ToLower(o.FQDN))
		}
		// Names the topology's own rules publish must be on the certificate too.
		for _, rule := range model.SortedKeys(rp.Rules) {
			names = append(names, rp.Rules[rule].PublicNames...)
		}
		var ld []string
		why := []string{"CERT-005"}
		if t.Mobility.AutodiscoverScheme == "https" && len(h.lyncdiscover) > 0 {
			ld, why = h.lyncdiscover, append(why, "CERT-006")
		}
		subject := certProxySubject(t, names)
		if subject == "" {
			// No web services name is published (no pool has
			// web_external): the simple URLs name the certificate.
			if s := certSANs("", h.meet, h.dialin, ld); len(s) > 1 {
				subject = s[1]
			}
		}
		c := certNew(rn+"-listener", plan.UsageRPListener, []string{rn}, subject, "public",
			certSANs(subject, names, h.meet, h.dialin, ld), certWhy(why...), plan.EKUServerAuth)
		out = append(out, certCandidate{cert: c, match: certSet(rn), rp: rn})
	}
	return out
}

// certHasTLSListener: a listener not on port 80, or one that names a
// certificate (the proxy planner's reading of a TLS listener).
func certHasTLSListener(rp model.ReverseProxy) bool {
	for _, l := range rp.Listeners {
		if l.Port != 80 || l.Certificate != "" {
			return true
		}
	}
	return false
}

// certPublished says whether a proxy publishes a name: with no declared
// rules it publishes every external web FQDN (the proxy planner derives
// them); otherwise only what its rules name.
func certPublished(rp model.ReverseProxy) func(string) bool {
	if len(rp.Rules) == 0 {
		return func(string) bool { return true }
	}
	names := map[string]bool{}
	for _, r := range rp.Rules {
		for _, n := range r.PublicNames {
			names[strings.ToLower(n)] = true
		}
	}
	return func(n string) bool { return names[n] }
}

// certProxySubject is the Autodiscover target's external web FQDN, or,
// when it has none, the first name the proxy publishes.
func certProxySubject(t *model.Topology, names []string) string {
	if ad, ok := t.AutodiscoverTarget(); ok && ad.WebExternal.FQDN != "" {
		return strings.ToLower(ad.WebExternal.FQDN)
	}
	if s := certSorted(names); len(s) > 0 {
		return s[0]
	}
	return ""
}

// certEdgeCerts derives, per Edge pool, one external certificate (public
// CA; one certificate and key for every Edge server of the pool) and one
// internal certificate (internal CA, no SANs) (CERT-011).
func certEdgeCerts(t *model.Topology) []certCandidate {
	var out []certCandidate
	for _, en := range model.SortedKeys(t.EdgePools) {
		e := t.EdgePools[en]
		var servers []string
		match := certSet(en)
		for _, sn := range model.SortedKeys(e.Servers) {
			f := strings.ToLower(e.Servers[sn].FQDN)
			servers = append(servers, f)
			match[f] = true
		}
		servers = certSorted(servers)
		access := strings.ToLower(e.AccessFQDN)
		var further []string
		for i, d := range t.SIPDomains {
			if i > 0 {
				further = append(further, "sip."+strings.ToLower(d))
			}
		}
		ext := certNew(en+"-edgeexternal", plan.UsageEdgeExternal, servers, access, "public",
			certSANs(access, []string{e.WebconfFQDN}, further), certWhy("CERT-011"), plan.EKUServerAuth)
		internal := strings.ToLower(e.InternalFQDN)
		in := certNew(en+"-edgeinternal", plan.UsageEdgeInternal, servers, internal, "internal",
			[]string{}, certWhy("CERT-011"), plan.EKUServerAuth, plan.EKUClientAuth)
		out = append(out, certCandidate{cert: ext, match: match}, certCandidate{cert: in, match: match})
	}
	return out
}

// certSBACerts derives each Survivable Branch Appliance's Default
// certificate: subject the appliance FQDN, sip.<d> per SIP domain (CERT-010).
func certSBACerts(t *model.Topology, h certHosts) []certCandidate {
	var out []certCandidate
	for _, bn := range model.SortedKeys(t.SBAs) {
		fqdn := strings.ToLower(t.SBAs[bn].FQDN)
		c := certNew(bn+"-sba", plan.UsageSBA, []string{fqdn}, fqdn, "internal",
			certSANs(fqdn, h.sipSorted), certWhy("CERT-010"), plan.EKUServerAuth, plan.EKUClientAuth)
		out = append(out, certCandidate{cert: c, match: certSet(bn, fqdn)})
	}
	return out
}

// certDeclared carries the topology's certificates over as declared. A
// certificate is also the listener certificate of every proxy whose
// listener names it.
func certDeclared(t *model.Topology) []certDecl {
	byListener := map[string][]string{} // certificate -> proxies
	for _, rn := range model.SortedKeys(t.ReverseProxies) {
		for _, l := range t.ReverseProxies[rn].Listeners {
			if l.Certificate != "" {
				byListener[l.Certificate] = append(byListener[l.Certificate], rn)
			}
		}
	}
	var out []certDecl
	for _, cn := range model.SortedKeys(t.Certificates) {
		mc := t.Certificates[cn]
		d := certDecl{usage: map[string]bool{}, assigned: map[string]bool{}, rps: map[string]bool{}}
		for _, u := range mc.Usage {
			d.usage[u] = true
		}
		for _, a := range mc.AssignedTo {
			d.assigned[strings.ToLower(a)] = true
			if _, ok := t.ReverseProxies[a]; ok {
				d.rps[a] = true
			}
		}
		for _, rn := range byListener[cn] {
			d.rps[rn], d.assigned[strings.ToLower(rn)] = true, true
			d.usage[plan.UsageRPListener] = true
		}
		d.cert = certFromDeclared(t, cn, mc, d)
		out = append(out, d)
	}
	return out
}

// certDecl is a declared certificate with what it covers.
type certDecl struct {
	cert     plan.Certificate
	usage    map[string]bool
	assigned map[string]bool // lower case
	rps      map[string]bool // proxies it is assigned to or a listener names
}

// covers says whether the declared certificate replaces a derived one:
// same usage, and assigned to its target (a server FQDN or its pool's
// name, an Edge pool or one of its servers, an SBA's name or FQDN, a
// proxy). An RPListener certificate assigned to no proxy covers every
// proxy; the Default usage also covers an SBA's certificate (CERT-010).
func (d certDecl) covers(c certCandidate) bool {
	u := c.cert.Usage[0]
	if !d.usage[u] && !(u == plan.UsageSBA && d.usage[plan.UsageDefault]) {
		return false
	}
	if u == plan.UsageRPListener {
		return d.rps[c.rp] || len(d.rps) == 0
	}
	return certAnyIn(d.assigned, c.match)
}

// certFromDeclared is the plan's view of a declared certificate. Its
// assignment is spelled out as server FQDNs (pool, Edge pool and SBA
// names expanded) plus proxy names.
func certFromDeclared(t *model.Topology, name string, mc model.Certificate, d certDecl) plan.Certificate {
	var assign []string
	for _, a := range mc.AssignedTo {
		assign = append(assign, certExpand(t, a)...)
	}
	for rn := range d.rps {
		assign = append(assign, rn)
	}
	var usage []string
	for u := range d.usage {
		usage = append(usage, u)
	}
	subject := strings.ToLower(mc.Subject)
	c := plan.Certificate{
		Name:     name,
		Usage:    certSorted(usage),
		AssignTo: certSorted(assign),
		Subject:  subject,
		SANs:     certDeclaredSANs(subject, mc.SANs),
		Issuer:   mc.Issuer,
		KeyType:  "RSA",
		KeyBits:  mc.KeyBits,
		EKU:      append([]string(nil), mc.EKU...),
		Declared: true,
		Why:      "declared",
	}
	if strings.HasPrefix(mc.SigAlg, "ecdsa") {
		c.KeyType, c.KeyBits = "ECDSA", certECDSABits(mc)
	}
	if c.KeyBits == 0 {
		c.KeyBits = DefaultKeyBits
	}
	// An internal certificate still to request names the template of its
	// usage, which issues what the request asks for (CERT-009 refuses a
	// declared EKU the template does not issue).
	if c.Issuer == "internal" && mc.File == "" {
		var eku []string
		c.Template, eku = certTemplate(t, c.Usage)
		if len(c.EKU) == 0 {
			c.EKU = eku
		}
	}
	// A request needs an EKU; the topology may leave it unknown.
	if len(c.EKU) == 0 {
		c.EKU = []string{plan.EKUServerAuth}
		if d.usage[plan.UsageDefault] || d.usage[plan.UsageEdgeInternal] {
			c.EKU = append(c.EKU, plan.EKUClientAuth)
		}
	}
	c.File = mc.File
	return c
}

// certECDSABits is the curve size of a declared ECDSA certificate.
func certECDSABits(mc model.Certificate) int {
	switch mc.KeyBits {
	case 256, 384, 521:
		return mc.KeyBits
	}
	if mc.SigAlg == "ecdsa-sha384" {
		return 384
	}
	return 256
}

// certExpand turns an assigned_to entry into the FQDNs it stands for.
func certExpand(t *model.Topology, a string) []string {
	var out []string
	if p, ok := t.Pools[a]; ok {
		for _, s := range p.Servers {
			out = append(out, strings.ToLower(s.FQDN))
		}
		return out
	}
	if e, ok := t.EdgePools[a]; ok {
		for _, s := range e.Servers {
			out = append(out, strings.ToLower(s.FQDN))
		}
		return out
	}
	if b, ok := t.SBAs[a]; ok {
		return []string{strings.ToLower(b.FQDN)}
	}
	if _, ok := t.ReverseProxies[a]; ok {
		return []string{a}
	}
	return []string{strings.ToLower(a)}
}

// certDeclaredSANs orders declared SANs like derived ones (the subject
// first if present, then sorted) without adding any.
func certDeclaredSANs(subject string, sans []string) []string {
	var rest []string
	has := false
	for _, s := range sans {
		s = strings.ToLower(s)
		if s == subject {
			has = true
			continue
		}
		rest = append(rest, s)
	}
	rest = certSorted(rest)
	if has {
		return append([]string{subject}, rest...)
	}
	return rest
}

// certMerge keeps every declared certificate and each derived one no
// declared certificate covers, sorted by name. Names are made safe file
// stems and unique (a derived name a declared one already uses gets a
// numeric suffix).
func certMerge(declared []certDecl, derived []certCandidate) []plan.Certificate {
	var out []plan.Certificate
	for _, d := range declared {
		out = append(out, d.cert)
	}
	isCovered := func(c certCandidate) bool {
		for _, d := range declared {
			if d.covers(c) {
				return true
			}
		}
		return false
	}
	for _, c := range derived {
		if len(c.alts) == 0 {
			if !isCovered(c) {
				out = append(out, c.cert)
			}
			continue
		}
		// A single certificate stays whole unless a declared one covers
		// one of its usages; then the separate ones left are planned.
		var left []plan.Certificate
		for _, a := range c.alts {
			if !isCovered(a) {
				left = append(left, a.cert)
			}
		}
		if len(left) == len(c.alts) {
			left = []plan.Certificate{c.cert}
		}
		out = append(out, left...)
	}
	used := map[string]bool{}
	for i := range out {
		out[i].Name = certUniqueName(certFileStem(out[i].Name), used)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// certFileStem makes a name safe as a file stem: lower case letters,
// digits, '.', '_' and '-', not starting with '.' or '-'.
func certFileStem(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.TrimLeft(b.String(), ".-")
	if s == "" {
		s = "certificate"
	}
	return s
}

func certUniqueName(name string, used map[string]bool) string {
	n := name
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%s-%d", name, i)
	}
	used[n] = true
	return n
}

// certNew builds a derived certificate: RSA, DefaultKeyBits.
func certNew(name, usage string, assign []string, subject, issuer string, sans []string, why string, eku ...string) plan.Certificate {
	return plan.Certificate{
		Name: name, Usage: []string{usage}, AssignTo: assign,
		Subject: subject, SANs: sans, Issuer: issuer,
		KeyType: "RSA", KeyBits: DefaultKeyBits, EKU: eku, Why: why,
	}
}

// certSANs is the request order: the subject first, then every other
// name sorted, lower case, without duplicates or empty names. Lists
// already so (the names per SIP domain, sorted once in certHostsOf) are
// merged as they are: a certificate of a large deployment carries
// several names per SIP domain, and sorting them again per certificate
// was most of planning's time.
func certSANs(subject string, lists ...[]string) []string {
	out := []string{subject}
	for _, l := range lists {
		if !certIsSorted(l) {
			l = certSorted(certLower(l))
		}
		out = append(out[:1], certMergeNames(out[1:], l, subject)...)
	}
	return out
}

// certIsSorted: every name lower case, not empty, and after the one
// before it.
func certIsSorted(l []string) bool {
	for i, n := range l {
		if n == "" || (i > 0 && l[i-1] >= n) || !certIsLower(n) {
			return false
		}
	}
	return true
}

// certIsLower: strings.ToLower(n) == n, without converting plain ASCII.
func certIsLower(n string) bool {
	for i := 0; i < len(n); i++ {
		if c := n[i]; c >= utf8.RuneSelf {
			return strings.ToLower(n) == n
		} else if 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

func certLower(l []string) []string {
	out := make([]string, len(l))
	for i, n := range l {
		out[i] = strings.ToLower(n)
	}
	return out
}

// certMergeNames merges two lists that certIsSorted accepts into a new one,
// each name once, without skip.
func certMergeNames(a, b []string, skip string) []string {
	out := make([]string, 0, len(a)+len(b))
	add := func(n string) {
		if n != skip {
			out = append(out, n)
		}
	}
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			add(a[0])
			a = a[1:]
		case b[0] < a[0]:
			add(b[0])
			b = b[1:]
		default:
			add(a[0])
			a, b = a[1:], b[1:]
		}
	}
	for _, n := range a {
		add(n)
	}
	for _, n := range b {
		add(n)
	}
	return out
}

// certWhy lists the rules a certificate satisfies; CERT-009 (server-auth
// EKU, 2048-bit RSA key, SHA-256) holds for every derived one.
func certWhy(rules ...string) string {
	var out []string
	for _, r := range rules {
		if r != "" {
			out = append(out, r)
		}
	}
	return strings.Join(append(out, "CERT-009"), ", ")
}

func certIf(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// certSorted returns the names sorted and without duplicates.
func certSorted(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func certSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		if n != "" {
			m[strings.ToLower(n)] = true
		}
	}
	return m
}

func certAnyIn(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}
