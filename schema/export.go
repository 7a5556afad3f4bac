package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/encoding/jsonschema"
)

// topologyFile is the embedded file that holds #Topology and the types
// it uses; the other files are the rule catalogue and the rules.
const topologyFile = "topology.cue"

// cueHeader introduces the printed schema to its reader.
const cueHeader = `// The mobplan topology schema: #Topology and the types, enums and
// documented defaults it uses. A CUE topology imports it as
//
//	import "github.com/mobplan/mobplan/schema"
//
//	schema.#Topology
//
// and 'mobplan schema --format jsonschema' prints the same schema as JSON
// Schema for editors of JSON and YAML topologies.

`

// CUESource returns the topology schema as CUE source: topology.cue with
// a header saying what it is and how to import it. It builds on its own.
func CUESource() []byte {
	return append([]byte(cueHeader), Files()[topologyFile]...)
}

// JSONSchema returns #Topology as an indented JSON Schema (draft 2020-12)
// document, generated from the CUE definition; the same bytes every run.
func JSONSchema() ([]byte, error) {
	f, err := parser.ParseFile(topologyFile, Files()[topologyFile], parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", topologyFile, err)
	}
	keyFilledFields(f)
	dropConditionals(f)
	ctx := cuecontext.New()
	root := ctx.BuildFile(f)
	if err := root.Err(); err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", topologyFile, err)
	}
	expr, err := jsonschema.Generate(root.LookupPath(cue.MakePath(cue.Def("Topology"))), &jsonschema.GenerateConfig{
		Version:   jsonschema.VersionDraft2020_12,
		NamesFunc: func(refs []*jsonschema.CUERef) { nameRefs(root, refs) },
	})
	if err != nil {
		return nil, fmt.Errorf("JSON Schema of #Topology: %w", err)
	}
	st, ok := expr.(*ast.StructLit)
	if !ok {
		return nil, fmt.Errorf("JSON Schema of #Topology: not an object (%T)", expr)
	}
	setField(st, "$schema", "title", ast.NewString("mobplan topology"))
	setField(st, "title", "description", ast.NewString("A Skype for Business / Lync Server 2013 Mobility deployment as mobplan reads it "+
		"(the JSON form of #Topology in CUE package github.com/mobplan/mobplan/schema). Fields the schema derives from a map key "+
		"(pools.<name>.name, users.<sip>.sip, ...) may be left out, and mobplan applies the documented defaults."))
	// JSON and YAML topologies may name this schema for their editor
	// with a "$schema" key, which mobplan ignores.
	for _, e := range st.Elts {
		if f, ok := e.(*ast.Field); ok && labelName(f.Label) == "properties" {
			if props, ok := f.Value.(*ast.StructLit); ok {
				setField(props, "", "$schema", ast.NewStruct(
					"description", ast.NewString("Where an editor finds this schema; mobplan ignores it."),
					"type", ast.NewString("string")))
			}
		}
	}
	annotateBuiltins(st)
	v := ctx.BuildExpr(st)
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("JSON Schema of #Topology: %w", err)
	}
	// An encoder, not json.Marshal, so that descriptions keep their '<'
	// and '>' rather than \u003c escapes.
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("JSON Schema of #Topology: %w", err)
	}
	return out.Bytes(), nil
}

// keyFilledFields rewrites topology.cue into what JSON Schema can say.
//
// A map such as `pools: [Name=string]: #Pool & {name: Name}` fills a
// field of each element from its key (or with a constant, as a zone's
// view), and the canonical document (the JSON form of a topology) leaves
// such fields out. JSON Schema cannot tie a property to its key, and
// jsonschema.Generate turns the conjunction into `additionalProperties:
// false` beside a `$ref`, which would reject every field of the
// definition. So each such pattern keeps only its definition, the fields
// the pattern fills become optional in that definition (or in the inline
// struct), and a name check written as `if Key !~ "re" { ... error(...) }`
// becomes the pattern `[=~"re"]`, which JSON Schema expresses as
// patternProperties of a closed object. The other constraints stay as
// they are; CUE (validate) still checks everything.
func keyFilledFields(f *ast.File) {
	optional := map[string]map[string]bool{} // definition → fields its pattern fills
	ast.Walk(f, func(n ast.Node) bool {
		if fld, ok := n.(*ast.Field); ok {
			rewritePattern(fld, optional)
		}
		return true
	}, nil)
	for _, d := range f.Decls {
		fld, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		id, ok := fld.Label.(*ast.Ident)
		if !ok || optional[id.Name] == nil {
			continue
		}
		st, ok := fld.Value.(*ast.StructLit)
		if !ok {
			continue
		}
		for _, e := range st.Elts {
			if inner, ok := e.(*ast.Field); ok && optional[id.Name][labelName(inner.Label)] && inner.Constraint == token.ILLEGAL {
				inner.Constraint = token.OPTION
			}
		}
	}
}

