package reference

import (
	"fmt"
	"sort"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/mobplan/mobplan/schema"
)

// Which attributes each rule reads is worked out from the rule files'
// syntax, not by running them: every value a check (violations["ID"])
// computes carries the attributes it was computed from, from `topology`
// or `input` down to the attributes selected, through for, let and if
// clauses, and through the shared values (_web, _dns, #Covered, ...) field
// by field. What a check's findings are computed from is what it reads.
// It over-approximates: the abstract values stand for every element of a
// map at once, and a condition taints everything the comprehension makes.

// aval is the abstract value of an expression.
type aval struct {
	nodes []*node // the schema nodes it may be
	strs  []string
	// other: it may also be a string not in strs, one computed (an
	// interpolation, a call, a concatenation).
	other bool
	items *aval // a list literal: what its elements may be
	// A struct the rule files compute: its fields by name, and what its
	// fields with computed labels ((n): ...) may be.
	fields map[string]*aval
	any    *aval
	// prov are the attributes read to compute the value itself (its
	// parts carry their own).
	prov map[*field]bool
}

func addProv(dst map[*field]bool, src map[*field]bool) map[*field]bool {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = map[*field]bool{}
	}
	for f := range src {
		dst[f] = true
	}
	return dst
}

func cloneProv(p map[*field]bool) map[*field]bool { return addProv(nil, p) }

// withProv is v, also computed from p.
func (v aval) withProv(p map[*field]bool) aval {
	v.prov = addProv(cloneProv(v.prov), p)
	return v
}

func unionPtr(a, b *aval) *aval {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	u := a.union(*b)
	return &u
}

func (v aval) union(w aval) aval {
	out := aval{
		nodes: append(append([]*node(nil), v.nodes...), w.nodes...),
		strs:  append(append([]string(nil), v.strs...), w.strs...),
		other: v.other || w.other,
		items: unionPtr(v.items, w.items),
		any:   unionPtr(v.any, w.any),
		prov:  addProv(cloneProv(v.prov), w.prov),
	}
	if v.fields != nil || w.fields != nil {
		out.fields = map[string]*aval{}
		for _, m := range []map[string]*aval{v.fields, w.fields} {
			for k, x := range m {
				out.fields[k] = unionPtr(out.fields[k], x)
			}
		}
	}
	return out
}

// embed merges the value of an embedded expression into a struct: what
// the embedding depends on goes to each field it adds, not to the
// struct's other fields.
func (v aval) embed(e aval) aval {
	push := func(x *aval) *aval {
		if x == nil {
			return nil
		}
		y := x.withProv(e.prov)
		return &y
	}
	inner := aval{nodes: e.nodes, strs: e.strs, other: e.other, items: e.items, any: push(e.any)}
	if len(e.nodes) > 0 || len(e.strs) > 0 || e.other || e.items != nil {
		inner.prov = e.prov
	}
	if e.fields != nil {
		inner.fields = map[string]*aval{}
		for k, x := range e.fields {
			inner.fields[k] = push(x)
		}
	}
	return v.union(inner)
}

// deep is everything a value was computed from, its parts included.
func (v aval) deep() map[*field]bool {
	out := cloneProv(v.prov)
	if v.items != nil {
		out = addProv(out, v.items.deep())
	}
	if v.any != nil {
		out = addProv(out, v.any.deep())
	}
	for _, x := range v.fields {
		out = addProv(out, x.deep())
	}
	return out
}

// decl is a top-level field of the rule files other than a check: a
// shared value or a helper definition.
type decl struct {
	exprs []ast.Expr
	value *aval
	busy  bool
}

type analysis struct {
	t     *tree
	decls map[string]*decl
}

// skipDecls are top-level fields that are no check and read no topology.
var skipDecls = map[string]bool{"catalogue": true, "families": true, "_familyCategory": true, "input": true, "topology": true, "input_users": true, "user_buckets": true}

