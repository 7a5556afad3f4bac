// Package reference writes the topology attribute reference (`mobplan
// schema --format markdown`): every block and attribute of #Topology with
// its type, default, allowed values and the rules that read it. It reads
// the embedded CUE sources, so the reference cannot drift from what
// validate checks.
package reference

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/mobplan/mobplan/schema"
)

const topologyFile = "topology.cue"

// kind is what a schema node holds.
type kind int

const (
	scalar kind = iota
	structK
	mapK  // [Key=string]: elem
	listK // [...elem]
)

// node is one place in the schema: a struct (a definition or an inline
// block), a map or list of elements, or a scalar attribute.
type node struct {
	kind   kind
	fields []*field // structK, in source order
	elem   *node    // mapK, listK
	// section is the documentation section of a struct node.
	section *section
	// expr is the CUE expression of a scalar, for its type and default.
	expr ast.Expr
	// nonEmpty: a list written [T, ...T].
	nonEmpty bool
	// keyFilled names the element fields a map fills from its key.
	keyFilled map[string]bool
}

// field is one attribute of a struct node.
type field struct {
	name     string
	optional bool
	doc      string
	value    *node
	parent   *node
	// readBy are the rules whose checks read the attribute.
	readBy map[string]bool
}

// section documents one struct: a definition or an inline block.
type section struct {
	title string // #Pool, or #Pool.web_internal for an inline block
	node  *node
	paths []string // canonical paths it is used at, e.g. pools.<name>
	doc   string
}

// tree is #Topology as the reference describes it.
type tree struct {
	defs     map[string]ast.Expr // definitions by name (#Pool)
	defDocs  map[string]string   // their doc comments
	defNodes map[string]*node    // struct definitions built so far
	sections []*section          // in the order first met
	scalars  map[string]bool     // scalar definitions used (#FQDN)
	order    []string            // definition names in source order
	root     *node               // #Topology
}

func parseTopology() (*ast.File, error) {
	f, err := parser.ParseFile(topologyFile, schema.Files()[topologyFile], parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", topologyFile, err)
	}
	return f, nil
}

func buildTree() (*tree, error) {
	f, err := parseTopology()
	if err != nil {
		return nil, err
	}
	t := &tree{defs: map[string]ast.Expr{}, defDocs: map[string]string{}, defNodes: map[string]*node{}, scalars: map[string]bool{}}
	for _, d := range f.Decls {
		fld, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name := labelName(fld.Label)
		if !strings.HasPrefix(name, "#") {
			continue
		}
		t.defs[name] = fld.Value
		t.defDocs[name] = docOf(fld)
		t.order = append(t.order, name)
	}
	if t.defs["#Topology"] == nil {
		return nil, fmt.Errorf("embedded schema %s: no #Topology", topologyFile)
	}
	t.root = t.build(t.defs["#Topology"], "#Topology", "")
	return t, nil
}

// build makes the node of expression e, met at canonical path. title
// names the section an inline struct gets.
func (t *tree) build(e ast.Expr, title, path string) *node {
	switch x := e.(type) {
	case *ast.StructLit:
		if m := t.buildMap(x, title, path); m != nil {
			return m
		}
		n := &node{kind: structK}
		sec := &section{title: title, node: n, paths: []string{path}}
		t.sections = append(t.sections, sec)
		n.section = sec
		for _, d := range x.Elts {
			fld, ok := d.(*ast.Field)
			if !ok {
				continue // an if comprehension: a check, not an attribute
			}
			name := labelName(fld.Label)
			f := &field{name: name, optional: fld.Constraint == token.OPTION, doc: docOf(fld), parent: n}
			f.value = t.build(fld.Value, title+"."+name, joinPath(path, name))
			n.fields = append(n.fields, f)
		}
		return n
	case *ast.Ident:
		if strings.HasPrefix(x.Name, "#") {
			if n, ok := t.defNodes[x.Name]; ok {
				n.section.paths = appendNew(n.section.paths, path)
				return n
			}
			if st, ok := t.defs[x.Name].(*ast.StructLit); ok {
				n := t.build(st, x.Name, path)
				n.section.doc = t.defDocs[x.Name]
				t.defNodes[x.Name] = n
				return n
			}
			t.scalars[x.Name] = true
		}
		return &node{kind: scalar, expr: e}
	case *ast.BinaryExpr:
		// #Pool & {name: Name}: the definition; the map notes what it fills.
		if x.Op == token.AND {
			if id, ok := x.X.(*ast.Ident); ok {
				if _, isStruct := t.defs[id.Name].(*ast.StructLit); isStruct {
					if _, ok := x.Y.(*ast.StructLit); ok {
						return t.build(id, title, path)
					}
				}
			}
		}
		return &node{kind: scalar, expr: e}
	case *ast.ListLit:
		if len(x.Elts) == 0 {
			return &node{kind: scalar, expr: e}
		}
		el, ok := x.Elts[len(x.Elts)-1].(*ast.Ellipsis)
		if !ok || el.Type == nil {
			return &node{kind: scalar, expr: e}
		}
		n := &node{kind: listK, nonEmpty: len(x.Elts) > 1, expr: e}
		n.elem = t.build(el.Type, title, path+".[]")
		return n
	}
	return &node{kind: scalar, expr: e}
}

// buildMap makes the node of a struct that is one pattern,
// `[Name=string]: T & {name: Name}`: a map whose keys fill some fields
// of its elements (from the key, or with a constant such as a zone's
// view). It returns nil for any other struct.
func (t *tree) buildMap(x *ast.StructLit, title, path string) *node {
	if len(x.Elts) != 1 {
		return nil
	}
	fld, ok := x.Elts[0].(*ast.Field)
	if !ok {
		return nil
	}
	list, ok := fld.Label.(*ast.ListLit)
	if !ok || len(list.Elts) != 1 {
		return nil
	}
	key := ""
	if a, ok := list.Elts[0].(*ast.Alias); ok {
		key = a.Ident.Name
	}
	n := &node{kind: mapK, keyFilled: map[string]bool{}}
	var inline *ast.StructLit
	for _, c := range splitAnd(fld.Value) {
		if st, ok := c.(*ast.StructLit); ok {
			inline = st
		}
	}
	if inline != nil {
		for _, d := range inline.Elts {
			if f, ok := d.(*ast.Field); ok {
				switch v := f.Value.(type) {
				case *ast.Ident:
					if key != "" && v.Name == key {
						n.keyFilled[labelName(f.Label)] = true
					}
				case *ast.BasicLit:
					n.keyFilled[labelName(f.Label)] = true
				}
			}
		}
	}
	n.elem = t.build(fld.Value, title, path+".<"+strings.ToLower(firstNonEmpty(key, "key"))+">")
	return n
}

func splitAnd(e ast.Expr) []ast.Expr {
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.AND {
		return append(splitAnd(b.X), splitAnd(b.Y)...)
	}
	return []ast.Expr{e}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func joinPath(p, name string) string {
	if p == "" {
		return name
	}
	return p + "." + name
}

func appendNew(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func labelName(l ast.Label) string {
	name, _, _ := ast.LabelName(l)
	return name
}

// docOf is a field's comments: the ones above it and one after it on
// its line, as plain text.
func docOf(n ast.Node) string {
	var parts []string
	for _, cg := range ast.Comments(n) {
		if s := strings.TrimSpace(cg.Text()); s != "" {
			parts = append(parts, strings.Join(strings.Fields(s), " "))
		}
	}
	return strings.Join(parts, " ")
}

func unquote(s string) string {
	u, err := literal.Unquote(s)
	if err != nil {
		return s
	}
	return u
}
