// Package schema checks a canonical topology document against the
// embedded CUE schema (types, enums, defaults) and the rule catalogue,
// and turns every finding into a diagnostic at the user's source.
package schema

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

//go:embed *.cue
var files embed.FS

// Files returns the embedded CUE sources by name, for `mobplan schema`.
func Files() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, _ := files.ReadFile(e.Name())
		out[e.Name()] = b
	}
	return out
}

// Schema is the compiled schema; build it once with Load.
type Schema struct {
	ctx   *cue.Context
	root  cue.Value
	cat   catalogue
	zones *zoneSchema
	// defLines maps lines of topology.cue to the definition they are in.
	defLines map[int]string
}

var (
	loadOnce sync.Once
	loaded   *Schema
	loadErr  error
)

// Load compiles the embedded schema. The result is shared and safe for
// concurrent Check calls only through separate Schemas; the CLI uses one.
func Load() (*Schema, error) {
	loadOnce.Do(func() { loaded, loadErr = compile() })
	return loaded, loadErr
}

func compile() (*Schema, error) {
	ctx := cuecontext.New()
	root, defLines, err := buildSchema(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := loadCatalogue(root)
	if err != nil {
		return nil, fmt.Errorf("embedded rule catalogue: %w", err)
	}
	return &Schema{ctx: ctx, root: root, cat: cat, defLines: defLines, zones: &zoneSchema{}}, nil
}

// zoneSchema is what checkZones evaluates the zones with: #ZoneBatch, in
// a context of its own, for the zones are evaluated while the rest is
// and a cue.Context is not safe for concurrent use. It is built on the
// first check with zones.
type zoneSchema struct {
	once  sync.Once
	ctx   *cue.Context
	batch cue.Value
	err   error
}

func (z *zoneSchema) build() error {
	z.once.Do(func() {
		z.ctx = cuecontext.New()
		root, _, err := buildSchema(z.ctx)
		if err != nil {
			z.err = err
			return
		}
		z.batch = root.LookupPath(cue.MakePath(cue.Def("ZoneBatch")))
		if !z.batch.Exists() {
			z.err = errors.New("embedded schema: no #ZoneBatch")
		} else if err := z.batch.Err(); err != nil {
			z.err = fmt.Errorf("embedded schema: #ZoneBatch: %w", err)
		}
	})
	return z.err
}

// buildSchema compiles the embedded files in ctx, and maps the lines of
// topology.cue to their definitions.
func buildSchema(ctx *cue.Context) (root cue.Value, defLines map[int]string, err error) {
	inst := build.NewContext().NewInstance("schema", nil)
	srcs := Files()
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := parser.ParseFile(n, srcs[n], parser.ParseComments)
		if err != nil {
			return cue.Value{}, nil, fmt.Errorf("embedded schema %s: %w", n, err)
		}
		if n == topologyFile {
			defLines = definitionLines(f)
		}
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, nil, fmt.Errorf("embedded schema %s: %w", n, err)
		}
	}
	root = ctx.BuildInstance(inst)
	if err := root.Err(); err != nil {
		return cue.Value{}, nil, fmt.Errorf("embedded schema: %w", err)
	}
	return root, defLines, nil
}

// Result is a checked topology.
type Result struct {
	// Topology is the schema-unified value (defaults applied) without
	// its users, and Users the users in buckets (user_buckets in
	// rules.cue); both are valid only when Diagnostics has no SCHEMA
	// error. Value puts them together, with every declared zone:
	// Topology holds only those the rules look up (see takeZones).
	Topology cue.Value
	Users    cue.Value
	// export holds the two as JSON once made (Model, Value), and until
	// then the zones checked apart.
	export      *exportCache
	Diagnostics diag.Diagnostics
}

// Check unifies the document with the schema and runs every rule.
func (s *Schema) Check(doc *canon.Document) Result { return s.check(doc, true) }

