// Package render runs the generators over a plan and returns the complete
// set of artifact files, ready for artifacts.Diff and artifacts.Apply.
package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// caller found it (ReadPrevious): hashed once, decoded at most once.
	Previous *Previous
	// ReadArtifact, when set, reads the previous files generators ask
	// for in place of artifacts.ReadFile from ArtifactsDir (the plan
	// cache checks that they are the files it hashed).
	ReadArtifact func(path string) ([]byte, error)
	// DigestsOnly keeps each file's sha256 in place of its bytes, taken
	// as each generator finishes (artifacts.File.Sum): a run that only
	// compares (plan) then holds no artifact whole for long. The set
	// cannot be applied.
	DigestsOnly bool
}

// Previous is the plan the last apply wrote, known by its digest and
// read again only when it must be decoded: at scale plan.json is
// hundreds of megabytes, not to be held for a comparison of digests.
type Previous struct {
	// Sum is the sha256 of plan.json as first read, "" when there is none.
	Sum  string
	read func() ([]byte, error)
	once sync.Once
	plan *plan.Plan
}

// ReadPrevious reads the plan kept by the last apply in dir.
func ReadPrevious(dir string) *Previous {
	return ReadPreviousWith(dir, func(path string) ([]byte, error) { return artifacts.ReadFile(dir, path) })
}

// ReadPreviousWith is ReadPrevious reading plan.json through read (the
// plan cache's, which notes what the rendering read).
func ReadPreviousWith(dir string, read func(path string) ([]byte, error)) *Previous {
	prev := &Previous{}
	if dir == "" {
		return prev
	}
	if sum, err := artifacts.FileDigest(dir, PlanFile); err == nil && sum != "" {
		prev.Sum = sum
		prev.read = func() ([]byte, error) { return read(PlanFile) }
	}
	return prev
}

// PreviousOf is a previous plan of the bytes b (nil for none).
func PreviousOf(b []byte) *Previous {
	if b == nil {
		return &Previous{}
	}
	return &Previous{Sum: artifacts.Digest(b), read: func() ([]byte, error) { return b, nil }}
}

// Plan is the previous plan decoded, nil when there is none or it does
// not decode.
func (p *Previous) Plan() *plan.Plan {
	if p == nil {
		return nil
	}
	p.once.Do(func() {
		if p.read == nil {
			return
		}
		// Only the plan.json that was hashed: one rewritten since (by
		// an apply; plan takes no lock) would contradict Unchanged.
		b, err := p.read()
		if err != nil || artifacts.Digest(b) != p.Sum {
			return
		}
		var decoded plan.Plan
		if json.Unmarshal(b, &decoded) == nil {
			p.plan = &decoded
		}
	})
	return p.plan
}

// Unchanged reports whether the set's plan.json is, byte for byte (by
// digest), the previous one: then the two plans have no difference to
// show.
func (p *Previous) Unchanged(s *artifacts.Set) bool {
	if p == nil || p.Sum == "" {
		return false
	}
	for _, f := range s.Files {
		if f.Path == PlanFile {
			return f.Digest() == p.Sum
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
		DigestsOnly: o.DigestsOnly,
		Previous: func(path string) []byte {
			b, err := read(path)
			if err != nil {
				return nil
			}
			return b
		},
	}
	// plan.json is encoded while the generators run, streamed into its
	// digest (and its bytes, unless only digests are kept).
	var planJSON encoded
	encodedPlan := make(chan struct{})
	go func() {
		defer close(encodedPlan)
		h := sha256.New()
		var buf *bytes.Buffer
		var w io.Writer = h
		if !o.DigestsOnly {
			buf = &bytes.Buffer{}
			w = io.MultiWriter(buf, h)
		}
		planJSON.err = writeJSON(w, p)
		planJSON.sum = hex.EncodeToString(h.Sum(nil))
		if buf != nil {
			planJSON.data = buf.Bytes()
		}
	}()
	// Read like every other previous file, from the artifacts folder;
	// when this plan encodes to the same bytes, it is that plan, and the
	// previous one need not be decoded.
	prev := o.previous()
	ctx.PreviousPlan = func() *plan.Plan {
		<-encodedPlan
		if prev.Sum != "" && planJSON.err == nil && prev.Sum == planJSON.sum {
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
		files = append(files, out...)
	}
	if len(problems.Diagnostics) > 0 {
		problems.Diagnostics.Sort()
		return nil, &problems
	}
	<-encodedPlan
	if planJSON.err != nil {
		return nil, planJSON.err
	}
	pf := artifacts.File{Path: PlanFile, Data: planJSON.data}
	if o.DigestsOnly {
		pf.Sum = planJSON.sum
	}
	files = append(files, pf)
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
	sum  string
	err  error
}

type generated struct {
	files []artifacts.File
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
		out, err := gens[i].Generate(own[i])
		files := make([]artifacts.File, len(out))
		for j, f := range out {
			// What the generator did not finish (its few files, a
			// custom generator's) is finished here, on its core.
			f = own[i].Finish(f)
			files[j] = artifacts.File{Path: f.Path, Data: f.Data, Mode: os.FileMode(f.Mode), Pending: f.Pending, Sum: f.Sum}
		}
		results[i].files, results[i].err = files, err
	})
	return results
}