// analyseReads fills field.readBy for every attribute of t.
func analyseReads(t *tree) error {
	a := &analysis{t: t, decls: map[string]*decl{}}
	checks := map[string][]ast.Expr{}
	srcs := schema.Files()
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		if n != topologyFile {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := parser.ParseFile(n, srcs[n], parser.ParseComments)
		if err != nil {
			return fmt.Errorf("embedded schema %s: %w", n, err)
		}
		for _, d := range f.Decls {
			fld, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			name := labelName(fld.Label)
			switch {
			case name == "violations":
				st, ok := fld.Value.(*ast.StructLit)
				if !ok {
					continue
				}
				for _, e := range st.Elts {
					if inner, ok := e.(*ast.Field); ok {
						if _, pattern := inner.Label.(*ast.ListLit); !pattern {
							id := labelName(inner.Label)
							checks[id] = append(checks[id], inner.Value)
						}
					}
				}
			case skipDecls[name], t.defs[name] != nil:
			default:
				d := a.decls[name]
				if d == nil {
					d = &decl{}
					a.decls[name] = d
				}
				d.exprs = append(d.exprs, fld.Value)
			}
		}
	}
	for id, es := range checks {
		for _, e := range es {
			for f := range a.expr(e, nil).deep() {
				if f.readBy == nil {
					f.readBy = map[string]bool{}
				}
				f.readBy[id] = true
			}
		}
	}
	// The rules evaluated in Go say what they read.
	for id, paths := range schema.GoRuleReads() {
		for _, p := range paths {
			if err := markPath(t.root, strings.Split(p, "."), id); err != nil {
				return fmt.Errorf("rule %s (evaluated in Go) reads %s: %w", id, p, err)
			}
		}
	}
	return nil
}

// markPath marks every attribute along a canonical path pattern ("*" a
// map's elements, "[]" a list's) as read by the rule id.
func markPath(n *node, path []string, id string) error {
	for _, seg := range path {
		switch {
		case seg == "*" && n.kind == mapK, seg == "[]" && n.kind == listK:
			n = n.elem
			continue
		case n.kind != structK:
			return fmt.Errorf("no attribute %q here", seg)
		}
		var f *field
		for _, x := range n.fields {
			if x.name == seg {
				f = x
			}
		}
		if f == nil {
			return fmt.Errorf("no attribute %q", seg)
		}
		if f.readBy == nil {
			f.readBy = map[string]bool{}
		}
		f.readBy[id] = true
		n = f.value
	}
	return nil
}

// eval evaluates a shared declaration once.
func (a *analysis) eval(d *decl) aval {
	if d.value != nil {
		return *d.value
	}
	if d.busy {
		return aval{} // a cycle through shared values: CUE would refuse it anyway
	}
	d.busy = true
	var v aval
	for _, e := range d.exprs {
		v = v.union(a.expr(e, nil))
	}
	d.busy = false
	d.value = &v
	return v
}

// scope binds names to values, innermost first. A struct's fields and
// lets are bound lazily, so that each may refer to the others in any
// order, as in CUE.
type scope struct {
	vars   map[string]*binding
	parent *scope
}

type binding struct {
	a     *analysis
	exprs []ast.Expr
	sc    *scope // where exprs are evaluated
	param *aval  // a helper definition's argument (#HlbPortMap & {ports: v.ports})
	val   *aval
	busy  bool
}

func (b *binding) get() aval {
	if b.val != nil {
		return *b.val
	}
	if b.busy {
		return aval{}
	}
	b.busy = true
	var v aval
	for _, e := range b.exprs {
		v = v.union(b.a.expr(e, b.sc))
	}
	if b.param != nil {
		v = v.union(*b.param)
	}
	b.busy = false
	b.val = &v
	return v
}

func (s *scope) lookup(name string) (aval, bool) {
	for ; s != nil; s = s.parent {
		if b, ok := s.vars[name]; ok {
			return b.get(), true
		}
	}
	return aval{}, false
}

// with binds values already known.
func (s *scope) with(vars map[string]aval) *scope {
	out := &scope{vars: map[string]*binding{}, parent: s}
	for k, v := range vars {
		v := v
		out.vars[k] = &binding{val: &v}
	}
	return out
}

func (a *analysis) ident(name string, sc *scope) aval {
	if v, ok := sc.lookup(name); ok {
		return v
	}
	switch name {
	case "topology", "input":
		return aval{nodes: []*node{a.t.root}}
	case "user_buckets":
		// Buckets of topology.users (rules.cue): each bucket is the users.
		users := a.selectField(aval{nodes: []*node{a.t.root}}, "users")
		return aval{any: &users}
	}
	if d, ok := a.decls[name]; ok {
		return a.eval(d)
	}
	return aval{}
}

// selectField is v.name.
func (a *analysis) selectField(v aval, name string) aval {
	var out aval
	for _, n := range v.nodes {
		if n.kind != structK {
			continue
		}
		for _, f := range n.fields {
			if f.name == name {
				out = out.union(aval{nodes: []*node{f.value}, prov: map[*field]bool{f: true}})
			}
		}
	}
	if x, ok := v.fields[name]; ok {
		out = out.union(*x)
	} else if v.any != nil {
		out = out.union(*v.any)
	}
	return out.withProv(v.prov)
}

