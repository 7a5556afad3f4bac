package schema_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/schema"
)

// The schema has one source of truth, topology.cue: what validate accepts
// (the whole package, rules included), what `mobplan schema` prints, the
// exported JSON Schema and the Go model the planner reads must name the
// same fields. A field missing from the model is worse than a missing
// feature: CUE's Decode drops it without a word.
//
// Field paths are written with "*" for a map's element (a pattern
// constraint such as pools: [Name=string]: #Pool) and "[]" for a list's,
// e.g. "pools.*.servers.*.ips.[]".

// modelOnly lists paths the Go model has and the schema does not, each
// with the reason it is harmless. Nothing else may be in this list.
var modelOnly = map[string]string{
	// model.SimpleURL serves the meet, dial-in and admin URLs alike; only
	// a meet URL has a domain (#MeetUrl), and the schema is closed, so
	// the field stays empty for the other two.
	"simple_urls.dialin.[].domain": "one Go type for #MeetUrl and #SimpleUrl",
	"simple_urls.admin.[].domain":  "one Go type for #MeetUrl and #SimpleUrl",
}

// packageTopology is #Topology as validate sees it: every embedded file
// of the schema package, rules included.
func packageTopology(t *testing.T) cue.Value {
	t.Helper()
	inst := build.NewContext().NewInstance("schema", nil)
	srcs := schema.Files()
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := parser.ParseFile(n, srcs[n], parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.AddSyntax(f); err != nil {
			t.Fatal(err)
		}
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	return v.LookupPath(cue.MakePath(cue.Def("Topology")))
}

// printedTopology is #Topology as `mobplan schema` prints it.
func printedTopology(t *testing.T) cue.Value {
	t.Helper()
	v := cuecontext.New().CompileBytes(schema.CUESource(), cue.Filename("topology.cue"))
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	return v.LookupPath(cue.MakePath(cue.Def("Topology")))
}

// cuePaths walks a CUE definition: regular and optional fields, map
// elements (the pattern constraint) and list elements.
func cuePaths(t *testing.T, v cue.Value) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	var walk func(prefix string, v cue.Value, depth int)
	walk = func(prefix string, v cue.Value, depth int) {
		if depth > 20 {
			t.Fatalf("%s: the schema nests deeper than any topology", prefix)
		}
		k := v.IncompleteKind()
		// A pattern whose element checks its key (generators: the name
		// must be a folder name) is incomplete without a key, yet it has
		// its fields: bottom is walked as a struct.
		if k&cue.StructKind != 0 || k == cue.BottomKind {
			it, err := v.Fields(cue.Optional(true))
			if err != nil {
				t.Fatalf("%s: %v", prefix, err)
			}
			for it.Next() {
				p := join(prefix, it.Selector().Unquoted())
				out[p] = true
				walk(p, it.Value(), depth+1)
			}
			if elem := v.LookupPath(cue.MakePath(cue.AnyString)); elem.Exists() {
				p := join(prefix, "*")
				out[p] = true
				walk(p, elem, depth+1)
			}
		}
		if k&cue.ListKind != 0 {
			if elem := v.LookupPath(cue.MakePath(cue.AnyIndex)); elem.Exists() {
				p := join(prefix, "[]")
				out[p] = true
				walk(p, elem, depth+1)
			}
		}
	}
	walk("", v, 0)
	return out
}

// modelPaths walks the Go model by its json tags, as Decode fills it.
func modelPaths(t *testing.T, typ reflect.Type) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	var walk func(prefix string, typ reflect.Type, depth int)
	walk = func(prefix string, typ reflect.Type, depth int) {
		if depth > 20 {
			t.Fatalf("%s: the model nests deeper than any topology", prefix)
		}
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		switch typ.Kind() {
		case reflect.Struct:
			for i := range typ.NumField() {
				f := typ.Field(i)
				if !f.IsExported() {
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" {
					continue
				}
				if name == "" {
					t.Errorf("%s.%s has no json tag: Decode would look for %q, which no topology has", typ.Name(), f.Name, f.Name)
					continue
				}
				p := join(prefix, name)
				out[p] = true
				walk(p, f.Type, depth+1)
			}
		case reflect.Map:
			p := join(prefix, "*")
			out[p] = true
			walk(p, typ.Elem(), depth+1)
		case reflect.Slice, reflect.Array:
			p := join(prefix, "[]")
			out[p] = true
			walk(p, typ.Elem(), depth+1)
		}
	}
	walk("", typ, 0)
	return out
}

