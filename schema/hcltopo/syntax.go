package hcltopo

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema/frontend"
)

var extensions = []string{".hcl"}

// Syntax is HCL as the loader and fmt see it.
var Syntax = frontend.Syntax{
	Name:       "hcl",
	Title:      "HCL",
	Extensions: extensions,
	Flags:      []string{"--var", "--var-file"},
	Load: func(path string, o frontend.Options) (*canon.Document, diag.Diagnostics) {
		return Load(path, Options{Vars: o.Vars, VarFiles: o.VarFiles, Env: o.Env, Timeout: o.Timeout})
	},
	Format: Format,
}

// Format returns src as HCL's own formatter writes it. It parses first:
// hclwrite.Format works on tokens and would happily "format" a file that
// does not parse; the errors are reported as Load reports them.
func Format(name string, src []byte) ([]byte, diag.Diagnostics) {
	if d := checkDepth(name, src, true); d != nil {
		return nil, diag.Diagnostics{*d}
	}
	if _, hd := hclsyntax.ParseConfig(src, name, hcl.InitialPos); hd.HasErrors() {
		var ds diag.Diagnostics
		for _, d := range fromHCL(hd, RuleSyntax) {
			if d.Severity != diag.Error {
				continue
			}
			if d.Range == nil {
				d.Range = &diag.Range{Filename: name}
			}
			ds = append(ds, d)
		}
		return nil, ds
	}
	return hclwrite.Format(src), nil
}
