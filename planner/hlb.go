package planner

import "github.com/mobplan/mobplan/internal/model"

// planVIPs is not written yet.
func planVIPs(t *model.Topology, p *Plan) {}
