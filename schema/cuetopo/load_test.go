package cuetopo

import (
	"os"
	"path/filepath"
	"strings"

	"encoding/json"
	"github.com/mobplan/mobplan/internal/canon"
	"testing"

	"github.com/mobplan/mobplan/schema/hcltopo"
)

// TestContosoTwin: the CUE twin of examples/contoso reads to the same
// canonical value as the HCL original.
func TestContosoTwin(t *testing.T) {
	doc, ds := Load("../../examples/contoso-cue")
	if len(ds) > 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	hdoc, hds := hcltopo.Load("../../examples/contoso", hcltopo.Options{})
	if hds.HasErrors() {
		t.Fatal(hds)
	}
	got, _ := json.MarshalIndent(doc.Value, "", " ")
	want, _ := json.MarshalIndent(hdoc.Value, "", " ")
	if string(got) != string(want) {
		t.Errorf("CUE twin differs from the HCL original:\n%s\nwant\n%s", got, want)
	}
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRangesAndSchemaOnlyFields(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "t.cue", `package t

import "github.com/mobplan/mobplan/schema"

schema.#Topology
version: "sfb2019"
pools: pool01: {
	kind: "fe-ee"
	fqdn: "pool01.contoso.net"
}
users: [_]: pool: "pool01"
users: "a@contoso.com": {}
`)
	doc, ds := Load(dir)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	// The schema declares mobility, sites, ... with defaults; only what
	// the file says is in the canonical value.
	if _, ok := doc.Value["mobility"]; ok {
		t.Errorf("schema-only field in the value: %v", doc.Value)
	}
	for path, line := range map[string]int{"version": 6, "pools.pool01.fqdn": 9, "users.a@contoso.com.pool": 11} {
		var cp canon.Path
		for _, e := range strings.SplitN(path, ".", 2) {
			cp = append(cp, e)
		}
		if path == "users.a@contoso.com.pool" {
			cp = canon.Path{"users", "a@contoso.com", "pool"}
		} else if path == "pools.pool01.fqdn" {
			cp = canon.Path{"pools", "pool01", "fqdn"}
		}
		r, ok := doc.Ranges[cp.Key()]
		if !ok || r.Filename != p || r.Start.Line != line {
			t.Errorf("%s: %+v, want line %d", path, r, line)
		}
	}
	if v := canon.Lookup(doc.Value, canon.Path{"users", "a@contoso.com", "pool"}); v != "pool01" {
		t.Errorf("pattern constraint not applied: %v", v)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name, body, rule, want string
		line                   int
	}{
		{"syntax", "version: \"sfb2019\"\npools: {\n", canon.RuleSyntax, "", 3},
		{"import outside", "import \"example.com/secrets\"\nversion: secrets.v\n", canon.RuleSyntax, "may import only", 1},
		{"relative import", "import \"../other\"\nversion: other.v\n", canon.RuleSyntax, "may import only", 1},
		{"own constraint", "#Mine: {version: \"sfb2015\"}\n#Mine\nversion: \"sfb2019\"\n", canon.RuleStructure, "conflicting values", 1},
		{"unknown reference", "version: nope\n", canon.RuleReference, "not found", 1},
		{"not concrete", "version: string\n", canon.RuleStructure, "not one value", 1},
		{"bytes", "version: 'sfb2019'\n", canon.RuleStructure, "a topology cannot hold", 1},
		{"builtin", "version: or\n", canon.RuleStructure, "a topology cannot hold", 1},
		{"null", "version: null\n", canon.RuleStructure, "a topology cannot hold", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "t.cue", c.body)
			_, ds := Load(dir)
			if len(ds) == 0 {
				t.Fatal("no diagnostic")
			}
			d := ds[0]
			if d.Rule != c.rule || !strings.Contains(d.Detail, c.want) {
				t.Errorf("got %s %q, want %s containing %q", d.Rule, d.Detail, c.rule, c.want)
			}
			if d.Range == nil || d.Range.Filename != p || d.Range.Start.Line != c.line {
				t.Errorf("range %v, want %s:%d", d.Range, p, c.line)
			}
		})
	}
}

// A value the schema refuses is not the front-end's business: the value
// reaches the schema check, which reports it in the same words as for HCL.
func TestSchemaErrorsPassThrough(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "t.cue", "import \"github.com/mobplan/mobplan/schema\"\nschema.#Topology\nversion: \"sfb2016\"\npoools: {}\n")
	doc, ds := Load(dir)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if doc.Value["version"] != "sfb2016" || doc.Value["poools"] == nil {
		t.Errorf("value %v", doc.Value)
	}
}

func TestMixedPackagesAndHugeFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.cue", "package a\nversion: \"sfb2019\"\n")
	write(t, dir, "b.cue", "package b\n")
	if _, ds := Load(dir); len(ds) != 1 || !strings.Contains(ds[0].Detail, "one package") {
		t.Errorf("mixed packages: %v", ds)
	}
	dir = t.TempDir()
	p := write(t, dir, "big.cue", "")
	if err := os.Truncate(p, canon.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	if _, ds := Load(dir); len(ds) != 1 || !strings.Contains(ds[0].Detail, "limited to") {
		t.Errorf("huge file: %v", ds)
	}
}
