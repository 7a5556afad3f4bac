package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/pipeline"
)

// Every starter init writes validates with no error and carries through
// plan and rendering, whatever the flags choose.
func TestInitValidates(t *testing.T) {
	cases := map[string][]string{
		"se-defaults":   {"--sip-domain", "contoso.com"},
		"lync2013":      {"--version", "lync2013", "--sip-domain", "litware.com", "--ad-domain", "litware.local"},
		"sfb2015-pool":  {"--version", "sfb2015", "--sip-domain", "contoso.com", "--servers", "2", "--pool-fqdn", "fepool.corp.contoso.com", "--ad-domain", "corp.contoso.com"},
		"sfb2019-edge":  {"--sip-domain", "contoso.com", "--sip-domain", "fabrikam.com", "--servers", "3", "--edge", "--reverse-proxy-ip", "131.107.155.1", "--edge-access-ip", "131.107.155.10", "--edge-webconf-ip", "131.107.155.20", "--edge-av-ip", "131.107.155.30"},
		"twelve":        {"--sip-domain", "contoso.com", "--servers", "12", "--server-subnet", "10.20.0.0/16", "--os", "2022", "--site", "Main-Office"},
		"lync2013-edge": {"--version", "lync2013", "--sip-domain", "a.example.com", "--sip-domain", "b.example.org", "--edge", "--servers", "2"},
	}
	for name, flags := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "topo")
			var out, errb bytes.Buffer
			env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
			if code := Main(append([]string{"init"}, append(flags, dir)...), env); code != ExitOK {
				t.Fatalf("init exit %d: %s", code, errb.String())
			}
			res, err := pipeline.Run(dir, pipeline.Options{ArtifactsDir: filepath.Join(t.TempDir(), "artifacts"), ToolVersion: "test"})
			if err != nil {
				if p, ok := err.(*pipeline.Problems); ok {
					var b bytes.Buffer
					diag.WriteText(&b, p.Diagnostics, p.Sources, false)
					t.Fatalf("the starter does not validate:\n%s", b.String())
				}
				t.Fatal(err)
			}
			if n := res.Checked.Diagnostics.Count(diag.Error); n != 0 {
				t.Fatalf("%d errors", n)
			}
			if len(res.Set.Files) == 0 {
				t.Fatal("the starter renders no artifacts")
			}
			src, _ := os.ReadFile(filepath.Join(dir, initFile))
			// Commented block by block: each top-level block follows a comment.
			for _, block := range []string{"site ", "pool ", "mobility {", "reverse_proxy ", "simple_urls {"} {
				i := bytes.Index(src, []byte("\n"+block))
				if i < 0 || !precededByComment(src, i) {
					t.Errorf("block %q is missing or has no comment above it", block)
				}
			}
		})
	}
}

func precededByComment(src []byte, at int) bool {
	before := src[:at]
	nl := bytes.LastIndexByte(before, '\n')
	return bytes.HasPrefix(bytes.TrimSpace(before[nl+1:]), []byte("#"))
}

// A value that could break out of its string is written as a literal:
// init refuses what is no name, and what it accepts stays one value.
func TestInitRefusesBadValues(t *testing.T) {
	for _, flags := range [][]string{
		{},
		{"--sip-domain", "contoso.com\"\nversion = \"x"},
		{"--sip-domain", "contoso.com", "--servers", "0"},
		{"--sip-domain", "contoso.com", "--servers", "13"},
		{"--sip-domain", "contoso.com", "--version", "sfb2030"},
		{"--sip-domain", "contoso.com", "--reverse-proxy-ip", "1.2.3"},
		{"--sip-domain", "contoso.com", "--reverse-proxy-ip", "2001:db8::10"},
		{"--sip-domain", "contoso.com", "--server-subnet", "2001:db8::/64"},
		{"--sip-domain", "contoso.com", "--server-subnet", "10.0.0.0/29"},
		{"--sip-domain", "contoso.com", "--site", "a b"},
		{"--sip-domain", "contoso.com", "--sip-domain", "CONTOSO.com"},
		// Each value is fine, together they break a rule.
		{"--sip-domain", "contoso.com", "--version", "sfb2019", "--os", "2012r2"},
	} {
		dir := t.TempDir()
		var errb bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb}
		if code := Main(append([]string{"init"}, append(flags, dir)...), env); code != ExitError {
			t.Errorf("init %q: exit %d, want 1", flags, code)
		}
		if !strings.Contains(errb.String(), "Error: ") {
			t.Errorf("init %q: no error message: %q", flags, errb.String())
		}
		if _, err := os.Stat(filepath.Join(dir, initFile)); err == nil {
			t.Errorf("init %q wrote %s", flags, initFile)
		}
	}
}

