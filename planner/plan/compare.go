package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Difference is one change between two plans, in the deployment's terms.
type Difference struct {
	// Area: dns, certificate, publishing, listener, vip, firewall, shell.
	Area string `json:"area"`
	// Symbol: "+" added, "-" removed, "~" changed in place.
	Symbol string `json:"symbol"`
	// Subject names the thing changed: "external zone contoso.com".
	Subject string `json:"subject"`
	Text    string `json:"text"`
	// Unit is what the administrator changes, and what the plan's summary
	// counts: "DNS record", "SAN", "publishing rule", "VIP", ...
	Unit string `json:"unit,omitempty"`
	// From and To are the item before and after: From alone for "-", To
	// alone for "+", both for "~".
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

func (d Difference) String() string { return fmt.Sprintf("%s %s: %s", d.Symbol, d.Subject, d.Text) }

// Units of Difference, in the order a summary lists them.
const (
	UnitZone          = "DNS zone"
	UnitRecord        = "DNS record"
	UnitCertificate   = "certificate"
	UnitSAN           = "SAN"
	UnitPubRule       = "publishing rule"
	UnitPublicName    = "published name"
	UnitReverseProxy  = "reverse proxy"
	UnitListener      = "reverse proxy listener"
	UnitVIP           = "VIP"
	UnitFirewall      = "firewall row"
	UnitScriptSection = "script section"
)

// Units lists every unit in summary order.
var Units = []string{UnitZone, UnitRecord, UnitCertificate, UnitSAN, UnitPubRule, UnitPublicName, UnitReverseProxy, UnitListener, UnitVIP, UnitFirewall, UnitScriptSection}

// Arrow separates the old and the new value of an in-place change ("->"
// already reads as a flow in firewall rows and bridges).
const Arrow = " \u2192 "

// Tally counts differences by unit and symbol.
type Tally struct {
	Unit   string `json:"unit"`
	Add    int    `json:"add"`
	Change int    `json:"change"`
	Remove int    `json:"remove"`
}

// Count tallies the differences per unit, in Units order, leaving out
// units with no difference.
func Count(ds []Difference) []Tally {
	by := map[string]*Tally{}
	for _, d := range ds {
		t := by[d.Unit]
		if t == nil {
			t = &Tally{Unit: d.Unit}
			by[d.Unit] = t
		}
		switch d.Symbol {
		case "+":
			t.Add++
		case "-":
			t.Remove++
		default:
			t.Change++
		}
	}
	out := []Tally{}
	for _, u := range append(Units, "") {
		if t := by[u]; t != nil {
			out = append(out, *t)
		}
	}
	return out
}

// Compare lists what changes from old to new (old may be nil: everything
// is added). An item whose identity stays and whose value moves (a
// record's address, a VIP's ports, a firewall row's destination) is one
// "~" difference, old → new, not a removal and an addition. The result is
// in a fixed order, so the same plans give the same text.
func Compare(old, new *Plan) []Difference {
	if old == nil {
		old = &Plan{}
	}
	var out []Difference
	add := func(area, unit, sym, subject, from, to, format string, a ...any) {
		out = append(out, Difference{Area: area, Symbol: sym, Subject: subject, Text: fmt.Sprintf(format, a...), Unit: unit, From: from, To: to})
	}

	// DNS: zones, then records. A record is identified by its name and
	// type; its data (address, target, SRV fields, TTL) may change.
	oz, nz := map[string]Zone{}, map[string]Zone{}
	for _, z := range old.Zones {
		oz[z.View+" "+z.Name] = z
	}
	for _, z := range new.Zones {
		nz[z.View+" "+z.Name] = z
	}
	for _, k := range union(oz, nz) {
		o, inOld := oz[k]
		n, inNew := nz[k]
		subject := ""
		if inNew {
			subject = n.View + " zone " + n.Name
		} else {
			subject = o.View + " zone " + o.Name
		}
		switch {
		case !inOld:
			add("dns", UnitZone, "+", subject, "", n.Name, "zone added with %d %s", len(n.Records), plural(len(n.Records), "record", "records"))
			continue
		case !inNew:
			add("dns", UnitZone, "-", subject, o.Name, "", "zone removed")
			continue
		}
		if ons, nns := strings.Join(o.NS, ", "), strings.Join(n.NS, ", "); ons != nns {
			add("dns", UnitZone, "~", subject, ons, nns, "name servers %s%s%s", ons, Arrow, nns)
		}
		pairs(recordItems(o.Records), recordItems(n.Records), func(sym string, from, to item) {
			switch sym {
			case "+":
				add("dns", UnitRecord, "+", subject, "", to.text, "record %s", to.text)
			case "-":
				add("dns", UnitRecord, "-", subject, from.text, "", "record %s", from.text)
			default:
				add("dns", UnitRecord, "~", subject, from.text, to.text, "%s %s%s%s", from.id, from.value, Arrow, to.value)
			}
		})
	}

	// Certificates: subject, key and SANs.
	oc, nc := map[string]Certificate{}, map[string]Certificate{}
	for _, c := range old.Certificates {
		oc[c.Name] = c
	}
	for _, c := range new.Certificates {
		nc[c.Name] = c
	}
	for _, k := range union(oc, nc) {
		o, inOld := oc[k]
		n, inNew := nc[k]
		subject := "certificate " + k
		switch {
		case !inOld:
			add("certificate", UnitCertificate, "+", subject, "", n.Subject, "new request for %s (%d %s)", n.Subject, len(n.SANs), plural(len(n.SANs), "SAN", "SANs"))
			continue
		case !inNew:
			add("certificate", UnitCertificate, "-", subject, o.Subject, "", "no longer planned")
			continue
		}
		if o.Subject != n.Subject {
			add("certificate", UnitCertificate, "~", subject, o.Subject, n.Subject, "subject %s%s%s", o.Subject, Arrow, n.Subject)
		}
		if o.Issuer != n.Issuer {
			add("certificate", UnitCertificate, "~", subject, o.Issuer, n.Issuer, "issuer %s CA%s%s CA", o.Issuer, Arrow, n.Issuer)
		}
		if ok, nk := fmt.Sprintf("%s %d", o.KeyType, o.KeyBits), fmt.Sprintf("%s %d", n.KeyType, n.KeyBits); ok != nk {
			add("certificate", UnitCertificate, "~", subject, ok, nk, "key %s%s%s", ok, Arrow, nk)
		}
		for _, s := range sortedDiff(set(n.SANs), set(o.SANs)) {
			add("certificate", UnitSAN, "+", subject, "", s, "SAN %s", s)
		}
		for _, s := range sortedDiff(set(o.SANs), set(n.SANs)) {
			add("certificate", UnitSAN, "-", subject, s, "", "SAN %s", s)
		}
	}

	// Reverse proxies: listeners, then publishing rules.
	orp, nrp := map[string]ReverseProxy{}, map[string]ReverseProxy{}
	for _, rp := range old.ReverseProxies {
		orp[rp.Name] = rp
	}
	for _, rp := range new.ReverseProxies {
		nrp[rp.Name] = rp
	}
	for _, k := range union(orp, nrp) {
		o, inOld := orp[k]
		n, inNew := nrp[k]
		if inOld && inNew && o.InternalIP != n.InternalIP {
			add("listener", UnitReverseProxy, "~", "reverse proxy "+k, o.InternalIP, n.InternalIP, "internal address %s%s%s", o.InternalIP, Arrow, n.InternalIP)
		}
	}
	ol, nl := map[string]Listener{}, map[string]Listener{}
	or, nr := map[string]PubRule{}, map[string]PubRule{}
	for _, rp := range old.ReverseProxies {
		for _, l := range rp.Listeners {
			ol[rp.Name+"/"+l.Name] = l
		}
		for _, r := range rp.Rules {
			or[rp.Name+"/"+r.Name] = r
		}
	}
	for _, rp := range new.ReverseProxies {
		for _, l := range rp.Listeners {
			nl[rp.Name+"/"+l.Name] = l
		}
		for _, r := range rp.Rules {
			nr[rp.Name+"/"+r.Name] = r
		}
	}
	for _, k := range union(ol, nl) {
		o, inOld := ol[k]
		n, inNew := nl[k]
		subject := "reverse proxy listener " + k
		switch {
		case !inOld:
			add("listener", UnitListener, "+", subject, "", listener(n), "listens on %s", listener(n))
		case !inNew:
			add("listener", UnitListener, "-", subject, listener(o), "", "removed")
		case listener(o) != listener(n):
			add("listener", UnitListener, "~", subject, listener(o), listener(n), "%s%s%s", listener(o), Arrow, listener(n))
		}
	}
	for _, k := range union(or, nr) {
		o, inOld := or[k]
		n, inNew := nr[k]
		subject := "publishing rule " + k
		switch {
		case !inOld:
			add("publishing", UnitPubRule, "+", subject, "", n.Target, "publishes %s to %s", strings.Join(n.PublicNames, ", "), n.Target)
			continue
		case !inNew:
			add("publishing", UnitPubRule, "-", subject, o.Target, "", "removed")
			continue
		}
		for _, s := range sortedDiff(set(n.PublicNames), set(o.PublicNames)) {
			add("publishing", UnitPublicName, "+", subject, "", s, "public name %s", s)
		}
		for _, s := range sortedDiff(set(o.PublicNames), set(n.PublicNames)) {
			add("publishing", UnitPublicName, "-", subject, s, "", "public name %s", s)
		}
		if ot, nt := ruleTarget(o), ruleTarget(n); ot != nt {
			add("publishing", UnitPubRule, "~", subject, ot, nt, "%s%s%s", ot, Arrow, nt)
		}
	}

	// VIPs.
	ov, nv := map[string]VIP{}, map[string]VIP{}
	for _, v := range old.VIPs {
		ov[v.Name] = v
	}
	for _, v := range new.VIPs {
		nv[v.Name] = v
	}
	for _, k := range union(ov, nv) {
		o, inOld := ov[k]
		n, inNew := nv[k]
		subject := "VIP " + k
		switch {
		case !inOld:
			add("vip", UnitVIP, "+", subject, "", vip(n), "%s", vip(n))
		case !inNew:
			add("vip", UnitVIP, "-", subject, vip(o), "", "removed")
		case vip(o) != vip(n):
			add("vip", UnitVIP, "~", subject, vip(o), vip(n), "%s%s%s", vip(o), Arrow, vip(n))
		}
	}

	// Firewall rows, by what they allow. A row is identified by its
	// purpose: a row whose purpose stays and whose source, destination,
	// protocol or ports move is one change.
	pairs(firewallItems(old.Firewall), firewallItems(new.Firewall), func(sym string, from, to item) {
		switch sym {
		case "+":
			add("firewall", UnitFirewall, "+", "firewall", "", to.text, "%s", to.text)
		case "-":
			add("firewall", UnitFirewall, "-", "firewall", from.text, "", "%s", from.text)
		default:
			add("firewall", UnitFirewall, "~", "firewall", from.text, to.text, "%s: %s", to.text, changedFields(from.fields, to.fields))
		}
	})

	// Management Shell sections, by title without the step number: steps
	// are numbered without gaps, so one that appears or goes renumbers the
	// others, which is no change of theirs.
	oldSh, newSh := map[string]string{}, map[string]string{}
	for _, s := range old.Shell {
		oldSh[shellKey(s.Title)] = strings.Join(s.Commands, "\n")
	}
	for _, s := range new.Shell {
		newSh[shellKey(s.Title)] = strings.Join(s.Commands, "\n")
	}
	for _, k := range union(oldSh, newSh) {
		o, inOld := oldSh[k]
		n, inNew := newSh[k]
		switch {
		case !inOld:
			add("shell", UnitScriptSection, "+", "script section "+k, "", k, "added")
		case !inNew:
			add("shell", UnitScriptSection, "-", "script section "+k, k, "", "removed")
		case o != n:
			add("shell", UnitScriptSection, "~", "script section "+k, "", "", "commands changed")
		}
	}
	return out
}

// shellKey is a section's title without its step number ("3. Push" ->
// "Push").
func shellKey(title string) string {
	n, rest, ok := strings.Cut(strings.TrimSpace(title), ". ")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return title
	}
	return rest
}

