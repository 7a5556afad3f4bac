package loader_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mobplan/mobplan/internal/loader"
)

const examples = "../../examples"

// garbage does not parse in any of the syntaxes.
const garbage = "}{ not a topology\n"

// validTopology writes a valid topology of the syntax into a new folder
// and returns the folder and the name of one of its files. The Jsonnet
// one has a single entry file not named main.jsonnet, so that another
// .jsonnet file taken as part of the topology would make two entry
// points.
func validTopology(t *testing.T, syntax string) (dir, file string) {
	t.Helper()
	dir = t.TempDir()
	copyDir := func(from string, rename map[string]string) {
		entries, err := os.ReadDir(from)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(from, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			name := e.Name()
			if n, ok := rename[name]; ok {
				name = n
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			file = name
		}
	}
	switch syntax {
	case "hcl":
		copyDir(filepath.Join(examples, "contoso"), nil)
	case "cue":
		copyDir(filepath.Join(examples, "contoso-cue"), nil)
	case "jsonnet":
		copyDir(filepath.Join(examples, "contoso-jsonnet"), map[string]string{"main.jsonnet": "contoso.jsonnet"})
	case "json", "yaml":
		c, err := loader.Load(filepath.Join(examples, "contoso"), loader.Options{})
		if err != nil || c.Diagnostics.HasErrors() {
			t.Fatal(err, c.Diagnostics)
		}
		var b []byte
		if syntax == "json" {
			b, err = json.MarshalIndent(c.Doc.Value, "", "  ")
		} else {
			b, err = yaml.Marshal(c.Doc.Value)
		}
		if err != nil {
			t.Fatal(err)
		}
		file = "topology." + syntax
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("no valid %s topology to test with", syntax)
	}
	return dir, file
}

// TestEditorFilesIgnored: for every syntax, a valid topology with an
// editor's lock file (a dangling link, as Emacs makes it), a hidden copy
// and a "_" draft beside it — each of which would break the topology if
// it were read — is detected as its syntax and validates, and none of
// those files is read.
func TestEditorFilesIgnored(t *testing.T) {
	var names []string
	for _, s := range loader.Syntaxes {
		names = append(names, s.Name)
	}
	if want := []string{"hcl", "cue", "jsonnet", "json", "yaml"}; !slices.Equal(names, want) {
		t.Fatalf("syntaxes %v, want %v", names, want)
	}
	for _, s := range loader.Syntaxes {
		t.Run(s.Name, func(t *testing.T) {
			dir, file := validTopology(t, s.Name)
			ext := s.Extensions[0]
			stem := strings.TrimSuffix(file, filepath.Ext(file))
			extra := []string{".old" + ext, "_draft" + ext, "." + file}
			for _, name := range extra {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(garbage), 0o644); err != nil {
					t.Fatal(err)
				}
				// Read on its own, the file is an error: the test would
				// fail if the folder's topology took it in.
				if c, err := loader.Load(p, loader.Options{}); err != nil || !c.Diagnostics.HasErrors() {
					t.Fatalf("%s alone: %v %v, want an error", name, err, c.Diagnostics)
				}
			}
			if runtime.GOOS != "windows" {
				lock := ".#" + stem + ext
				if err := os.Symlink("admin@host.4242:1700000000", filepath.Join(dir, lock)); err != nil {
					t.Fatal(err)
				}
				extra = append(extra, lock)
			}
			if got, err := loader.Detect(dir); err != nil || got != s.Name {
				t.Fatalf("Detect: %q, %v", got, err)
			}
			files, err := s.Files(dir)
			if err != nil {
				t.Fatal(err)
			}
			c, err := loader.Load(dir, loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Diagnostics.HasErrors() {
				t.Fatalf("validate: %v", c.Diagnostics)
			}
			for _, name := range extra {
				p := filepath.Join(dir, name)
				if slices.Contains(files, p) {
					t.Errorf("Files lists %s", name)
				}
				if _, read := c.Doc.Sources[p]; read {
					t.Errorf("%s was read", name)
				}
			}
		})
	}
}

// TestIgnoredFilesDoNotMix: a hidden or "_" file of another syntax does
// not make a folder mixed, and a folder of ignored files only holds no
// topology.
func TestIgnoredFilesDoNotMix(t *testing.T) {
	dir, _ := validTopology(t, "hcl")
	for _, name := range []string{".plan.json", "_notes.yaml", "_old.cue"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(garbage), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := loader.Detect(dir); err != nil || got != "hcl" {
		t.Errorf("Detect: %q, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loader.Detect(dir); err == nil || !strings.Contains(err.Error(), "mixes topology syntaxes: hcl (") ||
		!strings.Contains(err.Error(), "; json (plan.json);") {
		t.Errorf("Detect of a mixed folder: %v", err)
	}

	only := t.TempDir()
	for _, name := range []string{".old.hcl", "_draft.cue"} {
		if err := os.WriteFile(filepath.Join(only, name), []byte(garbage), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := loader.Detect(only); err == nil || !strings.Contains(err.Error(), "holds no topology file (*.hcl, *.cue, *.jsonnet, *.json, *.yaml)") {
		t.Errorf("Detect of a folder of ignored files: %v", err)
	}
}

// TestDetectFile: a file is read as its ending says, a Jsonnet library
// is refused on its own, and other files are named with what is expected.
func TestDetectFile(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"t.hcl": "hcl", "t.CUE": "cue", "t.jsonnet": "jsonnet", "t.json": "json", "t.yaml": "yaml", "t.yml": "yaml",
		"lib.libsonnet": "is a Jsonnet library; give the .jsonnet file that imports it, or its folder",
		"notes.txt":     "not a topology file (expected .hcl, .cue, .jsonnet, .json, .yaml or .yml)",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := loader.Detect(p)
		if err != nil {
			got = err.Error()
		}
		if got != want && !strings.HasSuffix(got, want) {
			t.Errorf("Detect(%s) = %q, want %q", name, got, want)
		}
	}
}

// TestFlagMismatch: an option another syntax reads is refused, naming
// the syntaxes it applies to.
func TestFlagMismatch(t *testing.T) {
	c, err := loader.Load(filepath.Join(examples, "contoso-cue"), loader.Options{Vars: []string{"a=1"}, TLAStr: []string{"b=2"}})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, d := range c.Diagnostics {
		details = append(details, d.Detail)
	}
	want := []string{
		"--tla-str applies to Jsonnet topologies; this one is cue",
		"--var applies to HCL topologies; this one is cue",
	}
	if !slices.Equal(details, want) {
		t.Errorf("diagnostics %q, want %q", details, want)
	}
}

// TestFormatReportsAsLoad: a file that does not parse gets the same
// diagnostic from its syntax's formatter (mobplan fmt) as from loading
// it (mobplan validate): same words, same place.
func TestFormatReportsAsLoad(t *testing.T) {
	broken := map[string]string{
		"hcl":     "version = \"sfb2019\"\nsip_domains = [\n",
		"cue":     "package t\na: )\nb: 1\n",
		"jsonnet": "{a: 1,\n  b: 'é',,}\n",
	}
	n := 0
	for _, s := range loader.Syntaxes {
		if s.Format == nil {
			continue
		}
		n++
		t.Run(s.Name, func(t *testing.T) {
			src, ok := broken[s.Name]
			if !ok {
				t.Fatalf("no broken %s file to test with", s.Name)
			}
			p := filepath.Join(t.TempDir(), "broken"+s.Extensions[0])
			if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			out, fds := s.Format(p, []byte(src))
			if out != nil || len(fds) == 0 {
				t.Fatalf("Format: %q %v", out, fds)
			}
			c, err := loader.Load(p, loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(fds)
			want, _ := json.Marshal(c.Diagnostics)
			if string(got) != string(want) {
				t.Errorf("Format reports\n%s\nLoad reports\n%s", got, want)
			}
			for _, d := range fds {
				if d.Range == nil || d.Range.Start.Line == 0 {
					t.Errorf("no position: %v", d)
				}
			}
		})
	}
	if n != 3 {
		t.Errorf("%d syntaxes have a formatter, want 3 (HCL, CUE, Jsonnet)", n)
	}
}
