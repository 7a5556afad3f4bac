package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/testtool/golden"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mobplan": func() {
			os.Exit(Main(os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}))
		},
	})
}

func scriptParams(t *testing.T, dir string) testscript.Params {
	examples, err := filepath.Abs(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	return testscript.Params{
		Dir:                 dir,
		UpdateScripts:       golden.Update(), // MOBPLAN_UPDATE_GOLDEN=1: a failing cmp rewrites the golden in the script
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", examples)
			env.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sarif-results": sarifResults,
			"replace":       cmdReplace,
			"append":        cmdAppend,
			"grep-files":    cmdGrepFiles,
		},
	}
}

// TestScripts runs the CLI behaviour scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata/script"))
}

// TestExampleGoldens runs one golden script per example: validate in
// text, JSON and SARIF.
func TestExampleGoldens(t *testing.T) {
	dir := "testdata/script/examples"
	names := exampleNames(t)
	for _, name := range names {
		script := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".txtar")
		if _, err := os.Stat(script); err != nil {
			if !golden.Update() {
				t.Errorf("example %s has no golden script %s; create it with: %s", name, script, golden.Command("./internal/cli", "TestExampleGoldens"))
				continue
			}
			c, err := loader.Load(filepath.Join(examplesDir, name), loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(script, []byte(goldenScript(name, c.Diagnostics.HasErrors())), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	scripts, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
	known := map[string]bool{}
	for _, n := range names {
		known[strings.ReplaceAll(n, "/", "_")+".txtar"] = true
	}
	for _, s := range scripts {
		if !known[filepath.Base(s)] {
			t.Errorf("golden script %s has no example; remove it", s)
		}
	}
	testscript.Run(t, scriptParams(t, dir))
}

// exampleNames lists the example topologies: valid ones and every
// examples/invalid/<RULE>.
func exampleNames(t *testing.T) []string {
	var out []string
	for _, pattern := range []string{"*", "invalid/*"} {
		dirs, _ := filepath.Glob(filepath.Join(examplesDir, pattern))
		for _, d := range dirs {
			rel, _ := filepath.Rel(examplesDir, d)
			if st, err := os.Stat(d); err != nil || !st.IsDir() || rel == "invalid" || rel == "scale" {
				continue
			}
			if _, err := loader.Detect(d); err != nil {
				continue // not a topology (e.g. a folder of shared files)
			}
			out = append(out, filepath.ToSlash(rel))
		}
	}
	return out
}

func goldenScript(name string, fails bool) string {
	neg := ""
	if fails {
		neg = "! "
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Golden output of validate for examples/%s, in every format.\n", name)
	fmt.Fprintf(&b, "cd $EXAMPLES\n\n")
	fmt.Fprintf(&b, "%sexec mobplan validate %s\ncmp stdout $WORK/validate.txt\n! stderr .\n\n", neg, name)
	fmt.Fprintf(&b, "%sexec mobplan validate --format json %s\ncmp stdout $WORK/validate.json\n\n", neg, name)
	fmt.Fprintf(&b, "%sexec mobplan validate --format sarif %s\nsarif-results\ncmp stdout $WORK/validate.sarif-results.json\n\n", neg, name)
	fmt.Fprintf(&b, "-- validate.txt --\n-- validate.json --\n-- validate.sarif-results.json --\n")
	return b.String()
}

// sarif-results checks the last stdout is a SARIF 2.1.0 log listing every
// rule, and replaces stdout with its results, which is what differs from
// one example to the next.
func sarifResults(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: sarif-results")
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &log); err != nil {
		ts.Fatalf("stdout is not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		ts.Fatalf("not a SARIF 2.1.0 log with one run")
	}
	if n := len(log.Runs[0].Tool.Driver.Rules); n < 80 {
		ts.Fatalf("tool.driver.rules lists %d rules; want the whole catalogue", n)
	}
	var results any
	json.Unmarshal(log.Runs[0].Results, &results)
	out, _ := json.MarshalIndent(results, "", "  ")
	fmt.Fprintf(ts.Stdout(), "%s\n", out)
}
