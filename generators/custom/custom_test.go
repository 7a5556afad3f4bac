package custom

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/render"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func smallPlan() *plan.Plan {
	return &plan.Plan{
		FormatVersion: "1",
		Product:       "sfb2019",
		SIPDomains:    []string{"contoso.com"},
		Zones: []plan.Zone{{
			View: "external", Name: "contoso.com", Kind: "authoritative",
			Records: []plan.Record{
				{Name: "lyncdiscover", Type: "A", Value: "131.107.155.1", TTL: 3600},
				{Name: "webext", Type: "A", Value: "131.107.155.1", TTL: 3600},
			},
		}},
	}
}

// sourceAt is the range SourceRange hands out, so tests can tell it apart.
var sourceAt = &diag.Range{Filename: "topology.hcl", Start: diag.Pos{Line: 7, Column: 12}}

// generate runs the generators of one topology folder over a plan.
func generate(t *testing.T, root string, gens map[string]string, inputs map[string]string) ([]artifact.File, error) {
	t.Helper()
	ctx := &artifact.Context{Plan: smallPlan(), Inputs: inputs}
	var files []artifact.File
	for _, g := range Generators(gens, Options{Root: root, SourceRange: func(string) *diag.Range { return sourceAt }}) {
		out, err := g.Generate(ctx)
		if err != nil {
			return nil, err
		}
		files = append(files, out...)
	}
	return files, nil
}

// problems returns the diagnostics of a DiagnosticsError.
func problems(t *testing.T, err error) diag.Diagnostics {
	t.Helper()
	var de *artifact.DiagnosticsError
	if !errors.As(err, &de) {
		t.Fatalf("want diagnostics, got %v", err)
	}
	for _, d := range de.Diagnostics {
		if d.Rule != Rule || d.Severity != diag.Error {
			t.Errorf("diagnostic %s: want an error of %s", d, Rule)
		}
	}
	return de.Diagnostics
}

const lib = `{
  records(plan):: [
    { name: r.name + '.' + z.name, type: r.type, content: r.value }
    for z in plan.zones if z.view == 'external'
    for r in z.records
  ],
}
`

const program = `local lib = import 'lib.libsonnet';
function(plan) {
  'records.json': std.manifestJsonEx(lib.records(plan), '  ') + '\n',
  'nested/product.txt': std.extVar('plan').product,
}
`

func TestOutput(t *testing.T) {
	root := t.TempDir()
	write(t, root, "generators/lib.libsonnet", lib)
	write(t, root, "generators/records.jsonnet", program)
	inputs := map[string]string{}
	files, err := generate(t, root, map[string]string{"dns-api": "generators/records.jsonnet"}, inputs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"custom/dns-api/nested/product.txt": "sfb2019",
		"custom/dns-api/records.json": `[
  {
    "content": "131.107.155.1",
    "name": "lyncdiscover.contoso.com",
    "type": "A"
  },
  {
    "content": "131.107.155.1",
    "name": "webext.contoso.com",
    "type": "A"
  }
]
`,
	}
	if len(files) != len(want) {
		t.Fatalf("got %d files, want %d: %+v", len(files), len(want), files)
	}
	for _, f := range files {
		// Bytes exactly as returned: product.txt gets no newline added.
		if w, ok := want[f.Path]; !ok || string(f.Data) != w {
			t.Errorf("%s:\n%s\nwant:\n%s", f.Path, f.Data, w)
		}
	}
	for _, p := range []string{"generators/records.jsonnet", "generators/lib.libsonnet"} {
		if inputs[filepath.Join(root, filepath.FromSlash(p))] == "" {
			t.Errorf("input %s not recorded: %v", p, inputs)
		}
	}
}

