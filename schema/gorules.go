package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Rules evaluated in Go over the checked topology (defaults applied), for
// the rules that read every SIP domain's names in the declared DNS. In
// CUE v0.17.1 a lookup into a struct scans its fields, and the zones of a
// view form one struct as wide as the domains, so each such rule costs
// O(N²) whatever its shape (BenchmarkCUEPlainList in examples/scale;
// BenchmarkRuleCost here). A Go rule keeps its catalogue entry in its
// family's .cue file with checked_by: ["go"], and returns the findings the
// CUE rule returned (the same at, detail, severity and hint); Check turns
// them into diagnostics as it does the CUE ones.

// finding is one entry of violations[ID] (#Violation in rules.cue).
type finding struct {
	At       []any  `json:"at"`
	Detail   string `json:"detail"`
	Severity string `json:"severity"`
	Hint     string `json:"hint"`
}

// goRule is a rule evaluated in Go.
type goRule struct {
	id    string
	check func(*topo) []finding
	// reads are the attributes the rule reads, as canonical path patterns
	// ("*" any map key, "[]" any list element), for the reference's Rules
	// column (schema/reference works out those of the CUE rules).
	reads []string
}

// GoRuleReads returns the attributes each Go rule reads, as canonical
// path patterns ("*" any map key, "[]" any list element).
func GoRuleReads() map[string][]string {
	out := map[string][]string{}
	for _, r := range goRules {
		out[r.id] = r.reads
	}
	return out
}

// dnsReads are the attributes of the declared DNS the record rules read.
var dnsReads = []string{"dns.internal.*.records.*.[].type", "dns.internal.*.records.*.[].values", "dns.external.*.records.*.[].type", "dns.external.*.records.*.[].values"}

