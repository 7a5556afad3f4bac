package cuetopo

import (
	cueformat "cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema/frontend"
)

var extensions = []string{".cue"}

// Syntax is CUE as the loader and fmt see it.
var Syntax = frontend.Syntax{
	Name:       "cue",
	Title:      "CUE",
	Extensions: extensions,
	Load: func(path string, o frontend.Options) (*canon.Document, diag.Diagnostics) {
		return load(path, o.Timeout)
	},
	Format: Format,
}

// Format does what 'cue fmt' does: parse with comments, print. A file
// that does not parse is reported as Load reports it.
func Format(name string, src []byte) ([]byte, diag.Diagnostics) {
	f, err := parser.ParseFile(name, src, parser.ParseComments)
	if err != nil {
		ds := fromCUE(err, canon.RuleSyntax, "Invalid CUE", map[string][]byte{name: src})
		for i := range ds {
			if ds[i].Range == nil {
				ds[i].Range = &diag.Range{Filename: name}
			}
		}
		return nil, ds
	}
	if d := checkDepth(name, src, f); d != nil {
		return nil, diag.Diagnostics{*d}
	}
	out, err := cueformat.Node(f)
	if err != nil {
		return nil, diag.Diagnostics{syntaxErr(name, "Invalid CUE", err.Error())}
	}
	return out, nil
}