// item is one thing a plan lists, by an identity that survives an edit
// and a value that may change.
type item struct {
	id, value string
	text      string // the whole item, as a line says it
	// fields name the parts of value, for a change that says which moved.
	fields [][2]string
}

// changedFields says which fields moved: "destination 1.1.1.1 → 2.2.2.2".
func changedFields(old, new [][2]string) string {
	var parts []string
	for i := range new {
		if i < len(old) && old[i][1] != new[i][1] {
			parts = append(parts, new[i][0]+" "+old[i][1]+Arrow+new[i][1])
		}
	}
	return strings.Join(parts, ", ")
}

// pairs compares two lists of items: those in both, unchanged, are
// skipped; what one identity loses and gains, one value each, is a change
// ("~"); anything else is an addition or a removal. Order: additions and
// changes sorted by text, then removals.
func pairs(old, new []item, emit func(sym string, from, to item)) {
	ot, nt := map[string]bool{}, map[string]bool{}
	for _, i := range old {
		ot[i.text] = true
	}
	for _, i := range new {
		nt[i.text] = true
	}
	gone, came := map[string][]item{}, map[string][]item{}
	for _, i := range old {
		if !nt[i.text] {
			gone[i.id] = append(gone[i.id], i)
		}
	}
	for _, i := range new {
		if !ot[i.text] {
			came[i.id] = append(came[i.id], i)
		}
	}
	type line struct {
		sym      string
		from, to item
	}
	var plus, minus []line
	for id, cs := range came {
		if gs := gone[id]; len(gs) == 1 && len(cs) == 1 {
			plus = append(plus, line{"~", gs[0], cs[0]})
			delete(gone, id)
			continue
		}
		for _, c := range cs {
			plus = append(plus, line{"+", item{}, c})
		}
	}
	for _, gs := range gone {
		for _, g := range gs {
			minus = append(minus, line{"-", g, item{}})
		}
	}
	sort.Slice(plus, func(i, j int) bool { return plus[i].to.text < plus[j].to.text })
	sort.Slice(minus, func(i, j int) bool { return minus[i].from.text < minus[j].from.text })
	for _, l := range append(plus, minus...) {
		emit(l.sym, l.from, l.to)
	}
}