// dropConditionals removes the `if` comprehensions of the definitions
// (a record's data checked by its type), which jsonschema.Generate
// cannot translate: it would make the whole definition `true`. CUE
// (validate) still checks them.
func dropConditionals(f *ast.File) {
	for _, d := range f.Decls {
		fld, ok := d.(*ast.Field)
		if !ok || !strings.HasPrefix(labelName(fld.Label), "#") {
			continue
		}
		st, ok := fld.Value.(*ast.StructLit)
		if !ok {
			continue
		}
		var elts []ast.Decl
		for _, e := range st.Elts {
			if c, ok := e.(*ast.Comprehension); ok && len(c.Clauses) == 1 {
				if _, ok := c.Clauses[0].(*ast.IfClause); ok {
					continue
				}
			}
			elts = append(elts, e)
		}
		st.Elts = elts
	}
}

// rewritePattern simplifies one `[Key=T]: value` field; see keyFilledFields.
func rewritePattern(fld *ast.Field, optional map[string]map[string]bool) {
	list, ok := fld.Label.(*ast.ListLit)
	if !ok || len(list.Elts) != 1 {
		return
	}
	alias, ok := list.Elts[0].(*ast.Alias)
	if !ok {
		return
	}
	key := alias.Ident.Name
	label := alias.Expr
	conjuncts := splitAnd(fld.Value)
	var defs []string
	for _, c := range conjuncts {
		if id, ok := c.(*ast.Ident); ok && strings.HasPrefix(id.Name, "#") {
			defs = append(defs, id.Name)
		}
	}
	var kept []ast.Expr
	for _, c := range conjuncts {
		st, ok := c.(*ast.StructLit)
		if !ok {
			kept = append(kept, c)
			continue
		}
		var elts []ast.Decl
		for _, e := range st.Elts {
			switch e := e.(type) {
			case *ast.Field:
				if !filledByPattern(e.Value, key) {
					elts = append(elts, e)
					continue
				}
				name := labelName(e.Label)
				if len(defs) > 0 {
					for _, d := range defs {
						if optional[d] == nil {
							optional[d] = map[string]bool{}
						}
						optional[d][name] = true
					}
					continue
				}
				e.Constraint = token.OPTION
				if id, ok := e.Value.(*ast.Ident); ok && id.Name == key {
					e.Value = ast.NewIdent("string")
				}
				elts = append(elts, e)
			case *ast.Comprehension:
				if !refersTo(e, key) {
					elts = append(elts, e)
					continue
				}
				if re, ok := keyRegexp(e, key); ok {
					label = &ast.UnaryExpr{Op: token.MAT, X: ast.NewString(re)}
				}
				// Any other check on the key cannot be said in JSON
				// Schema; CUE still makes it.
			default:
				elts = append(elts, e)
			}
		}
		if len(elts) == 0 && len(defs) > 0 {
			continue
		}
		st.Elts = elts
		kept = append(kept, st)
	}
	if len(kept) == 0 {
		return
	}
	fld.Value = joinAnd(kept)
	if refersTo(fld.Value, key) {
		list.Elts[0] = &ast.Alias{Ident: alias.Ident, Expr: label}
	} else {
		list.Elts[0] = label
	}
}

// filledByPattern reports whether a field's value is the map key itself
// or a constant (`view: "internal"`) the pattern sets.
func filledByPattern(v ast.Expr, key string) bool {
	switch v := v.(type) {
	case *ast.Ident:
		return v.Name == key
	case *ast.BasicLit:
		return true
	}
	return false
}

