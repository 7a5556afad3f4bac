// Package cuetopo reads a topology written in CUE: the *.cue files of a
// folder form one package whose value is the topology. The files may
// import the mobplan schema ("github.com/mobplan/mobplan/schema") and
// CUE's standard library, nothing else, so a topology cannot read files
// outside its folder.
//
// The package is evaluated with the real schema first, so definitions,
// defaults and the user's own constraints all apply. The canonical value
// keeps only what the user's files say (fields that exist only because
// the schema declares them are left to the later schema check, exactly
// as for HCL input), each with the position of the field that set it.
// When that evaluation fails, the package is evaluated once more with
// every schema definition left open: if it then succeeds, the failure
// was the schema's, and the schema check reports it in the same words as
// for every other syntax; if not, the user's own constraints failed and
// CUE's errors are reported at their positions.
package cuetopo

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/memlimit"
	"github.com/mobplan/mobplan/schema"
	"github.com/mobplan/mobplan/schema/frontend"
)

// Files returns the CUE files of a path: the file itself, or the *.cue
// files of a folder in name order (frontend.Ignored ones left out: files
// starting with "." or "_", as the cue tool does).
func Files(path string) ([]string, error) { return frontend.Files(path, extensions...) }

// Load reads the topology at path (a folder or one .cue file).
func Load(path string) (*canon.Document, diag.Diagnostics) { return load(path, 0) }

// load is Load with the evaluation bounded by timeout (0: none) and by
// memlimit's ceiling.
func load(path string, timeout time.Duration) (*canon.Document, diag.Diagnostics) {
	root := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		root = filepath.Dir(path)
	}
	doc := canon.NewDocument("cue", root)
	files, err := Files(path)
	if err != nil {
		return doc, diag.Diagnostics{syntaxErr(path, "Cannot read topology", err.Error())}
	}
	if len(files) == 0 {
		return doc, diag.Diagnostics{syntaxErr(path, "No topology files", fmt.Sprintf("%s holds no *.cue file", path))}
	}
	var ds diag.Diagnostics
	var parsed []*ast.File
	pkg := ""
	for _, f := range files {
		src, err := canon.ReadFile(root, f)
		if err != nil {
			ds = append(ds, syntaxErr(f, "Cannot read topology file", err.Error()))
			continue
		}
		doc.Sources[f] = src
		file, err := parser.ParseFile(f, src, parser.ParseComments)
		if err != nil {
			ds = append(ds, fromCUE(err, canon.RuleSyntax, "Invalid CUE", doc.Sources)...)
			continue
		}
		if d := checkDepth(f, src, file); d != nil {
			ds = append(ds, *d)
			continue
		}
		if name := file.PackageName(); name != pkg && len(parsed) > 0 {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Mixed CUE packages",
				Detail: fmt.Sprintf("%s is package %q but %s is package %q; a topology folder holds one package", f, name, files[0], pkg),
				Range:  diag.FileStart(f)})
			continue
		} else {
			pkg = name
		}
		parsed = append(parsed, file)
	}
	if ds.HasErrors() {
		return doc, ds
	}
	// CUE cannot be interrupted: past the ceiling or the time bound the
	// evaluation is abandoned, with the document it fills.
	sources := maps.Clone(doc.Sources)
	var eds diag.Diagnostics
	var out *canon.Document
	if err := memlimit.Run(timeout, func() { out, eds = evaluate(doc, files, parsed) }); err != nil {
		fresh := canon.NewDocument("cue", doc.Root)
		fresh.Sources = sources
		return fresh, append(ds, canon.LimitDiagnostic(diag.FileStart(files[0]), err))
	}
	return out, append(ds, eds...)
}

// evaluate builds the parsed files with the schema and walks the value
// into doc.
func evaluate(doc *canon.Document, files []string, parsed []*ast.File) (*canon.Document, diag.Diagnostics) {
	var ds diag.Diagnostics
	l := &loader{doc: doc, user: map[string]bool{}}
	for _, f := range files {
		l.user[f] = true
	}
	v, err := l.build(parsed, false)
	if len(l.importErrs) > 0 {
		for _, e := range l.importErrs {
			ds = append(ds, fromCUE(e, canon.RuleSyntax, "Import not allowed", doc.Sources)...)
		}
		return doc, ds
	}
	if err == nil {
		err = v.Validate()
	}
	if err != nil {
		// Was it the schema (reported later in its own words) or the
		// user's own constraints?
		open, openErr := l.build(parsed, true)
		if openErr == nil {
			openErr = open.Validate()
		}
		if openErr != nil {
			return doc, append(ds, fromCUE(openErr, canon.RuleStructure, "Topology constraint failed", doc.Sources)...)
		}
		v = open
	}
	switch value := l.walk(v, canon.Path{}).(type) {
	case map[string]any:
		doc.Value = value
	case nil:
	default:
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: "Topology must be a struct",
			Detail: fmt.Sprintf("the package evaluates to %s; a topology is a struct of topology fields (version, sip_domains, pools, ...)", canon.Kind(value)),
			Range:  diag.FileStart(files[0])})
	}
	return doc, append(ds, l.ds...)
}

