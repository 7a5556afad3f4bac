// Package loader is the front door of the pipeline: it picks the
// front-end for a topology path by its files' syntax, reads it, and
// checks the result against the schema and rules.
package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema"
	"github.com/mobplan/mobplan/schema/cuetopo"
	"github.com/mobplan/mobplan/schema/datatopo"
	"github.com/mobplan/mobplan/schema/hcltopo"
	"github.com/mobplan/mobplan/schema/jsonnettopo"
)

// Options are the user's settings for reading a topology.
type Options struct {
	// Vars and VarFiles set HCL variables; Env supplies MOBPLAN_VAR_*.
	Vars     []string
	VarFiles []string
	Env      []string
	// ExtStr and TLAStr are Jsonnet external variables and top-level
	// arguments, as name=value.
	ExtStr []string
	TLAStr []string
	// Timeout bounds a Jsonnet evaluation (0: the default).
	Timeout time.Duration
}

// Checked is a topology read and checked.
type Checked struct {
	Doc    *canon.Document
	Result schema.Result
	// Diagnostics from reading and checking, sorted.
	Diagnostics diag.Diagnostics
}

// Syntaxes maps file name endings to the syntax they are read as.
var Syntaxes = map[string]string{
	".hcl": "hcl", ".cue": "cue", ".jsonnet": "jsonnet", ".libsonnet": "jsonnet",
	".json": "json", ".yaml": "yaml", ".yml": "yaml",
}

// Detect tells the syntax of a topology path: a file by its name, a
// folder by the topology files it holds, which must all be of one syntax.
func Detect(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		s, ok := Syntaxes[strings.ToLower(filepath.Ext(path))]
		if !ok {
			return "", fmt.Errorf("%s: not a topology file (expected .hcl, .cue, .jsonnet, .json, .yaml or .yml)", path)
		}
		if strings.HasSuffix(path, ".libsonnet") {
			return "", fmt.Errorf("%s is a Jsonnet library; give the .jsonnet file that imports it, or its folder", path)
		}
		return s, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return "", err
	}
	bySyntax := map[string][]string{}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if s, ok := Syntaxes[strings.ToLower(filepath.Ext(e.Name()))]; ok {
			bySyntax[s] = append(bySyntax[s], e.Name())
		}
	}
	switch len(bySyntax) {
	case 0:
		return "", fmt.Errorf("%s holds no topology file (*.hcl, *.cue, *.jsonnet, *.json, *.yaml)", path)
	case 1:
		for s := range bySyntax {
			return s, nil
		}
	}
	var parts []string
	for s, files := range bySyntax {
		parts = append(parts, fmt.Sprintf("%s (%s)", s, strings.Join(files, ", ")))
	}
	sort.Strings(parts)
	return "", fmt.Errorf("%s mixes topology syntaxes: %s; a topology folder holds one syntax, so move the other files elsewhere (JSON and YAML data such as saved plans belong outside the topology folder)", path, strings.Join(parts, "; "))
}

// Load reads and checks the topology at path.
func Load(path string, opts Options) (*Checked, error) {
	s, err := schema.Load()
	if err != nil {
		return nil, err
	}
	root := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		root = filepath.Dir(path)
	}
	syntax, err := Detect(path)
	if err != nil {
		doc := canon.NewDocument("", root)
		return &Checked{Doc: doc, Diagnostics: diag.Diagnostics{{Severity: diag.Error, Rule: canon.RuleSyntax,
			Summary: "Cannot read topology", Detail: err.Error(), Range: &diag.Range{Filename: path}}}}, nil
	}
	var doc *canon.Document
	ds := flagMismatch(syntax, opts)
	switch syntax {
	case "hcl":
		var fds diag.Diagnostics
		doc, fds = hcltopo.Load(path, hcltopo.Options{Vars: opts.Vars, VarFiles: opts.VarFiles, Env: opts.Env})
		ds = append(ds, fds...)
	case "cue":
		var fds diag.Diagnostics
		doc, fds = cuetopo.Load(path)
		ds = append(ds, fds...)
	case "jsonnet":
		ext, e1 := pairs("--ext-str", opts.ExtStr)
		tla, e2 := pairs("--tla-str", opts.TLAStr)
		ds = append(append(ds, e1...), e2...)
		var fds diag.Diagnostics
		doc, fds = jsonnettopo.Load(path, jsonnettopo.Options{ExtStr: ext, TLAStr: tla, Timeout: opts.Timeout})
		ds = append(ds, fds...)
	default:
		var fds diag.Diagnostics
		doc, fds = datatopo.Load(path)
		ds = append(ds, fds...)
	}
	c := &Checked{Doc: doc}
	if !hasRule(ds, canon.RuleSyntax) {
		c.Result = s.Check(doc)
		ds = append(ds, c.Result.Diagnostics...)
	}
	ds.Sort()
	c.Diagnostics = ds
	return c, nil
}

// flagMismatch refuses settings the topology's syntax cannot use, rather
// than ignoring them silently.
func flagMismatch(syntax string, opts Options) diag.Diagnostics {
	var ds diag.Diagnostics
	refuse := func(flag, only string) {
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Option does not apply",
			Detail: fmt.Sprintf("%s applies to %s topologies; this one is %s", flag, only, syntax)})
	}
	if syntax != "hcl" && len(opts.Vars) > 0 {
		refuse("--var", "HCL")
	}
	if syntax != "hcl" && len(opts.VarFiles) > 0 {
		refuse("--var-file", "HCL")
	}
	if syntax != "jsonnet" && len(opts.ExtStr) > 0 {
		refuse("--ext-str", "Jsonnet")
	}
	if syntax != "jsonnet" && len(opts.TLAStr) > 0 {
		refuse("--tla-str", "Jsonnet")
	}
	return ds
}

// pairs parses name=value settings.
func pairs(flag string, list []string) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	var ds diag.Diagnostics
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Invalid " + flag,
				Detail: fmt.Sprintf("%s %q: expected name=value", flag, s)})
			continue
		}
		out[k] = v
	}
	return out, ds
}

func hasRule(ds diag.Diagnostics, rule string) bool {
	for _, d := range ds {
		if d.Rule == rule && d.Severity == diag.Error {
			return true
		}
	}
	return false
}

// InputDigest fingerprints what the topology means, not how it is
// written: the sha256 of the schema-unified value (defaults applied) in
// canonical JSON, so the same topology in HCL, CUE, Jsonnet, JSON or YAML
// has one digest, and a comment or a reformat does not make a saved plan
// stale. When the topology does not unify, the front-end's value is used.
func (c *Checked) InputDigest() string {
	var v any = c.Doc.Value
	if t := c.Result.Topology; t.Exists() && t.Err() == nil {
		var unified any
		if err := t.Decode(&unified); err == nil {
			v = unified
		}
	}
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
