package schema

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// TestZonesApartChangeNothing: checking the declared zones apart, in
// batches, gives what checking them with the rest gives (every
// diagnostic, and the checked value), on the examples, the failing
// examples and their variations (ruleCases), with batches of three zones,
// so that most cases span several, and (the examples as they are) with
// batches as Check makes them.
func TestZonesApartChangeNothing(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	apart, findings := 0, 0
	for i, c := range ruleCases(t) {
		if testing.Short() && strings.Contains(c.name, "~") && i%10 != 0 {
			continue // the examples, one variation in ten (the race step runs -short)
		}
		sizes := []int{3}
		if !strings.Contains(c.name, "~") {
			sizes = append(sizes, zoneBatchSize)
		}
		whole := compareApart(t, s, c.name, c.doc, sizes)
		if _, ok := c.doc.Value["dns"]; ok {
			apart++
		}
		for _, d := range whole.Diagnostics {
			if d.Rule == "DNS-011" {
				findings++
			}
		}
	}
	if want := map[bool]int{false: 100, true: 30}[testing.Short()]; apart < want {
		t.Errorf("only %d cases declare zones", apart)
	}
	if !testing.Short() && findings < 3 {
		t.Errorf("DNS-011 found something in only %d cases: the zones' rule clauses are barely compared", findings)
	}
}

// compareApart checks doc with the zones apart, in batches of each size,
// and with the zones in the main evaluation, and reports any difference
// in the diagnostics (sorted, as the loader sorts them) or the checked
// value; it returns the whole check.
func compareApart(t *testing.T, s *Schema, name string, doc *canon.Document, sizes []int) Result {
	t.Helper()
	saved := zoneBatchSize
	defer func() { zoneBatchSize = saved }()
	whole := s.check(doc, false)
	whole.Diagnostics.Sort()
	wv, werr := whole.Value()
	for _, size := range sizes {
		zoneBatchSize = size
		got := s.check(doc, true)
		got.Diagnostics.Sort()
		if !reflect.DeepEqual(got.Diagnostics, whole.Diagnostics) {
			t.Errorf("%s, batches of %d: apart\n\t%v\nwhole\n\t%v", name, size, got.Diagnostics, whole.Diagnostics)
			continue
		}
		gv, gerr := got.Value()
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s, batches of %d: the checked value: apart %v, whole %v", name, size, gerr, werr)
		} else if werr == nil && !reflect.DeepEqual(gv, wv) {
			t.Errorf("%s, batches of %d: the checked value differs", name, size)
		}
	}
	return whole
}