// jsonSchemaPaths walks the exported JSON Schema: properties, map
// elements (additionalProperties or patternProperties), list elements
// (items, prefixItems), through $ref and the combinators.
func jsonSchemaPaths(t *testing.T, doc map[string]any) map[string]bool {
	t.Helper()
	defs, _ := doc["$defs"].(map[string]any)
	out := map[string]bool{}
	var walk func(prefix string, s any, depth int)
	walk = func(prefix string, s any, depth int) {
		if depth > 40 {
			t.Fatalf("%s: the JSON Schema nests deeper than any topology", prefix)
		}
		m, ok := s.(map[string]any)
		if !ok {
			return // true or false
		}
		if ref, ok := m["$ref"].(string); ok {
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			if !ok || defs[name] == nil {
				t.Fatalf("%s: unresolvable $ref %q", prefix, ref)
			}
			walk(prefix, defs[name], depth+1)
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			list, _ := m[k].([]any)
			for _, e := range list {
				walk(prefix, e, depth+1)
			}
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for k, v := range props {
				p := join(prefix, k)
				out[p] = true
				walk(p, v, depth+1)
			}
		}
		elem := func(v any) {
			if b, ok := v.(bool); ok && !b {
				return // additionalProperties: false
			}
			p := join(prefix, "*")
			out[p] = true
			walk(p, v, depth+1)
		}
		if ap, ok := m["additionalProperties"]; ok {
			elem(ap)
		}
		if pp, ok := m["patternProperties"].(map[string]any); ok {
			for _, v := range pp {
				elem(v)
			}
		}
		items := func(v any) {
			p := join(prefix, "[]")
			out[p] = true
			walk(p, v, depth+1)
		}
		if it, ok := m["items"]; ok {
			if b, ok := it.(bool); !ok || b {
				items(it)
			}
		}
		if pi, ok := m["prefixItems"].([]any); ok {
			for _, v := range pi {
				items(v)
			}
		}
	}
	walk("", doc, 0)
	return out
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// missing lists the paths of a that b lacks, sorted.
func missing(a, b map[string]bool) []string {
	var out []string
	for p := range a {
		if !b[p] {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// topologyPaths is the schema's field paths, which must not be trivially
// few (a walk that finds nothing would prove nothing).
func topologyPaths(t *testing.T) map[string]bool {
	t.Helper()
	paths := cuePaths(t, packageTopology(t))
	for _, p := range []string{"pools.*.servers.*.ips.[]", "mobility.devices_trust_internal_ca", "dns.internal.*.records.*.[].type", "reverse_proxies.*.rules.*.farm.persistence"} {
		if !paths[p] {
			t.Fatalf("the walk of #Topology misses %s; found %d paths", p, len(paths))
		}
	}
	return paths
}

// TestSchemaIsTopologyCUE: every field validate accepts is declared in
// topology.cue, which `mobplan schema` prints and the JSON Schema is
// generated from; a rules file may derive values, not add fields.
func TestSchemaIsTopologyCUE(t *testing.T) {
	whole := topologyPaths(t)
	printed := cuePaths(t, printedTopology(t))
	for _, p := range missing(whole, printed) {
		t.Errorf("%s is accepted by validate but declared outside topology.cue, so `mobplan schema` and the JSON Schema lack it: move it into topology.cue", p)
	}
	for _, p := range missing(printed, whole) {
		t.Errorf("%s is printed by `mobplan schema` but validate does not accept it", p)
	}
}

// TestModelCoversSchema: the Go model has a field for every field path of
// #Topology, and no field the schema lacks (except modelOnly).
func TestModelCoversSchema(t *testing.T) {
	sch := topologyPaths(t)
	mod := modelPaths(t, reflect.TypeFor[model.Topology]())
	for _, p := range missing(sch, mod) {
		t.Errorf("%s is in the schema but not in the Go model (internal/model): Decode drops it silently", p)
	}
	for _, p := range missing(mod, sch) {
		if modelOnly[p] == "" {
			t.Errorf("%s is in the Go model but not in the schema: no topology can set it", p)
		}
	}
	for p := range modelOnly {
		if !mod[p] || sch[p] {
			t.Errorf("modelOnly lists %s, which is no longer a model-only path; remove it", p)
		}
	}
}

// TestJSONSchemaCoversSchema: the exported JSON Schema describes every
// field path of #Topology, and nothing else.
func TestJSONSchemaCoversSchema(t *testing.T) {
	sch := topologyPaths(t)
	b, err := schema.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	js := jsonSchemaPaths(t, doc)
	// The editor's pointer to the schema, which mobplan ignores.
	delete(js, "$schema")
	for _, p := range missing(sch, js) {
		t.Errorf("%s is in #Topology but not in the exported JSON Schema", p)
	}
	for _, p := range missing(js, sch) {
		t.Errorf("%s is in the exported JSON Schema but not in #Topology", p)
	}
}

// TestModelKeepsEveryValue: decoding a valid example into the model and
// encoding it again gives back the schema-unified value, so no value of
// any example is dropped or changed by a type that does not fit.
func TestModelKeepsEveryValue(t *testing.T) {
	var dirs []string
	for _, pattern := range []string{"*", "invalid/_base"} {
		m, _ := filepath.Glob(filepath.Join(examples, pattern))
		dirs = append(dirs, m...)
	}
	n := 0
	for _, dir := range dirs {
		if _, err := loader.Detect(dir); err != nil {
			continue
		}
		rel, _ := filepath.Rel(examples, dir)
		n++
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			c, err := loader.Load(dir, loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Diagnostics.HasErrors() {
				t.Fatalf("a valid example has errors: %v", c.Diagnostics)
			}
			v, err := c.Result.Value()
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			m, err := c.Result.Model()
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			if err := json.Unmarshal(want, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got, &b); err != nil {
				t.Fatal(err)
			}
			for _, d := range diffJSON("", a, dropEmpty(b)) {
				t.Error(d)
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d valid examples found", n)
	}
}

// dropEmpty removes the empty maps and lists the model encodes for
// fields the topology leaves empty (the schema-unified value has no
// field for an empty map pattern); scalars are kept.
func dropEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = dropEmpty(e)
			if e == nil {
				delete(x, k)
				continue
			}
			x[k] = e
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = dropEmpty(e)
		}
		return x
	}
	return v
}

// diffJSON describes where b differs from a.
func diffJSON(at string, a, b any) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: the topology has an object, the model gives %v", at, b)}
		}
		var out []string
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := y[k]; !ok {
				if isEmpty(x[k]) {
					continue
				}
				out = append(out, fmt.Sprintf("%s: the model drops it", join(at, k)))
				continue
			}
			out = append(out, diffJSON(join(at, k), x[k], y[k])...)
		}
		for k := range y {
			if _, ok := x[k]; !ok && !isZero(y[k]) {
				out = append(out, fmt.Sprintf("%s: the model adds %v", join(at, k), y[k]))
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			if len(x) == 0 && b == nil {
				return nil
			}
			return []string{fmt.Sprintf("%s: the topology has %v, the model gives %v", at, a, b)}
		}
		var out []string
		for i := range x {
			out = append(out, diffJSON(fmt.Sprintf("%s.%d", at, i), x[i], y[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(a, b) {
		return []string{fmt.Sprintf("%s: the topology has %v, the model gives %v", at, a, b)}
	}
	return nil
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// isZero: a field the topology leaves out that the model encodes anyway
// (a struct of unset fields, an empty list) carries nothing.
func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range x {
			if !isZero(e) {
				return false
			}
		}
		return true
	case []any:
		return len(x) == 0
	case bool:
		return !x
	case string:
		return x == ""
	case float64:
		return x == 0
	}
	return false
}
