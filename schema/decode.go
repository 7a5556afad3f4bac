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
	return &t, nil
}