func reads(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// goRules lists the Go rules; each gorules_*.go file adds its own.
var goRules []goRule

// goRules adds the findings of the Go rules to found, the CUE rules'.
// input is the topology as written (input in rules.cue).
func (r Result) goRules(found map[string][]finding, input map[string]any) error {
	if len(goRules) == 0 {
		return nil
	}
	top, err := r.exportedTopology()
	if err != nil {
		return err
	}
	got, err := goFindings(top, input)
	if err != nil {
		return err
	}
	for id, f := range got {
		found[id] = append(found[id], f...)
	}
	return nil
}

// goFindings runs every Go rule on the checked topology, exported as
// JSON; input is the topology as written, for what defaults hide (whether
// a block was written at all).
func goFindings(topJSON []byte, input map[string]any) (map[string][]finding, error) {
	var t map[string]any
	d := json.NewDecoder(bytes.NewReader(topJSON))
	d.UseNumber()
	if err := d.Decode(&t); err != nil {
		return nil, fmt.Errorf("decoding the checked topology for the Go rules: %w", err)
	}
	tp := newTopo(t)
	_, tp.simpleURLs = input["simple_urls"]
	out := map[string][]finding{}
	for _, r := range goRules {
		if f := r.check(tp); len(f) > 0 {
			out[r.id] = f
		}
	}
	return out, nil
}

// ---- the topology as the Go rules read it ----

// obj is a struct of the checked value; its fields are iterated in CUE's
// order, which for the maps of a topology is by name (the front-ends'
// values are encoded with sorted keys).
type obj = map[string]any

func getObj(v any, path ...string) obj {
	for _, k := range path {
		m, _ := v.(obj)
		v = m[k]
	}
	m, _ := v.(obj)
	return m
}

func getStr(v any, path ...string) (string, bool) {
	if len(path) > 0 {
		m := getObj(v, path[:len(path)-1]...)
		v = m[path[len(path)-1]]
	}
	s, ok := v.(string)
	return s, ok
}

func str(v any, path ...string) string {
	s, _ := getStr(v, path...)
	return s
}

func getBool(v any, path ...string) bool {
	m := getObj(v, path[:len(path)-1]...)
	b, _ := m[path[len(path)-1]].(bool)
	return b
}

func getList(v any, path ...string) []any {
	m := getObj(v, path[:len(path)-1]...)
	l, _ := m[path[len(path)-1]].([]any)
	return l
}

func keys(m obj) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// set is a set of strings that keeps the order they were added in, as a
// CUE struct of `(k): true` fields does.
type set struct {
	order []string
	has   map[string]bool
}

func (s *set) add(k string) {
	if s.has == nil {
		s.has = map[string]bool{}
	}
	if !s.has[k] {
		s.has[k] = true
		s.order = append(s.order, k)
	}
}

func (s *set) len() int { return len(s.order) }

// join is #DnsJoin: the keys in order, comma separated.
func (s *set) join() string { return strings.Join(s.order, ", ") }

// recs is what the declared DNS says about one name in one view, as an
// entry of _dns (rules.cue): type -> value -> where, each in the order
// first written (zones by name, records by name, then by index and value).
type recs struct {
	types  []string
	byType map[string]*vals
}

type vals struct {
	order []string
	where map[string][][]any
}

func (r *recs) add(typ, v string, at []any) {
	if r.byType == nil {
		r.byType = map[string]*vals{}
	}
	t := r.byType[typ]
	if t == nil {
		t = &vals{where: map[string][][]any{}}
		r.byType[typ] = t
		r.types = append(r.types, typ)
	}
	if _, ok := t.where[v]; !ok {
		t.order = append(t.order, v)
	}
	t.where[v] = append(t.where[v], at)
}

// of returns the values of a type (nil when the name has none).
func (r *recs) of(typ string) *vals {
	if r == nil {
		return nil
	}
	return r.byType[typ]
}

func (r *recs) has(typ string) bool { return r.of(typ) != nil }

// empty tells whether the name has no record value at all.
func (r *recs) empty() bool { return r == nil || len(r.types) == 0 }

// hasAddr is "an A, AAAA or CNAME record".
func (r *recs) hasAddr() bool { return r.has("A") || r.has("AAAA") || r.has("CNAME") }

// recordAt is #DnsRecordAt: the record (not the value) first written.
func (r *recs) recordAt() []any {
	first := r.byType[r.types[0]]
	return first.where[first.order[0]][0][:6]
}

// firstAt is #At of a value's places.
func firstAt(where [][]any) []any { return where[0] }

// nameDNS is what _dnsDom (and _dnsSimpleHosts) holds for a name in a
// view: whether a declared zone holds it, the most specific such zone, and
// its records in those zones.
type nameDNS struct {
	covered bool
	zone    string
	recs    *recs
}

// topo is the checked topology with the indexes the Go rules share, each
// made once.
type topo struct {
	t     obj
	zones map[string]obj // view -> zones
	// index is _dns: view -> name -> records.
	index map[string]map[string]*recs
	rpIPs map[string]bool // the reverse proxies' listener addresses
	// rpByIP is _rpIPs: the proxy listening at an address, the first by
	// name when proxies share it.
	rpByIP map[string]string
	pools  []string // pool names, in order
	// simpleURLs: the input declares a simple_urls block (_topoSU).
	simpleURLs bool
	// crts and lowerDoms are made on first use (certs, lowerDomains).
	crts      []*crt
	lowerDoms []string
}

func newTopo(t obj) *topo {
	tp := &topo{t: t, zones: map[string]obj{}, index: map[string]map[string]*recs{}, rpIPs: map[string]bool{}, rpByIP: map[string]string{}}
	for _, view := range []string{"internal", "external"} {
		zs := getObj(t, "dns", view)
		tp.zones[view] = zs
		idx := map[string]*recs{}
		for _, zn := range keys(zs) {
			rs := getObj(zs[zn], "records")
			for _, rn := range keys(rs) {
				name := rn + "." + zn
				if rn == "@" {
					name = zn
				}
				// An entry only for a name with a value, as in _dns.
				addRecords(func() *recs {
					r := idx[name]
					if r == nil {
						r = &recs{}
						idx[name] = r
					}
					return r
				}, view, zn, rn, rs[rn])
			}
		}
		tp.index[view] = idx
	}
	rps := getObj(t, "reverse_proxies")
	for _, rn := range keys(rps) {
		ls := getObj(rps[rn], "listeners")
		for _, ln := range keys(ls) {
			ip := str(ls[ln], "ip")
			tp.rpIPs[ip] = true
			if _, ok := tp.rpByIP[ip]; !ok {
				tp.rpByIP[ip] = rn
			}
		}
	}
	tp.pools = keys(getObj(t, "pools"))
	return tp
}

// addRecords adds the values of the records rs, named rn in zone zn, to
// the records to returns.
func addRecords(to func() *recs, view, zn, rn string, rs any) {
	list, _ := rs.([]any)
	for k, rec := range list {
		typ := str(rec, "type")
		for j, v := range getList(rec, "values") {
			to().add(typ, str(v), []any{"dns", view, zn, "records", rn, k, "values", j})
		}
	}
}

// lookup is _dns[view][name], nil when the name has no record.
func (tp *topo) lookup(view, name string) *recs { return tp.index[view][name] }

// nameIn reads a name in a view from the zones that can hold it: the name
// and each of its parents that is a declared zone (as _dnsDom does).
func (tp *topo) nameIn(view, name string) nameDNS {
	zs := tp.zones[view]
	type holder struct{ zone, rn string }
	var holders []holder
	labels := strings.Split(name, ".")
	for i := range labels {
		z := strings.Join(labels[i:], ".")
		if _, ok := zs[z]; !ok {
			continue
		}
		rn := "@"
		if i > 0 {
			rn = strings.Join(labels[:i], ".")
		}
		holders = append(holders, holder{z, rn})
	}
	out := nameDNS{covered: len(holders) > 0, recs: &recs{}}
	if !out.covered {
		return out
	}
	out.zone = holders[0].zone
	sort.Slice(holders, func(i, j int) bool { return holders[i].zone < holders[j].zone })
	for _, h := range holders {
		if rs, ok := getObj(zs[h.zone], "records")[h.rn]; ok {
			addRecords(func() *recs { return out.recs }, view, h.zone, h.rn, rs)
		}
	}
	return out
}

// covered is #Covered: whether a declared zone of the view holds name,
// and the most specific one.
func (tp *topo) covered(view, name string) (string, bool) {
	labels := strings.Split(name, ".")
	for i := range labels {
		z := strings.Join(labels[i:], ".")
		if _, ok := tp.zones[view][z]; ok {
			return z, true
		}
	}
	return "", false
}

// addr is an entry of #DnsAddrs' out.
type addr struct {
	ips   []string
	where [][]any
	via   string // the CNAME's target, "" for an A or AAAA value
}

// addrs is #DnsAddrs: the name's own A/AAAA values, and for each of its
// CNAMEs the A/AAAA values of the target (one hop).
func (tp *topo) addrs(view, name string) []addr {
	r := tp.lookup(view, name)
	return tp.addrsOf(view, r)
}

func (tp *topo) addrsOf(view string, r *recs) []addr {
	var out []addr
	for _, t := range []string{"A", "AAAA"} {
		if vs := r.of(t); vs != nil {
			for _, a := range vs.order {
				out = append(out, addr{ips: []string{a}, where: vs.where[a]})
			}
		}
	}
	if cn := r.of("CNAME"); cn != nil {
		for _, tgt := range cn.order {
			tn := strings.TrimSuffix(tgt, ".")
			tr := tp.lookup(view, tn)
			if tr == nil {
				continue
			}
			a := addr{ips: []string{}, where: cn.where[tgt], via: tn}
			for _, t := range []string{"A", "AAAA"} {
				if vs := tr.of(t); vs != nil {
					a.ips = append(a.ips, vs.order...)
				}
			}
			out = append(out, a)
		}
	}
	return out
}

// dnsName is #DnsName: lower case, no trailing dot.
func dnsName(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

// adTargetName is _adTargetName: the first Director by name, else the
// first Front End pool by name, else "".
func (tp *topo) adTargetName() string {
	var fe string
	for _, n := range tp.pools {
		if str(tp.t, "pools", n, "kind") == "director" {
			return n
		}
		if fe == "" {
			fe = n
		}
	}
	return fe
}

// intAddrs is _dnsIntAddrs[pool]: the pool's internal web services VIP,
// and its servers' addresses for a Standard Edition server or a
// single-server pool.
func (tp *topo) intAddrs(pool string) *set {
	p := getObj(tp.t, "pools", pool)
	s := &set{}
	if vip, ok := getStr(p, "web_internal", "vip"); ok {
		s.add(vip)
	}
	servers := getObj(p, "servers")
	if str(p, "kind") == "fe-se" || len(servers) == 1 {
		for _, sn := range keys(servers) {
			for _, a := range getList(servers[sn], "ips") {
				s.add(str(a))
			}
		}
	}
	return s
}

// hasAddrRecord is #DnsAddrs' has: the name has an A, AAAA or CNAME record.
func (tp *topo) hasAddrRecord(view, name string) bool {
	return tp.lookup(view, name).hasAddr()
}

// extFQDN is _web[pool].ext_fqdn: the external web services FQDN, if any.
func (tp *topo) extFQDN(pool string) (string, bool) {
	return getStr(tp.t, "pools", pool, "web_external", "fqdn")
}

// intFQDN is _web[pool].int_fqdn: the internal web services FQDN, the
// pool FQDN unless overridden.
func (tp *topo) intFQDN(pool string) string {
	if f, ok := getStr(tp.t, "pools", pool, "web_internal", "fqdn"); ok {
		return f
	}
	return str(tp.t, "pools", pool, "fqdn")
}

// The SIP domains, in order.
func (tp *topo) sipDomains() []string {
	var out []string
	for _, d := range getList(tp.t, "sip_domains") {
		out = append(out, str(d))
	}
	return out
}

// dnsO365 is _dnsO365: Office 365 (Skype for Business Online) endpoints.
var dnsO365 = regexp.MustCompile(`(?i)(^|\.)(online\.lync\.com|infra\.lync\.com|online\.(gov|dod)\.skypeforbusiness\.us|partner\.lync\.cn)\.?$`)

// dnsNotRP is #DnsNotRP.
func dnsNotRP(n int) string {
	if n > 1 {
		return ", which are not reverse proxy listeners."
	}
	return ", which is not a reverse proxy listener."
}
