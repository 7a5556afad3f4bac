package schema

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// TestCatalogueEntryIsRuleInfo: the Go struct the catalogue is decoded
// into has a field for every field of #RuleInfo and no other, since
// Decode drops what the struct lacks without a word.
func TestCatalogueEntryIsRuleInfo(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var inCUE []string
	it, err := s.root.LookupPath(cue.ParsePath("#RuleInfo")).Fields(cue.Optional(true))
	if err != nil {
		t.Fatal(err)
	}
	for it.Next() {
		inCUE = append(inCUE, it.Selector().Unquoted())
	}
	var inGo []string
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			inGo = append(inGo, name)
		}
	}
	walk(reflect.TypeFor[catalogueEntry]())
	slices.Sort(inCUE)
	slices.Sort(inGo)
	if len(inCUE) < 8 || !slices.Equal(inCUE, inGo) {
		t.Errorf("#RuleInfo has the fields %v, the Go catalogue entry %v", inCUE, inGo)
	}
}

// TestUnknownRuleHasNoSeverity: findings under an ID the catalogue lacks
// (Load refuses such a schema) are an internal error, never diagnostics
// with a made-up severity.
func TestUnknownRuleHasNoSeverity(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, ds := hcltopo.Load("../examples/invalid/DNS-001", hcltopo.Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if got := s.Check(doc).Diagnostics; len(got) != 1 || got[0].Rule != "DNS-001" {
		t.Fatalf("the example gives %v", got)
	}
	// The same schema with a catalogue that lacks DNS-001.
	lacking := *s
	lacking.cat.byID = maps.Clone(s.cat.byID)
	delete(lacking.cat.byID, "DNS-001")
	got := lacking.Check(doc).Diagnostics
	if len(got) != 1 || got[0].Rule != canon.RuleStructure || got[0].Severity != diag.Error ||
		got[0].Summary != "Internal error evaluating the rules" || !strings.Contains(got[0].Detail, "DNS-001 has findings but no catalogue entry") {
		t.Errorf("findings of a rule missing from the catalogue gave %v", got)
	}
}
