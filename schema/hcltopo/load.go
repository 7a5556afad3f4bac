// Package hcltopo reads a topology written in HCL into the canonical
// document: variables and locals are resolved, blocks are evaluated in
// dependency order (so one block may refer to another, e.g. a user's
// pool), and every value keeps the range it came from.
package hcltopo

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/memlimit"
	"github.com/mobplan/mobplan/internal/suggest"
	"github.com/mobplan/mobplan/schema/frontend"
)

// Options carry variable values from outside the topology.
type Options struct {
	// Vars are --var name=value settings, in order.
	Vars []string
	// VarFiles are --var-file paths.
	VarFiles []string
	// Env is the environment, for MOBPLAN_VAR_<name>; nil means none.
	Env []string
	// Timeout bounds the evaluation (0: none); memory is bounded by
	// memlimit's ceiling.
	Timeout time.Duration
}

// Files returns the HCL files of a topology path: the file itself, or
// the *.hcl files of a folder in name order (frontend.Ignored ones left
// out).
func Files(path string) ([]string, error) { return frontend.Files(path, extensions...) }

// Load reads the topology at path (a folder or one .hcl file).
func Load(path string, opts Options) (*canon.Document, diag.Diagnostics) {
	root := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		root = filepath.Dir(path)
	}
	doc := canon.NewDocument("hcl", root)
	files, err := Files(path)
	if err != nil {
		return doc, diag.Diagnostics{{Severity: diag.Error, Rule: RuleSyntax, Summary: "Cannot read topology", Detail: err.Error(), Range: &diag.Range{Filename: path}}}
	}
	if len(files) == 0 {
		return doc, diag.Diagnostics{{Severity: diag.Error, Rule: RuleSyntax, Summary: "No topology files", Detail: fmt.Sprintf("%s holds no *.hcl file", path), Range: &diag.Range{Filename: path}}}
	}
	var bodies []*hclsyntax.Body
	var ds diag.Diagnostics
	for _, f := range files {
		src, err := canon.ReadFile(root, f)
		if err != nil {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleSyntax, Summary: "Cannot read topology file", Detail: err.Error(), Range: &diag.Range{Filename: f}})
			continue
		}
		doc.Sources[f] = src
		if d := checkDepth(f, src, true); d != nil {
			ds = append(ds, *d)
			continue
		}
		file, hd := hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		ds = append(ds, fromHCL(hd, RuleSyntax)...)
		if file != nil && !hd.HasErrors() {
			bodies = append(bodies, file.Body.(*hclsyntax.Body))
		}
	}
	if ds.HasErrors() {
		return doc, ds
	}
	// Expressions can build huge values (a for inside a for, a template
	// doubling a string): the evaluation runs under memlimit, and is
	// abandoned, with its document, past the ceiling or the time bound.
	sources := maps.Clone(doc.Sources)
	l := &loader{doc: doc, opts: opts}
	var eds diag.Diagnostics
	if err := memlimit.Run(opts.Timeout, func() {
		eds = l.load(bodies)
		canon.RedactDiagnostics(eds, append(l.secrets, doc.Secrets()...))
	}); err != nil {
		fresh := canon.NewDocument("hcl", root)
		fresh.Sources = sources
		r := diag.FileStart(files[0])
		if at := l.at.Load(); at != nil {
			r = convRange(at)
		}
		return fresh, append(ds, canon.LimitDiagnostic(r, err))
	}
	return doc, append(ds, eds...)
}

// Structural rule IDs reported by the front-end.
const (
	RuleSyntax    = canon.RuleSyntax
	RuleStructure = canon.RuleStructure
	RuleReference = canon.RuleReference
	RuleDuplicate = canon.RuleDuplicate
)

func fromHCL(hd hcl.Diagnostics, rule string) diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range hd {
		sev := diag.Error
		if d.Severity == hcl.DiagWarning {
			sev = diag.Warning
		}
		out = append(out, diag.Diagnostic{Severity: sev, Rule: rule, Summary: d.Summary, Detail: d.Detail, Range: convRange(d.Subject)})
	}
	return out
}

