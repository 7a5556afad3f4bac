package planner

import "github.com/mobplan/mobplan/internal/model"

// planShell is not written yet.
func planShell(t *model.Topology, p *Plan) {}
