package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	jsonschema "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/schema"
)

const examples = "../examples"

// compileJSONSchema compiles the exported schema with an independent
// validator, which first checks it against the draft 2020-12 meta-schema.
func compileJSONSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := schema.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the exported JSON Schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // so that the IP address formats are checked too
	if err := c.AddResource("mobplan-topology.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mobplan-topology.schema.json")
	if err != nil {
		t.Fatalf("the exported JSON Schema does not compile: %v", err)
	}
	return s
}

func validateJSON(s *jsonschema.Schema, b []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// load reads a topology and returns its canonical document as JSON.
func load(t *testing.T, dir string) (*loader.Checked, []byte) {
	t.Helper()
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c.Doc.Value)
	if err != nil {
		t.Fatal(err)
	}
	return c, b
}

func hasStructureError(ds diag.Diagnostics) bool {
	for _, d := range ds {
		if d.Severity == diag.Error && d.Rule == canon.RuleStructure {
			return true
		}
	}
	return false
}

func TestCUESourceBuildsOnItsOwn(t *testing.T) {
	src := schema.CUESource()
	if !bytes.Contains(src, []byte(`import "github.com/mobplan/mobplan/schema"`)) || !bytes.Contains(src, []byte("mobplan topology schema")) {
		t.Errorf("the header does not say what the schema is and how to import it:\n%s", src[:400])
	}
	if _, err := parser.ParseFile("topology.cue", src, parser.ParseComments); err != nil {
		t.Fatalf("does not parse: %v", err)
	}
	ctx := cuecontext.New()
	v := ctx.CompileBytes(src, cue.Filename("topology.cue"))
	if err := v.Err(); err != nil {
		t.Fatalf("does not build on its own: %v", err)
	}
	top := v.LookupPath(cue.ParsePath("#Topology"))
	if !top.Exists() {
		t.Fatal("no #Topology")
	}
	// The printed schema is the real one: a valid example's document,
	// with the defaults, satisfies it completely.
	_, b := load(t, filepath.Join(examples, "contoso"))
	doc := ctx.CompileBytes(b)
	if err := top.Unify(doc).Validate(cue.Concrete(true)); err != nil {
		t.Errorf("contoso does not satisfy the printed #Topology: %v", err)
	}
}

func TestJSONSchemaIsDeterministic(t *testing.T) {
	first, err := schema.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := schema.JSONSchema()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two runs give different bytes")
		}
	}
	var head struct {
		Schema      string         `json:"$schema"`
		Title       string         `json:"title"`
		Description string         `json:"description"`
		Defs        map[string]any `json:"$defs"`
		Required    []string       `json:"required"`
	}
	if err := json.Unmarshal(first, &head); err != nil {
		t.Fatal(err)
	}
	if head.Schema != "https://json-schema.org/draft/2020-12/schema" || head.Title == "" || head.Description == "" {
		t.Errorf("$schema %q, title %q, description %q", head.Schema, head.Title, head.Description)
	}
	for _, def := range []string{"Pool", "Server", "IP", "FQDN", "Certificate"} {
		if head.Defs[def] == nil {
			t.Errorf("no $defs/%s", def)
		}
	}
	if strings.Join(head.Required, ",") != "ad_domain,sip_domains,version" {
		t.Errorf("required %v", head.Required)
	}
	if !bytes.HasPrefix(first, []byte("{\n  \"$schema\"")) || !bytes.HasSuffix(first, []byte("}\n")) {
		t.Errorf("not indented JSON starting with $schema")
	}
}

// TestJSONSchemaAcceptsEveryTopology: a document CUE accepts (no
// SCHEMA-001 error) must pass the JSON Schema, for every example: the
// valid ones and those of examples/invalid, whose faults are rule
// violations, not structure.
func TestJSONSchemaAcceptsEveryTopology(t *testing.T) {
	s := compileJSONSchema(t)
	var dirs []string
	for _, pattern := range []string{"*", "invalid/*"} {
		m, _ := filepath.Glob(filepath.Join(examples, pattern))
		dirs = append(dirs, m...)
	}
	checked := map[string]bool{}
	for _, dir := range dirs {
		rel, _ := filepath.Rel(examples, dir)
		rel = filepath.ToSlash(rel)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() || rel == "invalid" || rel == "scale" {
			continue
		}
		if _, err := loader.Detect(dir); err != nil {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			c, b := load(t, dir)
			if !strings.HasPrefix(rel, "invalid/") && c.Diagnostics.HasErrors() {
				t.Fatalf("a valid example has errors: %v", c.Diagnostics)
			}
			if hasStructureError(c.Diagnostics) {
				t.Skip("CUE reports a structural error")
			}
			if err := validateJSON(s, b); err != nil {
				t.Errorf("CUE accepts the topology, the JSON Schema does not: %v", err)
			}
			checked[rel] = true
		})
	}
	for _, must := range []string{"contoso", "standard-edition", "multisite", "invalid/DNS-001"} {
		if !checked[must] {
			t.Errorf("examples/%s was not checked", must)
		}
	}
}

