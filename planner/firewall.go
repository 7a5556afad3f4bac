package planner

import "github.com/mobplan/mobplan/internal/model"

// planFirewall is not written yet.
func planFirewall(t *model.Topology, p *Plan) {}
