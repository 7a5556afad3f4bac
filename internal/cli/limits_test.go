package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
)

// bombs are topologies, in each syntax that evaluates, that build an
// ever larger value: each ran until the machine ran out of memory (HCL
// at 24 GB, Jsonnet and CUE at 6 GB).
func bombs() map[string]map[string]string {
	double := func(format string) string {
		var b strings.Builder
		for i := 1; i <= 40; i++ {
			fmt.Fprintf(&b, format, i, i-1, i-1)
		}
		return b.String()
	}
	return map[string]map[string]string{
		"hcl for": {"t.hcl": "locals {\n  kb = join(\"\", [for i in range(64) : \"xxxxxxxxxxxxxxxx\"])\n" +
			"  x  = [for i in range(1000) : [for j in range(1000) : [for k in range(1000) : \"${i}${j}${k}${local.kb}\"]]]\n}\n"},
		"hcl template": {"t.hcl": "locals {\n  s0 = \"xxxxxxxxxxxxxxxx\"\n" + double("  s%d = \"${local.s%d}${local.s%d}\"\n") + "}\n"},
		"jsonnet":      {"main.jsonnet": "local f(s, n) = if n == 0 then s else f(s + s, n - 1);\n{ version: std.length(f('xxxxxxxxxxxxxxxx', 40)) }\n"},
		"cue":          {"t.cue": "s0: \"xxxxxxxxxxxxxxxx\"\n" + double("s%d: s%d + s%d\n")},
		"custom generator": {
			"t.hcl":                   "generator \"bomb\" {\n  source = \"generators/bomb.jsonnet\"\n}\n",
			"generators/bomb.jsonnet": "local f(s, n) = if n == 0 then s else f(s + s, n - 1);\nfunction(plan) { 'x.txt': f('xxxxxxxxxxxxxxxx', 40) }\n",
		},
	}
}

// TestMemoryBombs: with a ceiling of 200 MiB, each bomb stops with a
// clear diagnostic within seconds, the process never holding much more
// than the ceiling. The command runs in a process of its own (the
// test binary as mobplan, which TestMain puts on PATH), so the abandoned
// evaluation ends with it.
func TestMemoryBombs(t *testing.T) {
	if _, err := exec.LookPath("mobplan"); err != nil {
		t.Skip("mobplan is not on PATH:", err)
	}
	contoso, err := filepath.Abs(filepath.Join(examplesDir, "contoso"))
	if err != nil {
		t.Fatal(err)
	}
	for name, files := range bombs() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, src := range files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"validate", "--max-memory", "200MiB", dir}
			env := os.Environ()
			switch name {
			case "cue":
				// The environment variable sets the ceiling as the flag does.
				args = []string{"validate", dir}
				env = append(env, "MOBPLAN_MAX_MEMORY=200MiB")
			case "custom generator":
				// A generator runs at plan time, over a valid topology.
				entries, _ := os.ReadDir(contoso)
				for _, e := range entries {
					if strings.HasSuffix(e.Name(), ".hcl") {
						b, _ := os.ReadFile(filepath.Join(contoso, e.Name()))
						os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
					}
				}
				args = []string{"plan", "--max-memory", "200MiB", dir}
			}
			cmd := exec.Command("mobplan", args...)
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			elapsed := time.Since(start)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("want exit status 1, got %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			if !strings.Contains(out, "Memory limit exceeded") && !strings.Contains(out, "memory limit exceeded") || !strings.Contains(out, "200 MiB") {
				t.Fatalf("want the memory limit reported, got:\n%s", out)
			}
			if elapsed > 60*time.Second {
				t.Errorf("took %s", elapsed)
			}
			if peak, ok := testtool.PeakRSS(cmd.ProcessState); ok {
				if peak > 1<<30 {
					t.Errorf("the process held %d MiB at its peak", peak>>20)
				} else {
					t.Logf("peak %d MiB, %s", peak>>20, elapsed.Round(time.Millisecond))
				}
			}
		})
	}
}

// TestMaxMemoryFlag: a size that does not parse is a usage error.
func TestMaxMemoryFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main([]string{"validate", "--max-memory", "lots", filepath.Join(examplesDir, "contoso")}, Env{Stdout: &stdout, Stderr: &stderr})
	if code != ExitError || !strings.Contains(stderr.String(), `--max-memory: "lots" is not a size`) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	code = Main([]string{"validate", filepath.Join(examplesDir, "contoso")}, Env{Stdout: &stdout, Stderr: &stderr, Environ: []string{"MOBPLAN_MAX_MEMORY=2 PB"}})
	if code != ExitError || !strings.Contains(stderr.String(), "MOBPLAN_MAX_MEMORY") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestEvalLimitsFromEnvironment: the front-ends' bounds are raised (or
// refused) through the environment, for a topology that needs more: a
// flatten of 151,000 elements is refused at the default 100,000 and
// accepted with MOBPLAN_MAX_ELEMENTS=400000. It runs mobplan in a
// process of its own: the bounds are the process's.
func TestEvalLimitsFromEnvironment(t *testing.T) {
	if _, err := exec.LookPath("mobplan"); err != nil {
		t.Skip("mobplan is not on PATH:", err)
	}
	dir := testtool.CopyExample(t, "contoso")
	big := "locals {\n  many = length(flatten([for i in range(1000) : [for j in range(150) : j]]))\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "extra.hcl"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(env ...string) (int, string) {
		cmd := exec.Command("mobplan", "validate", dir)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run(); code != 1 || !strings.Contains(out, "a function may return at most 100000") {
		t.Errorf("default bound: exit %d\n%s", code, out)
	}
	if code, out := run("MOBPLAN_MAX_ELEMENTS=400000"); code != 0 {
		t.Errorf("raised bound: exit %d\n%s", code, out)
	}
	for _, env := range []string{"MOBPLAN_MAX_ELEMENTS=lots", "MOBPLAN_MAX_NESTING=0", "MOBPLAN_MAX_VALUE_DEPTH=99999"} {
		name, _, _ := strings.Cut(env, "=")
		if code, out := run(env); code != 1 || !strings.Contains(out, name) {
			t.Errorf("%s: exit %d\n%s", env, code, out)
		}
	}
}