// A program that is not a function reads the plan from std.extVar only.
func TestNotAFunction(t *testing.T) {
	root := t.TempDir()
	write(t, root, "g.jsonnet", "{ 'p.txt': std.extVar('plan').sip_domains[0] }\n")
	files, err := generate(t, root, map[string]string{"g": "g.jsonnet"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Path != "custom/g/p.txt" || string(files[0].Data) != "contoso.com" {
		t.Errorf("got %+v", files)
	}
}

func TestDeterministic(t *testing.T) {
	root := t.TempDir()
	write(t, root, "generators/lib.libsonnet", lib)
	write(t, root, "generators/records.jsonnet", program)
	write(t, root, "generators/other.jsonnet", "function(plan) { ['f%d.txt' % i]: std.toString(i) for i in std.range(1, 20) }\n")
	gens := map[string]string{"b": "generators/records.jsonnet", "a": "generators/other.jsonnet"}
	first, err := generate(t, root, gens, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		again, err := generate(t, root, gens, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(first) {
			t.Fatalf("run %d: %d files, first run %d", i, len(again), len(first))
		}
		for j := range first {
			if again[j].Path != first[j].Path || string(again[j].Data) != string(first[j].Data) {
				t.Fatalf("run %d differs at %s / %s", i, first[j].Path, again[j].Path)
			}
		}
	}
	if first[0].Path != "custom/a/f1.txt" {
		t.Errorf("generators do not run in name order: first file %s", first[0].Path)
	}
}

func TestBadOutput(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // one substring per expected diagnostic
		line      int      // of the first diagnostic
	}{
		{"array", "function(plan)\n  [1, 2]\n", []string{"returned an array of 2 element(s)"}, 2},
		{"string", "'hello'\n", []string{"returned a string"}, 1},
		{"number", "{\n  'a.txt': 42,\n}\n", []string{`content of "a.txt" is a number (42)`}, 2},
		{"object", "{\n  'a.json': { x: 1 },\n}\n", []string{"std.manifestJsonEx"}, 2},
		{"null", "{\n  'a.txt': null,\n}\n", []string{"is null"}, 2},
		{"empty", "{\n  '': 'x',\n}\n", []string{`"" is empty`}, 2},
		{"absolute", "{\n  '/etc/x': 'x',\n}\n", []string{"is absolute"}, 2},
		{"drive", "{\n  'C:/x': 'x',\n}\n", []string{"is absolute"}, 2},
		{"dotdot", "{\n  'a/../../b': 'x',\n}\n", []string{`contains a ".." segment`}, 2},
		{"only-dotdot", "{\n  '..': 'x',\n}\n", []string{`contains a ".." segment`}, 2},
		{"backslash", "{\n  'a\\\\b': 'x',\n}\n", []string{"contains a backslash"}, 2},
		{"nul", "{\n  'a\\u0000b': 'x',\n}\n", []string{"contains a NUL byte"}, 2},
		{"newline", "{\n  'a\\nb': 'x',\n}\n", []string{"contains a control character"}, 2},
		{"dot", "{\n  './a': 'x',\n}\n", []string{`empty or "." segment`}, 2},
		{"trailing-slash", "{\n  'a/': 'x',\n}\n", []string{`empty or "." segment`}, 2},
		{"file-and-folder", "{\n  a: 'x',\n  'a/b': 'y',\n}\n", []string{`"a" is a file, but "a/b" needs a folder`}, 3},
		{"letter-case", "{\n  'A.txt': 'x',\n  'a.txt': 'y',\n}\n", []string{"differ only in letter case"}, 3},
		// Every problem at once, each at its own field; sorted by path.
		{"several", "function(plan) {\n  'ok.txt': 'fine',\n  'x.json': [],\n  '../y': 'z',\n}\n",
			[]string{`".." segment`, `content of "x.json" is an array`}, 4},
		// Fields made by a comprehension are reported at the comprehension.
		{"comprehension", "local names = ['a', '../b'];\n{\n  [n]: 'x'\n  for n in names\n}\n", []string{`".." segment`}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			p := write(t, root, "gen.jsonnet", c.src)
			_, err := generate(t, root, map[string]string{"g": "gen.jsonnet"}, nil)
			ds := problems(t, err)
			if len(ds) != len(c.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%v", len(ds), len(c.want), ds)
			}
			for i, w := range c.want {
				if !strings.Contains(ds[i].Detail+" "+ds[i].Hint, w) {
					t.Errorf("diagnostic %d: %q lacks %q", i, ds[i].Detail, w)
				}
				if ds[i].Hint == "" {
					t.Errorf("diagnostic %d has no hint", i)
				}
			}
			r := ds[0].Range
			if r == nil || r.Filename != p || r.Start.Line != c.line || r.Start.Column < 1 {
				t.Errorf("range %+v, want %s line %d", r, p, c.line)
			}
		})
	}
}

func TestProgramErrors(t *testing.T) {
	cases := []struct {
		name, src, want string
		file            string // where the error is reported, relative to the root
		line, col       int
	}{
		{"parse", "function(plan) {\n  'a': ,\n}\n", "", "gen.jsonnet", 2, 8},
		{"runtime", "function(plan) {\n  'a.txt': error 'no VIPs in ' + plan.product,\n}\n", "no VIPs in sfb2019", "gen.jsonnet", 2, 12},
		{"field", "function(plan) {\n  'a.txt': plan.nope,\n}\n", "Field does not exist: nope", "gen.jsonnet", 2, 12},
		{"in-import", "local l = import 'lib/bad.libsonnet';\n{ 'a.txt': l.f() }\n", "from the library", "lib/bad.libsonnet", 2, 9},
		{"import-outside", "local l = import '../outside.libsonnet';\n{ 'a.txt': l }\n", "outside the topology folder", "gen.jsonnet", 1, 11},
		{"wrong-parameter", "function(vips) { 'a.txt': 'x' }\n", "plan", "gen.jsonnet", 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "topology")
			write(t, dir, "outside.libsonnet", "'secret'")
			write(t, root, "lib/bad.libsonnet", "{\n  f():: error 'from the library',\n}\n")
			write(t, root, "gen.jsonnet", c.src)
			_, err := generate(t, root, map[string]string{"g": "gen.jsonnet"}, nil)
			ds := problems(t, err)
			if len(ds) != 1 {
				t.Fatalf("got %v", ds)
			}
			d := ds[0]
			if !strings.Contains(d.Detail, c.want) || !strings.Contains(d.Summary, `"g"`) {
				t.Errorf("diagnostic %s lacks %q", d, c.want)
			}
			want := filepath.Join(root, filepath.FromSlash(c.file))
			if d.Range == nil || d.Range.Filename != want || d.Range.Start.Line != c.line || d.Range.Start.Column != c.col {
				t.Errorf("range %+v, want %s:%d:%d", d.Range, want, c.line, c.col)
			}
		})
	}
}

