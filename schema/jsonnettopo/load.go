// Package jsonnettopo reads a topology written in Jsonnet: a folder's
// entry file (its only *.jsonnet file, or main.jsonnet) is evaluated with
// imports confined to the folder, and its JSON output is the canonical
// value.
//
// Jsonnet keeps no source position for output values, so ranges are
// found by walking the syntax of the entry file alongside the output,
// following what can be followed without evaluating:
//
//   - An object field written with a literal name records its range for
//     the field's path, as the JSON front-end does: a field whose value
//     is an object or list literal records its header (name to opening
//     bracket), any other field its name to the end of its value. A list
//     element records its expression (a composite its opening bracket).
//     The root records the opening brace of the top-level object.
//   - Values are followed through parentheses, local variables (lexical
//     scope, including object locals), imports of the topology's own
//     files, a top-level function's body, assert, `base + {override}` and
//     `base {override}` (the right side first, since it wins), and both
//     branches of a conditional (the first recorded wins). Lists joined
//     with `+` keep exact element ranges when each operand's position is
//     known: the first operand from the list's start, the last from its
//     end.
//   - Not followed: function calls, comprehensions, self/super/field
//     access (lib.pools), std functions, string formatting. Such a value
//     is recorded at the call or expression itself, so a diagnostic about
//     users["alice@contoso.com"].pool points at the field holding
//     user({...}), the most specific place the user wrote.
//   - Fields with computed names, and whatever the walk cannot place,
//     have no range of their own: diagnostics use the nearest ancestor.
//
// Only paths present in the output are recorded, so a branch or hidden
// field that did not produce output never attracts a diagnostic; when
// both branches of a conditional produce the same path, the one written
// first is used even if the other was taken.
package jsonnettopo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/formatter"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/jsonnetvm"
	"github.com/mobplan/mobplan/schema/frontend"
)

// Options carry settings from outside the topology.
type Options struct {
	// ExtStr are std.extVar values (--ext-str); TLAStr are top-level
	// arguments (--tla-str), used when the entry file is a function.
	ExtStr, TLAStr map[string]string
	// Timeout and MaxStack bound the evaluation; zero means the
	// jsonnetvm default.
	Timeout  time.Duration
	MaxStack int
}

// EntryName is the entry file of a folder holding several .jsonnet files.
const EntryName = "main.jsonnet"

func isEntry(name string) bool { return strings.ToLower(filepath.Ext(name)) == ".jsonnet" }

// Files returns the Jsonnet files of a topology path: the file itself,
// or the *.jsonnet and *.libsonnet files of a folder in name order
// (frontend.Ignored ones left out).
func Files(path string) ([]string, error) { return frontend.Files(path, extensions...) }

// entryPoint picks the file to evaluate among a folder's files.
func entryPoint(dir string, files []string) (string, *diag.Diagnostic) {
	var entries []string
	for _, f := range files {
		if isEntry(f) {
			entries = append(entries, f)
		}
	}
	switch len(entries) {
	case 1:
		return entries[0], nil
	case 0:
		return "", &diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "No Jsonnet entry point",
			Detail: fmt.Sprintf("%s holds only libraries (%s); add the file to evaluate, named %s, that imports them", dir, baseNames(files), EntryName),
			Range:  &diag.Range{Filename: dir}}
	}
	for _, f := range entries {
		if filepath.Base(f) == EntryName {
			return f, nil
		}
	}
	return "", &diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Several Jsonnet entry points",
		Detail: fmt.Sprintf("%s holds several .jsonnet files (%s) and no %s; name the entry file %s, or rename the others to .libsonnet", dir, baseNames(entries), EntryName, EntryName),
		Range:  &diag.Range{Filename: dir}}
}

func baseNames(files []string) string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.Base(f)
	}
	return strings.Join(out, ", ")
}

