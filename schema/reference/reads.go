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
// syntax, not by running them: a walk that follows every expression of a
// check (violations["ID"]) and of the shared values it uses (_web, _dns,
// #Covered, ...) from `topology` or `input` down to the attributes it
// selects, through for, let and if clauses and through the values bound
// to them. It over-approximates: a rule that uses a shared value is said
// to read everything that value reads.

// aval is the abstract value of an expression: the schema nodes it may
// be, the string constants it may be (to follow p[k] for k in ["a",
// "b"]), and the values a list literal may hold.
type aval struct {
	nodes []*node
	strs  []string
	items *aval
}

func (a aval) union(b aval) aval {
	out := aval{nodes: append(append([]*node(nil), a.nodes...), b.nodes...), strs: append(append([]string(nil), a.strs...), b.strs...)}
	switch {
	case a.items != nil && b.items != nil:
		u := a.items.union(*b.items)
		out.items = &u
	case a.items != nil:
		out.items = a.items
	case b.items != nil:
		out.items = b.items
	}
	return out
}

// decl is a top-level field of the rule files: a check or a shared value.
type decl struct {
	name  string
	exprs []ast.Expr
	reads map[*field]bool
	deps  map[string]bool
	value *aval // once evaluated
	busy  bool
}

type analysis struct {
	t     *tree
	decls map[string]*decl
	// checks maps a rule ID to the declarations of its check.
	checks map[string][]*decl
	cur    *decl
}

// skipDecls are top-level fields that are no check and read no topology.
var skipDecls = map[string]bool{"catalogue": true, "families": true, "_familyCategory": true, "input": true, "topology": true}

// analyseReads fills field.readBy for every attribute of t.
func analyseReads(t *tree) error {
	a := &analysis{t: t, decls: map[string]*decl{}, checks: map[string][]*decl{}}
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
						if _, pattern := inner.Label.(*ast.ListLit); pattern {
							continue
						}
						id := labelName(inner.Label)
						d := &decl{name: "violations." + id, exprs: []ast.Expr{inner.Value}, reads: map[*field]bool{}, deps: map[string]bool{}}
						a.checks[id] = append(a.checks[id], d)
					}
				}
			case skipDecls[name], strings.HasPrefix(name, "#") && t.defs[name] != nil:
			default:
				d := a.decls[name]
				if d == nil {
					d = &decl{name: name, reads: map[*field]bool{}, deps: map[string]bool{}}
					a.decls[name] = d
				}
				d.exprs = append(d.exprs, fld.Value)
			}
		}
	}
	for _, d := range a.decls {
		a.eval(d)
	}
	for id, ds := range a.checks {
		for _, d := range ds {
			a.evalDecl(d)
			for f := range a.closure(d) {
				if f.readBy == nil {
					f.readBy = map[string]bool{}
				}
				f.readBy[id] = true
			}
		}
	}
	return nil
}

// closure is everything a declaration reads, through the shared values
// it uses.
func (a *analysis) closure(d *decl) map[*field]bool {
	out := map[*field]bool{}
	seen := map[string]bool{}
	var walk func(d *decl)
	walk = func(d *decl) {
		for f := range d.reads {
			out[f] = true
		}
		for dep := range d.deps {
			if !seen[dep] {
				seen[dep] = true
				walk(a.decls[dep])
			}
		}
	}
	walk(d)
	return out
}

// eval evaluates a shared declaration once and returns its value.
func (a *analysis) eval(d *decl) aval {
	if d.value != nil {
		return *d.value
	}
	if d.busy {
		return aval{}
	}
	return a.evalDecl(d)
}

func (a *analysis) evalDecl(d *decl) aval {
	d.busy = true
	prev := a.cur
	a.cur = d
	var v aval
	for _, e := range d.exprs {
		v = v.union(a.expr(e, nil))
	}
	a.cur = prev
	d.busy = false
	d.value = &v
	return v
}

// scope binds names to values, innermost first.
type scope struct {
	vars   map[string]aval
	parent *scope
}

func (s *scope) lookup(name string) (aval, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return aval{}, false
}

func (s *scope) with(vars map[string]aval) *scope { return &scope{vars: vars, parent: s} }

func (a *analysis) read(f *field) {
	if a.cur != nil {
		a.cur.reads[f] = true
	}
}

func (a *analysis) ident(name string, sc *scope) aval {
	if v, ok := sc.lookup(name); ok {
		return v
	}
	switch name {
	case "topology", "input":
		return aval{nodes: []*node{a.t.root}}
	}
	if d, ok := a.decls[name]; ok {
		if a.cur != nil && d != a.cur {
			a.cur.deps[name] = true
		}
		return a.eval(d)
	}
	return aval{}
}

// selectField is v.name.
func (a *analysis) selectField(v aval, name string) aval {
	var out aval
	for _, n := range v.nodes {
		if n.kind == structK {
			for _, f := range n.fields {
				if f.name == name {
					a.read(f)
					out.nodes = append(out.nodes, f.value)
				}
			}
		}
	}
	return out
}

