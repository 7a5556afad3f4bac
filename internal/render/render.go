// Package render runs the generators over a plan and returns the complete
// set of artifact files, ready for artifacts.Diff and artifacts.Apply.
package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/parallel"
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
	// Previous, when not nil, is the artifacts folder's plan.json as the
	// caller read it (ReadPrevious), so that it is read and decoded once.
	Previous *Previous
	// ReadArtifact, when set, reads the previous files generators ask
	// for in place of artifacts.ReadFile from ArtifactsDir (the plan
	// cache checks that they are the files it hashed).
	ReadArtifact func(path string) ([]byte, error)
}

// Previous is the plan the last apply wrote: its bytes (nil when there
// is none), decoded only when asked for.
type Previous struct {
	JSON []byte
	once sync.Once
	plan *plan.Plan
}

// ReadPrevious reads the plan kept by the last apply in dir.
func ReadPrevious(dir string) *Previous {
	prev := &Previous{}
	if dir == "" {
		return prev
	}
	if b, err := artifacts.ReadFile(dir, PlanFile); err == nil {
		prev.JSON = b
	}
	return prev
}

// Plan is the previous plan decoded, nil when there is none or it does
// not decode.
func (p *Previous) Plan() *plan.Plan {
	if p == nil {
		return nil
	}
	p.once.Do(func() {
		if p.JSON == nil {
			return
		}
		var decoded plan.Plan
		if json.Unmarshal(p.JSON, &decoded) == nil {
			p.plan = &decoded
		}
	})
	return p.plan
}

// Unchanged reports whether the set's plan.json is, byte for byte, the
// previous one: then the two plans have no difference to show.
func (p *Previous) Unchanged(s *artifacts.Set) bool {
	if p == nil || p.JSON == nil {
		return false
	}
	for _, f := range s.Files {
		if f.Path == PlanFile {
			return bytes.Equal(f.Data, p.JSON)
		}
	}
	return false
}

// Render runs every generator, in order, over the plan.
func Render(p *plan.Plan, gens []artifact.Generator, o Options) (*artifacts.Set, error) {
	read := o.ReadArtifact
	if read == nil {
		read = func(path string) ([]byte, error) { return artifacts.ReadFile(o.ArtifactsDir, path) }
	}
	ctx := &artifact.Context{
		Plan:        p,
		Keys:        o.Keys,
		ToolVersion: o.ToolVersion,
		Inputs:      o.Inputs,
		Previous: func(path string) []byte {
			b, err := read(path)
			if err != nil {
				return nil
			}
			return b
		},
	}
	// plan.json is encoded while the generators run.
	var planJSON encoded
	encodedPlan := make(chan struct{})
	go func() {
		defer close(encodedPlan)
		b, err := json.MarshalIndent(p, "", "  ")
		planJSON = encoded{append(b, '\n'), err}
	}()
	// Read like every other previous file, from the artifacts folder;
	// when this plan encodes to the same bytes, it is that plan, and the
	// previous one need not be decoded.
	prev := o.previous()
	ctx.PreviousPlan = func() *plan.Plan {
		<-encodedPlan
		if prev.JSON != nil && planJSON.err == nil && bytes.Equal(prev.JSON, planJSON.data) {
			return p
		}
		return prev.Plan()
	}
	var files []artifacts.File
	// Problems in the user's programs are gathered from every generator,
	// so all of them are reported at once; any other error stops here.
	var problems artifact.DiagnosticsError
	results := generateAll(ctx, gens)
	for i, g := range gens {
		out, err := results[i].files, results[i].err
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
	<-encodedPlan
	if planJSON.err != nil {
		return nil, planJSON.err
	}
	files = append(files, artifacts.File{Path: PlanFile, Data: planJSON.data})
	return artifacts.NewSet(files, artifacts.Manifest{ToolVersion: o.ToolVersion, InputDigest: o.InputDigest, AllowErrors: o.AllowErrors})
}

// previous is the previous plan given, else the one in the folder (none
// for a render into no folder).
func (o Options) previous() *Previous {
	if o.Previous != nil {
		return o.Previous
	}
	return ReadPrevious(o.ArtifactsDir)
}

type encoded struct {
	data []byte
	err  error
}

type generated struct {
	files []artifact.File
	err   error
}

// generateAll runs the generators, as many at once as there are cores:
// each reads the plan and the context only (the key store locks; the
// custom generators' shared plan encoding locks; each writes the inputs
// it read into a map of its own), so the results are those of running
// them in turn, which Render then reads in the generators' order.
func generateAll(ctx *artifact.Context, gens []artifact.Generator) []generated {
	results := make([]generated, len(gens))
	// Each generator records the files it read in a map of its own,
	// merged when all are done.
	own := make([]*artifact.Context, len(gens))
	for i := range gens {
		c := *ctx
		if ctx.Inputs != nil {
			c.Inputs = map[string]string{}
		}
		own[i] = &c
	}
	defer func() {
		if ctx.Inputs != nil {
			for _, c := range own {
				maps.Copy(ctx.Inputs, c.Inputs)
			}
		}
	}()
	parallel.For(len(gens), func(i int) {
		results[i].files, results[i].err = gens[i].Generate(own[i])
	})
	return results
}
