package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
)

// The declared zones are evaluated apart from the rest of the topology,
// a batch at a time (zones_apart and #ZoneBatch in rules.cue): they are
// one or two per SIP domain, and evaluated with the rest they took 80 %
// of the time and of the memory of a 10,000-domain validate. A batch's
// evaluation is garbage once its zones are exported, so the zones cost
// the memory of one batch, and their structs stay a batch wide.

// zoneBatchSize bounds the zones of one batch (a variable for the tests).
var zoneBatchSize = 256

// zoneViews are the views of the declared DNS, as #Topology.dns has them.
var zoneViews = []string{"internal", "external"}

// takeZones returns the value the main evaluation gets, the zones of each
// view the schema knows replaced by those the rules look up
// (lookedUpZones), and every zone of those views in batches, each
// {"dns": {view: {zone: value}}}, by view and zone name. A view that is
// not a struct, or a key that is no view, stays in rest for the schema to
// report; with no zone to take, rest is value.
func takeZones(value map[string]any) (rest map[string]any, batches []map[string]any) {
	dns, ok := value["dns"].(map[string]any)
	if !ok {
		return value, nil
	}
	looked := lookedUpZones(value)
	kept := make(map[string]any, len(dns))
	for _, view := range slices.Sorted(maps.Keys(dns)) {
		zones, ok := dns[view].(map[string]any)
		if !ok || !slices.Contains(zoneViews, view) {
			kept[view] = dns[view]
			continue
		}
		keep := map[string]any{}
		for names := range slices.Chunk(slices.Sorted(maps.Keys(zones)), zoneBatchSize) {
			b := make(map[string]any, len(names))
			for _, n := range names {
				b[n] = zones[n]
				if looked[n] {
					keep[n] = zones[n]
				}
			}
			batches = append(batches, map[string]any{"dns": map[string]any{view: b}})
		}
		kept[view] = keep
	}
	if len(batches) == 0 {
		return value, nil
	}
	rest = maps.Clone(value)
	rest["dns"] = kept
	return rest, batches
}

// lookedUpZones are the zones the rules look into with the zones apart:
// those that can hold a reverse proxy rule's target (#DnsRecs and
// #Covered in rules.cue), that is the target and each of its parents,
// as substrings of it. A target too long for a DNS name is left out: the
// schema refuses it (#Host), and the rules do not run.
func lookedUpZones(value map[string]any) map[string]bool {
	out := map[string]bool{}
	rps, _ := value["reverse_proxies"].(map[string]any)
	for _, rp := range rps {
		m, _ := rp.(map[string]any)
		rules, _ := m["rules"].(map[string]any)
		for _, r := range rules {
			rm, _ := r.(map[string]any)
			t, ok := rm["target"].(string)
			if !ok || len(t) > maxNameLength {
				continue
			}
			for {
				out[t] = true
				i := strings.IndexByte(t, '.')
				if i < 0 {
					break
				}
				t = t[i+1:]
			}
		}
	}
	return out
}

// maxNameLength is the longest DNS name, dots included (#Host).
const maxNameLength = 253

// zoneCheck is what the zone batches found.
type zoneCheck struct {
	// err holds the schema's errors, at their paths in the topology, and
	// hard the same without those of values left incomplete (a missing
	// field), which one Validate of the whole topology leaves out when it
	// has others (check).
	err, hard cueerrors.Error
	// views is each view's checked zones (defaults applied), each as
	// JSON, and found the findings of the batches' rule clauses by rule;
	// both only when no batch has an error.
	views map[string]map[string]json.RawMessage
	found map[string][]finding
	// encodeErr is a batch that could not be encoded; rulesErr one whose
	// findings could not be read, exportErr one whose zones could not be
	// exported (internal errors, reported as such).
	encodeErr, rulesErr, exportErr error
}