func recordItems(rs []Record) []item {
	out := make([]item, len(rs))
	keys := recordKeys(rs)
	for i, r := range rs {
		id := r.Name + " " + r.Type
		v := strings.TrimPrefix(keys[i], id+" ")
		if r.TTL != 0 && r.TTL != DNSDefaultTTL {
			v += fmt.Sprintf(" (TTL %d)", r.TTL)
		}
		out[i] = item{id: id, value: v, text: id + " " + v}
	}
	return out
}

func firewallItems(fs []FirewallRule) []item {
	out := make([]item, len(fs))
	for i, f := range fs {
		v := fmt.Sprintf("%s -> %s %s %s", f.Source, f.Destination, f.Protocol, f.Ports)
		out[i] = item{id: f.Purpose, value: v, text: fmt.Sprintf("%s (%s)", v, f.Purpose),
			fields: [][2]string{{"source", f.Source}, {"destination", f.Destination}, {"protocol", f.Protocol}, {"ports", f.Ports}}}
	}
	return out
}

func listener(l Listener) string {
	s := fmt.Sprintf("%s:%d", l.IP, l.Port)
	if l.TLS {
		s += " TLS"
		if l.Certificate != "" {
			s += " certificate " + l.Certificate
		}
	}
	return s
}

func ruleTarget(r PubRule) string {
	s := fmt.Sprintf("target %s %s", r.Target, bridges(r.Bridges))
	if r.IdleTimeout != 0 {
		s += fmt.Sprintf(" idle %ds", r.IdleTimeout)
	}
	if !r.ForwardHostHeader {
		s += " host header not forwarded"
	}
	return s
}