func convRange(r *hcl.Range) *diag.Range {
	if r == nil {
		return nil
	}
	return &diag.Range{
		Filename: r.Filename,
		Start:    diag.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:      diag.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
	}
}

func rng(r hcl.Range) diag.Range { return *convRange(&r) }

// node is one unit of evaluation: a local value, a top-level attribute or
// a top-level block.
type node struct {
	id    string // "local.x", "attr.version", "pool.pool01"
	kind  string // "local", "attr", or the block type
	label string
	attr  *hclsyntax.Attribute
	block *hclsyntax.Block
	deps  []string
	// refs holds the block kinds the node's expressions name.
	refs map[string]bool
	done bool
}

type loader struct {
	doc   *canon.Document
	opts  Options
	vars  map[string]cty.Value
	local map[string]cty.Value
	// failedLocals are the locals whose evaluation failed (and said so).
	failedLocals map[string]bool
	// secrets are the texts of the sensitive variables' values (as set,
	// and as converted), kept out of every diagnostic.
	secrets []string
	// objs holds each evaluated block as a cty object, by type and label,
	// for references such as pool.pool01.fqdn.
	objs  map[string]map[string]any
	dirty map[string]bool
	ctx   *hcl.EvalContext
	// at is the declaration being evaluated, for a report from memlimit.
	at atomic.Pointer[hcl.Range]
}

func (l *loader) load(bodies []*hclsyntax.Body) diag.Diagnostics {
	var ds diag.Diagnostics
	var varBlocks []*hclsyntax.Block
	var nodes []*node
	byID := map[string]*node{}
	add := func(n *node, r hcl.Range) {
		if prev, ok := byID[n.id]; ok && n.kind != "dns_zone_dup" {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleDuplicate, Summary: "Duplicate declaration",
				Detail: fmt.Sprintf("%s is already declared at %s", displayID(n.id), rng(nodeRange(prev)).String()), Range: convRange(&r)})
			return
		}
		byID[n.id] = n
		nodes = append(nodes, n)
	}
	for _, body := range bodies {
		for _, a := range sortedAttrs(body.Attributes) {
			if !topLevelAttrs[a.Name] {
				ds = append(ds, unknownName("attribute", a.Name, keys(topLevelAttrs), a.NameRange))
				continue
			}
			add(&node{id: "attr." + a.Name, kind: "attr", attr: a}, a.NameRange)
		}
		for _, b := range body.Blocks {
			switch b.Type {
			case "variable":
				varBlocks = append(varBlocks, b)
				continue
			case "locals":
				for _, a := range sortedAttrs(b.Body.Attributes) {
					add(&node{id: "local." + a.Name, kind: "local", attr: a}, a.NameRange)
				}
				if len(b.Body.Blocks) > 0 {
					ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Blocks are not allowed in locals", Range: convRange(&b.Body.Blocks[0].TypeRange)})
				}
				continue
			}
			spec, ok := blocks[b.Type]
			if !ok {
				ds = append(ds, unknownName("block type", b.Type, append(BlockTypes(), "variable", "locals"), b.TypeRange))
				continue
			}
			if d := checkLabels(b, spec); d != nil {
				ds = append(ds, *d)
				continue
			}
			id := b.Type + "." + strings.Join(b.Labels, ".")
			add(&node{id: id, kind: b.Type, label: strings.Join(b.Labels, "."), block: b}, b.DefRange())
		}
	}
	l.vars, ds = l.resolveVars(varBlocks, ds)
	l.local = map[string]cty.Value{}
	l.failedLocals = map[string]bool{}
	l.objs = map[string]map[string]any{}
	l.dirty = map[string]bool{}
	l.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(l.vars), "local": cty.EmptyObjectVal}, Functions: Functions(l.doc.Root)}
	for kind, spec := range blocks {
		if len(spec.labels) > 0 {
			// So pool.nope reads "no pool named nope", not "no variable pool".
			l.ctx.Variables[kind] = cty.EmptyObjectVal
		}
	}

	// Dependencies: local.x, and <block type>.<label>.
	byKind := map[string][]string{}
	for _, n := range nodes {
		byKind[n.kind] = append(byKind[n.kind], n.id)
	}
	for _, n := range nodes {
		seen := map[string]bool{}
		n.refs = map[string]bool{}
		for _, t := range traversals(n) {
			root := t.RootName()
			if blocks[root] != nil {
				n.refs[root] = true
			}
			var targets []string
			switch {
			case root == "local":
				if name, ok := stepName(t, 1); ok {
					targets = []string{"local." + name}
				}
			case blocks[root] != nil:
				if name, ok := stepName(t, 1); ok && root != "dns_zone" {
					targets = []string{root + "." + name}
				} else {
					targets = byKind[root]
				}
			}
			for _, tg := range targets {
				if _, ok := byID[tg]; ok && !seen[tg] && tg != n.id {
					seen[tg] = true
					n.deps = append(n.deps, tg)
				}
			}
		}
	}

	// Evaluate in dependency order; what is left is in a cycle.
	for progress := true; progress; {
		progress = false
		for _, n := range nodes {
			if n.done || !depsDone(n, byID) {
				continue
			}
			ds = append(ds, l.eval(n)...)
			n.done = true
			progress = true
		}
	}
	for _, n := range nodes {
		if !n.done {
			r := nodeRange(n)
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: RuleReference, Summary: "Cyclic reference",
				Detail: fmt.Sprintf("%s depends on itself through %s", displayID(n.id), strings.Join(mapDisplay(n.deps), ", ")), Range: convRange(&r)})
		}
	}
	return ds
}

