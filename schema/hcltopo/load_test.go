package hcltopo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// load writes files into a temporary topology folder and reads it.
func load(t *testing.T, files map[string]string, opts Options) (*canon.Document, diag.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Load(dir, opts)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestValuesAndReferences(t *testing.T) {
	doc, ds := load(t, map[string]string{
		"a.hcl": `
version = "sfb2015"
sip_domains = [for d in ["contoso.com", "fabrikam.com"] : lower(d)]
locals {
  subnet = "10.1.0.0/24"
  vip    = cidrhost(local.subnet, 10)
}
user "alice@contoso.com" { pool = pool.p1.name }
`,
		"b.hcl": `
pool "p1" {
  kind = "fe-ee"
  fqdn = "p1.contoso.net"
  web_internal { vip = local.vip }
  server "fe1" { ips = [cidrhost(local.subnet, 11)] }
}
`,
	}, Options{})
	if len(ds) > 0 {
		t.Fatalf("unexpected diagnostics: %v", ds)
	}
	if got := jsonOf(doc.Value["sip_domains"]); got != `["contoso.com","fabrikam.com"]` {
		t.Errorf("sip_domains = %s", got)
	}
	if got := jsonOf(doc.Value["users"]); got != `{"alice@contoso.com":{"pool":"p1"}}` {
		t.Errorf("users = %s", got)
	}
	pool := doc.Value["pools"].(map[string]any)["p1"].(map[string]any)
	if got := jsonOf(pool["web_internal"]); got != `{"vip":"10.1.0.10"}` {
		t.Errorf("web_internal = %s", got)
	}
	if got := jsonOf(pool["servers"]); got != `{"fe1":{"ips":["10.1.0.11"]}}` {
		t.Errorf("servers = %s", got)
	}
	// Ranges point at the user's lines, down to list elements.
	r, ok := doc.RangeOf(canon.Path{"pools", "p1", "servers", "fe1", "ips", 0})
	if !ok || filepath.Base(r.Filename) != "b.hcl" || r.Start.Line != 6 || r.Start.Column != 25 {
		t.Errorf("range of ips[0] = %+v", r)
	}
	r, _ = doc.RangeOf(canon.Path{"sip_domains"})
	if r.Start.Line != 3 || r.Start.Column != 1 {
		t.Errorf("range of sip_domains = %+v", r)
	}
}

func TestBlocksLandWhereTheSpecSays(t *testing.T) {
	doc, ds := load(t, map[string]string{"t.hcl": `
dns_zone "internal" "contoso.com" {
  kind = "pin-point"
  record "sip" {
    type = "A"
    values = ["10.0.0.1"]
  }
  record "sip" {
    type = "A"
    values = ["10.0.0.2"]
  }
}
simple_urls {
  meet {
    domain = "contoso.com"
    url = "https://meet.contoso.com"
  }
  meet {
    domain = "fabrikam.com"
    url = "https://meet.fabrikam.com"
  }
}
`}, Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	want := `{"dns":{"internal":{"contoso.com":{"kind":"pin-point","records":{"sip":[{"type":"A","values":["10.0.0.1"]},{"type":"A","values":["10.0.0.2"]}]}}}},"simple_urls":{"meet":[{"domain":"contoso.com","url":"https://meet.contoso.com"},{"domain":"fabrikam.com","url":"https://meet.fabrikam.com"}]}}`
	if got := jsonOf(doc.Value); got != want {
		t.Errorf("value:\n got %s\nwant %s", got, want)
	}
	r, _ := doc.RangeOf(canon.Path{"dns", "internal", "contoso.com", "records", "sip", 1, "values", 0})
	if r.Start.Line != 10 {
		t.Errorf("second sip record value at line %d, want 10", r.Start.Line)
	}
}

func TestVariablePrecedence(t *testing.T) {
	files := map[string]string{"t.hcl": `
variable "dom" {
  type = string
  default = "default.com"
}
variable "n" {
  type = number
  default = 1
}
sip_domains = [var.dom]
pstn_usages = [for i in range(var.n) : "u${i}"]
`}
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"default", Options{}, `["default.com"]`},
		{"env", Options{Env: []string{"MOBPLAN_VAR_dom=env.com"}}, `["env.com"]`},
		{"flag beats env", Options{Env: []string{"MOBPLAN_VAR_dom=env.com"}, Vars: []string{"dom=flag.com"}}, `["flag.com"]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, ds := load(t, files, c.opts)
			if len(ds) > 0 {
				t.Fatal(ds)
			}
			if got := jsonOf(doc.Value["sip_domains"]); got != c.want {
				t.Errorf("sip_domains = %s, want %s", got, c.want)
			}
		})
	}
	t.Run("var file and typed value", func(t *testing.T) {
		dir := t.TempDir()
		vf := filepath.Join(dir, "vals.hcl")
		os.WriteFile(vf, []byte("dom = \"file.com\"\nn = 3\n"), 0o644)
		doc, ds := load(t, files, Options{VarFiles: []string{vf}, Vars: []string{"n=2"}})
		if len(ds) > 0 {
			t.Fatal(ds)
		}
		if got := jsonOf(doc.Value["sip_domains"]) + jsonOf(doc.Value["pstn_usages"]); got != `["file.com"]["u0","u1"]` {
			t.Errorf("got %s", got)
		}
	})
}

// TestBadInput: every mistake is a diagnostic with a position and the
// right rule; nothing panics.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name, src string
		opts      Options
		rule      string
		line      int
		contains  string
	}{
		{"syntax", "version = \n", Options{}, RuleSyntax, 1, ""},
		{"unknown block", "poool \"x\" {}\n", Options{}, RuleStructure, 1, `Did you mean "pool"`},
		{"unknown nested block", "pool \"x\" {\n  serverr \"a\" {}\n}\n", Options{}, RuleStructure, 2, `Did you mean "server"`},
		{"unknown top attribute", "sip_domain = []\n", Options{}, RuleStructure, 1, `Did you mean "sip_domains"`},
		{"missing label", "pool {}\n", Options{}, RuleStructure, 1, "label"},
		{"duplicate block", "site \"a\" {}\nsite \"a\" {}\n", Options{}, RuleDuplicate, 2, "already declared"},
		{"duplicate singleton", "mobility {}\nmobility {}\n", Options{}, RuleDuplicate, 2, "mobility is already declared"},
		{"missing pool reference", "user \"a@b.c\" {\n  pool = pool.nope.name\n}\n", Options{}, RuleReference, 2, ""},
		{"unknown variable", "version = var.nope\n", Options{}, RuleReference, 1, ""},
		{"cycle", "locals {\n  a = local.b\n  b = local.a\n}\n", Options{}, RuleReference, 2, "Cyclic"},
		{"required variable", "variable \"x\" {}\nversion = var.x\n", Options{}, RuleReference, 1, "no default"},
		{"undeclared --var", "version = \"sfb2015\"\n", Options{Vars: []string{"nope=1"}}, RuleReference, 0, "undeclared"},
		{"bad --var", "version = \"sfb2015\"\n", Options{Vars: []string{"novalue"}}, RuleStructure, 0, "name=value"},
		{"wrong variable type", "variable \"n\" {\n  type = number\n}\nversion = \"x\"\n", Options{Vars: []string{"n=abc"}}, RuleStructure, 0, ""},
		{"impure function", "version = timestamp()\n", Options{}, RuleReference, 1, ""},
		{"huge range", "pstn_usages = range(1000000000)\n", Options{}, RuleReference, 1, "at most 100000"},
		{"blocks in locals", "locals {\n  x {}\n}\n", Options{}, RuleStructure, 2, ""},
		{"nested block in leaf", "site \"a\" {\n  b {}\n}\n", Options{}, RuleStructure, 2, "no nested blocks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ds := load(t, map[string]string{"t.hcl": c.src}, c.opts)
			var hit *diag.Diagnostic
			for i := range ds {
				if ds[i].Rule == c.rule && ds[i].Severity == diag.Error {
					hit = &ds[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no %s error in %v", c.rule, ds)
			}
			if c.line > 0 && (hit.Range == nil || hit.Range.Start.Line != c.line) {
				t.Errorf("%s at %v, want line %d", c.rule, hit.Range, c.line)
			}
			if c.contains != "" && !strings.Contains(hit.Summary+" "+hit.Detail, c.contains) {
				t.Errorf("%q does not mention %q", hit.Summary+" "+hit.Detail, c.contains)
			}
		})
	}
}

func TestUnreadableInput(t *testing.T) {
	_, ds := Load(filepath.Join(t.TempDir(), "missing"), Options{})
	if !ds.HasErrors() || ds[0].Rule != RuleSyntax {
		t.Fatalf("want %s for a missing path, got %v", RuleSyntax, ds)
	}
	_, ds = Load(t.TempDir(), Options{})
	if !ds.HasErrors() || !strings.Contains(ds[0].Detail, "no *.hcl") {
		t.Fatalf("want an empty-folder error, got %v", ds)
	}
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		f := filepath.Join(dir, "t.hcl")
		os.WriteFile(f, []byte("version = \"sfb2015\"\n"), 0o000)
		_, ds = Load(dir, Options{})
		if !ds.HasErrors() {
			t.Fatal("want an error for an unreadable file")
		}
	}
}

func TestFunctions(t *testing.T) {
	doc, ds := load(t, map[string]string{"t.hcl": `
pstn_usages = [
  cidrhost("10.0.0.0/24", 5),
  cidrnetmask("10.0.0.0/22"),
  cidrsubnet("10.0.0.0/16", 8, 3),
  tostring(cidrcontains("10.0.0.0/8", "10.9.9.9")),
  tostring(cidrcontains("10.0.0.0/8", "192.168.0.0/24")),
  format("%s-%d", upper("a"), 1),
  join(",", sort(["b", "a"])),
]
`}, Options{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	want := `["10.0.0.5","255.255.252.0","10.0.3.0/24","true","false","A-1","a,b"]`
	if got := jsonOf(doc.Value["pstn_usages"]); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestHugeFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.hcl")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, canon.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	if _, ds := Load(dir, Options{}); len(ds) != 1 || !strings.Contains(ds[0].Detail, "limited to 16 MiB") {
		t.Fatalf("%v", ds)
	}
}