type loader struct {
	doc  *canon.Document
	user map[string]bool // the topology's own files
	ds   diag.Diagnostics
	// importErrs are refused imports: reported as such, not as the
	// "import failed" CUE wraps them in.
	importErrs []cueerrors.Error
	// tooDeep: the value nests deeper than canon.MaxDepth (reported once).
	tooDeep bool
}

// build evaluates the user's files; open replaces the schema package by
// one whose definitions accept anything.
func (l *loader) build(files []*ast.File, open bool) (cue.Value, error) {
	ctx := cuecontext.New()
	var schemaInst *build.Instance
	var schemaErr error
	inst := build.NewContext().NewInstance(l.doc.Root, func(pos token.Pos, path string) *build.Instance {
		if path == schema.ImportPath {
			if schemaInst == nil {
				schemaInst, schemaErr = schemaInstance(open)
			}
			if schemaErr != nil {
				return &build.Instance{Err: cueerrors.Promote(schemaErr, "")}
			}
			return schemaInst
		}
		if first, _, _ := strings.Cut(path, "/"); !strings.Contains(first, ".") {
			return nil // the standard library, which CUE provides itself
		}
		l.importErrs = append(l.importErrs, cueerrors.Newf(pos,
			"import %q: a CUE topology may import only the mobplan schema (%q) and CUE's standard library; keep the topology's own files in its folder, as one package", path, schema.ImportPath))
		return &build.Instance{Err: l.importErrs[len(l.importErrs)-1]}
	})
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, err
		}
	}
	if len(l.importErrs) > 0 {
		return cue.Value{}, l.importErrs[0]
	}
	v := ctx.BuildInstance(inst)
	return v, v.Err()
}

// schemaInstance builds the embedded schema as an importable package;
// open keeps its definition names but makes each accept anything.
func schemaInstance(open bool) (*build.Instance, error) {
	inst := build.NewContext().NewInstance(schema.ImportPath, nil)
	srcs := schema.Files()
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	var defs []string
	for _, n := range names {
		f, err := parser.ParseFile(n, srcs[n])
		if err != nil {
			return nil, err
		}
		if !open {
			if err := inst.AddSyntax(f); err != nil {
				return nil, err
			}
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.Field); ok {
				if id, ok := fd.Label.(*ast.Ident); ok && strings.HasPrefix(id.Name, "#") {
					defs = append(defs, id.Name+": _\n")
				}
			}
		}
	}
	if open {
		f, err := parser.ParseFile("schema-open.cue", "package schema\n"+strings.Join(defs, ""))
		if err != nil {
			return nil, err
		}
		if err := inst.AddSyntax(f); err != nil {
			return nil, err
		}
	}
	return inst, nil
}

// userPos is where the user's files set v, or NoPos when only the
// schema does.
func (l *loader) userPos(v cue.Value) token.Pos {
	if p := v.Pos(); p.IsValid() && l.user[p.Filename()] {
		return p
	}
	if op, args := v.Expr(); op == cue.AndOp {
		for _, a := range args {
			if p := l.userPos(a); p.IsValid() {
				return p
			}
		}
	}
	return token.NoPos
}