func TestSource(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "topology")
	outside := write(t, dir, "outside.jsonnet", "{ 'a.txt': 'x' }\n")
	write(t, root, "ok.jsonnet", "{}\n")
	if err := os.Symlink(outside, filepath.Join(root, "link.jsonnet")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	cases := []struct{ source, want string }{
		{"missing.jsonnet", "does not exist"},
		{"../outside.jsonnet", "outside the topology folder"},
		{"link.jsonnet", "outside the topology folder"},
		{outside, "absolute path"},
		{"", "source is empty"},
		{".", "is a folder"},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			_, err := generate(t, root, map[string]string{"g": c.source}, nil)
			ds := problems(t, err)
			if len(ds) != 1 || !strings.Contains(ds[0].Detail, c.want) {
				t.Fatalf("got %v, want %q", ds, c.want)
			}
			if ds[0].Range != sourceAt {
				t.Errorf("range %+v, want the source attribute's", ds[0].Range)
			}
		})
	}
	if files, err := generate(t, root, map[string]string{"g": "ok.jsonnet"}, nil); err != nil || len(files) != 0 {
		t.Errorf("an empty object gives no files: %v %v", files, err)
	}
}

// Render reports the problems of every custom generator at once, and
// renders nothing.
func TestRenderGathersProblems(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.jsonnet", "{ 'a.txt': 1 }\n")
	write(t, root, "b.jsonnet", "{ 'b.txt': error 'b fails' }\n")
	write(t, root, "c.jsonnet", "{ 'c.txt': 'fine' }\n")
	gens := Generators(map[string]string{
		"a": "a.jsonnet", "b": "b.jsonnet", "c": "c.jsonnet",
	}, Options{Root: root})
	set, err := render.Render(smallPlan(), gens, render.Options{ArtifactsDir: filepath.Join(root, "artifacts"), ToolVersion: "test"})
	if set != nil {
		t.Error("a set was rendered despite errors")
	}
	ds := problems(t, err)
	if len(ds) != 2 || !strings.Contains(ds[0].Summary, `"a"`) || !strings.Contains(ds[1].Summary, `"b"`) {
		t.Errorf("got %v", ds)
	}
	var de *artifact.DiagnosticsError
	errors.As(err, &de)
	if _, ok := de.Sources[filepath.Join(root, "b.jsonnet")]; !ok {
		t.Errorf("sources for snippets missing: %v", de.Sources)
	}
}

// TestSourceNotRegularOrState: a program or an import that is a FIFO is
// refused at once (never opened to block), and nothing under the state
// folder .mobplan, which holds the private keys, is read: not as a
// program, not through importstr, not through a link.
func TestSourceNotRegularOrState(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".mobplan/keys/rp.key", "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n")
	write(t, root, ".mobplan/gen.jsonnet", "{ 'a.txt': 'x' }\n")
	write(t, root, "steal.jsonnet", "{ 'key.txt': importstr '.mobplan/keys/rp.key' }\n")
	write(t, root, "sub/steal.jsonnet", "{ 'key.txt': importstr '../.MOBPLAN/keys/rp.key' }\n")
	write(t, root, "fifo.jsonnet", "{ 'a.txt': importstr 'pipe.libsonnet' }\n")
	if err := os.Symlink(filepath.Join(root, ".mobplan", "keys"), filepath.Join(root, "keys")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	write(t, root, "link.jsonnet", "{ 'key.txt': importstr 'keys/rp.key' }\n")
	testtool.Mkfifo(t, filepath.Join(root, "pipe.jsonnet"))
	testtool.Mkfifo(t, filepath.Join(root, "pipe.libsonnet"))
	cases := []struct{ source, want string }{
		{".mobplan/gen.jsonnet", "state folder .mobplan"},
		{"steal.jsonnet", "state folder .mobplan"},
		{"sub/steal.jsonnet", "state folder .mobplan"},
		{"link.jsonnet", "state folder .mobplan"},
		{"pipe.jsonnet", "named pipe"},
		{"fifo.jsonnet", "named pipe"},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := generate(t, root, map[string]string{"g": c.source}, nil)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("the generator did not return: a FIFO was opened")
			}
			ds := problems(t, err)
			if len(ds) != 1 || !strings.Contains(ds[0].Detail, c.want) || strings.Contains(ds[0].Detail, "SECRETKEY") {
				t.Fatalf("got %v, want %q", ds, c.want)
			}
		})
	}
}
