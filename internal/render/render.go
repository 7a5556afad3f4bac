// Package render runs the generators over a plan and returns the complete
// set of artifact files, ready for artifacts.Diff and artifacts.Apply.
package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/planner/plan"
)

// PlanFile is where the plan itself is kept among the artifacts, so the
// next plan can say what changed in domain terms (record added, SAN
// removed), not only which files differ.
const PlanFile = "plan.json"

// Options say where artifacts and keys live.
type Options struct {
	ArtifactsDir string
	// Keys are the certificates' private keys; plan passes a store that
	// makes none.
	Keys        artifact.KeySource
	ToolVersion string
	InputDigest string
	AllowErrors bool
	// Inputs, when not nil, receives the files generators read from the
	// topology folder (custom generator programs), path to sha256.
	Inputs map[string]string
}

// Render runs every generator, in order, over the plan.
func Render(p *plan.Plan, gens []artifact.Generator, o Options) (*artifacts.Set, error) {
	ctx := &artifact.Context{
		Plan:        p,
		Keys:        o.Keys,
		ToolVersion: o.ToolVersion,
		Inputs:      o.Inputs,
		Previous: func(path string) []byte {
			b, err := artifacts.ReadFile(o.ArtifactsDir, path)
			if err != nil {
				return nil
			}
			return b
		},
	}
	var files []artifacts.File
	// Problems in the user's programs are gathered from every generator,
	// so all of them are reported at once; any other error stops here.
	var problems artifact.DiagnosticsError
	for _, g := range gens {
		out, err := g.Generate(ctx)
		var de *artifact.DiagnosticsError
		if errors.As(err, &de) {
			problems.Diagnostics = append(problems.Diagnostics, de.Diagnostics...)
			for p, b := range de.Sources {
				if problems.Sources == nil {
					problems.Sources = map[string][]byte{}
				}
				problems.Sources[p] = b
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("generator %s: %w", g.Name, err)
		}
		for _, f := range out {
			files = append(files, artifacts.File{Path: f.Path, Data: f.Data, Mode: os.FileMode(f.Mode), Pending: f.Pending})
		}
	}
	if len(problems.Diagnostics) > 0 {
		problems.Diagnostics.Sort()
		return nil, &problems
	}
	pj, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	files = append(files, artifacts.File{Path: PlanFile, Data: append(pj, '\n')})
	return artifacts.NewSet(files, artifacts.Manifest{ToolVersion: o.ToolVersion, InputDigest: o.InputDigest, AllowErrors: o.AllowErrors})
}

// PreviousPlan reads the plan kept by the last apply, or nil.
func PreviousPlan(dir string) *plan.Plan {
	b, err := artifacts.ReadFile(dir, PlanFile)
	if err != nil || b == nil {
		return nil
	}
	var p plan.Plan
	if json.Unmarshal(b, &p) != nil {
		return nil
	}
	return &p
}
