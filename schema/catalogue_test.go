package schema_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/schema"
)

// noExample lists the catalogue rules without an examples/invalid/<ID>
// folder, each with the reason. Their failing input is of another kind,
// so a CLI testscript (internal/cli/testdata/script, goldens of examples
// aside) must show the rule's "[ID]" (or the pattern \[ID\]) instead. Nothing else may be here.
var noExample = map[string]string{
	// Every example is in fmt's canonical form (TestExamplesAreCanonical)
	// and feeds the fuzzers and the JSON Schema test as a document; a file
	// that does not parse cannot be one.
	"SYNTAX-001": "a file that does not parse is not an example topology",
	// plan and apply run custom generators, validate does not: the failing
	// input is a Jsonnet program and the command is plan.
	"GEN-001": "raised by plan and apply running a custom generator, not by validate",
}

const (
	invalidDir = examples + "/invalid"
	scriptsDir = "../internal/cli/testdata/script"
	moduleRoot = ".."
)

// TestCatalogueChecksAndExamples ties the catalogue, the checks and
// examples/invalid together: every rule has a check (checked_by, and a
// violations entry for "cue") and a failing example that raises it;
// every CUE check is a catalogue rule; every example names a rule.
func TestCatalogueChecksAndExamples(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err) // Load refuses a check without a rule, or a checked_by that disagrees
	}
	rules := s.Rules()
	if len(rules) < 80 {
		t.Fatalf("the catalogue has %d rules", len(rules))
	}
	inCatalogue := map[string]bool{}
	for _, r := range rules {
		inCatalogue[r.ID] = true
		by := s.CheckedBy(r.ID)
		if len(by) == 0 {
			t.Errorf("%s: checked_by is empty: say what raises the rule", r.ID)
		}
		if slices.Contains(by, schema.CheckedByCUE) != slices.Contains(s.Implemented(), r.ID) {
			t.Errorf("%s: checked_by %v, but violations[%q] exists: %v", r.ID, by, r.ID, slices.Contains(s.Implemented(), r.ID))
		}
	}
	for _, id := range s.Implemented() {
		if !inCatalogue[id] {
			t.Errorf("violations[%q] is a check of no catalogue rule", id)
		}
	}

	// Every example names a catalogue rule and raises it.
	dirs, err := os.ReadDir(invalidDir)
	if err != nil {
		t.Fatal(err)
	}
	examplesOf := map[string][]string{}
	for _, d := range dirs {
		if !d.IsDir() || strings.HasPrefix(d.Name(), "_") {
			continue // _base is the valid topology the examples start from
		}
		id := exampleRule(d.Name(), inCatalogue)
		if id == "" {
			t.Errorf("examples/invalid/%s names no catalogue rule: call it <ID> or <ID>-<variant>", d.Name())
			continue
		}
		examplesOf[id] = append(examplesOf[id], d.Name())
		c, err := loader.Load(filepath.Join(invalidDir, d.Name()), loader.Options{})
		if err != nil {
			t.Fatal(err)
		}
		raised := false
		for _, dg := range c.Diagnostics {
			raised = raised || dg.Rule == id
		}
		if !raised {
			t.Errorf("examples/invalid/%s does not raise %s: %v", d.Name(), id, c.Diagnostics)
		}
	}

	// Every rule has an example, or an exception shown in a testscript.
	scripts := testscriptText(t)
	for _, r := range rules {
		why, excepted := noExample[r.ID]
		switch {
		case len(examplesOf[r.ID]) > 0 && excepted:
			t.Errorf("noExample lists %s, which has examples/invalid/%s: remove it from the list", r.ID, examplesOf[r.ID][0])
		case len(examplesOf[r.ID]) > 0:
		case !excepted:
			t.Errorf("%s has no failing example: add examples/invalid/%s/topology.hcl with a '# expect: %s at FILE:LINE:COL' line", r.ID, r.ID, r.ID)
		case !strings.Contains(scripts, "["+r.ID+"]") && !strings.Contains(scripts, `\[`+r.ID+`\]`):
			t.Errorf("%s has no example (%s), and no testscript in %s shows it", r.ID, why, scriptsDir)
		}
	}
	for id := range noExample {
		if !inCatalogue[id] {
			t.Errorf("noExample lists %s, which is not in the catalogue", id)
		}
	}
}

// exampleRule is the catalogue rule an example folder is named after:
// "DNS-006" or "DNS-006-warning".
func exampleRule(name string, inCatalogue map[string]bool) string {
	if inCatalogue[name] {
		return name
	}
	for id := range inCatalogue {
		if strings.HasPrefix(name, id+"-") {
			return id
		}
	}
	return ""
}

// testscriptText is every CLI testscript, the examples' goldens aside.
func testscriptText(t *testing.T) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(scriptsDir, "*.txtar"))
	if len(files) == 0 {
		t.Fatalf("no testscripts in %s", scriptsDir)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

var reRuleID = regexp.MustCompile(`^[A-Z]+-[0-9]{3}$`)

// ruleIDPlace tells the Go files that may spell a rule ID: canon's table
// of the rules Go raises, the planner, whose planned records, names and
// firewall rules cite the rule they satisfy ("why"), and the lab
// runtime, whose trace steps and refusals (a request the proxy cuts)
// cite the rule a deployment broke. Neither raises a finding.
func ruleIDPlace(rel string) bool {
	return rel == "internal/canon/canon.go" || strings.HasPrefix(rel, "planner/") || strings.HasPrefix(rel, "runtime/")
}

// TestRuleIDsInGo: Go spells a rule ID in one place (internal/canon), and
// only IDs of the catalogue; the rules Go raises are the catalogue's
// rules checked by something other than CUE, and the reverse.
func TestRuleIDsInGo(t *testing.T) {
	s, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	table := map[string]bool{}
	n := 0
	err = filepath.WalkDir(moduleRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != moduleRoot && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(moduleRoot, p)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		n++
		ast.Inspect(f, func(node ast.Node) bool {
			lit, ok := node.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			id, err := strconv.Unquote(lit.Value)
			if err != nil || !reRuleID.MatchString(id) {
				return true
			}
			if _, ok := s.Rule(id); !ok {
				t.Errorf("%s: %s is not a catalogue rule", fset.Position(lit.Pos()), id)
			}
			switch {
			case rel == "internal/canon/canon.go":
				table[id] = true
			case !ruleIDPlace(rel):
				t.Errorf("%s: the rule ID %s is spelled outside internal/canon: use its canon.Rule* constant", fset.Position(lit.Pos()), id)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("only %d Go files found under %s", n, moduleRoot)
	}
	for _, r := range s.Rules() {
		byGo := slices.ContainsFunc(s.CheckedBy(r.ID), func(by string) bool { return by != schema.CheckedByCUE })
		if byGo && !table[r.ID] {
			t.Errorf("%s is checked by %v, but internal/canon has no constant for it", r.ID, s.CheckedBy(r.ID))
		}
		if !byGo && table[r.ID] {
			t.Errorf("internal/canon names %s, which only CUE checks (checked_by %v): say in its checked_by what raises it in Go", r.ID, s.CheckedBy(r.ID))
		}
	}
}
