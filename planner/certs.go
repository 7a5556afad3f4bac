package planner

import "github.com/mobplan/mobplan/internal/model"

// planCertificates is not written yet.
func planCertificates(t *model.Topology, p *Plan) {}
