package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"cuelang.org/go/cue"

	"github.com/mobplan/mobplan/internal/model"
)

// Model decodes a checked topology into its typed view (defaults
// applied). It lives beside the validator, so package model is plain
// structs and what reads a model never depends on CUE.
func (r Result) Model() (*model.Topology, error) {
	top, users, err := r.exported()
	if err != nil {
		return nil, err
	}
	var t model.Topology
	if err := json.Unmarshal(top, &t); err != nil {
		return nil, fmt.Errorf("decoding the validated topology: %w", err)
	}
	var buckets map[string]map[string]model.User
	if err := json.Unmarshal(users, &buckets); err != nil {
		return nil, fmt.Errorf("decoding the validated users: %w", err)
	}
	if t.Users == nil {
		t.Users = map[string]model.User{}
	}
	for _, b := range buckets {
		for sip, u := range b {
			t.Users[sip] = u
		}
	}
	return &t, nil
}

// Value decodes a checked topology into plain Go values (maps, slices,
// strings, json.Number, bools), defaults applied and the users back
// under "users": the topology as the schema understands it.
func (r Result) Value() (map[string]any, error) {
	top, users, err := r.exported()
	if err != nil {
		return nil, err
	}
	var t map[string]any
	if err := decodeNumbers(top, &t); err != nil {
		return nil, fmt.Errorf("decoding the validated topology: %w", err)
	}
	var buckets map[string]map[string]any
	if err := decodeNumbers(users, &buckets); err != nil {
		return nil, fmt.Errorf("decoding the validated users: %w", err)
	}
	if t == nil {
		t = map[string]any{}
	}
	all, _ := t["users"].(map[string]any)
	if all == nil {
		all = map[string]any{}
	}
	for _, b := range buckets {
		for sip, u := range b {
			all[sip] = u
		}
	}
	if len(all) > 0 { // an empty pattern struct has no field: leave it out as CUE does
		t["users"] = all
	}
	return t, nil
}

// decodeNumbers keeps numbers as the digits CUE wrote.
func decodeNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// exported is the topology and the user buckets as JSON, made once per
// checked topology: walking the CUE value is what costs (for 10,000 users
// about 0.6 s, where decoding the JSON takes a tenth of that), and the
// Go rules, the model and the input digest need it. The Go rules need the
// topology alone, so it is made on its own.
func (r Result) exported() (top, users []byte, err error) {
	if top, err = r.exportedTopology(); err != nil {
		return nil, nil, err
	}
	if r.export == nil {
		users, err = exportUsers(r.Users)
		return top, users, err
	}
	r.export.usersOnce.Do(func() { r.export.users, r.export.usersErr = exportUsers(r.Users) })
	return top, r.export.users, r.export.usersErr
}

// exportedTopology is the topology without its users as JSON.
func (r Result) exportedTopology() ([]byte, error) {
	if r.export == nil {
		return r.exportTopology()
	}
	r.export.topOnce.Do(func() { r.export.top, r.export.topErr = r.exportTopology() })
	return r.export.top, r.export.topErr
}

// exportTopology is the topology's JSON with the zones checked apart put
// back; those are let go once merged. With a zone that failed the
// schema, it fails as exporting the whole topology would.
func (r Result) exportTopology() ([]byte, error) {
	top, err := exportTopology(r.Topology)
	if err != nil || r.export == nil {
		return top, err
	}
	if r.export.zonesErr != nil {
		return nil, fmt.Errorf("decoding the validated topology: %w", r.export.zonesErr)
	}
	top, err = withZones(top, r.export.zones)
	r.export.zones = nil
	return top, err
}

type exportCache struct {
	topOnce, usersOnce sync.Once
	top, users         []byte
	topErr, usersErr   error
	// zones is each view's zones as JSON when Check evaluated them apart
	// (takeZones): Topology has only some; zonesErr says they failed.
	zones    map[string]map[string]json.RawMessage
	zonesErr error
}

func exportTopology(top cue.Value) ([]byte, error) {
	t, err := top.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("decoding the validated topology: %w", err)
	}
	return t, nil
}

func exportUsers(users cue.Value) ([]byte, error) {
	u, err := users.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("decoding the validated users: %w", err)
	}
	return u, nil
}