// TestZonesApartOddInputs: the same on values the front-ends would not
// make but a hostile or broken one might, errors of every kind in the
// zones and beside them, across batches of one, two and three zones.
func TestZonesApartOddInputs(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	base, ds := hcltopo.Load("../examples/invalid/RP-001", hcltopo.Options{})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	zone := func(recs map[string]any) map[string]any { return map[string]any{"records": recs} }
	a := func(ip string) []any { return []any{map[string]any{"type": "A", "values": []any{ip}}} }
	target := func(v map[string]any, t any) {
		v["reverse_proxies"].(map[string]any)["rp"].(map[string]any)["rules"].(map[string]any)["autodiscover"].(map[string]any)["target"] = t
	}
	incomplete := map[string]any{"soa": map[string]any{"primary_ns": "ns.a.com"}} // no hostmaster
	cases := map[string]func(v map[string]any){
		"a zone that is a string": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": "x", "b.com": zone(nil)}}
		},
		"dns a string": func(v map[string]any) { v["dns"] = "x" },
		"dns a list":   func(v map[string]any) { v["dns"] = []any{} },
		"a view that is a string": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": "x", "external": map[string]any{"a.com": zone(nil)}}
		},
		"a null view": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": nil, "external": map[string]any{"a.com": zone(nil)}}
		},
		"an unknown view": func(v map[string]any) {
			v["dns"] = map[string]any{"bogus": map[string]any{"a.com": zone(nil)}, "external": map[string]any{"a.com": zone(nil)}}
		},
		"a null zone": func(v map[string]any) { v["dns"] = map[string]any{"internal": map[string]any{"a.com": nil}} },
		"an unknown field in a zone": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": map[string]any{"bogus": 1}}}
		},
		"a zone of the other view": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": map[string]any{"view": "external"}}}
		},
		"an empty soa, a wrong one": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": map[string]any{"soa": map[string]any{}}, "b.com": map[string]any{"soa": map[string]any{"primary_ns": 1}}}}
		},
		"a missing field in a zone": func(v map[string]any) { v["dns"] = map[string]any{"internal": map[string]any{"a.com": incomplete}} },
		"wrong types across batches": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": "x", "b.com": 3, "c.com": map[string]any{"kind": "bogus"},
				"d.com": zone(map[string]any{"x": []any{map[string]any{"type": "MX", "values": []any{"a"}}}})}}
		},
		"a missing field in a zone, a wrong value beside": func(v map[string]any) {
			v["version"] = int64(7)
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": incomplete}}
		},
		"a missing field beside, a wrong zone": func(v map[string]any) {
			delete(v["pools"].(map[string]any)["se01"].(map[string]any), "fqdn")
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": map[string]any{"kind": int64(5)}}}
		},
		"a missing field and a wrong value in zones batches apart": func(v map[string]any) {
			zs := map[string]any{"a.local": incomplete, "z.local": map[string]any{"kind": "bogus"}}
			for i := range 5 {
				zs[fmt.Sprintf("m%03d.local", i)] = zone(nil)
			}
			v["dns"] = map[string]any{"internal": zs}
		},
		"infinities": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": map[string]any{"soa": map[string]any{"refresh": math.Inf(-1)}}}}
		},
		"bad users and a bad zone": func(v map[string]any) {
			v["users"] = map[string]any{"a@contoso.com": 5}
			v["dns"] = map[string]any{"internal": map[string]any{"a.com": 5}}
		},
		"zones_apart written in the topology": func(v map[string]any) {
			v["zones_apart"] = true
			v["dns"] = map[string]any{"internal": map[string]any{"a_b.com": zone(nil)}}
		},
		"bad zone and record names": func(v map[string]any) {
			v["dns"] = map[string]any{"internal": map[string]any{"a_b.com": zone(nil), "xn--a.com": zone(map[string]any{"_x": a("10.0.0.1")}), "single": zone(nil)},
				"external": map[string]any{"-a.com": zone(nil)}}
		},
		"a target in a zone and its parent": func(v map[string]any) {
			target(v, "web.contoso.com")
			v["dns"] = map[string]any{"internal": map[string]any{"contoso.com": zone(map[string]any{"web": a("10.9.9.9")}), "web.contoso.com": zone(map[string]any{"@": a("10.9.9.8")}), "other.com": zone(nil)}}
		},
		"a target with capitals and a final dot": func(v map[string]any) {
			target(v, "Web.Contoso.COM.")
			v["dns"] = map[string]any{"internal": map[string]any{"contoso.com.": zone(map[string]any{"web": a("10.0.0.10")}), "Contoso.com": zone(map[string]any{"web": a("10.9.9.7")}), "com.": zone(nil), "a.b": zone(nil)}}
		},
		"a target that is an address": func(v map[string]any) {
			target(v, "10.0.0.10")
			v["dns"] = map[string]any{"internal": map[string]any{"0.0.10": zone(map[string]any{"10": []any{map[string]any{"type": "CNAME", "values": []any{"x.contoso.com"}}}}), "0.10": zone(nil), "a.b": zone(nil)}}
		},
		"a target that is a list": func(v map[string]any) {
			target(v, []any{"web.contoso.com"})
			v["dns"] = map[string]any{"internal": map[string]any{"contoso.com": zone(map[string]any{"web": a("10.9.9.9")})}}
		},
	}
	for name, change := range cases {
		doc := *base
		doc.Value = deepCopy(base.Value).(map[string]any)
		change(doc.Value)
		compareApart(t, s, name, &doc, []int{1, 2, 3, zoneBatchSize})
	}
}

// A target of 80,000 labels is looked up in linear time and space: its
// parents are substrings of it, and a name that long is no DNS name.
func TestLookedUpZonesLongTarget(t *testing.T) {
	rules := func(target string) map[string]any {
		return map[string]any{"reverse_proxies": map[string]any{"rp": map[string]any{"rules": map[string]any{"r": map[string]any{"target": target}}}}}
	}
	if got := lookedUpZones(rules(strings.Repeat("a.", 80000) + "a")); len(got) != 0 {
		t.Errorf("a target of 160,001 characters: %d names looked up", len(got))
	}
	got := lookedUpZones(rules("web.int.contoso.com"))
	want := map[string]bool{"web.int.contoso.com": true, "int.contoso.com": true, "contoso.com": true, "com": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("looked up %v, want %v", got, want)
	}
}

// The rules read the declared DNS only where Check gives the main
// evaluation what they need with the zones apart: #DnsRecs and #Covered,
// which look up a reverse proxy rule's target (lookedUpZones), and
// #ZoneNames, which the zone batches run. A rule that read topology.dns
// (or input.dns) otherwise would see only some zones. The test reads the
// text: an alias of topology, or a comprehension over all its fields,
// would escape it; no rule has one.
func TestRulesReadZonesOnlyWhereApartAllows(t *testing.T) {
	files, err := filepath.Glob("*.cue")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	use := regexp.MustCompile(`\b(topology|input)\s*(\.\s*dns\b|\[\s*"dns"\s*\])`)
	decl := regexp.MustCompile(`^(violations: "[A-Z]+-[0-9]+"|#?[A-Za-z_][A-Za-z0-9_]*)\s*:`)
	allowed := map[string]bool{"#DnsRecs": true, "#Covered": true}
	for _, f := range files {
		if f == topologyFile {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in := ""
		for i, line := range strings.Split(string(b), "\n") {
			if m := decl.FindStringSubmatch(line); m != nil {
				in = m[1]
			}
			code, _, _ := strings.Cut(line, "//")
			if !use.MatchString(code) || allowed[in] {
				continue
			}
			if in == `violations: "DNS-011"` && strings.Contains(code, "if !zones_apart for f in (#ZoneNames & {dns: topology.dns}).out {f}") {
				continue
			}
			t.Errorf("%s:%d (in %s) reads topology.dns: with the zones apart it holds only the zones lookedUpZones keeps", f, i+1, in)
		}
	}
}
