// Package loader is the front door of the pipeline: it picks the
// front-end for a topology path, reads it, and checks the result against
// the schema and rules.
package loader

import (
	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// Options are the user's settings for reading a topology.
type Options struct {
	Vars     []string
	VarFiles []string
	Env      []string
}

// Checked is a topology read and checked.
type Checked struct {
	Doc    *canon.Document
	Result schema.Result
	// Diagnostics from reading and checking, sorted.
	Diagnostics diag.Diagnostics
}

// Load reads and checks the topology at path.
func Load(path string, opts Options) (*Checked, error) {
	s, err := schema.Load()
	if err != nil {
		return nil, err
	}
	doc, ds := hcltopo.Load(path, hcltopo.Options{Vars: opts.Vars, VarFiles: opts.VarFiles, Env: opts.Env})
	c := &Checked{Doc: doc}
	if !hasRule(ds, hcltopo.RuleSyntax) {
		c.Result = s.Check(doc)
		ds = append(ds, c.Result.Diagnostics...)
	}
	ds.Sort()
	c.Diagnostics = ds
	return c, nil
}

func hasRule(ds diag.Diagnostics, rule string) bool {
	for _, d := range ds {
		if d.Rule == rule && d.Severity == diag.Error {
			return true
		}
	}
	return false
}