// walk turns v into the canonical value, recording each part's range;
// fields only the schema sets are left out.
func (l *loader) walk(v cue.Value, path canon.Path) any {
	if l.tooDeep {
		return nil // the topology is refused already; walk no further
	}
	if len(path) > canon.MaxDepth() {
		// References nest values deeper than the files do (x1: a: x0,
		// x2: a: x1, ...); no topology value is this deep.
		if !l.tooDeep {
			l.tooDeep = true
			r := diag.Range{Filename: l.doc.Root}
			if p := v.Pos(); p.IsValid() {
				r = l.rangeOf(p)
			}
			l.ds = append(l.ds, canon.TooDeepValue(r, path))
		}
		return nil
	}
	if d, ok := v.Default(); ok {
		v = d
	}
	pos := l.userPos(v)
	if !pos.IsValid() && len(path) > 0 {
		if _, field := path[len(path)-1].(string); field {
			return nil // only the schema sets it
		}
	}
	if pos.IsValid() {
		l.doc.SetRange(path, l.rangeOf(pos))
	}
	switch v.IncompleteKind() {
	case cue.StructKind:
		out := map[string]any{}
		it, err := v.Fields()
		if err != nil {
			l.fail(path, err)
			return nil
		}
		for it.Next() {
			fp := path.Append(it.Selector().Unquoted())
			if x := l.walk(it.Value(), fp); x != nil {
				out[it.Selector().Unquoted()] = x
			}
		}
		return out
	case cue.ListKind:
		out := []any{}
		it, err := v.List()
		if err != nil {
			l.fail(path, err)
			return nil
		}
		for i := 0; it.Next(); i++ {
			out = append(out, l.walk(it.Value(), path.Append(i)))
		}
		return out
	}
	if !v.IsConcrete() {
		l.ds = append(l.ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: fmt.Sprintf("No concrete value for %s", path.Describe()),
			Detail: fmt.Sprintf("%s is %v, which is not one value; give it one (or a default with *)", path.Describe(), v), Range: l.rangePtr(path)})
		l.doc.Failed[path.Key()] = true
		return nil
	}
	// Read scalars by kind rather than decoding into any: a package may
	// evaluate to things a topology cannot hold (bytes, null, a builtin
	// function), and those must be reported, not decoded.
	var x any
	var err error
	switch v.Kind() {
	case cue.StringKind:
		x, err = v.String()
	case cue.BoolKind:
		x, err = v.Bool()
	case cue.IntKind:
		x, err = v.Int64()
	case cue.FloatKind:
		x, err = v.Float64()
	default:
		err = fmt.Errorf("%s is %v, which a topology cannot hold; use a string, number, boolean, list or struct", path.Describe(), v)
	}
	if err != nil {
		l.fail(path, err)
		return nil
	}
	return x
}

func (l *loader) fail(path canon.Path, err error) {
	l.ds = append(l.ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: fmt.Sprintf("Invalid %s", path.Describe()),
		Detail: cueerrors.Details(err, nil), Range: l.rangePtr(path)})
	l.doc.Failed[path.Key()] = true
}

func (l *loader) rangePtr(path canon.Path) *diag.Range {
	if r, ok := l.doc.RangeOf(path); ok {
		return &r
	}
	return nil
}

// rangeOf is the range of the token at pos (CUE positions carry a start
// only): to the end of that line's field, at most.
func (l *loader) rangeOf(pos token.Pos) diag.Range {
	src := l.doc.Sources[pos.Filename()]
	start := pos.Offset()
	end := start
	for end < len(src) && src[end] != '\n' {
		end++
	}
	// Trim trailing spaces, a comment and an opening brace's tail.
	line := strings.TrimRight(string(src[start:end]), " \t")
	if i := strings.Index(line, "//"); i > 0 {
		line = strings.TrimRight(line[:i], " \t")
	}
	end = start + len(line)
	r := diag.Range{Filename: pos.Filename(), Start: canon.PosAt(src, start), End: canon.PosAt(src, end)}
	return r
}

func syntaxErr(file, summary, detail string) diag.Diagnostic {
	return diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: summary, Detail: detail, Range: &diag.Range{Filename: file}}
}

// fromCUE turns CUE errors into diagnostics at the first position that
// lies in the user's files.
func fromCUE(err error, rule, summary string, sources map[string][]byte) diag.Diagnostics {
	var out diag.Diagnostics
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if p := e.Path(); len(p) > 0 {
			msg = strings.Join(p, ".") + ": " + msg
		}
		d := diag.Diagnostic{Severity: diag.Error, Rule: rule, Summary: summary, Detail: msg}
		if strings.Contains(msg, "reference") && strings.Contains(msg, "not found") {
			d.Rule = canon.RuleReference
			d.Summary = "Unknown reference"
		}
		positions := append([]token.Pos{e.Position()}, e.InputPositions()...)
		var also []string
		for _, p := range positions {
			src, ok := sources[p.Filename()]
			if !ok || !p.IsValid() {
				continue
			}
			at := p.Offset()
			r := diag.Range{Filename: p.Filename(), Start: canon.PosAt(src, at), End: canon.PosAt(src, at)}
			if d.Range == nil {
				d.Range = &r
			} else if r.String() != d.Range.String() && !slices.Contains(also, r.String()) {
				also = append(also, r.String())
			}
		}
		if len(also) > 0 {
			d.Detail += " (see also " + strings.Join(also, ", ") + ")"
		}
		key := d.Rule + msg
		if d.Range != nil {
			key += d.Range.String()
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}