// keyRegexp recognises `if Key !~ "re" { ... }`, a check that the key
// matches re.
func keyRegexp(c *ast.Comprehension, key string) (string, bool) {
	if len(c.Clauses) != 1 {
		return "", false
	}
	ifc, ok := c.Clauses[0].(*ast.IfClause)
	if !ok {
		return "", false
	}
	b, ok := ifc.Condition.(*ast.BinaryExpr)
	if !ok || b.Op != token.NMAT {
		return "", false
	}
	if id, ok := b.X.(*ast.Ident); !ok || id.Name != key {
		return "", false
	}
	lit, ok := b.Y.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := literal.Unquote(lit.Value)
	return s, err == nil
}

func refersTo(n ast.Node, key string) bool {
	found := false
	ast.Walk(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == key {
			found = true
		}
		return !found
	}, nil)
	return found
}

func splitAnd(e ast.Expr) []ast.Expr {
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.AND {
		return append(splitAnd(b.X), splitAnd(b.Y)...)
	}
	return []ast.Expr{e}
}

func joinAnd(es []ast.Expr) ast.Expr {
	out := es[0]
	for _, e := range es[1:] {
		out = &ast.BinaryExpr{X: out, Op: token.AND, Y: e}
	}
	return out
}

func labelName(l ast.Label) string {
	name, _, _ := ast.LabelName(l)
	return name
}

// nameRefs names the JSON Schema definitions: the schema's own after
// their CUE names without '#' (Pool, FQDN), and the validators of CUE's
// standard library after their package (net.IP), so that neither clashes
// with the other.
func nameRefs(root cue.Value, refs []*jsonschema.CUERef) {
	var own []*jsonschema.CUERef
	for _, r := range refs {
		if r.Inst == root {
			own = append(own, r)
			continue
		}
		pkg := "builtin"
		if bi := r.Inst.BuildInstance(); bi != nil && bi.ImportPath != "" {
			pkg = bi.ImportPath
		}
		r.Name = pkg + "." + r.Path.String()
	}
	jsonschema.DefaultNamesFunc(own)
}

// builtinDocs describes the standard-library validators Generate cannot
// translate (it makes them `true`); IP addresses get the standard formats.
var builtinDocs = map[string]string{
	"net.IP":     `{"description": "An IPv4 or IPv6 address.", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}`,
	"net.IPv4":   `{"description": "An IPv4 address.", "format": "ipv4"}`,
	"net.IPCIDR": `{"description": "An IP prefix in CIDR notation, such as 192.168.0.0/16."}`,
}

func annotateBuiltins(st *ast.StructLit) {
	defs, ok := fieldValue(st, "$defs").(*ast.StructLit)
	if !ok {
		return
	}
	for _, e := range defs.Elts {
		f, ok := e.(*ast.Field)
		if !ok {
			continue
		}
		doc, ok := builtinDocs[labelName(f.Label)]
		if !ok || !isTrueLit(f.Value) {
			continue
		}
		x, err := parser.ParseExpr("builtin", doc)
		if err != nil {
			panic(err) // builtinDocs is constant
		}
		f.Value = x
	}
}

func isTrueLit(e ast.Expr) bool {
	if b, ok := e.(*ast.BasicLit); ok {
		return b.Kind == token.TRUE
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name == "true"
	}
	return false
}

func fieldValue(st *ast.StructLit, name string) ast.Expr {
	for _, e := range st.Elts {
		if f, ok := e.(*ast.Field); ok && labelName(f.Label) == name {
			return f.Value
		}
	}
	return nil
}

// setField sets a field of the top-level schema object, replacing the one
// Generate may have made (from a doc comment) or adding it after the field
// named after.
func setField(st *ast.StructLit, after, name string, v ast.Expr) {
	for _, e := range st.Elts {
		if f, ok := e.(*ast.Field); ok && labelName(f.Label) == name {
			f.Value = v
			return
		}
	}
	at := 0
	for i, e := range st.Elts {
		if f, ok := e.(*ast.Field); ok && labelName(f.Label) == after {
			at = i + 1
		}
	}
	f := &ast.Field{Label: ast.NewString(name), Value: v}
	st.Elts = append(st.Elts[:at], append([]ast.Decl{f}, st.Elts[at:]...)...)
}
