package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/testtool"
)

// exitRun is one run that shows a claim of a command's help holds.
type exitRun struct {
	claim string // a phrase of the help's "Exit status:" paragraph
	// args are the command line; "$TOPO" is a fresh copy of contoso,
	// "$APPLIED" one applied, "$PLAN" a plan saved for $APPLIED after an
	// edit, "$STALE" one saved and then made stale.
	args []string
	code int
}

// exitClaims: for each command, what its --help says about its exit
// status, and runs that show it. Exit 0 of serve and trace (a lab that
// serves, a sign-in that passes) is shown by TestServeAndTrace.
var exitClaims = map[string][]exitRun{
	"mobplan": {
		{"0 success, 1 error or invalid input", []string{"--no-such-flag"}, 1},
		{"'plan --detailed-exitcode' exits 2\nwhen changes are pending", []string{"plan", "--detailed-exitcode", "$TOPO"}, 2},
	},
	"validate": {
		{"0 when there is no error (warnings allowed, unless --strict)", []string{"validate", "$EXAMPLES/invalid/RP-003-warning"}, 0},
		{"unless --strict), 1 otherwise", []string{"validate", "--strict", "$EXAMPLES/invalid/RP-003-warning"}, 1},
		{"1 otherwise", []string{"validate", "$EXAMPLES/invalid/DNS-001"}, 1},
	},
	"plan": {
		{"0 when the plan is made, changes pending or not", []string{"plan", "$TOPO"}, 0},
		{"0 when the plan is made, changes pending or not", []string{"plan", "$APPLIED"}, 0},
		{"1 on an error (an invalid\ntopology included)", []string{"plan", "$EXAMPLES/invalid/DNS-001"}, 1},
		{"With --detailed-exitcode: 0 no changes", []string{"plan", "--detailed-exitcode", "$APPLIED"}, 0},
		{"1 error, 2 changes pending", []string{"plan", "--detailed-exitcode", "$TOPO"}, 2},
		{"1 error, 2 changes pending", []string{"plan", "--detailed-exitcode", "$EXAMPLES/invalid/DNS-001"}, 1},
		{"(files edited by hand included)", []string{"plan", "--detailed-exitcode", "$DRIFTED"}, 2},
	},
	"apply": {
		{"0 when the artifacts are written or already match", []string{"apply", "$APPLIED"}, 0},
		{"1 on an error (then\nnothing is written)", []string{"apply", "$EXAMPLES/invalid/DNS-001"}, 1},
		{"1 on an error", []string{"apply", "$STALE"}, 1},
	},
	"show": {
		{"0 when the plan is shown, current or stale", []string{"show", "$PLAN"}, 0},
		{"current or stale", []string{"show", "$STALE"}, 0},
		{"1 when PLANFILE is not a saved\nplan", []string{"show", "$TOPO/servers.hcl"}, 1},
	},
	"rules": {
		{"Exit status: 0", []string{"rules", "VER-009"}, 0},
		{"1 when no rule has the ID", []string{"rules", "VER-999"}, 1},
	},
	"fmt": {
		{"0 on success (with --check: every file is canonical)", []string{"fmt", "--check", "$EXAMPLES/contoso"}, 0},
		{"or with --check when a file would change", []string{"fmt", "--check", "$UNFORMATTED"}, 1},
	},
	"serve": {
		{"1 when the plan cannot be served", []string{"serve", "$TOPO"}, 1},
	},
	"trace": {
		{"1 when a step fails or the lab's state cannot be read", []string{"trace", "--topology", "$TOPO", "alice@contoso.com", "--from", "external"}, 1},
	},
	// Commands whose help says nothing of their own follow the root's
	// "0 success, 1 error or invalid input".
	"schema": {
		{"", []string{"schema"}, 0},
		{"", []string{"schema", "extra"}, 1},
	},
	"version": {
		{"", []string{"version"}, 0},
		{"", []string{"version", "extra"}, 1},
	},
	"init": {
		{"", []string{"init", "--sip-domain", "contoso.com", "$TOPO/started"}, 0},
		{"", []string{"init", "--sip-domain", "contoso.com", "$TOPO"}, 1},
	},
}