// Load reads the topology at path (a folder or one .jsonnet file).
func Load(path string, opts Options) (*canon.Document, diag.Diagnostics) {
	root := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		root = filepath.Dir(path)
	}
	doc := canon.NewDocument("jsonnet", root)
	files, err := Files(path)
	if err != nil {
		return doc, diag.Diagnostics{syntaxErr(path, "Cannot read topology", err.Error())}
	}
	if len(files) == 0 {
		return doc, diag.Diagnostics{syntaxErr(path, "No topology files", fmt.Sprintf("%s holds no *.jsonnet file", path))}
	}
	entry := files[0]
	if root == path {
		var d *diag.Diagnostic
		if entry, d = entryPoint(path, files); d != nil {
			return doc, diag.Diagnostics{*d}
		}
	}
	src, err := canon.ReadFile(root, entry)
	if err != nil {
		return doc, diag.Diagnostics{syntaxErr(entry, "Cannot read topology file", err.Error())}
	}
	doc.Sources[entry] = src

	out, verr := jsonnetvm.Evaluate(entry, src, jsonnetvm.Options{Root: root, ExtStr: opts.ExtStr, TLAStr: opts.TLAStr,
		MaxStack: opts.MaxStack, Timeout: opts.Timeout}, doc.Sources)
	if verr != nil {
		return doc, diag.Diagnostics{evalError(verr, doc.Sources)}
	}

	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return doc, diag.Diagnostics{syntaxErr(entry, "Cannot read Jsonnet output", err.Error())}
	}
	v = canon.FromJSON(v)

	m := newMapper(doc, v)
	m.run(entry, src)

	obj, ok := v.(map[string]any)
	if !ok {
		r, found := doc.Ranges[canon.Path{}.Key()]
		if !found {
			r = *diag.FileStart(entry)
		}
		doc.Ranges = map[string]diag.Range{}
		return doc, diag.Diagnostics{{Severity: diag.Error, Rule: canon.RuleStructure, Summary: "Topology must be an object",
			Detail: fmt.Sprintf("%s evaluates to %s; a topology is an object of topology fields (version, sip_domains, pools, ...)", entry, canon.Kind(v)), Range: &r}}
	}
	doc.Value = obj
	return doc, nil
}

func syntaxErr(file, summary, detail string) diag.Diagnostic {
	return diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: summary, Detail: detail, Range: &diag.Range{Filename: file}}
}

// located is what go-jsonnet's static errors offer.
type located interface{ Loc() ast.LocationRange }

// staticError is a lexer or parser error of go-jsonnet as a diagnostic at
// its place in the file; ok is false when err carries no place.
func staticError(name string, src []byte, err error) (d diag.Diagnostic, ok bool) {
	le, ok := err.(located)
	if !ok {
		return d, false
	}
	l := le.Loc()
	if !l.IsSet() {
		return d, false
	}
	r := newFile(name, src, nil).rng(l.Begin, l.End)
	// The message starts with the place, which the range says already.
	msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(err.Error()), l.String()))
	return diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Invalid Jsonnet", Detail: msg, Range: &r}, true
}

// evalError reports a failed evaluation; when the cause is a file that
// does not compile (the entry, or a library whose import failed), the
// error is reported at its place in that file.
func evalError(e *jsonnetvm.Error, sources map[string][]byte) diag.Diagnostic {
	if e.Summary != "" {
		// A bound stopped it (a file nested too deeply, say): reading
		// the files again to explain it would run into it too.
		return e.Diagnostic(canon.RuleSyntax, e.Summary)
	}
	// The candidates: the file the error is in, and the files its
	// message names (go-jsonnet reports a library's syntax error at the
	// import, naming the library's place in the message).
	var names []string
	for name := range sources {
		if strings.Contains(e.Message, name+":") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if e.Range != nil {
		names = append([]string{e.Range.Filename}, names...)
	}
	for _, name := range names {
		src, ok := sources[name]
		if !ok {
			continue
		}
		_, err := jsonnet.SnippetToAST(name, string(src))
		d, ok := staticError(name, src, err)
		if !ok {
			continue
		}
		if e.Range != nil && name != e.Range.Filename {
			d.Detail += "\n\nImported at " + e.Range.String()
		}
		return d
	}
	d := e.Diagnostic(canon.RuleSyntax, "Jsonnet evaluation failed")
	if strings.Contains(e.Message, "max stack frames exceeded") {
		d.Hint = "The program calls functions too deeply nested: look for a recursion that never ends."
	}
	return d
}

// Bounds of the range walk: it follows variables and imports, so a
// program built to loop or to branch exponentially must not make it
// run away. The work allowed grows with the output.
const (
	maxDepth       = 400
	budget         = 200000
	budgetPerValue = 20
)

// recoverMapping makes a bug in the range walk cost ranges, not the
// whole load; the fuzz test turns it off so such bugs surface.
var recoverMapping = true

// mapper walks the syntax of the program beside its output value.
type mapper struct {
	doc    *canon.Document
	out    any
	files  map[string]*file
	budget int
}

type file struct {
	name  string
	src   []byte
	lines []int // byte offset of each line's start
	root  ast.Node
}

// binding is what a variable names; node is nil when it cannot be
// followed (a function parameter, a function).
type binding struct {
	node ast.Node
	env  *env
}

type env struct {
	name ast.Identifier
	b    *binding
	next *env
}

func (e *env) lookup(name ast.Identifier) *binding {
	for ; e != nil; e = e.next {
		if e.name == name {
			return e.b
		}
	}
	return nil
}

func newMapper(doc *canon.Document, out any) *mapper {
	return &mapper{doc: doc, out: out, files: map[string]*file{}, budget: budget + budgetPerValue*count(out)}
}

// count is the number of values in v, v included.
func count(v any) int {
	n := 1
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			n += count(e)
		}
	case []any:
		for _, e := range x {
			n += count(e)
		}
	}
	return n
}