// checkZones evaluates the batches of takeZones one after the other, in
// the zones' own context (Check runs it beside the main evaluation).
// Every batch is checked against the schema whatever an earlier one
// found; the rules and the export stop at the first error.
func (s *Schema) checkZones(batches []map[string]any) zoneCheck {
	var zc zoneCheck
	byView := map[string]map[string]json.RawMessage{}
	for _, b := range batches {
		data := s.zones.ctx.Encode(b)
		if err := data.Err(); err != nil {
			zc.encodeErr = err
			return zc
		}
		v := s.zones.batch.Unify(data)
		dns := v.LookupPath(cue.MakePath(cue.Str("dns")))
		if err := dns.Validate(cue.Concrete(true)); err != nil {
			zc.err = cueerrors.Append(zc.err, cueerrors.Promote(err, ""))
			if hard := dns.Validate(); hard != nil {
				zc.hard = cueerrors.Append(zc.hard, cueerrors.Promote(hard, ""))
			}
			continue
		}
		if zc.failure() != nil {
			continue // the rules will not run: only errors matter now
		}
		var found map[string][]finding
		if err := v.LookupPath(cue.MakePath(cue.Str("violations"))).Decode(&found); err != nil {
			zc.rulesErr = fmt.Errorf("the rules over the declared zones: %s", cueerrors.Details(err, nil))
			continue
		}
		for id, fs := range found {
			if zc.found == nil {
				zc.found = map[string][]finding{}
			}
			zc.found[id] = append(zc.found[id], fs...)
		}
		js, err := dns.MarshalJSON()
		var got map[string]map[string]json.RawMessage
		if err == nil {
			err = json.Unmarshal(js, &got)
		}
		if err != nil {
			zc.exportErr = fmt.Errorf("exporting the checked zones: %w", err)
			continue
		}
		for view, zones := range got {
			if byView[view] == nil {
				byView[view] = map[string]json.RawMessage{}
			}
			maps.Copy(byView[view], zones)
		}
	}
	if zc.failure() == nil {
		zc.views = byView
	}
	return zc
}

// failure says why the batches' zones cannot be exported, nil when they
// can (or there were none).
func (zc zoneCheck) failure() error {
	switch {
	case zc.err != nil:
		return errors.New("the declared zones did not pass the schema")
	case zc.rulesErr != nil:
		return zc.rulesErr
	}
	return zc.exportErr
}

// schemaErrors is what one Validate of the whole topology reports, from
// the main evaluation's (topo, err) and the zones': CUE keeps only the
// errors that are not of incompleteness when it has some
// (adt.CombineErrors), so a missing field in one part is not reported
// beside a wrong value in another. Two assumptions hold for this schema
// and plain data: no cycle error (CombineErrors ranks it below
// incompleteness; data makes none), and a non-concrete Validate walks the
// same fields as a concrete one (they differ under a disjunction of
// structs with a default, which the schema has none of).
// TestZonesApartOddInputs compares the two on mixed errors.
func schemaErrors(topo cue.Value, err error, zones zoneCheck) error {
	if zones.err == nil {
		return err
	}
	var hard error
	if err != nil {
		hard = topo.Validate()
	}
	if hard != nil || zones.hard != nil {
		return appendErrors(hard, asError(zones.hard))
	}
	return appendErrors(err, asError(zones.err))
}

// appendErrors is a and b as one CUE error list, either of them nil.
func appendErrors(a, b error) error {
	if b == nil {
		return a
	}
	if a == nil {
		return b
	}
	return cueerrors.Append(cueerrors.Promote(a, ""), cueerrors.Promote(b, ""))
}

// asError is e as an error, nil when it is nil (not a nil
// cueerrors.Error in an error).
func asError(e cueerrors.Error) error {
	if e == nil {
		return nil
	}
	return e
}

// withZones is the exported topology top with the zones of each view
// that was checked apart in place of those the main evaluation had.
func withZones(top []byte, views map[string]map[string]json.RawMessage) ([]byte, error) {
	if len(views) == 0 {
		return top, nil
	}
	var t map[string]json.RawMessage
	if err := json.Unmarshal(top, &t); err != nil {
		return nil, fmt.Errorf("decoding the validated topology: %w", err)
	}
	dns := map[string]json.RawMessage{}
	if raw, ok := t["dns"]; ok {
		if err := json.Unmarshal(raw, &dns); err != nil {
			return nil, fmt.Errorf("decoding the validated topology: %w", err)
		}
	}
	for view, zones := range views {
		b, err := json.Marshal(zones)
		if err != nil {
			return nil, fmt.Errorf("encoding the validated topology: %w", err)
		}
		dns[view] = b
	}
	b, err := json.Marshal(dns)
	if err != nil {
		return nil, fmt.Errorf("encoding the validated topology: %w", err)
	}
	t["dns"] = b
	return json.Marshal(t)
}