// TestJSONSchemaRejectsStructuralErrors: mistakes in a topology's
// structure (unknown field, wrong enum, wrong type, missing or empty
// required field) are caught by the JSON Schema as they are by CUE.
func TestJSONSchemaRejectsStructuralErrors(t *testing.T) {
	s := compileJSONSchema(t)
	_, base := load(t, filepath.Join(examples, "contoso"))
	cases := []struct {
		name string
		path []string
		v    any // nil deletes
		want string
	}{
		{"wrong version", []string{"version"}, "sfb2016", "/version"},
		{"wrong pool kind", []string{"pools", "pool01", "kind"}, "fe-xx", "/pools/pool01/kind"},
		{"unknown pool attribute", []string{"pools", "pool01", "colour"}, "blue", "colour"},
		{"unknown block", []string{"poool"}, map[string]any{"x": map[string]any{}}, "poool"},
		{"unknown server attribute", []string{"pools", "pool01", "servers", "fe01", "ip"}, "10.0.0.1", "/pools/pool01/servers/fe01"},
		{"wrong type", []string{"pools", "pool01", "servers", "fe01", "nics"}, "two", "/pools/pool01/servers/fe01/nics"},
		{"port out of range", []string{"reverse_proxies", "rp", "listeners", "https", "port"}, 70000, "/reverse_proxies/rp/listeners/https/port"},
		{"not an address", []string{"reverse_proxies", "rp", "internal_ip"}, "172.25.34", "/reverse_proxies/rp/internal_ip"},
		{"missing required", []string{"ad_domain"}, nil, "ad_domain"},
		{"missing server os", []string{"pools", "pool01", "servers", "fe01", "os"}, nil, "os"},
		{"no SIP domain", []string{"sip_domains"}, []any{}, "/sip_domains"},
		{"wrong user enum", []string{"mobility", "autodiscover_scheme"}, "ftp", "/mobility/autodiscover_scheme"},
		{"generator name not a folder name", []string{"generators"}, map[string]any{"a/b": map[string]any{"source": "g.jsonnet"}}, "a/b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(base, &doc); err != nil {
				t.Fatal(err)
			}
			set(t, doc, tc.path, tc.v)
			b, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			// CUE agrees that the document is broken.
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "topology.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := loader.Load(dir, loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !hasStructureError(c.Diagnostics) {
				t.Fatalf("mobplan validate finds no structural error: %v", c.Diagnostics)
			}
			err = validateJSON(s, b)
			if err == nil {
				t.Fatalf("the JSON Schema accepts the document")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the JSON Schema rejects it, but not at %s: %v", tc.want, err)
			}
		})
	}
}

// TestJSONSchemaRejectsInvalidHCL: the HCL mistakes of the bad-input
// tests, read by the HCL front-end, fail the JSON Schema too.
func TestJSONSchemaRejectsInvalidHCL(t *testing.T) {
	s := compileJSONSchema(t)
	dir := t.TempDir()
	src := `version     = "sfb2016"
sip_domains = ["contoso.com"]
ad_domain   = "contoso.net"
site "HQ" {}
pool "se01" {
  kind   = "fe-se"
  fqdn   = "se01.contoso.net"
  site   = "HQ"
  sip_lb = "round-robin"
  server "se01" {
    fqdn = "se01.contoso.net"
    ips  = ["10.0.0.10"]
    os   = "2012r2"
    nics = "two"
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "t.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, b := load(t, dir)
	if !hasStructureError(c.Diagnostics) {
		t.Fatalf("validate finds no structural error: %v", c.Diagnostics)
	}
	err := validateJSON(s, b)
	if err == nil {
		t.Fatal("the JSON Schema accepts the document")
	}
	for _, at := range []string{"/version", "/pools/se01/sip_lb", "/pools/se01/servers/se01/nics"} {
		if !strings.Contains(err.Error(), at) {
			t.Errorf("no error at %s: %v", at, err)
		}
	}
}

// set sets (or, for nil, deletes) the value at path, whose parents must
// exist, so that a case cannot silently test nothing.
func set(t *testing.T, doc map[string]any, path []string, v any) {
	t.Helper()
	m := doc
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("no object at %s in the example", strings.Join(path, "."))
		}
		m = next
	}
	last := path[len(path)-1]
	if v == nil {
		if _, ok := m[last]; !ok {
			t.Fatalf("nothing to delete at %s", strings.Join(path, "."))
		}
		delete(m, last)
		return
	}
	m[last] = v
}
