package loader_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/testtool"
)

// secretLine stands for a line of /etc/shadow: a file outside the
// topology folder whose lines must never reach a diagnostic.
const secretLine = "root:$6$SECRET-HASH-LINE:19000:0:99999:7:::"

// loadWithin runs loader.Load and fails the test if it does not return
// within a few seconds (a FIFO opened for reading blocks for ever).
func loadWithin(t *testing.T, path string, opts loader.Options) *loader.Checked {
	t.Helper()
	type result struct {
		c   *loader.Checked
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := loader.Load(path, opts)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.c
	case <-time.After(20 * time.Second):
		t.Fatalf("loading %s did not return: a file that is not a regular file was opened", path)
	}
	return nil
}

// rendered is every diagnostic as text and JSON, with snippets.
func rendered(t *testing.T, c *loader.Checked) string {
	t.Helper()
	var b bytes.Buffer
	if err := diag.WriteText(&b, c.Diagnostics, c.Doc.Sources, false); err != nil {
		t.Fatal(err)
	}
	if err := diag.WriteJSON(&b, c.Diagnostics, c.Doc.Sources); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// extensionOf is the file ending of a syntax's topology files.
var extensionOf = map[string]string{"hcl": ".hcl", "cue": ".cue", "jsonnet": ".libsonnet", "json": ".json", "yaml": ".yaml"}

// TestLinkOutsideFolderNotRead: in every syntax, a topology file that is
// a symbolic link to a file outside the folder is refused by name, and
// not one of the target's lines appears in any diagnostic or snippet.
func TestLinkOutsideFolderNotRead(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(outside, []byte(secretLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for syntax, ext := range extensionOf {
		t.Run(syntax, func(t *testing.T) {
			dir, _ := validTopology(t, syntax)
			link := filepath.Join(dir, "zz"+ext)
			if err := os.Symlink(outside, link); err != nil {
				t.Fatal(err)
			}
			if syntax == "jsonnet" {
				// A library is read when it is imported.
				importFirst(t, filepath.Join(dir, "contoso.jsonnet"), "zz"+ext)
			}
			c := loadWithin(t, dir, loader.Options{})
			out := rendered(t, c)
			if strings.Contains(out, "SECRET-HASH-LINE") {
				t.Fatalf("the linked file's contents reached the output:\n%s", out)
			}
			for name, src := range c.Doc.Sources {
				if bytes.Contains(src, []byte("SECRET-HASH-LINE")) {
					t.Fatalf("the linked file's contents are kept as the source of %s", name)
				}
			}
			if !strings.Contains(out, "zz"+ext) || !strings.Contains(out, "outside the topology folder") {
				t.Fatalf("want a diagnostic naming zz%s as outside the folder, got:\n%s", ext, c.Diagnostics)
			}
		})
	}
}

// TestLinkToDeviceOrFIFONotRead: a link to /dev/zero, or a FIFO in the
// folder, is refused at once, never read (which would exhaust memory or
// hang).
func TestLinkToDeviceOrFIFONotRead(t *testing.T) {
	for syntax, ext := range extensionOf {
		t.Run(syntax+"/dev-zero", func(t *testing.T) {
			dir, _ := validTopology(t, syntax)
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero"+ext)); err != nil {
				t.Fatal(err)
			}
			if syntax == "jsonnet" {
				importFirst(t, filepath.Join(dir, "contoso.jsonnet"), "zero"+ext)
			}
			c := loadWithin(t, dir, loader.Options{})
			if out := rendered(t, c); !strings.Contains(out, "zero"+ext+": the path leads outside the topology folder") {
				t.Fatalf("want a diagnostic naming zero%s, got:\n%s", ext, out)
			}
		})
		t.Run(syntax+"/fifo", func(t *testing.T) {
			dir, _ := validTopology(t, syntax)
			fifo := filepath.Join(dir, "pipe"+ext)
			testtool.Mkfifo(t, fifo)
			if syntax == "jsonnet" {
				importFirst(t, filepath.Join(dir, "contoso.jsonnet"), "pipe"+ext)
			}
			c := loadWithin(t, dir, loader.Options{})
			if out := rendered(t, c); !strings.Contains(out, "pipe"+ext) || !strings.Contains(out, "named pipe") {
				t.Fatalf("want a diagnostic naming pipe%s as a named pipe, got:\n%s", ext, c.Diagnostics)
			}
		})
	}
}

func importFirst(t *testing.T, entry, lib string) {
	t.Helper()
	src, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entry, append([]byte("assert std.length(importstr '"+lib+"') >= 0;\n"), src...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNamedFileLinkRefused: a topology file named on the command line
// that is a link out of its folder is refused too.
func TestNamedFileLinkRefused(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "shadow.hcl")
	if err := os.WriteFile(outside, []byte(secretLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "t.hcl")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	c := loadWithin(t, link, loader.Options{})
	if out := rendered(t, c); strings.Contains(out, "SECRET-HASH-LINE") || !strings.Contains(out, "outside the topology folder") {
		t.Fatalf("got:\n%s", out)
	}
}

// TestVarFileNotRegular: --var-file names a file anywhere, but a device
// or a FIFO is refused rather than read.
func TestVarFileNotRegular(t *testing.T) {
	dir, _ := validTopology(t, "hcl")
	fifo := filepath.Join(t.TempDir(), "vars.hcl")
	testtool.Mkfifo(t, fifo)
	for _, f := range []string{"/dev/zero", fifo} {
		c := loadWithin(t, dir, loader.Options{VarFiles: []string{f}})
		if out := rendered(t, c); !strings.Contains(out, f) || !strings.Contains(out, "not a regular file") {
			t.Fatalf("--var-file %s: got:\n%s", f, out)
		}
	}
}

// TestCertificateFileConfined: a certificate's file = that is a link out
// of the folder, a FIFO, or inside the state folder is refused by name.
func TestCertificateFileConfined(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(outside, []byte(secretLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, setup := range map[string]func(dir string) string{
		"link": func(dir string) string {
			if err := os.Symlink(outside, filepath.Join(dir, "rp.pem")); err != nil {
				t.Fatal(err)
			}
			return "outside the topology folder"
		},
		"fifo": func(dir string) string {
			testtool.Mkfifo(t, filepath.Join(dir, "rp.pem"))
			return "named pipe"
		},
		"dev-zero": func(dir string) string {
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "rp.pem")); err != nil {
				t.Fatal(err)
			}
			return "rp.pem"
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir, _ := validTopology(t, "hcl")
			want := setup(dir)
			cert := "certificate \"rp\" {\n  file = \"rp.pem\"\n}\n"
			if err := os.WriteFile(filepath.Join(dir, "cert.hcl"), []byte(cert), 0o644); err != nil {
				t.Fatal(err)
			}
			c := loadWithin(t, dir, loader.Options{})
			out := rendered(t, c)
			if strings.Contains(out, "SECRET-HASH-LINE") || !strings.Contains(out, want) || !strings.Contains(out, "SCHEMA-004") {
				t.Fatalf("want SCHEMA-004 saying %q, got:\n%s", want, out)
			}
		})
	}
}
