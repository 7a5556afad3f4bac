package schema

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"cuelang.org/go/cue"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// recordedFile holds the findings the CUE rules gave, before they were
// evaluated in Go, on the topologies of ruleCases: the Go rules must give
// the same, to the letter. While a rule still has a CUE check the test
// compares the two directly as well; MOBPLAN_RECORD_GORULES=1 rewrites the
// recorded findings of the rules CUE still checks (never from Go).
const recordedFile = "testdata/gorules/findings.json"

// recordIDs are the rules whose findings are recorded: those evaluated in
// Go, and CUE rules whose helpers changed with them (the reverse proxy
// rules read the declared DNS through #DnsRecs, no longer through _dns).
var recordIDs = []string{"DNS-001", "DNS-002", "DNS-003", "DNS-004", "DNS-005", "DNS-006", "DNS-007", "DNS-008", "DNS-009", "DNS-010", "PUSH-007",
	"RP-001", "RP-002", "RP-003", "RP-004", "RP-005", "RP-006", "RP-007", "RP-008", "RP-009", "TOPO-007",
	"CERT-001", "CERT-002", "CERT-003", "CERT-004", "CERT-005", "CERT-006", "CERT-007", "CERT-010"}

// TestGoRulesMatchCUE: every Go rule gives the findings its CUE rule gave
// (at, detail, severity and hint) on the HCL examples, the failing
// examples, a small examples/scale topology and seeded variations of
// their DNS records, simple URLs, certificates and switches.
func TestGoRulesMatchCUE(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]map[string][]string{}
	if b, err := os.ReadFile(recordedFile); err == nil {
		if err := json.Unmarshal(b, &recorded); err != nil {
			t.Fatal(err)
		}
	}
	record := os.Getenv("MOBPLAN_RECORD_GORULES") != ""
	inCUE := map[string]bool{}
	for _, id := range s.cat.checks {
		inCUE[id] = true
	}
	var inGo []string
	for _, r := range goRules {
		inGo = append(inGo, r.id)
		if !record && !inCUE[r.id] && len(recorded) == 0 {
			t.Fatalf("%s is evaluated in Go and no longer in CUE, but %s is missing", r.id, recordedFile)
		}
	}
	cases := ruleCases(t)
	if len(cases) < 300 {
		t.Fatalf("only %d cases", len(cases))
	}
	if testing.Short() && !record {
		// The examples as they are, and one case in five of the variations.
		var some []ruleCase
		for i, c := range cases {
			if !strings.Contains(c.name, "~") || i%5 == 0 {
				some = append(some, c)
			}
		}
		cases = some
	}
	compared, nonEmpty := 0, map[string]int{}
	for _, c := range cases {
		cueF, goF, ok := s.bothFindings(t, c.doc)
		if !ok {
			continue // not sound enough for the rules to run
		}
		compared++
		if record {
			if recorded[c.name] == nil {
				recorded[c.name] = map[string][]string{}
			}
			for _, id := range recordIDs {
				if inCUE[id] && !(c.cueOnly && slices.Contains(inGo, id)) && c.reads(id) {
					if f := norm(cueF[id]); len(f) > 0 {
						recorded[c.name][id] = f
					} else {
						delete(recorded[c.name], id)
					}
				}
			}
			continue
		}
		for _, id := range inGo {
			if c.cueOnly {
				break
			}
			if !c.reads(id) {
				continue
			}
			got := norm(goF[id])
			if len(got) > 0 {
				nonEmpty[id]++
			}
			if inCUE[id] {
				if want := norm(cueF[id]); !slices.Equal(got, want) {
					t.Errorf("%s, %s: Go gives\n\t%s\nCUE gives\n\t%s", c.name, id, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
				}
			}
			if want := recorded[c.name][id]; !slices.Equal(got, want) {
				t.Errorf("%s, %s: Go gives\n\t%s\nthe CUE rule gave\n\t%s", c.name, id, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		}
		// The CUE rules recorded give what they gave.
		for _, id := range recordIDs {
			if !inCUE[id] || slices.Contains(inGo, id) || !c.reads(id) {
				continue
			}
			got := norm(cueF[id])
			if len(got) > 0 {
				nonEmpty[id]++
			}
			if want := recorded[c.name][id]; !slices.Equal(got, want) {
				t.Errorf("%s, %s: CUE gives\n\t%s\nit gave\n\t%s", c.name, id, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		}
	}
	if record {
		b, err := json.MarshalIndent(recorded, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(recordedFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if testing.Short() {
		return
	}
	if compared < 250 {
		t.Errorf("only %d of %d cases were sound enough to compare", compared, len(cases))
	}
	for _, id := range recordIDs {
		if nonEmpty[id] < 3 {
			t.Errorf("%s has findings in only %d cases: the comparison says little", id, nonEmpty[id])
		}
	}
}

// norm writes findings as sorted JSON lines (list indices as numbers).
func norm(fs []finding) []string {
	var out []string
	for _, f := range fs {
		at := make([]any, len(f.At))
		for i, e := range f.At {
			switch x := e.(type) {
			case float64:
				at[i] = int(x)
			case int64:
				at[i] = int(x)
			default:
				at[i] = x
			}
		}
		f.At = at
		b, _ := json.Marshal(f)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

// bothFindings unifies a document with the schema as Check does and
// returns the findings of the CUE rules and of the Go rules; ok is false
// when Check would not run the rules.
func (s *Schema) bothFindings(t *testing.T, doc *canon.Document) (cueF, goF map[string][]finding, ok bool) {
	t.Helper()
	value, _, dup := normalizeNames(doc)
	if len(dup) > 0 {
		return nil, nil, false
	}
	rest, buckets := bucketUsers(value)
	v := s.root.Unify(inputs(s.ctx, rest, buckets, false))
	topo := v.LookupPath(cue.ParsePath("topology"))
	if topo.Validate(cue.Concrete(true)) != nil || v.LookupPath(cue.ParsePath("user_buckets")).Validate(cue.Concrete(true)) != nil {
		return nil, nil, false
	}
	if err := v.LookupPath(cue.ParsePath("violations")).Decode(&cueF); err != nil {
		t.Fatalf("the CUE rules: %v", err)
	}
	top, err := exportTopology(topo)
	if err != nil {
		t.Fatal(err)
	}
	if goF, err = goFindings(top, rest); err != nil {
		t.Fatal(err)
	}
	return cueF, goF, true
}

type ruleCase struct {
	name string
	doc  *canon.Document
	// cueOnly: only the CUE rules' findings are recorded (variations made
	// after the rules moved to Go).
	cueOnly bool
	// only, when set, are the rules recorded and compared on the case
	// (variations made after other rules moved to Go, which have no
	// record of those rules).
	only []string
}

// reads tells whether the case records and compares rule id.
func (c ruleCase) reads(id string) bool { return c.only == nil || slices.Contains(c.only, id) }

// ruleCases are the single-file HCL examples (contoso, in several
// files, is not among them: its findings were never recorded), the
// failing examples, the scale topology, and variations of the scale topology and of the failing
// examples of the rules evaluated in Go.
func ruleCases(t *testing.T) []ruleCase {
	var dirs []string
	for _, pat := range []string{"../examples/*/topology.hcl", "../examples/invalid/*/topology.hcl", "testdata/gorules/*/topology.hcl"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			dirs = append(dirs, filepath.Dir(f))
		}
	}
	var cases []ruleCase
	for _, dir := range dirs {
		doc, ds := hcltopo.Load(dir, hcltopo.Options{})
		if ds.HasErrors() {
			continue
		}
		name := filepath.ToSlash(dir)
		cases = append(cases, ruleCase{name, doc, false, nil})
		base := filepath.Base(dir)
		n := 0
		switch {
		case base == "scale":
			n = 60
		case base == "multisite" || strings.HasPrefix(base, "DNS-") || strings.HasPrefix(base, "PUSH-007"):
			n = 6
		}
		for i := range n {
			r := rand.New(rand.NewPCG(uint64(i), uint64(len(base))))
			m := *doc
			m.Value = deepCopy(doc.Value).(map[string]any)
			for range 1 + r.IntN(4) {
				mutate(r, m.Value)
			}
			cases = append(cases, ruleCase{fmt.Sprintf("%s~%d", name, i), &m, false, nil})
		}
		// Variations of the reverse proxy rules' targets and their records.
		if strings.HasPrefix(base, "RP-") || base == "multisite" {
			for i := range 8 {
				r := rand.New(rand.NewPCG(uint64(i), uint64(len(base))))
				m := *doc
				m.Value = deepCopy(doc.Value).(map[string]any)
				for range 1 + r.IntN(3) {
					mutateRP(r, m.Value)
				}
				cases = append(cases, ruleCase{fmt.Sprintf("%s~rp%d", name, i), &m, true, nil})
			}
		}
		// Variations of the certificates and simple URLs (CERT-002, 003,
		// 005, 007).
		ncrt := 0
		switch {
		case strings.HasPrefix(base, "CERT-"):
			ncrt = 6
		case base == "scale" || base == "multisite" || base == "tailspin":
			ncrt = 12
		}
		for i := range ncrt {
			r := rand.New(rand.NewPCG(uint64(i), uint64(len(base))+11))
			m := *doc
			m.Value = deepCopy(doc.Value).(map[string]any)
			for range 1 + r.IntN(5) {
				mutateCert(r, m.Value)
			}
			cases = append(cases, ruleCase{fmt.Sprintf("%s~crt%d", name, i), &m, false, []string{canon.RuleCERT002, canon.RuleCERT003, canon.RuleCERT005, canon.RuleCERT007}})
		}
		// Variations of the certificates and the switches the rules of a
		// name per SIP domain read (CERT-001, 004, 006, 010).
		for i := range ncrt {
			r := rand.New(rand.NewPCG(uint64(i), uint64(len(base))+13))
			m := *doc
			m.Value = deepCopy(doc.Value).(map[string]any)
			for range 1 + r.IntN(5) {
				mutateCertDomains(r, m.Value)
			}
			cases = append(cases, ruleCase{fmt.Sprintf("%s~crtd%d", name, i), &m, false, []string{canon.RuleCERT001, canon.RuleCERT004, canon.RuleCERT006, canon.RuleCERT010}})
		}
		// Variations of the simple URLs (TOPO-007).
		nsu := 0
		switch {
		case base == "scale" || base == "multisite" || strings.HasPrefix(base, "TOPO-007"):
			nsu = 16
		case base == "tailspin" || base == "standard-edition":
			nsu = 6
		}
		for i := range nsu {
			r := rand.New(rand.NewPCG(uint64(i), uint64(len(base))+7))
			m := *doc
			m.Value = deepCopy(doc.Value).(map[string]any)
			for range 1 + r.IntN(4) {
				mutateSU(r, m.Value)
			}
			cases = append(cases, ruleCase{fmt.Sprintf("%s~su%d", name, i), &m, false, []string{canon.RuleTOPO007}})
		}
	}
	return cases
}

// mutate changes one thing of a canonical topology that the DNS rules
// read, keeping it valid for the schema.
func mutate(r *rand.Rand, v map[string]any) {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	m := func(v map[string]any, k string) map[string]any {
		x, _ := v[k].(map[string]any)
		if x == nil {
			x = map[string]any{}
			v[k] = x
		}
		return x
	}
	var domains []string
	for _, d := range getList(v, "sip_domains") {
		domains = append(domains, strings.ToLower(str(d)))
	}
	ips := []string{"198.51.100.7", "203.0.113.99"}
	names := []string{"webdir.online.lync.com", "sipfed.online.lync.com", "elsewhere.example.net"}
	var walk func(x any, key string)
	walk = func(x any, key string) {
		switch y := x.(type) {
		case map[string]any:
			for _, k := range keys(y) {
				walk(y[k], k)
			}
		case []any:
			for _, e := range y {
				walk(e, key)
			}
		case string:
			switch {
			case strings.HasSuffix(key, "ip") || key == "ips" || key == "vip":
				ips = append(ips, y)
			case strings.HasSuffix(key, "fqdn"):
				names = append(names, y)
			}
		}
	}
	walk(v, "")
	views := []string{"internal", "external"}
	dns := m(v, "dns")
	for _, view := range views {
		zs := m(dns, view)
		for _, zn := range keys(zs) {
			for _, rn := range keys(getObj(zs[zn], "records")) {
				if rn == "@" {
					names = append(names, zn)
				} else {
					names = append(names, rn+"."+zn)
				}
			}
		}
	}
	sort.Strings(ips)
	ips = slices.Compact(ips)
	sort.Strings(names)
	names = slices.Compact(names)
	labels := []string{"lyncdiscover", "lyncdiscoverinternal", "meet", "dialin", "admin", "sip", "_sipfederationtls._tcp", "_sip._tls", "web", "webint"}
	record := func() map[string]any {
		switch r.IntN(5) {
		case 0, 1:
			vs := []any{pick(ips)}
			if r.IntN(3) == 0 {
				vs = append(vs, pick(ips))
			}
			typ := "A"
			if strings.Contains(str(vs[0]), ":") {
				typ = "AAAA"
			}
			for _, x := range vs {
				if strings.Contains(str(x), ":") != (typ == "AAAA") {
					vs = vs[:1]
				}
			}
			return map[string]any{"type": typ, "values": vs}
		case 2, 3:
			tgt := pick(names)
			if r.IntN(4) == 0 {
				tgt += "."
			}
			return map[string]any{"type": "CNAME", "values": []any{tgt}}
		default:
			rec := map[string]any{"type": "SRV", "values": []any{pick(names)}}
			switch r.IntN(3) {
			case 0:
				rec["port"] = int64(5061)
			case 1:
				rec["port"] = int64(443)
			}
			return rec
		}
	}
	// A zone of the view holding name (made when none does), and the
	// record name there.
	holder := func(view, name string) (map[string]any, string) {
		zs := m(dns, view)
		ls := strings.Split(name, ".")
		var cands []int
		for i := range ls {
			if _, ok := zs[strings.Join(ls[i:], ".")]; ok {
				cands = append(cands, i)
			}
		}
		if len(cands) == 0 || r.IntN(5) == 0 {
			i := r.IntN(len(ls) - 1)
			z := strings.Join(ls[i:], ".")
			if _, ok := zs[z]; !ok {
				zs[z] = map[string]any{"records": map[string]any{}}
			}
			cands = []int{i}
		}
		i := cands[r.IntN(len(cands))]
		rn := "@"
		if i > 0 {
			rn = strings.Join(ls[:i], ".")
		}
		return m(zs[strings.Join(ls[i:], ".")].(map[string]any), "records"), rn
	}
	switch op := r.IntN(10); {
	case op <= 3: // a record for a name the rules read
		rs, rn := holder(pick(views), pick(labels)+"."+pick(domains))
		old, _ := rs[rn].([]any)
		if r.IntN(2) == 0 {
			old = nil
		}
		rs[rn] = append(old, record())
	case op == 4: // a record of another name changed or removed
		view := pick(views)
		zs := m(dns, view)
		if len(zs) == 0 {
			return
		}
		rs := m(zs[pick(keys(zs))].(map[string]any), "records")
		if len(rs) == 0 {
			return
		}
		rn := pick(keys(rs))
		if r.IntN(2) == 0 {
			delete(rs, rn)
		} else {
			rs[rn] = []any{record()}
		}
	case op == 5: // a zone removed
		zs := m(dns, pick(views))
		if len(zs) > 0 {
			delete(zs, pick(keys(zs)))
		}
	case op == 6: // a switch
		mob := m(v, "mobility")
		switch r.IntN(6) {
		case 0:
			mob["enabled"] = r.IntN(2) == 0
		case 1:
			mob["autodiscover_scheme"] = pick([]string{"http", "https"})
		case 2:
			m(v, "hybrid")["enabled"] = r.IntN(2) == 0
		case 3:
			m(mob, "push")["enabled"] = r.IntN(2) == 0
		case 4:
			m(mob, "clients")["ios"] = r.IntN(2) == 0
			m(mob, "clients")["windows_phone"] = r.IntN(2) == 0
		case 5:
			// A Director: the Autodiscover target and the simple URLs' host.
			pools := getObj(v, "pools")
			if len(pools) > 1 {
				m(pools, pick(keys(pools)))["kind"] = "director"
			}
		}
	case op == 7: // a simple URL
		su := m(v, "simple_urls")
		kind := pick([]string{"meet", "dialin", "admin"})
		d := pick(domains)
		u := map[string]any{"url": "https://" + pick([]string{"meet", "dialin", "admin", "sched"}) + "." + d + pick([]string{"", "/x", ":443/y"})}
		if kind == "meet" {
			u["domain"] = d
		}
		if sites := getObj(v, "sites"); len(sites) > 0 && r.IntN(2) == 0 {
			u["site"] = pick(keys(sites))
		}
		old, _ := su[kind].([]any)
		su[kind] = append(old, u)
	default: // a record in a zone named for the name itself
		view := pick(views)
		name := pick(labels) + "." + pick(domains)
		zs := m(dns, view)
		if _, ok := zs[name]; !ok {
			zs[name] = map[string]any{"records": map[string]any{}}
		}
		m(zs[name].(map[string]any), "records")["@"] = []any{record()}
	}
}

// TestGoRulesInCatalogue: Load refuses a Go rule without a catalogue
// entry saying "go", and a catalogue entry saying "go" with no Go rule.
func TestGoRulesInCatalogue(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(goRules) == 0 {
		t.Fatal("no Go rules")
	}
	saved := goRules
	defer func() { goRules = saved }()
	for _, c := range []struct {
		name  string
		rules []goRule
		want  string
	}{
		{"unknown rule", append(slices.Clone(saved), goRule{"DNS-999", nil, nil}), "DNS-999 has no catalogue entry"},
		{"rule checked in CUE", append(slices.Clone(saved), goRule{"DNS-011", nil, nil}), `DNS-011 is a Go rule, but checked_by does not say "go"`},
		{"rule listed twice", append(slices.Clone(saved), saved[0]), "listed twice"},
		{"rule missing", saved[1:], fmt.Sprintf(`%s: checked_by says "go", but there is no Go rule`, saved[0].id)},
	} {
		goRules = c.rules
		_, err := loadCatalogue(s.root)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Load says %v, want %q", c.name, err, c.want)
		}
	}
	goRules = saved
	if _, err := loadCatalogue(s.root); err != nil {
		t.Errorf("the embedded catalogue: %v", err)
	}
}

// mutateRP changes a publishing rule's target, or the internal records of
// a target name, which the reverse proxy rules read.
func mutateRP(r *rand.Rand, v map[string]any) {
	type ref struct{ rp, rule string }
	var refs []ref
	rps := getObj(v, "reverse_proxies")
	for _, rn := range keys(rps) {
		for _, un := range keys(getObj(rps[rn], "rules")) {
			refs = append(refs, ref{rn, un})
		}
	}
	ips := []string{"198.51.100.7"}
	names := []string{"elsewhere.example.net"}
	for _, n := range keys(getObj(v, "pools")) {
		p := getObj(v, "pools", n)
		for _, k := range []string{"web_external", "web_internal"} {
			if ip, ok := getStr(p, k, "vip"); ok {
				ips = append(ips, ip)
			}
			if f, ok := getStr(p, k, "fqdn"); ok {
				names = append(names, strings.ToLower(f))
			}
		}
		for _, sn := range keys(getObj(p, "servers")) {
			names = append(names, strings.ToLower(str(p, "servers", sn, "fqdn")))
			for _, a := range getList(p, "servers", sn, "ips") {
				ips = append(ips, str(a))
			}
		}
	}
	if len(refs) == 0 {
		return
	}
	x := refs[r.IntN(len(refs))]
	u := getObj(v, "reverse_proxies", x.rp, "rules", x.rule)
	switch r.IntN(4) {
	case 0:
		u["target"] = ips[r.IntN(len(ips))]
	case 1:
		u["target"] = names[r.IntN(len(names))]
	default:
		// A record for the target name, in a zone holding it.
		t := strings.ToLower(str(u, "target"))
		ls := strings.Split(t, ".")
		if len(ls) < 2 || strings.Trim(t, "0123456789.") == "" {
			return
		}
		dns, _ := v["dns"].(map[string]any)
		if dns == nil {
			dns = map[string]any{}
			v["dns"] = dns
		}
		zs, _ := dns["internal"].(map[string]any)
		if zs == nil {
			zs = map[string]any{}
			dns["internal"] = zs
		}
		i := -1
		for j := range ls {
			if _, ok := zs[strings.Join(ls[j:], ".")]; ok {
				i = j
				break
			}
		}
		if i < 0 || r.IntN(4) == 0 {
			i = r.IntN(len(ls) - 1)
			if _, ok := zs[strings.Join(ls[i:], ".")]; !ok {
				zs[strings.Join(ls[i:], ".")] = map[string]any{"records": map[string]any{}}
			}
		}
		z := zs[strings.Join(ls[i:], ".")].(map[string]any)
		rs, _ := z["records"].(map[string]any)
		if rs == nil {
			rs = map[string]any{}
			z["records"] = rs
		}
		rn := "@"
		if i > 0 {
			rn = strings.Join(ls[:i], ".")
		}
		switch r.IntN(3) {
		case 0:
			rs[rn] = []any{map[string]any{"type": "A", "values": []any{ips[r.IntN(len(ips))]}}}
		case 1:
			rs[rn] = []any{map[string]any{"type": "CNAME", "values": []any{names[r.IntN(len(names))]}}}
		default:
			delete(rs, rn)
		}
	}
}

// mutateSU changes the simple URLs, which TOPO-007 reads: a block made
// or removed, URLs added (for each SIP domain, for another domain, as a
// duplicate, under another URL, with a hyphen, a port, a pool FQDN, other
// characters or schemes), removed, or scoped to a site.
func mutateSU(r *rand.Rand, v map[string]any) {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var domains []string
	for _, d := range getList(v, "sip_domains") {
		domains = append(domains, str(d))
	}
	if len(domains) == 0 {
		return
	}
	var pools []string
	for _, n := range keys(getObj(v, "pools")) {
		pools = append(pools, str(v["pools"].(map[string]any)[n], "fqdn"))
	}
	sites := keys(getObj(v, "sites"))
	kinds := []string{"meet", "dialin", "admin"}
	su, _ := v["simple_urls"].(map[string]any)
	if su == nil || r.IntN(12) == 0 {
		if su != nil && r.IntN(2) == 0 {
			delete(v, "simple_urls")
			return
		}
		su = map[string]any{}
		v["simple_urls"] = su
		if r.IntN(3) == 0 {
			return // an empty block: the whole configuration, with nothing in it
		}
	}
	list := func(kind string) []any { l, _ := su[kind].([]any); return l }
	var urls []string
	for _, k := range kinds {
		for _, u := range list(k) {
			urls = append(urls, str(u, "url"))
		}
	}
	scope := func(u map[string]any) {
		if len(sites) > 0 && r.IntN(3) == 0 {
			u["site"] = pick(sites)
		}
	}
	add := func(kind, url string) {
		u := map[string]any{"url": url}
		if kind == "meet" {
			d := pick(domains)
			switch r.IntN(6) {
			case 0:
				d = "other.example.org"
			case 1:
				d = strings.ToUpper(d)
			}
			u["domain"] = d
		}
		scope(u)
		su[kind] = append(list(kind), u)
	}
	d := pick(domains)
	switch op := r.IntN(14); op {
	case 0: // a meet URL for every SIP domain, in one scope
		var sc string
		if len(sites) > 0 && r.IntN(2) == 0 {
			sc = pick(sites)
		}
		for _, d := range domains {
			u := map[string]any{"domain": d, "url": "https://meet." + d}
			if sc != "" {
				u["site"] = sc
			}
			su["meet"] = append(list("meet"), u)
		}
	case 1: // the same URL again, perhaps written differently
		if len(urls) == 0 {
			return
		}
		u := pick(urls)
		switch r.IntN(3) {
		case 0:
			u = strings.ToUpper(u)
		case 1:
			u += "/"
		}
		add(pick(kinds), u)
	case 2: // a URL under another
		if len(urls) == 0 {
			return
		}
		add(pick(kinds), strings.TrimSuffix(pick(urls), "/")+pick([]string{"/x", "/a/b", "/"}))
	case 3: // a hyphen
		add(pick(kinds), pick([]string{"https://meet-now." + d, "https://meet." + d + "/on-line", "https://dial-in." + d}))
	case 4: // a port
		add(pick(kinds), "https://"+pick([]string{"meet", "dialin", "admin"})+"."+d+pick([]string{":443", ":4443/x", ":"}))
	case 5: // a pool FQDN
		if len(pools) == 0 {
			return
		}
		f := pick(pools)
		if r.IntN(2) == 0 {
			f = strings.ToUpper(f)
		}
		add(pick(kinds), "https://"+f+pick([]string{"/meet", "", "/dialin"}))
	case 6: // other characters or schemes
		add(pick(kinds), pick([]string{"http://meet." + d, "meet." + d, "HTTPS://Meet." + d, "https://meet_x." + d, "https://meet." + d + "/a%20b", "ftp://x." + d + "/y", "https://meet." + d + "/a_b:1", "http://meet." + d + ":80", "meet_x." + d + ":443/a-b", "HTTP://Dial-In." + d + "/x y"}))
		if len(pools) > 0 && r.IntN(2) == 0 {
			add(pick(kinds), "http://"+pick(pools)+":443/meet")
		}
	case 7, 8: // a meet, dial-in or admin URL
		k := pick(kinds)
		add(k, "https://"+pick([]string{"meet", "dialin", "admin", "sched"})+"."+d+pick([]string{"", "/x", "/" + k}))
	case 9, 10: // a URL removed
		k := pick(kinds)
		if l := list(k); len(l) > 0 {
			i := r.IntN(len(l))
			su[k] = append(slices.Clone(l[:i]), l[i+1:]...)
		}
	case 11: // every URL of a kind removed
		delete(su, pick(kinds))
	default: // a URL scoped to a site, or no longer
		k := pick(kinds)
		l := list(k)
		if len(l) == 0 || len(sites) == 0 {
			return
		}
		u := l[r.IntN(len(l))].(map[string]any)
		if _, ok := u["site"]; ok && r.IntN(2) == 0 {
			delete(u, "site")
		} else {
			u["site"] = pick(sites)
		}
	}
}

// mutateCert changes a declared certificate (made when there is none):
// its usages, SANs, subject, issuer or assignments; or the simple URLs
// and Office Web Apps publication the certificate rules read.
func mutateCert(r *rand.Rand, v map[string]any) {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var domains []string
	for _, d := range getList(v, "sip_domains") {
		domains = append(domains, str(d))
	}
	if len(domains) == 0 {
		return
	}
	var names, targets []string
	pools := getObj(v, "pools")
	for _, pn := range keys(pools) {
		p := getObj(pools, pn)
		targets = append(targets, pn)
		names = append(names, str(p, "fqdn"))
		for _, k := range []string{"web_internal", "web_external"} {
			if f, ok := getStr(p, k, "fqdn"); ok {
				names = append(names, f)
			}
		}
		for _, sn := range keys(getObj(p, "servers")) {
			f := str(p, "servers", sn, "fqdn")
			names = append(names, f)
			targets = append(targets, f, strings.ToUpper(f))
		}
	}
	targets = append(targets, keys(getObj(v, "reverse_proxies"))...)
	targets = append(targets, keys(getObj(v, "edge_pools"))...)
	for _, m := range getList(v, "simple_urls", "meet") {
		_, rest, _ := strings.Cut(str(m, "url"), "://")
		names = append(names, strings.ToLower(strings.Split(strings.Split(rest, "/")[0], ":")[0]))
	}
	for _, d := range domains {
		names = append(names, "meet."+d, "dialin."+d, "lyncdiscover."+d, "*."+d, "sip."+d)
	}
	names = append(names, "*.other.example.org", "*.example", "admin."+domains[0])
	if len(targets) == 0 {
		return
	}
	usages := []string{"Default", "WebServicesInternal", "WebServicesExternal", "RPListener", "EdgeExternal", "EdgeInternal"}
	certs, _ := v["certificates"].(map[string]any)
	if certs == nil {
		certs = map[string]any{}
		v["certificates"] = certs
	}
	if len(certs) == 0 || r.IntN(5) == 0 {
		var sans []any
		for range r.IntN(6) {
			sans = append(sans, pick(names))
		}
		for _, d := range domains {
			if r.IntN(2) == 0 {
				sans = append(sans, "meet."+d)
			}
		}
		us := []any{pick(usages)}
		if r.IntN(2) == 0 {
			us = append(us, pick(usages))
		}
		certs[fmt.Sprintf("gen%d", r.IntN(1000))] = map[string]any{
			"usage": us, "assigned_to": []any{pick(targets)}, "subject": pick(names), "sans": sans,
			"issuer": pick([]string{"public", "internal"}),
		}
		return
	}
	c := certs[pick(keys(certs))].(map[string]any)
	list := func(k string) []any { l, _ := c[k].([]any); return l }
	switch r.IntN(10) {
	case 0, 1: // a SAN added
		c["sans"] = append(list("sans"), pick(names))
	case 2: // a SAN removed
		if l := list("sans"); len(l) > 0 {
			i := r.IntN(len(l))
			c["sans"] = append(slices.Clone(l[:i]), l[i+1:]...)
		}
	case 3: // a usage added or the usages replaced
		if r.IntN(2) == 0 {
			c["usage"] = append(list("usage"), pick(usages))
		} else {
			c["usage"] = []any{pick(usages)}
		}
	case 4: // an assignment added
		c["assigned_to"] = append(list("assigned_to"), pick(targets))
	case 5:
		c["subject"] = pick(names)
	case 6:
		c["issuer"] = pick([]string{"public", "internal"})
	case 7: // the simple URLs the rules check
		su, _ := v["simple_urls"].(map[string]any)
		if su == nil {
			su = map[string]any{}
			v["simple_urls"] = su
		}
		switch r.IntN(4) {
		case 0:
			delete(su, pick([]string{"meet", "dialin", "admin"}))
		default:
			k := pick([]string{"meet", "dialin", "admin"})
			u := map[string]any{"url": "https://" + pick([]string{"meet", "dialin", "admin", "m.x"}) + "." + pick(domains) + pick([]string{"", "/x", ":443/y"})}
			if k == "meet" {
				u["domain"] = pick(domains)
			}
			l, _ := su[k].([]any)
			su[k] = append(l, u)
		}
	case 8: // Office Web Apps published or not
		if owa, ok := v["office_web_apps"].(map[string]any); ok {
			owa["published"] = r.IntN(2) == 0
		} else {
			c["sans"] = append(list("sans"), strings.ToUpper(pick(names)))
		}
	default: // a publishing rule's names
		rps := getObj(v, "reverse_proxies")
		if len(rps) == 0 {
			return
		}
		us := getObj(rps, pick(keys(rps)), "rules")
		if len(us) == 0 {
			return
		}
		u := getObj(us, pick(keys(us)))
		u["public_names"] = append(getList(u, "public_names"), pick(names))
	}
}

// mutateCertDomains changes what the certificate rules of a name per SIP
// domain read: a certificate (mutateCert), its sip.<d> and lyncdiscover
// SANs, a certificate for a branch appliance, or the mobility switches.
func mutateCertDomains(r *rand.Rand, v map[string]any) {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	m := func(v map[string]any, k string) map[string]any {
		x, _ := v[k].(map[string]any)
		if x == nil {
			x = map[string]any{}
			v[k] = x
		}
		return x
	}
	var domains []string
	for _, d := range getList(v, "sip_domains") {
		domains = append(domains, str(d))
	}
	if len(domains) == 0 {
		return
	}
	switch r.IntN(6) {
	case 0, 1:
		mutateCert(r, v)
	case 2: // names per SIP domain on a certificate
		certs := getObj(v, "certificates")
		if len(certs) == 0 {
			mutateCert(r, v)
			return
		}
		c := m(certs, pick(keys(certs)))
		l, _ := c["sans"].([]any)
		for _, d := range domains {
			if r.IntN(3) > 0 {
				l = append(l, pick([]string{"sip.", "lyncdiscover.", "lyncdiscoverinternal.", "*.", "SIP."})+d)
			}
		}
		c["sans"] = l
	case 3: // a certificate for a branch appliance
		sbas := getObj(v, "sbas")
		if len(sbas) == 0 {
			return
		}
		bn := pick(keys(sbas))
		t := bn
		if r.IntN(2) == 0 {
			t = strings.ToUpper(str(sbas[bn], "fqdn"))
		}
		var sans []any
		for _, d := range domains {
			if r.IntN(2) == 0 {
				sans = append(sans, "sip."+d)
			}
		}
		m(v, "certificates")[fmt.Sprintf("sba%d", r.IntN(100))] = map[string]any{
			"usage": []any{pick([]string{"SBA", "Default"})}, "assigned_to": []any{t},
			"subject": pick([]string{str(sbas[bn], "fqdn"), "x." + domains[0]}), "sans": sans, "issuer": "internal",
		}
	case 4: // the mobility switches
		mob := m(v, "mobility")
		switch r.IntN(3) {
		case 0:
			mob["enabled"] = r.IntN(2) == 0
		case 1:
			mob["autodiscover_scheme"] = pick([]string{"http", "https"})
		default:
			mob["strict_dns_autologon"] = r.IntN(3) > 0
		}
	default: // a pool runs Autodiscover or not, or becomes a Director
		pools := getObj(v, "pools")
		if len(pools) == 0 {
			return
		}
		p := m(pools, pick(keys(pools)))
		if r.IntN(2) == 0 {
			p["autodiscover"] = r.IntN(2) == 0
		} else {
			p["kind"] = "director"
		}
	}
}