// On a terminal init asks for what the flags leave out; Enter keeps the
// default.
func TestInitPrompts(t *testing.T) {
	defer func(f func(io.Reader) bool) { stdinIsTerminal = f }(stdinIsTerminal)
	stdinIsTerminal = func(io.Reader) bool { return true }
	dir := filepath.Join(t.TempDir(), "t")
	// SIP domains, version, AD domain, pool FQDN, servers, edge; the
	// reverse proxy address is a flag, so it is not asked.
	answers := "contoso.com, fabrikam.com\nsfb2015\n\n\n2\ny\n"
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(answers), Stdout: &out, Stderr: &errb}
	if code := Main([]string{"init", "--reverse-proxy-ip", "131.107.155.1", dir}, env); code != ExitOK {
		t.Fatalf("init exit %d: %s", code, errb.String())
	}
	for _, q := range []string{"SIP domains", "Product version (lync2013, sfb2015, sfb2019) [sfb2019]: ", "Active Directory domain [contoso.com]: ", "Front End pool FQDN [pool01.contoso.com]: ", "Front End servers (1 = Standard Edition) [1]: ", "Add an Edge pool? (y/n) [n]: "} {
		if !strings.Contains(errb.String(), q) {
			t.Errorf("prompt %q not shown; stderr:\n%s", q, errb.String())
		}
	}
	if strings.Contains(errb.String(), "Reverse proxy") {
		t.Errorf("asked for the reverse proxy address given as a flag")
	}
	src, _ := os.ReadFile(filepath.Join(dir, initFile))
	for _, want := range []string{`version     = "sfb2015"`, `sip_domains = ["contoso.com", "fabrikam.com"]`, `"fe-ee"`, `edge_pool "edge"`, `"131.107.155.1"`, `server "fe02"`} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("answers not used: no %q in\n%s", want, src)
		}
	}
	// Answers run out: an error, not a starter half chosen.
	env = Env{Stdin: strings.NewReader("contoso.com\n"), Stdout: io.Discard, Stderr: io.Discard}
	if code := Main([]string{"init", filepath.Join(t.TempDir(), "u")}, env); code != ExitError {
		t.Errorf("init with answers cut short: exit %d, want 1", code)
	}
}

// init never replaces a file, nor adds one to a folder holding a topology.
func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, initFile)
	os.WriteFile(path, []byte("# mine\n"), 0o644)
	var errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb}
	if code := Main([]string{"init", "--sip-domain", "contoso.com", dir}, env); code != ExitError {
		t.Fatalf("exit %d, want 1", code)
	}
	if b, _ := os.ReadFile(path); string(b) != "# mine\n" {
		t.Fatalf("init replaced the file: %q", b)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "deployment.hcl"), []byte("version = \"sfb2019\"\n"), 0o644)
	errb.Reset()
	if code := Main([]string{"init", "--sip-domain", "contoso.com", other}, env); code != ExitError || !strings.Contains(errb.String(), "already holds a topology") {
		t.Fatalf("init into a topology folder: exit %d, %q", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(other, initFile)); err == nil {
		t.Fatal("init added a file to a topology folder")
	}
}