// elems are the values an index or a for clause gets from v.
func (a *analysis) elems(v aval) aval {
	var out aval
	for _, n := range v.nodes {
		switch n.kind {
		case mapK, listK:
			out.nodes = append(out.nodes, n.elem)
		case structK:
			for _, f := range n.fields {
				a.read(f)
				out.nodes = append(out.nodes, f.value)
			}
		}
	}
	if v.items != nil {
		out = out.union(*v.items)
	}
	return out
}

func (a *analysis) index(v aval, idx ast.Expr, sc *scope) aval {
	k := a.expr(idx, sc)
	if lit, ok := idx.(*ast.BasicLit); ok && lit.Kind == token.STRING {
		k.strs = []string{unquote(lit.Value)}
	}
	var out aval
	for _, n := range v.nodes {
		if n.kind == structK && len(k.strs) > 0 {
			for _, s := range k.strs {
				out = out.union(a.selectField(aval{nodes: []*node{n}}, s))
			}
			continue
		}
		out = out.union(a.elems(aval{nodes: []*node{n}}))
	}
	if v.items != nil {
		out = out.union(*v.items)
	}
	return out
}

// expr evaluates e, recording the attributes it reads.
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
		if id, ok := x.X.(*ast.Ident); ok && isPackage(id.Name, sc, a) {
			return aval{}
		}
		return a.selectField(a.expr(x.X, sc), labelName(x.Sel))
	case *ast.IndexExpr:
		return a.index(a.expr(x.X, sc), x.Index, sc)
	case *ast.SliceExpr:
		a.expr(x.Low, sc)
		a.expr(x.High, sc)
		return a.expr(x.X, sc)
	case *ast.CallExpr:
		var args aval
		for _, arg := range x.Args {
			args = args.union(a.expr(arg, sc))
		}
		a.expr(x.Fun, sc)
		// list.Sort and friends return the elements they are given.
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "list" {
				return args
			}
		}
		return aval{}
	case *ast.ParenExpr:
		return a.expr(x.X, sc)
	case *ast.UnaryExpr:
		a.expr(x.X, sc)
		return aval{}
	case *ast.BinaryExpr:
		l, r := a.expr(x.X, sc), a.expr(x.Y, sc)
		if x.Op == token.AND || x.Op == token.OR {
			return l.union(r)
		}
		return aval{}
	case *ast.Interpolation:
		for _, p := range x.Elts {
			a.expr(p, sc)
		}
		return aval{}
	case *ast.ListLit:
		var items aval
		for _, el := range x.Elts {
			switch el := el.(type) {
			case *ast.Comprehension:
				items = items.union(a.comprehension(el, sc))
			case *ast.Ellipsis:
				a.expr(el.Type, sc)
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

// isPackage tells whether name is an imported package (strings, list,
// net) rather than a value in scope.
func isPackage(name string, sc *scope, a *analysis) bool {
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

// structLit evaluates a struct's fields and returns what it embeds (the
// value of `{if c {x}}` is x). Its fields and lets are in scope inside it.
func (a *analysis) structLit(x *ast.StructLit, sc *scope) aval {
	inner := sc.with(map[string]aval{})
	// Lets first, in order, so later fields see them.
	for _, d := range x.Elts {
		if l, ok := d.(*ast.LetClause); ok {
			inner.vars[l.Ident.Name] = a.expr(l.Expr, inner)
		}
	}
	var out aval
	for _, d := range x.Elts {
		switch d := d.(type) {
		case *ast.Field:
			if list, ok := d.Label.(*ast.ListLit); ok {
				for _, el := range list.Elts {
					a.expr(el, inner)
				}
			} else if p, ok := d.Label.(*ast.ParenExpr); ok {
				a.expr(p.X, inner)
			} else if il, ok := d.Label.(*ast.Interpolation); ok {
				a.expr(il, inner)
			}
			v := a.expr(d.Value, inner)
			if name := labelName(d.Label); name != "" {
				if _, isLet := inner.vars[name]; !isLet {
					inner.vars[name] = v
				}
			}
		case *ast.EmbedDecl:
			out = out.union(a.expr(d.Expr, inner))
		case *ast.Comprehension:
			out = out.union(a.comprehension(d, inner))
		}
	}
	return out
}

// comprehension evaluates for, let and if clauses, then the body.
func (a *analysis) comprehension(c *ast.Comprehension, sc *scope) aval {
	for _, cl := range c.Clauses {
		switch cl := cl.(type) {
		case *ast.ForClause:
			src := a.expr(cl.Source, sc)
			vars := map[string]aval{}
			if cl.Value != nil {
				vars[cl.Value.Name] = a.elems(src)
			}
			if cl.Key != nil {
				// Keys are names: of pools, of views (a struct's field names).
				k := aval{}
				for _, n := range src.nodes {
					if n.kind == structK {
						for _, f := range n.fields {
							k.strs = append(k.strs, f.name)
						}
					}
				}
				vars[cl.Key.Name] = k
			}
			sc = sc.with(vars)
		case *ast.LetClause:
			sc = sc.with(map[string]aval{cl.Ident.Name: a.expr(cl.Expr, sc)})
		case *ast.IfClause:
			a.expr(cl.Condition, sc)
		}
	}
	return a.expr(c.Value, sc)
}