// elems is what an index with an unknown key or a for clause gets from v.
func (a *analysis) elems(v aval) aval {
	var out aval
	for _, n := range v.nodes {
		switch n.kind {
		case mapK, listK:
			out = out.union(aval{nodes: []*node{n.elem}})
		case structK:
			for _, f := range n.fields {
				out = out.union(aval{nodes: []*node{f.value}, prov: map[*field]bool{f: true}})
			}
		}
	}
	for _, p := range []*aval{v.items, v.any} {
		if p != nil {
			out = out.union(*p)
		}
	}
	for _, x := range v.fields {
		out = out.union(*x)
	}
	return out.withProv(v.prov)
}

// keys is what the key of a for clause over v may be.
func keys(v aval) aval {
	// A map's keys, or fields with computed labels, may be any string.
	k := aval{prov: v.prov, other: v.any != nil}
	for _, n := range v.nodes {
		if n.kind == structK {
			for _, f := range n.fields {
				k.strs = append(k.strs, f.name)
			}
		} else {
			k.other = true
		}
	}
	for name := range v.fields {
		k.strs = append(k.strs, name)
	}
	sort.Strings(k.strs)
	return k
}

func (a *analysis) index(v aval, idx ast.Expr, sc *scope) aval {
	k := a.expr(idx, sc)
	var out aval
	// The key is known only when it can be nothing but the strings
	// listed: `m[[if c {"a:\(x)"}, ""][0]]` may select any field.
	known := len(k.strs) > 0 && !k.other && len(k.nodes) == 0
	for _, n := range v.nodes {
		if n.kind == structK && known {
			for _, s := range k.strs {
				out = out.union(a.selectField(aval{nodes: []*node{n}}, s))
			}
			continue
		}
		out = out.union(a.elems(aval{nodes: []*node{n}}))
	}
	if v.fields != nil || v.any != nil {
		rest := aval{fields: v.fields, any: v.any}
		if known {
			for _, s := range k.strs {
				out = out.union(a.selectField(rest, s))
			}
		} else {
			out = out.union(a.elems(rest))
		}
	}
	if v.items != nil {
		out = out.union(*v.items)
	}
	return out.withProv(v.prov).withProv(k.deep())
}

// expr evaluates e.
func (a *analysis) expr(e ast.Expr, sc *scope) aval {
	switch x := e.(type) {
	case nil:
		return aval{}
	case *ast.Ident:
		return a.ident(x.Name, sc)
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			return aval{strs: []string{unquote(x.Value)}}
		}
		return aval{}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && a.isPackage(id.Name, sc) {
			return aval{}
		}
		return a.selectField(a.expr(x.X, sc), labelName(x.Sel))
	case *ast.IndexExpr:
		return a.index(a.expr(x.X, sc), x.Index, sc)
	case *ast.SliceExpr:
		v := a.expr(x.X, sc)
		return v.withProv(a.expr(x.Low, sc).deep()).withProv(a.expr(x.High, sc).deep())
	case *ast.CallExpr:
		var args aval
		var prov map[*field]bool
		for _, arg := range x.Args {
			v := a.expr(arg, sc)
			args = args.union(v)
			prov = addProv(prov, v.deep())
		}
		// list.Sort and friends return the elements they are given.
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "list" {
				return args
			}
		}
		return aval{prov: prov, other: true}
	case *ast.ParenExpr:
		return a.expr(x.X, sc)
	case *ast.UnaryExpr:
		return aval{prov: a.expr(x.X, sc).deep(), other: true}
	case *ast.BinaryExpr:
		l, r := a.expr(x.X, sc), a.expr(x.Y, sc)
		switch x.Op {
		case token.OR:
			return l.union(r)
		case token.AND:
			// #RpTarget & {pool: n, target: t}: the helper is evaluated
			// with its fields bound to the arguments.
			if v, ok := a.instantiate(x.X, x.Y, sc); ok {
				return v
			}
			if v, ok := a.instantiate(x.Y, x.X, sc); ok {
				return v
			}
			return l.union(r)
		}
		return aval{prov: addProv(l.deep(), r.deep()), other: true}
	case *ast.Interpolation:
		var prov map[*field]bool
		for _, p := range x.Elts {
			prov = addProv(prov, a.expr(p, sc).deep())
		}
		return aval{prov: prov, other: true}
	case *ast.ListLit:
		var items aval
		for _, el := range x.Elts {
			switch el := el.(type) {
			case *ast.Comprehension:
				items = items.union(a.comprehension(el, sc))
			case *ast.Ellipsis:
			default:
				items = items.union(a.expr(el, sc))
			}
		}
		return aval{items: &items}
	case *ast.StructLit:
		return a.structLit(x, sc)
	case *ast.Comprehension:
		return a.comprehension(x, sc)
	}
	return aval{}
}