// Every command's help tells its exit status, and every claim of it
// holds: the help and the behaviour cannot drift apart.
func TestHelpExitStatusClaims(t *testing.T) {
	root := NewRootCmd(Env{})
	cmds := map[string]*cobra.Command{"mobplan": root}
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		cmds[c.Name()] = c
	}
	for name := range cmds {
		if _, ok := exitClaims[name]; !ok {
			t.Errorf("command %s: no exit status claims in exitClaims; say in its help what it exits with (or rely on the root's) and add runs that show it", name)
		}
	}
	vars := exitFixtures(t)
	for name, runs := range exitClaims {
		c, ok := cmds[name]
		if !ok {
			t.Errorf("exitClaims names %s, which is no command", name)
			continue
		}
		help := helpText(t, name)
		if strings.Contains(help, "Exit ") && !strings.Contains(c.Long, "Exit status: ") {
			t.Errorf("%s --help speaks of exit codes outside an \"Exit status:\" paragraph", name)
		}
		for _, r := range runs {
			if r.claim == "" {
				if strings.Contains(c.Long, "Exit status") {
					t.Errorf("%s says its own exit status: list its claims", name)
				}
			} else if !strings.Contains(c.Long, r.claim) {
				t.Errorf("%s --help no longer says %q:\n%s", name, r.claim, c.Long)
			}
			args := make([]string, len(r.args))
			for i, a := range r.args {
				for k, v := range vars {
					a = strings.ReplaceAll(a, k, v)
				}
				args[i] = a
			}
			if code, stdout, stderr := runCLI(t, args...); code != r.code {
				t.Errorf("%s (help: %q): exit %d, want %d\n%s%s", strings.Join(r.args, " "), r.claim, code, r.code, stdout, stderr)
			}
		}
	}
}

// helpText is what `mobplan NAME --help` prints, exiting 0.
func helpText(t *testing.T, name string) string {
	t.Helper()
	args := []string{"--help"}
	if name != "mobplan" {
		args = []string{name, "--help"}
	}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 || stderr != "" {
		t.Errorf("%s --help: exit %d, stderr %q", name, code, stderr)
	}
	return stdout
}

// exitFixtures makes the topologies and plans the runs name.
func exitFixtures(t *testing.T) map[string]string {
	t.Helper()
	examples, err := filepath.Abs(testtool.ExampleDir(""))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	contoso := func(name string) string {
		topo := filepath.Join(dir, name)
		testtool.CopyTopology(t, filepath.Join(examples, "contoso"), topo)
		testtool.AddTestKeys(t, topo, "contoso") // apply makes no key
		return topo
	}
	apply := func(topo string) {
		if code, _, stderr := runCLI(t, "apply", topo); code != 0 {
			t.Fatalf("apply %s: %s", topo, stderr)
		}
	}
	edit := func(topo, old, new string) {
		f := filepath.Join(topo, "servers.hcl")
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte(old)) {
			t.Fatalf("%s lacks %q", f, old)
		}
		if err := os.WriteFile(f, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"$EXAMPLES": examples, "$TOPO": contoso("fresh")}
	vars["$APPLIED"] = contoso("applied")
	apply(vars["$APPLIED"])

	drifted := contoso("drifted")
	apply(drifted)
	f := filepath.Join(drifted, "artifacts", "hlb", "haproxy.cfg")
	b, _ := os.ReadFile(f)
	os.WriteFile(f, append(b, "# edited\n"...), 0o644)
	vars["$DRIFTED"] = drifted

	planned := contoso("planned")
	apply(planned)
	edit(planned, `ip   = "131.107.155.1"`, `ip   = "131.107.155.2"`)
	vars["$PLAN"] = filepath.Join(dir, "current.plan")
	if code, _, stderr := runCLI(t, "plan", "--out", vars["$PLAN"], planned); code != 0 {
		t.Fatalf("plan --out: %s", stderr)
	}
	stale := contoso("stale")
	apply(stale)
	edit(stale, `ip   = "131.107.155.1"`, `ip   = "131.107.155.2"`)
	vars["$STALE"] = filepath.Join(dir, "stale.plan")
	if code, _, stderr := runCLI(t, "plan", "--out", vars["$STALE"], stale); code != 0 {
		t.Fatalf("plan --out: %s", stderr)
	}
	apply(stale) // the artifacts move: the saved plan is stale

	unformatted := filepath.Join(dir, "unformatted")
	os.MkdirAll(unformatted, 0o755)
	if err := os.WriteFile(filepath.Join(unformatted, "topology.hcl"), []byte("version =   \"sfb2019\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars["$UNFORMATTED"] = unformatted
	return vars
}
