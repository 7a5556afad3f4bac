package reference

import (
	"bytes"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/mobplan/mobplan/internal/testtool/golden"
	"github.com/mobplan/mobplan/schema"
)

// The committed reference is what the schema generates: it cannot drift.
func TestCommittedReference(t *testing.T) {
	got, err := Markdown()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Markdown()
	if !bytes.Equal(got, again) {
		t.Fatal("two runs give different bytes")
	}
	golden.Check(t, "../../docs/topology-reference.md", got, golden.Command("./schema/reference", "TestCommittedReference"))
}

// Every attribute of every definition is documented: the fields CUE
// sees in each definition are the rows of its section.
func TestEveryAttribute(t *testing.T) {
	tr, err := buildTree()
	if err != nil {
		t.Fatal(err)
	}
	v := cuecontext.New().CompileBytes(schema.Files()[topologyFile])
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, sec := range tr.sections {
		if strings.Contains(sec.title, ".") {
			continue // an inline block, checked through its definition
		}
		it, err := v.LookupPath(cue.MakePath(cue.Def(sec.title))).Fields(cue.Optional(true))
		if err != nil {
			t.Fatalf("%s: %v", sec.title, err)
		}
		var want, got []string
		for it.Next() {
			want = append(want, it.Selector().Unquoted())
		}
		for _, f := range sec.node.fields {
			got = append(got, f.name)
		}
		if strings.Join(want, " ") != strings.Join(got, " ") {
			t.Errorf("%s: documented %v, CUE has %v", sec.title, got, want)
		}
		checked++
	}
	if checked < 30 {
		t.Errorf("only %d definitions checked", checked)
	}
}

// The rules found reading an attribute include the ones whose checks
// plainly select it, and no rule reads what nothing selects.
func TestReadsFound(t *testing.T) {
	tr, err := buildTree()
	if err != nil {
		t.Fatal(err)
	}
	if err := analyseReads(tr); err != nil {
		t.Fatal(err)
	}
	find := func(sec, attr string) *field {
		for _, s := range tr.sections {
			if s.title == sec {
				for _, f := range s.node.fields {
					if f.name == attr {
						return f
					}
				}
			}
		}
		t.Fatalf("no %s.%s", sec, attr)
		return nil
	}
	for _, c := range []struct{ sec, attr, rule string }{
		{"#Pool.web_external", "fqdn", "RP-001"}, // p.web_external.fqdn in the check
		{"#Topology", "sip_domains", "DNS-001"},  // through _dnsDom
		{"#Server", "iis_version", "VER-004"},
		{"#PublishingRule", "path", "RP-001"}, // u.path, u bound by a let
		{"#Zone", "records", "DNS-001"},       // topology.dns[view]: both views
		{"#Mobility.push", "enabled", "PUSH-002"},
		{"#Listener", "port", "RP-001"}, // through _rp_rule
		// _polHomes[[if ... {"pool:\(u.pool)"}, ""][0]]: a key that is ""
		// or computed may select any home, a pool's among them.
		{"#Pool", "site", "POL-003"},
		{"#SBA", "site", "POL-004"},
		// pools[[for n in _frontEndNames {n}, ""][0]]: a key taken from a
		// map's keys may be any of them.
		{"#Pool", "kind", "PORT-006"},
	} {
		if f := find(c.sec, c.attr); !f.readBy[c.rule] {
			t.Errorf("%s.%s: %s not among its readers %v", c.sec, c.attr, c.rule, f.readBy)
		}
	}
	if f := find("#Site", "description"); len(f.readBy) != 0 {
		t.Errorf("#Site.description is read by %v; no check reads it", f.readBy)
	}
	// Shared values are followed field by field: VER-001 reads a pool's
	// version through _web, not everything else _web holds.
	if f := find("#Pool", "sip_lb"); f.readBy["VER-001"] || !f.readBy["DNS-007"] {
		t.Errorf("#Pool.sip_lb: readers %v, want DNS-007 and not VER-001", f.readBy)
	}
	if f := find("#Pool", "version"); !f.readBy["VER-001"] {
		t.Errorf("#Pool.version: readers %v, want VER-001", f.readBy)
	}
}
