package jsonnettopo

import (
	"encoding/json"
	"fmt"
	"github.com/mobplan/mobplan/internal/jsonnetvm"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// write creates the files of a topology folder (name → content).
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func load(t *testing.T, dir string, opts Options) *canon.Document {
	t.Helper()
	doc, ds := Load(dir, opts)
	if len(ds) > 0 {
		t.Fatalf("unexpected diagnostics: %v", ds)
	}
	return doc
}

// loadErr loads a topology that must fail with exactly one diagnostic.
func loadErr(t *testing.T, dir string, opts Options) diag.Diagnostic {
	t.Helper()
	doc, ds := Load(dir, opts)
	if doc == nil {
		t.Fatal("nil document")
	}
	if len(ds) != 1 || ds[0].Severity != diag.Error {
		t.Fatalf("want one error, got %v", ds)
	}
	return ds[0]
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValues(t *testing.T) {
	dir := write(t, map[string]string{
		"main.jsonnet": `
local lib = import 'lib.libsonnet';
function(password='default', site='Redmond')
  lib.base {
    ad_domain: std.extVar('domain'),
    sites: { [site]: { description: 'HQ' } },
    users: { 'a@contoso.com': { lab_password: password, weight: 1.5 } },
    hidden:: 'not output',
  }
`,
		"lib.libsonnet": `{ base: { version: 'sfb2019', port: 443, certs: importstr 'note.txt' } }`,
		"note.txt":      "hello\n",
	})
	doc := load(t, dir, Options{ExtStr: map[string]string{"domain": "contoso.net"}, TLAStr: map[string]string{"password": "s3cret"}})
	want := map[string]any{
		"version":   "sfb2019",
		"port":      int64(443),
		"certs":     "hello\n",
		"ad_domain": "contoso.net",
		"sites":     map[string]any{"Redmond": map[string]any{"description": "HQ"}},
		"users":     map[string]any{"a@contoso.com": map[string]any{"lab_password": "s3cret", "weight": 1.5}},
	}
	if !reflect.DeepEqual(doc.Value, want) {
		t.Fatalf("got %s\nwant %s", jsonOf(t, doc.Value), jsonOf(t, want))
	}
	if doc.Syntax != "jsonnet" || doc.Root != dir {
		t.Fatalf("syntax %q root %q", doc.Syntax, doc.Root)
	}
	for _, f := range []string{"main.jsonnet", "lib.libsonnet", "note.txt"} {
		if _, ok := doc.Sources[filepath.Join(dir, f)]; !ok {
			t.Errorf("sources lack %s: %v", f, keysOf(doc.Sources))
		}
	}
	// Without the top-level argument, its default applies.
	doc = load(t, dir, Options{ExtStr: map[string]string{"domain": "x"}})
	if got := canon.Lookup(doc.Value, canon.Path{"users", "a@contoso.com", "lab_password"}); got != "default" {
		t.Fatalf("default: got %v", got)
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A single file may be given instead of its folder.
func TestLoadFile(t *testing.T) {
	dir := write(t, map[string]string{"one.jsonnet": "{ version: 'sfb2019' }", "two.jsonnet": "{}"})
	doc := load(t, filepath.Join(dir, "one.jsonnet"), Options{})
	if doc.Value["version"] != "sfb2019" || doc.Root != dir {
		t.Fatalf("got %v root %s", doc.Value, doc.Root)
	}
}

func TestFiles(t *testing.T) {
	dir := write(t, map[string]string{"main.jsonnet": "{}", "b.libsonnet": "{}", "a.libsonnet": "{}", "x.hcl": "", ".hidden.jsonnet": "", "sub/c.jsonnet": ""})
	got, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.libsonnet"), filepath.Join(dir, "b.libsonnet"), filepath.Join(dir, "main.jsonnet")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
}

// at returns the text a range covers and its start as line:col.
func at(t *testing.T, doc *canon.Document, p canon.Path) (file, text string, line, col int) {
	t.Helper()
	r, ok := doc.RangeOf(p)
	if !ok {
		t.Fatalf("%s: no range", p)
	}
	src := doc.Sources[r.Filename]
	if r.Start.Byte > r.End.Byte || r.End.Byte > len(src) {
		t.Fatalf("%s: bad range %+v", p, r)
	}
	if got := canon.PosAt(src, r.Start.Byte); got != r.Start {
		t.Fatalf("%s: start %+v does not match its byte offset (%+v)", p, r.Start, got)
	}
	if got := canon.PosAt(src, r.End.Byte); got != r.End {
		t.Fatalf("%s: end %+v does not match its byte offset (%+v)", p, r.End, got)
	}
	return filepath.Base(r.Filename), string(src[r.Start.Byte:r.End.Byte]), r.Start.Line, r.Start.Column
}

func TestRanges(t *testing.T) {
	dir := write(t, map[string]string{
		"main.jsonnet": `local lib = import 'lib.libsonnet';
local srv = { os: '2019' };
local user(name, pool) = { name: name, pool: pool };
local zone = 'é';
lib + {
  version: 'sfb2019',
  sip_domains: ['contoso.com', 'fabrikam.com'],
  pools: {
    pool01: lib.pool {
      fqdn: 'pool01.contoso.net',
      servers: {
        fe01: srv { ips: ['10.0.0.1'] + ['10.0.0.2', '10.0.0.3'] },
      },
    },
  },
  people: [user('alice', 'pool01'), { name: 'bob' }],
  users: { alice: user('alice', 'pool01') },
  notes: { a: 'é', b: zone },
  ['comp' + 'uted']: { x: 1 },
  chosen: if std.length(zone) > 0 then { yes: true } else { no: true },
  parts: ['a'] + [x for x in ['b']] + ['c', 'd'] + ['e'],
}
`,
		"lib.libsonnet": `{
  ad_domain: 'contoso.net',
  pool:: {
    kind: 'fe-ee',
    fqdn: 'base.contoso.net',
  },
}
`,
	})
	doc := load(t, dir, Options{})
	cases := []struct {
		path      canon.Path
		file      string
		text      string
		line, col int
	}{
		// The root: the opening brace of the object the entry yields.
		{canon.Path{}, "main.jsonnet", "{", 5, 7},
		{canon.Path{"version"}, "main.jsonnet", "version: 'sfb2019'", 6, 3},
		{canon.Path{"sip_domains"}, "main.jsonnet", "sip_domains: [", 7, 3},
		{canon.Path{"sip_domains", 1}, "main.jsonnet", "'fabrikam.com'", 7, 32},
		{canon.Path{"pools", "pool01"}, "main.jsonnet", "pool01: lib.pool {\n      fqdn: 'pool01.contoso.net',\n      servers: {\n        fe01: srv { ips: ['10.0.0.1'] + ['10.0.0.2', '10.0.0.3'] },\n      },\n    }", 9, 5},
		// base + override: the override wins; the rest comes from the base.
		{canon.Path{"pools", "pool01", "fqdn"}, "main.jsonnet", "fqdn: 'pool01.contoso.net'", 10, 7},
		// Field access (lib.pool) is not followed: the nearest ancestor.
		{canon.Path{"pools", "pool01", "kind"}, "main.jsonnet", "pool01: lib.pool {\n      fqdn: 'pool01.contoso.net',\n      servers: {\n        fe01: srv { ips: ['10.0.0.1'] + ['10.0.0.2', '10.0.0.3'] },\n      },\n    }", 9, 5},
		// An imported library's field.
		{canon.Path{"ad_domain"}, "lib.libsonnet", "ad_domain: 'contoso.net'", 2, 3},
		// A local variable's object.
		{canon.Path{"pools", "pool01", "servers", "fe01", "os"}, "main.jsonnet", "os: '2019'", 2, 15},
		// Lists joined with +.
		{canon.Path{"pools", "pool01", "servers", "fe01", "ips", 0}, "main.jsonnet", "'10.0.0.1'", 12, 27},
		{canon.Path{"pools", "pool01", "servers", "fe01", "ips", 2}, "main.jsonnet", "'10.0.0.3'", 12, 54},
		// A function call: its fields point at the call.
		{canon.Path{"people", 0}, "main.jsonnet", "user('alice', 'pool01')", 16, 12},
		{canon.Path{"people", 0, "pool"}, "main.jsonnet", "user('alice', 'pool01')", 16, 12},
		{canon.Path{"people", 1, "name"}, "main.jsonnet", "name: 'bob'", 16, 39},
		{canon.Path{"users", "alice", "pool"}, "main.jsonnet", "alice: user('alice', 'pool01')", 17, 12},
		// Columns count characters, not bytes.
		{canon.Path{"notes", "b"}, "main.jsonnet", "b: zone", 18, 20},
		// A computed name: the nearest ancestor.
		{canon.Path{"computed", "x"}, "main.jsonnet", "{", 5, 7},
		{canon.Path{"chosen", "yes"}, "main.jsonnet", "yes: true", 20, 42},
		// Lists joined with +, placed from both ends; the comprehension's
		// elements fall back to the list.
		{canon.Path{"parts", 0}, "main.jsonnet", "'a'", 21, 11},
		{canon.Path{"parts", 1}, "main.jsonnet", "parts: ['a'] + [x for x in ['b']] + ['c', 'd'] + ['e']", 21, 3},
		{canon.Path{"parts", 3}, "main.jsonnet", "'d'", 21, 45},
		{canon.Path{"parts", 4}, "main.jsonnet", "'e'", 21, 53},
	}
	for _, c := range cases {
		file, text, line, col := at(t, doc, c.path)
		if file != c.file || text != c.text || line != c.line || col != c.col {
			t.Errorf("%s: got %s:%d:%d %q, want %s:%d:%d %q", c.path, file, line, col, text, c.file, c.line, c.col, c.text)
		}
	}
	// Nothing is recorded for paths the output lacks (the branch not
	// taken, the hidden field).
	for _, p := range []canon.Path{{"chosen", "no"}, {"pool"}} {
		if _, ok := doc.Ranges[p.Key()]; ok {
			t.Errorf("%s has a range but is not in the output", p)
		}
	}
}

// Imports resolve relative to the importing file, in subfolders too, and
// ranges follow them.
func TestRangesNestedImports(t *testing.T) {
	dir := write(t, map[string]string{
		"main.jsonnet":         "(import 'lib/pools.libsonnet') + { version: 'sfb2019' }\n",
		"lib/pools.libsonnet":  "local common = import 'common.libsonnet';\n{ pools: { p: common { fqdn: 'p.contoso.net' } } }\n",
		"lib/common.libsonnet": "{\n  kind: 'fe-ee',\n}\n",
	})
	doc := load(t, dir, Options{})
	if file, text, line, col := at(t, doc, canon.Path{"pools", "p", "kind"}); file != "common.libsonnet" || text != "kind: 'fe-ee'" || line != 2 || col != 3 {
		t.Fatalf("got %s:%d:%d %q", file, line, col, text)
	}
	if file, text, _, _ := at(t, doc, canon.Path{"pools", "p", "fqdn"}); file != "pools.libsonnet" || text != "fqdn: 'p.contoso.net'" {
		t.Fatalf("got %s %q", file, text)
	}
}

// A program that is a function of its own: TLAs apply and ranges reach
// into its body.
func TestRangesTopLevelFunction(t *testing.T) {
	dir := write(t, map[string]string{"t.jsonnet": "function(pw='x')\n  local u = { pw: pw };\n  { users: { a: u } }\n"})
	doc := load(t, dir, Options{TLAStr: map[string]string{"pw": "y"}})
	if got := canon.Lookup(doc.Value, canon.Path{"users", "a", "pw"}); got != "y" {
		t.Fatalf("got %v", got)
	}
	if _, text, line, col := at(t, doc, canon.Path{"users", "a", "pw"}); text != "pw: pw" || line != 2 || col != 15 {
		t.Fatalf("got %d:%d %q", line, col, text)
	}
}

func TestSyntaxError(t *testing.T) {
	dir := write(t, map[string]string{"main.jsonnet": "{\n  version: 'sfb2019'\n  ad_domain: 'x',\n}\n"})
	d := loadErr(t, dir, Options{})
	if d.Rule != canon.RuleSyntax || d.Summary != "Invalid Jsonnet" || d.Range == nil ||
		filepath.Base(d.Range.Filename) != "main.jsonnet" || d.Range.Start.Line != 3 || d.Range.Start.Column != 3 {
		t.Fatalf("got %v %+v", d, d.Range)
	}
}

func TestSyntaxErrorInLibrary(t *testing.T) {
	dir := write(t, map[string]string{"main.jsonnet": "import 'lib.libsonnet'\n", "lib.libsonnet": "{ a: }\n"})
	d := loadErr(t, dir, Options{})
	if d.Summary != "Invalid Jsonnet" || d.Range == nil || filepath.Base(d.Range.Filename) != "lib.libsonnet" || d.Range.Start.Line != 1 {
		t.Fatalf("got %v %+v", d, d.Range)
	}
}

func TestRuntimeError(t *testing.T) {
	dir := write(t, map[string]string{"main.jsonnet": "local f(x) = x;\n{\n  version: f(1),\n  pools: error 'no pools yet',\n}\n"})
	d := loadErr(t, dir, Options{})
	if d.Rule != canon.RuleSyntax || d.Summary != "Jsonnet evaluation failed" || !strings.Contains(d.Detail, "no pools yet") ||
		d.Range == nil || d.Range.Start.Line != 4 || d.Range.Start.Column != 10 {
		t.Fatalf("got %v %+v", d, d.Range)
	}
}

func TestImportConfined(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "x.libsonnet"), []byte("{ secret: 1 }"), 0o644); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	if err := os.WriteFile(filepath.Join(parent, "x.libsonnet"), []byte("{ secret: 1 }"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		files   map[string]string
		symlink bool
		want    string
	}{
		"parent":   {files: map[string]string{"main.jsonnet": "import '../x.libsonnet'\n"}, want: "outside the topology folder"},
		"absolute": {files: map[string]string{"main.jsonnet": "import '" + filepath.Join(outside, "x.libsonnet") + "'\n"}, want: "absolute paths are not allowed"},
		"symlink":  {files: map[string]string{"main.jsonnet": "import 'link.libsonnet'\n"}, symlink: true, want: "outside the topology folder"},
		"str":      {files: map[string]string{"main.jsonnet": "{ a: importstr '../x.libsonnet' }\n"}, want: "outside the topology folder"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(parent, "topo-"+name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for f, src := range c.files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if c.symlink {
				if err := os.Symlink(filepath.Join(outside, "x.libsonnet"), filepath.Join(dir, "link.libsonnet")); err != nil {
					t.Skip("no symbolic links:", err)
				}
			}
			d := loadErr(t, dir, Options{})
			if d.Rule != canon.RuleSyntax || !strings.Contains(d.Detail, c.want) || d.Range == nil || filepath.Base(d.Range.Filename) != "main.jsonnet" || d.Range.Start.Line != 1 {
				t.Fatalf("got %v %+v", d, d.Range)
			}
		})
	}
}

func TestStackBound(t *testing.T) {
	dir := write(t, map[string]string{"main.jsonnet": "local f(x) = 1 + f(x + 1);\n{ version: f(0) }\n"})
	start := time.Now()
	d := loadErr(t, dir, Options{MaxStack: 100})
	if d.Rule != canon.RuleSyntax || !strings.Contains(d.Detail, "max stack frames exceeded") || d.Hint == "" ||
		d.Range == nil || d.Range.Start.Line != 1 || strings.Count(d.Detail, "\n") > jsonnetvm.MaxTrace+5 {
		t.Fatalf("got %v", d)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
}

func TestTimeout(t *testing.T) {
	// Seconds of work in constant memory and a shallow stack: only the
	// time bound stops it. (The abandoned evaluation ends on its own
	// soon after, so it does not burden the other tests for long.)
	dir := write(t, map[string]string{"main.jsonnet": "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1);\n{ n: f(21) }\n"})
	start := time.Now()
	d := loadErr(t, dir, Options{Timeout: 100 * time.Millisecond})
	if d.Rule != canon.RuleSyntax || !strings.Contains(d.Detail, "did not finish within 100ms") {
		t.Fatalf("got %v", d)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
}

func TestFileTooBig(t *testing.T) {
	for _, name := range []string{"main.jsonnet", "big.libsonnet"} {
		t.Run(name, func(t *testing.T) {
			dir := write(t, map[string]string{"main.jsonnet": "import 'big.libsonnet'\n", "big.libsonnet": ""})
			if err := os.Truncate(filepath.Join(dir, name), canon.MaxFileSize+1); err != nil {
				t.Fatal(err)
			}
			d := loadErr(t, dir, Options{})
			if d.Rule != canon.RuleSyntax || !strings.Contains(d.Detail, "limited to 16 MiB") {
				t.Fatalf("got %v", d)
			}
		})
	}
}

func TestNotAnObject(t *testing.T) {
	dir := write(t, map[string]string{"main.jsonnet": "// a list\n[1, 2]\n"})
	d := loadErr(t, dir, Options{})
	if d.Rule != canon.RuleStructure || !strings.Contains(d.Detail, "a list") || d.Range == nil || d.Range.Start.Line != 2 || d.Range.Start.Column != 1 {
		t.Fatalf("got %v %+v", d, d.Range)
	}
}

func TestEntryPoint(t *testing.T) {
	d := loadErr(t, write(t, map[string]string{"a.libsonnet": "{}", "b.libsonnet": "{}"}), Options{})
	if d.Rule != canon.RuleSyntax || d.Summary != "No Jsonnet entry point" || !strings.Contains(d.Detail, "a.libsonnet, b.libsonnet") {
		t.Fatalf("got %v", d)
	}
	d = loadErr(t, write(t, map[string]string{"a.jsonnet": "{}", "b.jsonnet": "{}", "c.libsonnet": "{}"}), Options{})
	if d.Rule != canon.RuleSyntax || d.Summary != "Several Jsonnet entry points" || !strings.Contains(d.Detail, "a.jsonnet, b.jsonnet") || !strings.Contains(d.Detail, "main.jsonnet") {
		t.Fatalf("got %v", d)
	}
	d = loadErr(t, write(t, map[string]string{"x.hcl": ""}), Options{})
	if d.Rule != canon.RuleSyntax || d.Summary != "No topology files" {
		t.Fatalf("got %v", d)
	}
	// main.jsonnet is the entry among several; the others may be imported.
	doc := load(t, write(t, map[string]string{"main.jsonnet": "import 'other.jsonnet'", "other.jsonnet": "{ version: 'sfb2019' }"}), Options{})
	if doc.Value["version"] != "sfb2019" {
		t.Fatalf("got %v", doc.Value)
	}
}

// The Jsonnet twin of the Contoso example evaluates to exactly the value
// of the HCL original, and every part of it has a range in its files.
func TestContosoTwin(t *testing.T) {
	hdoc, hds := hcltopo.Load("../../examples/contoso", hcltopo.Options{})
	if hds.HasErrors() {
		t.Fatalf("HCL: %v", hds)
	}
	jdoc := load(t, "../../examples/contoso-jsonnet", Options{})
	if h, j := jsonOf(t, hdoc.Value), jsonOf(t, jdoc.Value); h != j {
		t.Fatalf("values differ:\nHCL:     %s\nJsonnet: %s", h, j)
	}
	jdoc = load(t, "../../examples/contoso-jsonnet", Options{TLAStr: map[string]string{"lab_password": "other"}})
	if got := canon.Lookup(jdoc.Value, canon.Path{"users", "bob@fabrikam.com", "lab_password"}); got != "other" {
		t.Fatalf("--tla-str lab_password: got %v", got)
	}
	if _, text, _, _ := at(t, jdoc, canon.Path{"pools", "pool01", "servers", "fe02", "os"}); text != "os: '2019'" {
		t.Fatalf("fe02.os: %q", text)
	}
	if file, text, _, _ := at(t, jdoc, canon.Path{"voice_routes", "ConfDialOut-Route", "number_pattern"}); file != "policies.libsonnet" || !strings.HasPrefix(text, "number_pattern: ") {
		t.Fatalf("number_pattern: %s %q", file, text)
	}
}

// Programs that evaluate, written to stress the range walk: every range
// it records must lie in its file, and it must stay quick.
func TestRangeWalkRobust(t *testing.T) {
	defer func(old bool) { recoverMapping = old }(recoverMapping)
	recoverMapping = false
	var chain strings.Builder
	chain.WriteString("local l0 = { x: [1, 2], y: { z: 'é' } };\n")
	for i := 1; i <= 16; i++ {
		fmt.Fprintf(&chain, "local l%d = l%d + l%d + { ['k%d']: %d };\n", i, i-1, i-1, i, i)
	}
	chain.WriteString("local e0 = [];\n")
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&chain, "local e%d = e%d + e%d;\n", i, i-1, i-1)
	}
	chain.WriteString("{ deep: l16, empty: [1] + e60 + [2] }\n")
	for name, src := range map[string]string{
		"exponential":   chain.String(),
		"nesting":       strings.Repeat("{ a: ", 300) + "1" + strings.Repeat(" }", 300),
		"lists":         "local a = [1]; { l: a + [2] + a + [3, 4] + [x for x in [5]] + a, m: [] + [], n: [[1] + [2]] }",
		"conditionals":  "{ a: if true then 1, b: if false then 1 else { c: [if true then 2 else 3] }, d: if false then null }",
		"objects":       "local o = { local h = self.v, v: 1, w: h, 'q r': 2, ['s']: 3, [std.toString(4)]: 5, t+: { u: 6 } }; o { v: 7, t+: { x: 8 } } + { assert self.v == 7 }",
		"comprehension": "{ [k]: { v: k } for k in ['a', 'b'] } + { a+: { w: 1 } }",
		"functions":     "local f(x) = { y: x }; local g = function(x) f(x); { a: g(1), b: f(2).y, c: (function(z) z)({ d: 3 }) }",
		"shadowing":     "local x = { a: 1 }; local f(x) = x; { r: f(2), s: local x = [3]; x, t: x }",
		"self":          "{ a: 1, b: self.a, c: $.a, d: ({ f: 1 } + { e: super.f, f: 2 }).e, h: { f: 1 } + { f+: 2 }, g: [self.a] }",
		"strings":       "{ a: 'x' + 'y', b: '%s' % 'z', c: importstr 'main.jsonnet', d: std.length(import 'x.libsonnet') }",
		"selfimport":    "local s = import 'x.libsonnet'; { a: s.b, c: s { d: 1 } }",
	} {
		t.Run(name, func(t *testing.T) {
			dir := write(t, map[string]string{"main.jsonnet": src, "x.libsonnet": "local me = import 'x.libsonnet'; { b: 1, e:: me }"})
			start := time.Now()
			doc, ds := Load(dir, Options{})
			if len(ds) > 0 {
				t.Fatalf("unexpected diagnostics: %v", ds)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			if _, ok := doc.Ranges[canon.Path{}.Key()]; !ok {
				t.Error("no range for the root")
			}
			for k, r := range doc.Ranges {
				src := doc.Sources[r.Filename]
				if r.Start.Byte > r.End.Byte || r.End.Byte > len(src) || canon.PosAt(src, r.Start.Byte) != r.Start || canon.PosAt(src, r.End.Byte) != r.End {
					t.Errorf("range of %q is wrong: %+v", k, r)
				}
			}
		})
	}
}

// TestFormatDeepRefused: jsonnetfmt parses as go-jsonnet does; a deep
// file is reported, not formatted (40 KB of '[' crashed the process).
func TestFormatDeepRefused(t *testing.T) {
	src := strings.Repeat("[", 300000) + strings.Repeat("]", 300000)
	if _, ds := Format("t.jsonnet", []byte(src)); len(ds) != 1 || ds[0].Summary != "Nested too deeply" {
		t.Fatalf("%v", ds)
	}
}