func displayID(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(id, "attr."), ".")
}

func mapDisplay(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = displayID(id)
	}
	return out
}

func depsDone(n *node, byID map[string]*node) bool {
	for _, d := range n.deps {
		if !byID[d].done {
			return false
		}
	}
	return true
}

func nodeRange(n *node) hcl.Range {
	if n.block != nil {
		return n.block.DefRange()
	}
	return n.attr.NameRange
}

func stepName(t hcl.Traversal, i int) (string, bool) {
	if len(t) <= i {
		return "", false
	}
	switch s := t[i].(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

func traversals(n *node) []hcl.Traversal {
	if n.attr != nil {
		return n.attr.Expr.Variables()
	}
	var out []hcl.Traversal
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for _, a := range b.Attributes {
			out = append(out, a.Expr.Variables()...)
		}
		for _, c := range b.Blocks {
			walk(c.Body)
		}
	}
	walk(n.block.Body)
	return out
}

func checkLabels(b *hclsyntax.Block, spec *blockSpec) *diag.Diagnostic {
	if len(b.Labels) == len(spec.labels) {
		for i, lab := range b.Labels {
			if lab == "" {
				r := b.LabelRanges[i]
				return &diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Empty block label", Detail: fmt.Sprintf("The %s of a %s block must not be empty.", spec.labels[i], b.Type), Range: convRange(&r)}
			}
		}
		return nil
	}
	want := "no labels"
	if len(spec.labels) > 0 {
		want = fmt.Sprintf("%d label(s): %s", len(spec.labels), strings.Join(quoteAll(spec.labels), " "))
	}
	r := b.DefRange()
	return &diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: "Wrong number of block labels",
		Detail: fmt.Sprintf("A %s block takes %s; this one has %d.", b.Type, want, len(b.Labels)), Range: convRange(&r)}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedAttrs(m hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SrcRange.Start.Byte < out[j].SrcRange.Start.Byte })
	return out
}

func unknownName(what, name string, known []string, r hcl.Range) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Rule: RuleStructure, Summary: fmt.Sprintf("Unknown %s %q", what, name), Range: convRange(&r)}
	if s := suggest.Closest(name, known); s != "" {
		d.Detail = fmt.Sprintf("Did you mean %q?", s)
	} else {
		sort.Strings(known)
		d.Detail = "Expected one of: " + strings.Join(known, ", ") + "."
	}
	return d
}
