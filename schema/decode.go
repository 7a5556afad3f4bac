package schema

import (
	"fmt"

	"github.com/mobplan/mobplan/internal/model"
)

// Model decodes a checked topology into its typed view (defaults
// applied). It lives beside the validator, so package model is plain
// structs and what reads a model never depends on CUE.
func (r Result) Model() (*model.Topology, error) {
	var t model.Topology
	if err := r.Topology.Decode(&t); err != nil {
		return nil, fmt.Errorf("decoding the validated topology: %w", err)
	}
	var buckets map[string]map[string]model.User
	if err := r.Users.Decode(&buckets); err != nil {
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
// strings, numbers, bools), defaults applied and the users back under
// "users": the topology as the schema understands it.
func (r Result) Value() (map[string]any, error) {
	var t map[string]any
	if err := r.Topology.Decode(&t); err != nil {
		return nil, fmt.Errorf("decoding the validated topology: %w", err)
	}
	var buckets map[string]map[string]any
	if err := r.Users.Decode(&buckets); err != nil {
		return nil, fmt.Errorf("decoding the validated users: %w", err)
	}
	if t == nil {
		t = map[string]any{}
	}
	users, _ := t["users"].(map[string]any)
	if users == nil {
		users = map[string]any{}
	}
	for _, b := range buckets {
		for sip, u := range b {
			users[sip] = u
		}
	}
	if len(users) > 0 { // an empty pattern struct has no field: leave it out as CUE does
		t["users"] = users
	}
	return t, nil
}
