package planner

import "github.com/mobplan/mobplan/internal/model"

// planReport is not written yet.
func planReport(t *model.Topology, p *Plan) {}
