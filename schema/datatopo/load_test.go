package datatopo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestContosoForms: the JSON and YAML forms of examples/contoso read to
// the same canonical value as the HCL original.
func TestContosoForms(t *testing.T) {
	hdoc, hds := hcltopo.Load("../../examples/contoso", hcltopo.Options{})
	if hds.HasErrors() {
		t.Fatal(hds)
	}
	want, _ := json.Marshal(hdoc.Value)
	j, _ := json.MarshalIndent(hdoc.Value, "", "  ")
	y, _ := yaml.Marshal(hdoc.Value)
	for name, body := range map[string][]byte{"topology.json": j, "topology.yaml": y} {
		dir := t.TempDir()
		write(t, dir, name, string(body))
		doc, ds := Load(dir)
		if len(ds) > 0 {
			t.Fatalf("%s: %v", name, ds)
		}
		got, _ := json.Marshal(doc.Value)
		if string(got) != string(want) {
			t.Errorf("%s reads differently:\n%s\nwant\n%s", name, got, want)
		}
	}
}

func TestRanges(t *testing.T) {
	dir := t.TempDir()
	j := write(t, dir, "a.json", "{\n  \"version\": \"sfb2019\",\n  \"pools\": {\n    \"pool01\": {\"fqdn\": \"p.contoso.net\", \"servers\": {}}\n  },\n  \"sip_domains\": [\"a.com\", \"b.com\"]\n}\n")
	y := write(t, dir, "b.yaml", "users:\n  alice@contoso.com:\n    pool: pool01\n    enterprise_voice: true\n    port: 5061\n")
	doc, ds := Load(dir)
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	cases := []struct {
		path      canon.Path
		file      string
		line, col int
		endCol    int
	}{
		{canon.Path{"version"}, j, 2, 3, 23},
		{canon.Path{"pools", "pool01"}, j, 4, 5, 16},
		{canon.Path{"pools", "pool01", "fqdn"}, j, 4, 16, 39},
		{canon.Path{"sip_domains", 1}, j, 6, 28, 35},
		{canon.Path{"users", "alice@contoso.com", "pool"}, y, 3, 5, 17},
		{canon.Path{"users", "alice@contoso.com", "port"}, y, 5, 5, 15},
	}
	for _, c := range cases {
		r, ok := doc.Ranges[c.path.Key()]
		if !ok || r.Filename != c.file || r.Start.Line != c.line || r.Start.Column != c.col || r.End.Column != c.endCol {
			t.Errorf("%s: range %+v, want %s:%d:%d-%d", c.path, r, c.file, c.line, c.col, c.endCol)
		}
	}
	if v := canon.Lookup(doc.Value, canon.Path{"users", "alice@contoso.com", "port"}); v != int64(5061) {
		t.Errorf("port %T %v", v, v)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name, file, body, rule, want string
		line                         int
	}{
		{"json syntax", "t.json", "{\n  \"version\": ,\n}", canon.RuleSyntax, "invalid character", 2},
		{"json truncated", "t.json", "{\n  \"version\": \"x\"", canon.RuleSyntax, "unexpected end", 2},
		{"json trailing", "t.json", "{}\n{}", canon.RuleSyntax, "after the topology object", 2},
		{"json duplicate", "t.json", "{\n\"version\": \"a\",\n\"version\": \"b\"}", canon.RuleDuplicate, "appears twice", 3},
		{"json null", "t.json", "{\n\"version\": null}", canon.RuleStructure, "is null", 2},
		{"json list", "t.json", "[1]", canon.RuleStructure, "holds a list", 1},
		{"yaml syntax", "t.yaml", "version: sfb2019\n  pools: [\n", canon.RuleSyntax, "", 2},
		{"yaml duplicate", "t.yaml", "version: a\nversion: b\n", canon.RuleDuplicate, "appears twice", 2},
		{"yaml two docs", "t.yaml", "version: a\n---\nversion: b\n", canon.RuleSyntax, "one document", 2},
		{"yaml null", "t.yaml", "version:\n", canon.RuleStructure, "is null", 1},
		{"yaml merge", "t.yaml", "a: &x {b: 1}\nc:\n  <<: *x\n", canon.RuleStructure, "merge keys", 3},
		{"yaml binary", "t.yaml", "a: !!binary aGVsbG8=\n", canon.RuleStructure, "not supported", 1},
		{"yaml empty", "t.yaml", "", canon.RuleSyntax, "no YAML document", 1},
		{"yaml laughs", "t.yaml", laughs(), canon.RuleStructure, "more than", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, c.file, c.body)
			_, ds := Load(dir)
			if len(ds) == 0 {
				t.Fatal("no diagnostic")
			}
			d := ds[0]
			if d.Rule != c.rule || !strings.Contains(d.Detail, c.want) {
				t.Errorf("got %s %q, want %s containing %q", d.Rule, d.Detail, c.rule, c.want)
			}
			if d.Range == nil || d.Range.Filename != p || c.line > 0 && d.Range.Start.Line != c.line {
				t.Errorf("range %v, want %s:%d", d.Range, p, c.line)
			}
		})
	}
}

// laughs builds a YAML document whose aliases expand exponentially.
func laughs() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestMergedFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.json", `{"version": "sfb2019"}`)
	write(t, dir, "b.yaml", "version: sfb2015\nad_domain: contoso.net\n")
	doc, ds := Load(dir)
	if len(ds) != 1 || ds[0].Rule != canon.RuleDuplicate || !strings.Contains(ds[0].Detail, "a.json") {
		t.Fatalf("got %v", ds)
	}
	if doc.Value["ad_domain"] != "contoso.net" || doc.Value["version"] != "sfb2019" {
		t.Errorf("value %v", doc.Value)
	}
}

func TestSchemaKeyIgnored(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "t.json", `{"$schema": "./mobplan.schema.json", "version": "sfb2019"}`)
	doc, ds := Load(dir)
	if len(ds) > 0 || len(doc.Value) != 1 {
		t.Fatalf("%v %v", ds, doc.Value)
	}
}

func TestHugeFile(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "t.yaml", "")
	if err := os.Truncate(p, canon.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	if _, ds := Load(dir); len(ds) != 1 || !strings.Contains(ds[0].Detail, "limited to 16 MiB") {
		t.Fatalf("%v", ds)
	}
}
