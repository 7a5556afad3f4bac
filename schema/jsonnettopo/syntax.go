package jsonnettopo

import (
	"strings"

	"github.com/google/go-jsonnet/formatter"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/jsonnetvm"
	"github.com/mobplan/mobplan/schema/frontend"
)

var extensions = []string{".jsonnet", ".libsonnet"}

// Syntax is Jsonnet as the loader and fmt see it: a folder's *.jsonnet
// entry file and its *.libsonnet libraries.
var Syntax = frontend.Syntax{
	Name:       "jsonnet",
	Title:      "Jsonnet",
	Extensions: extensions,
	Libraries:  []string{".libsonnet"},
	Flags:      []string{"--ext-str", "--tla-str"},
	Load:       loadWith,
	Format:     Format,
}

// loadWith reads the topology with the --ext-str and --tla-str settings.
func loadWith(path string, o frontend.Options) (*canon.Document, diag.Diagnostics) {
	ext, e1 := frontend.Pairs("--ext-str", o.ExtStr)
	tla, e2 := frontend.Pairs("--tla-str", o.TLAStr)
	doc, ds := Load(path, Options{ExtStr: ext, TLAStr: tla, Timeout: o.Timeout})
	return doc, append(append(e1, e2...), ds...)
}

// Format does what 'jsonnetfmt' does with its default options. A file
// that does not parse is reported at the place go-jsonnet names, as Load
// reports it.
func Format(name string, src []byte) ([]byte, diag.Diagnostics) {
	if off, ok := jsonnetvm.CheckDepth(src); !ok {
		return nil, diag.Diagnostics{canon.TooDeep(name, src, off)}
	}
	out, err := formatter.Format(name, string(src), formatter.DefaultOptions())
	if err == nil {
		return []byte(out), nil
	}
	if d, ok := staticError(name, src, err); ok {
		return nil, diag.Diagnostics{d}
	}
	return nil, diag.Diagnostics{syntaxErr(name, "Invalid Jsonnet", strings.TrimSpace(err.Error()))}
}