// instantiate evaluates `#Helper & {f: x, ...}`: the helper definition's
// struct with f bound to x's value.
func (a *analysis) instantiate(def, args ast.Expr, sc *scope) (aval, bool) {
	id, ok := def.(*ast.Ident)
	if !ok || !strings.HasPrefix(id.Name, "#") {
		return aval{}, false
	}
	d, ok := a.decls[id.Name]
	if !ok || len(d.exprs) != 1 {
		return aval{}, false
	}
	body, ok := d.exprs[0].(*ast.StructLit)
	if !ok {
		return aval{}, false
	}
	st, ok := args.(*ast.StructLit)
	if !ok {
		return aval{}, false
	}
	params := map[string]*aval{}
	var prov map[*field]bool
	for _, e := range st.Elts {
		if f, ok := e.(*ast.Field); ok {
			v := a.expr(f.Value, sc)
			params[labelName(f.Label)] = &v
			prov = addProv(prov, v.deep())
		}
	}
	// What the helper computes depends on every argument, whether or
	// not the walk sees the argument used.
	return a.structWith(body, nil, params).withProv(prov), true
}

// isPackage tells whether name is an imported package (strings, list,
// net) rather than a value in scope.
func (a *analysis) isPackage(name string, sc *scope) bool {
	if _, ok := sc.lookup(name); ok {
		return false
	}
	if _, ok := a.decls[name]; ok {
		return false
	}
	switch name {
	case "strings", "list", "net", "math", "regexp", "strconv":
		return true
	}
	return false
}

// structLit evaluates a struct: its fields, the ones with computed
// labels, and what it embeds (the value of `{if c {x}}` is x). Its fields
// and lets are in scope inside it; params are the fields a helper
// definition is given by the struct it is unified with.
func (a *analysis) structLit(x *ast.StructLit, sc *scope) aval {
	return a.structWith(x, sc, nil)
}

func (a *analysis) structWith(x *ast.StructLit, sc *scope, params map[string]*aval) aval {
	inner := &scope{vars: map[string]*binding{}, parent: sc}
	bind := func(name string, e ast.Expr) *binding {
		b := inner.vars[name]
		if b == nil {
			b = &binding{a: a, sc: inner, param: params[name]}
			inner.vars[name] = b
		}
		b.exprs = append(b.exprs, e)
		return b
	}
	for _, d := range x.Elts {
		switch d := d.(type) {
		case *ast.LetClause:
			bind(d.Ident.Name, d.Expr)
		case *ast.Field:
			switch d.Label.(type) {
			case *ast.ListLit, *ast.ParenExpr, *ast.Interpolation:
			default:
				bind(labelName(d.Label), d.Value)
			}
		}
	}
	out := aval{fields: map[string]*aval{}}
	for _, d := range x.Elts {
		switch d := d.(type) {
		case *ast.Field:
			var label map[*field]bool
			switch l := d.Label.(type) {
			case *ast.ListLit:
				for _, el := range l.Elts {
					label = addProv(label, a.expr(el, inner).deep())
				}
			case *ast.ParenExpr:
				label = a.expr(l.X, inner).deep()
			case *ast.Interpolation:
				label = a.expr(l, inner).deep()
			default:
				name := labelName(d.Label)
				v := inner.vars[name].get()
				out.fields[name] = &v
				continue
			}
			v := a.expr(d.Value, inner).withProv(label)
			out.any = unionPtr(out.any, &v)
		case *ast.EmbedDecl:
			out = out.embed(a.expr(d.Expr, inner))
		case *ast.Comprehension:
			out = out.embed(a.comprehension(d, inner))
		}
	}
	for name, p := range params {
		if _, ok := out.fields[name]; !ok {
			out.fields[name] = p
		}
	}
	return out
}

// comprehension evaluates for, let and if clauses, then the body, which
// is computed from what the clauses read.
func (a *analysis) comprehension(c *ast.Comprehension, sc *scope) aval {
	var clauses map[*field]bool
	for _, cl := range c.Clauses {
		switch cl := cl.(type) {
		case *ast.ForClause:
			src := a.expr(cl.Source, sc)
			clauses = addProv(clauses, src.prov)
			vars := map[string]aval{}
			if cl.Value != nil {
				vars[cl.Value.Name] = a.elems(src)
			}
			if cl.Key != nil {
				vars[cl.Key.Name] = keys(src)
			}
			sc = sc.with(vars)
		case *ast.LetClause:
			sc = sc.with(map[string]aval{cl.Ident.Name: a.expr(cl.Expr, sc)})
		case *ast.IfClause:
			clauses = addProv(clauses, a.expr(cl.Condition, sc).deep())
		}
	}
	return a.expr(c.Value, sc).withProv(clauses)
}