// check is Check, with the declared zones evaluated apart (takeZones) or
// with the rest, as cue vet of the whole topology would.
func (s *Schema) check(doc *canon.Document, zonesApart bool) Result {
	var ds diag.Diagnostics
	ds = append(ds, inspectFiles(doc)...)
	text, reported := checkText(doc)
	ds = append(ds, text...)
	value, keys, dup := normalizeNames(doc)
	ds = append(ds, dup...)
	rest, buckets := bucketUsers(value)
	evaluated, apart := rest, false // what the main evaluation gets
	zonesDone := make(chan zoneCheck, 1)
	if zonesApart {
		var batches []map[string]any
		evaluated, batches = takeZones(rest)
		apart = len(batches) > 0
		if apart {
			if err := s.zones.build(); err != nil {
				return Result{Diagnostics: append(ds, rulesBug(err.Error()))}
			}
		}
		// On the other core, while the rest is evaluated.
		go func() { zonesDone <- s.checkZones(batches) }()
	} else {
		zonesDone <- zoneCheck{}
	}
	cannotEncode := func(err error) Result {
		return Result{Diagnostics: append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: "Topology value cannot be encoded", Detail: err.Error()})}
	}
	data := inputs(s.ctx, evaluated, buckets, apart)
	if err := data.Err(); err != nil {
		<-zonesDone
		// Said of the topology or the users, not of the inputs' struct.
		if e := s.ctx.Encode(evaluated).Err(); e != nil {
			err = e
		} else if e := s.ctx.Encode(buckets).Err(); e != nil {
			err = e
		}
		return cannotEncode(err)
	}
	v := s.root.Unify(data)
	topo := v.LookupPath(cue.ParsePath("topology"))
	users := v.LookupPath(cue.ParsePath("user_buckets"))
	err := topo.Validate(cue.Concrete(true))
	uerr := users.Validate(cue.Concrete(true))
	zones := <-zonesDone
	if zones.encodeErr != nil {
		return cannotEncode(zones.encodeErr)
	}
	res := Result{Topology: topo, Users: users, export: &exportCache{zones: zones.views, zonesErr: zones.failure()}}
	err = appendErrors(schemaErrors(topo, err, zones), uerr)
	if err != nil {
		ds = append(ds, s.structural(doc, value, keys, err, reported)...)
		res.Diagnostics = ds
		return res
	}
	if len(doc.Failed) > 0 || ds.HasErrors() {
		// Rules need a sound structure; what is wrong has been reported.
		res.Diagnostics = ds
		return res
	}
	viol := v.LookupPath(cue.ParsePath("violations"))
	if err := viol.Validate(cue.Concrete(true)); err != nil {
		res.Diagnostics = append(ds, rulesBug(cueerrors.Details(err, nil)))
		return res
	}
	var found map[string][]finding
	if err := viol.Decode(&found); err != nil {
		res.Diagnostics = append(ds, rulesBug(cueerrors.Details(err, nil)))
		return res
	}
	if found == nil {
		found = map[string][]finding{}
	}
	if zones.rulesErr != nil {
		res.Diagnostics = append(ds, rulesBug(zones.rulesErr.Error()))
		return res
	}
	if zones.exportErr != nil {
		res.Diagnostics = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure,
			Summary: "Internal error exporting the checked topology", Detail: zones.exportErr.Error()})
		return res
	}
	for id, fs := range zones.found {
		found[id] = append(found[id], fs...)
	}
	if err := res.goRules(found, rest); err != nil {
		res.Diagnostics = append(ds, rulesBug(err.Error()))
		return res
	}
	for id, list := range found {
		info, ok := s.cat.byID[id]
		if !ok {
			// Load refuses such a schema; never make up a severity.
			ds = append(ds, rulesBug(fmt.Sprintf("rule %s has findings but no catalogue entry", id)))
			continue
		}
		for _, f := range list {
			sevName := info.Severity
			if f.Severity != "" {
				sevName = f.Severity
			}
			sev, err := diag.ParseSeverity(sevName)
			if err != nil {
				ds = append(ds, rulesBug(fmt.Sprintf("rule %s: %v", id, err)))
				continue
			}
			d := diag.Diagnostic{Severity: sev, Rule: id, Summary: info.Summary, Detail: f.Detail, Hint: info.Hint}
			if f.Hint != "" {
				d.Hint = f.Hint
			}
			if r, ok := doc.RangeOf(keys.original(toPath(f.At))); ok {
				d.Range = &r
			}
			ds = append(ds, d)
		}
	}
	res.Diagnostics = ds
	return res
}

func toPath(at []any) canon.Path {
	p := make(canon.Path, len(at))
	for i, e := range at {
		switch x := e.(type) {
		case float64:
			p[i] = int(x)
		case int64:
			p[i] = int(x)
		case int:
			p[i] = x
		default:
			p[i] = fmt.Sprint(x)
		}
	}
	return p
}

// rulesBug is the error of a rule that cannot be evaluated: a bug in the
// schema, not in the user's topology, reported as such rather than
// passed over as no findings.
func rulesBug(detail string) diag.Diagnostic {
	return diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: "Internal error evaluating the rules", Detail: detail}
}

