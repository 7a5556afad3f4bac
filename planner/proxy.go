package planner

import "github.com/mobplan/mobplan/internal/model"

// planProxies is not written yet.
func planProxies(t *model.Topology, p *Plan) {}