func (m *mapper) run(entry string, src []byte) {
	if recoverMapping {
		defer func() {
			if recover() != nil {
				m.doc.Ranges = map[string]diag.Range{}
			}
		}()
	}
	f := m.parse(entry, src)
	if f == nil {
		return
	}
	m.walk(f, f.root, nil, canon.Path{}, fresh(m.out), 0)
}

// parse returns the syntax of a file, or nil if it does not parse.
func (m *mapper) parse(name string, src []byte) *file {
	if f, ok := m.files[name]; ok {
		return f
	}
	m.files[name] = nil
	node, _, err := formatter.SnippetToRawAST(name, string(src))
	if err != nil || node == nil {
		return nil
	}
	f := newFile(name, src, node)
	m.files[name] = f
	return f
}

func newFile(name string, src []byte, root ast.Node) *file {
	f := &file{name: name, src: src, lines: []int{0}, root: root}
	for i, c := range src {
		if c == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// span says which elements of a list a node yields: the node starts at
// index off or ends at index end (-1 when unknown); part is set when the
// node yields only part of the value at its path.
type span struct {
	off, end int
	part     bool
}

// fresh is the span of a node that yields the whole value v.
func fresh(v any) span {
	if l, ok := v.([]any); ok {
		return span{off: 0, end: len(l)}
	}
	return span{off: 0, end: -1}
}

func lookup(v any, p canon.Path) (any, bool) {
	for _, e := range p {
		switch k := e.(type) {
		case string:
			o, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = o[k]; !ok {
				return nil, false
			}
		case int:
			l, ok := v.([]any)
			if !ok || k < 0 || k >= len(l) {
				return nil, false
			}
			v = l[k]
		}
	}
	return v, true
}

// pos converts a go-jsonnet location (1-based line, 1-based byte column)
// into a diagnostic position (columns in characters).
func (f *file) pos(l ast.Location) diag.Pos {
	line := min(max(l.Line, 1), len(f.lines))
	start := f.lines[line-1]
	end := len(f.src)
	if line < len(f.lines) {
		end = f.lines[line] - 1
	}
	off := min(max(start+l.Column-1, start), end)
	return diag.Pos{Line: line, Column: 1 + utf8.RuneCount(f.src[start:off]), Byte: off}
}

func (f *file) rng(from, to ast.Location) diag.Range {
	return diag.Range{Filename: f.name, Start: f.pos(from), End: f.pos(to)}
}

func loc(n ast.Node) (ast.LocationRange, bool) {
	if isNil(n) {
		return ast.LocationRange{}, false
	}
	l := n.Loc()
	if l == nil || !l.IsSet() {
		return ast.LocationRange{}, false
	}
	return *l, true
}

// isComposite reports whether n is written as an object or a list (its
// range is then its opening bracket, as in the JSON front-end).
func isComposite(n ast.Node) bool {
	switch n.(type) {
	case *ast.Object, *ast.Array, *ast.ObjectComp, *ast.ArrayComp:
		return true
	}
	return false
}

// exprRange is the range of an expression standing for a value.
func (f *file) exprRange(n ast.Node) (diag.Range, bool) {
	l, ok := loc(n)
	if !ok {
		return diag.Range{}, false
	}
	if isComposite(n) {
		return f.rng(l.Begin, ast.Location{Line: l.Begin.Line, Column: l.Begin.Column + 1}), true
	}
	return f.rng(l.Begin, l.End), true
}

// fieldRange is a field's name to the end of its value, or to the opening
// bracket of an object or list value.
func (f *file) fieldRange(fl *ast.ObjectField) (diag.Range, bool) {
	if !fl.LocRange.IsSet() {
		return diag.Range{}, false
	}
	if isComposite(fl.Expr2) {
		if l, ok := loc(fl.Expr2); ok {
			return f.rng(fl.LocRange.Begin, ast.Location{Line: l.Begin.Line, Column: l.Begin.Column + 1}), true
		}
	}
	return f.rng(fl.LocRange.Begin, fl.LocRange.End), true
}

// set records r for p unless p has a range already (the first recorded
// wins) or p is not in the output.
func (m *mapper) set(p canon.Path, r diag.Range, ok bool) {
	if !ok {
		return
	}
	k := p.Key()
	if _, done := m.doc.Ranges[k]; done {
		return
	}
	if _, there := lookup(m.out, p); there {
		m.doc.Ranges[k] = r
	}
}

// fieldName is the name of a field written literally, or false.
func fieldName(fl *ast.ObjectField) (string, bool) {
	switch fl.Kind {
	case ast.ObjectFieldID:
		if fl.Id != nil {
			return string(*fl.Id), true
		}
	case ast.ObjectFieldStr, ast.ObjectFieldExpr:
		if s, ok := fl.Expr1.(*ast.LiteralString); ok && s != nil {
			return s.Value, true
		}
	}
	return "", false
}

func (m *mapper) walk(f *file, n ast.Node, e *env, path canon.Path, sp span, depth int) {
	if isNil(n) || depth > maxDepth || m.budget <= 0 {
		return
	}
	m.budget--
	v, ok := lookup(m.out, path)
	if !ok {
		return
	}
	// whole records n itself for path, when nothing more specific did.
	whole := func() {
		if !sp.part {
			r, ok := f.exprRange(n)
			m.set(path, r, ok)
		}
	}
	switch n := n.(type) {
	case *ast.Parens:
		m.walk(f, n.Inner, e, path, sp, depth+1)
	case *ast.Local:
		m.walk(f, n.Body, bindLocals(n.Binds, e), path, sp, depth+1)
	case *ast.Function:
		// The entry file's top-level function, called with the top-level
		// arguments: its parameters are unknown here.
		ne := e
		for _, p := range n.Parameters {
			ne = &env{name: p.Name, b: &binding{}, next: ne}
		}
		m.walk(f, n.Body, ne, path, sp, depth+1)
	case *ast.Var:
		if b := e.lookup(n.Id); b != nil && !isNil(b.node) {
			m.walk(f, b.node, b.env, path, sp, depth+1)
		}
		whole()
	case *ast.Import:
		if n.File != nil {
			if g := m.imported(f, n.File.Value); g != nil {
				m.walk(g, g.root, nil, path, sp, depth+1)
			}
		}
		whole()
	case *ast.Assert:
		m.walk(f, n.Rest, e, path, sp, depth+1)
	case *ast.Conditional:
		m.walk(f, n.BranchTrue, e, path, sp, depth+1)
		m.walk(f, n.BranchFalse, e, path, sp, depth+1)
		whole()
	case *ast.Binary:
		if n.Op == ast.BopPlus {
			switch v.(type) {
			case map[string]any:
				m.walk(f, n.Right, e, path, sp, depth+1)
				m.walk(f, n.Left, e, path, sp, depth+1)
			case []any:
				l, r := splitSpan(sp, m.staticLen(n.Left, e, depth+1), m.staticLen(n.Right, e, depth+1))
				m.walk(f, n.Left, e, path, l, depth+1)
				m.walk(f, n.Right, e, path, r, depth+1)
			}
		}
		whole()
	case *ast.ApplyBrace:
		m.walk(f, n.Right, e, path, sp, depth+1)
		m.walk(f, n.Left, e, path, sp, depth+1)
		whole()
	case *ast.Object:
		whole()
		obj, isObj := v.(map[string]any)
		if !isObj {
			return
		}
		ne := bindObjectLocals(n.Fields, e)
		for i := range n.Fields {
			fl := &n.Fields[i]
			if fl.Method != nil || fl.Hide == ast.ObjectFieldHidden || fl.Kind == ast.ObjectLocal || fl.Kind == ast.ObjectAssert {
				continue
			}
			name, ok := fieldName(fl)
			if !ok {
				continue
			}
			cv, there := obj[name]
			if !there {
				continue
			}
			p := path.Append(name)
			r, ok := f.fieldRange(fl)
			m.set(p, r, ok)
			m.walk(f, fl.Expr2, ne, p, fresh(cv), depth+1)
		}
	case *ast.Array:
		whole()
		list, isList := v.([]any)
		if !isList {
			return
		}
		start := sp.off
		if start < 0 {
			if sp.end < 0 {
				return
			}
			start = sp.end - len(n.Elements)
		}
		// A node yielding the whole list must match its length; one
		// yielding a part must fit in it.
		if start < 0 || start+len(n.Elements) > len(list) || !sp.part && len(n.Elements) != len(list) {
			return
		}
		for i, el := range n.Elements {
			p := path.Append(start + i)
			r, ok := f.exprRange(el.Expr)
			m.set(p, r, ok)
			m.walk(f, el.Expr, e, p, fresh(list[start+i]), depth+1)
		}
	case *ast.Error:
		// Never yields a value.
	default:
		// Calls, comprehensions, field access, literals: the expression
		// itself is the most specific place.
		whole()
	}
}

// splitSpan places the operands of a list a + b, given their lengths
// (-1 when unknown): a starts where the sum starts, b ends where it ends,
// and a known length places the other end.
func splitSpan(sp span, lenA, lenB int) (a, b span) {
	a = span{off: sp.off, end: -1, part: true}
	b = span{off: -1, end: sp.end, part: true}
	if a.off < 0 && b.end >= 0 && lenA >= 0 && lenB >= 0 {
		a.off = b.end - lenB - lenA
	}
	if a.off >= 0 && lenA >= 0 {
		a.end = a.off + lenA
		b.off = a.end
	}
	if b.end >= 0 && lenB >= 0 {
		a.end = b.end - lenB
		b.off = a.end
	}
	if b.end < 0 && b.off >= 0 && lenB >= 0 {
		b.end = b.off + lenB
	}
	return a, b
}

// staticLen is the length of a list written out (through parentheses,
// variables and sums of lists), or -1.
func (m *mapper) staticLen(n ast.Node, e *env, depth int) int {
	if isNil(n) || depth > maxDepth || m.budget <= 0 {
		return -1
	}
	m.budget--
	switch n := n.(type) {
	case *ast.Array:
		return len(n.Elements)
	case *ast.Parens:
		return m.staticLen(n.Inner, e, depth+1)
	case *ast.Local:
		return m.staticLen(n.Body, bindLocals(n.Binds, e), depth+1)
	case *ast.Var:
		if b := e.lookup(n.Id); b != nil && !isNil(b.node) {
			return m.staticLen(b.node, b.env, depth+1)
		}
	case *ast.Binary:
		if n.Op == ast.BopPlus {
			a, b := m.staticLen(n.Left, e, depth+1), m.staticLen(n.Right, e, depth+1)
			if a >= 0 && b >= 0 {
				return a + b
			}
		}
	}
	return -1
}

// isNil reports a missing node, including a typed nil pointer.
func isNil(n ast.Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// bindLocals binds a local expression's variables; they may refer to one
// another, so each binding sees them all.
func bindLocals(binds ast.LocalBinds, e *env) *env {
	ne := e
	var bs []*binding
	for _, b := range binds {
		bd := &binding{}
		if b.Fun == nil {
			bd.node = b.Body
			bs = append(bs, bd)
		}
		ne = &env{name: b.Variable, b: bd, next: ne}
	}
	for _, bd := range bs {
		bd.env = ne
	}
	return ne
}

func bindObjectLocals(fields ast.ObjectFields, e *env) *env {
	ne := e
	var bs []*binding
	for _, fl := range fields {
		if fl.Kind != ast.ObjectLocal || fl.Id == nil {
			continue
		}
		bd := &binding{}
		if fl.Method == nil {
			bd.node = fl.Expr2
			bs = append(bs, bd)
		}
		ne = &env{name: *fl.Id, b: bd, next: ne}
	}
	for _, bd := range bs {
		bd.env = ne
	}
	return ne
}

// imported returns the syntax of a file imported from f, resolved as the
// evaluator resolves it; only files the evaluation read (so confined to
// the topology folder) are known.
func (m *mapper) imported(f *file, p string) *file {
	if p == "" || filepath.IsAbs(p) {
		return nil
	}
	name := filepath.Join(filepath.Dir(f.name), p)
	src, ok := m.doc.Sources[name]
	if !ok {
		return nil
	}
	return m.parse(name, src)
}