func vip(v VIP) string {
	s := fmt.Sprintf("%s %s %s", v.IP, ports(v.Ports), v.Persistence)
	var bs []string
	for _, b := range v.Backends {
		bs = append(bs, b.IP)
	}
	if len(bs) > 0 {
		s += " to " + strings.Join(bs, ", ")
	}
	if v.CookieName != "" {
		s += " cookie " + v.CookieName
	}
	if v.IdleTimeout != 0 {
		s += fmt.Sprintf(" idle %ds", v.IdleTimeout)
	}
	if v.MonitorPort != 0 {
		s += fmt.Sprintf(" monitor %d", v.MonitorPort)
	}
	if v.PerRequestLB {
		s += " per-request"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func recordKeys(rs []Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		v := r.Value
		if r.Type == "SRV" {
			v = fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, r.Value)
		}
		out[i] = fmt.Sprintf("%s %s %s", r.Name, r.Type, v)
	}
	return out
}

func bridges(bs []Bridge) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("%d->%d/%s", b.FrontPort, b.BackPort, b.BackScheme))
	}
	return strings.Join(parts, ",")
}

func ports(ps []PortPair) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%d->%d", p.Front, p.Back))
	}
	return strings.Join(parts, ",")
}

func set(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// sortedDiff lists what a has and b lacks, sorted.
func sortedDiff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func union[V any](a, b map[string]V) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
