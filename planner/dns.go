package planner

import "github.com/mobplan/mobplan/internal/model"

// planDNS is not written yet.
func planDNS(t *model.Topology, p *Plan) {}