// structural turns CUE unification errors into diagnostics at the user's
// lines, one per path, in the words of the topology language.
// value is the normalized value CUE checked, keys its way back to the
// document's paths.
func (s *Schema) structural(doc *canon.Document, value map[string]any, keys keyMap, err error, reported map[string]bool) diag.Diagnostics {
	type found struct {
		rank int
		d    diag.Diagnostic
	}
	best := map[string]found{}
	var order []string
	add := func(path canon.Path, rank int, summary, detail string) {
		if reportedAt(reported, doc, path) {
			return // checkText reported it
		}
		k := path.Key()
		if f, ok := best[k]; ok && f.rank <= rank {
			return
		}
		if _, ok := best[k]; !ok {
			order = append(order, k)
		}
		d := diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: summary, Detail: detail}
		if r, ok := doc.RangeOf(path); ok {
			d.Range = &r
		}
		best[k] = found{rank, d}
	}
	// Unknown fields first: CUE reports closedness only for structs that
	// are otherwise sound, and users need every typo at once.
	s.unknownFields(doc, canon.Path{}, doc.Value, add)
	for _, e := range cueerrors.Errors(err) {
		p := e.Path()
		if len(p) > 0 && (p[0] == "topology" || p[0] == "#ZoneBatch") {
			p = p[1:] // #ZoneBatch: a zone checked apart, at its path under dns
		}
		if len(p) >= 2 && p[0] == "user_buckets" {
			p = append([]string{"users"}, p[2:]...)
		}
		path := make(canon.Path, len(p))
		for i, el := range p {
			path[i] = el
		}
		path = keys.original(fixIndices(value, path))
		if doc.HasFailed(path) {
			continue
		}
		path = firstMissing(doc.Value, path)
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if reNotAllowed.MatchString(msg) {
			continue // reported by unknownFields
		}
		summary, detail := s.explain(path, msg, canon.Lookup(doc.Value, path), s.grammarOf(msg, e.InputPositions()))
		rank := 3
		switch {
		case strings.HasPrefix(summary, "Wrong type"):
			rank = 1
		case strings.HasPrefix(summary, "Missing"):
			rank = 2
		}
		add(path, rank, summary, detail)
	}
	var ds diag.Diagnostics
	for _, k := range order {
		ds = append(ds, best[k].d)
	}
	return ds
}

// unknownFields reports every key of the document the schema does not allow.
func (s *Schema) unknownFields(doc *canon.Document, p canon.Path, v any, add func(canon.Path, int, string, string)) {
	switch x := v.(type) {
	case map[string]any:
		sch := s.schemaAt(p)
		if !sch.Exists() {
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cp := p.Append(k)
			if sch.IncompleteKind() == cue.StructKind && !sch.Allows(cue.Str(k)) {
				summary, detail := s.explain(cp, "field not allowed", nil, "")
				add(cp, 0, summary, detail)
				continue
			}
			s.unknownFields(doc, cp, x[k], add)
		}
	case []any:
		for i, e := range x {
			s.unknownFields(doc, p.Append(i), e, add)
		}
	}
}

// firstMissing cuts p after its first element the document lacks: a
// missing list is reported as missing, not its element "0".
func firstMissing(v any, p canon.Path) canon.Path {
	for i, e := range p {
		switch k := e.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return p[:i]
			}
			next, ok := m[k]
			if !ok {
				return p[:i+1]
			}
			v = next
		case int:
			l, ok := v.([]any)
			if !ok || k < 0 || k >= len(l) {
				return p[:i]
			}
			v = l[k]
		}
	}
	return p
}

// fixIndices turns CUE's list index selectors ("0") back into ints where
// the document has a list, so ranges of list elements are found.
func fixIndices(v any, p canon.Path) canon.Path {
	out := make(canon.Path, len(p))
	cur := v
	for i, e := range p {
		s := fmt.Sprint(e)
		switch c := cur.(type) {
		case []any:
			var n int
			if _, err := fmt.Sscanf(s, "%d", &n); err == nil && n >= 0 && n < len(c) {
				out[i] = n
				cur = c[n]
				continue
			}
		case map[string]any:
			s = unquote(s)
			out[i] = s
			cur = c[s]
			continue
		}
		out[i] = unquote(s)
		cur = nil
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return s
}

// ImportPath is the path CUE topologies import the schema by:
//
//	import "github.com/mobplan/mobplan/schema"
//
//	schema.#Topology
const ImportPath = "github.com/mobplan/mobplan/schema"

// userBucketSize bounds the width of a bucket in user_buckets (see
// rules.cue): wide enough that the buckets themselves stay few.
const userBucketSize = 256

// bucketUsers takes the users out of the normalized value and returns the
// rest and the users in buckets of userBucketSize, sorted by SIP address,
// the buckets named so their names sort the same way. The value itself
// is not changed: paths are fixed against it.
func bucketUsers(value map[string]any) (rest map[string]any, buckets map[string]any) {
	buckets = map[string]any{}
	users, ok := value["users"].(map[string]any)
	if !ok {
		return value, buckets // absent, or of a wrong type the schema reports
	}
	rest = make(map[string]any, len(value))
	for k, v := range value {
		if k != "users" {
			rest[k] = v
		}
	}
	sips := make([]string, 0, len(users))
	for s := range users {
		sips = append(sips, s)
	}
	sort.Strings(sips)
	for i, s := range sips {
		name := fmt.Sprintf("u%06d", i/userBucketSize)
		b, _ := buckets[name].(map[string]any)
		if b == nil {
			b = make(map[string]any, userBucketSize)
			buckets[name] = b
		}
		b[s] = users[s]
	}
	return rest, buckets
}

// inputs is what Check fills the schema with: the topology without its
// users under "input", the users in buckets under "input_users". It is one
// value, unified with the schema once: each FillPath (or Unify) of the
// schema's root evaluates every field of it, the rules' helpers
// included, so filling the two one after the other evaluated the rules
// twice (the first time with no users).
func inputs(ctx *cue.Context, rest, users map[string]any, zonesApart bool) cue.Value {
	return ctx.Encode(map[string]any{"input": rest, "input_users": users, "zones_apart": zonesApart})
}
