package cli

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
)

// examplesDir is the repository's examples folder, relative to this package.
const examplesDir = "../../examples"

var reExpect = regexp.MustCompile(`^#\s*expect:\s*([A-Z]+-[0-9]+)\s+at\s+(\S+?):(\d+):(\d+)\s*$`)

type expectation struct {
	rule, file string
	line, col  int
}

func (e expectation) String() string {
	return fmt.Sprintf("%s at %s:%d:%d", e.rule, e.file, e.line, e.col)
}

// readExpectations collects the "# expect: RULE at FILE:LINE:COL" lines of
// an invalid example's files.
func readExpectations(t *testing.T, dir string) []expectation {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
	var out []expectation
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if m := reExpect.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
				var line, col int
				fmt.Sscan(m[3], &line)
				fmt.Sscan(m[4], &col)
				out = append(out, expectation{m[1], m[2], line, col})
			}
		}
		fh.Close()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// TestInvalidExamples proves each examples/invalid/<RULE>/ topology yields
// exactly the diagnostics its expect lines name: that rule, at that line
// and column, and nothing else.
func TestInvalidExamples(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(examplesDir, "invalid", "*"))
	n := 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if strings.HasPrefix(name, "_") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			want := readExpectations(t, dir)
			if len(want) == 0 {
				t.Fatalf("%s has no '# expect: RULE at FILE:LINE:COL' line", dir)
			}
			for _, w := range want {
				if w.rule != name && !strings.HasPrefix(name, w.rule+"-") {
					t.Errorf("expectation %s does not name this example's rule %s", w, name)
				}
			}
			c, err := loader.Load(dir, loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Every diagnostic points at the user's source: file, line and
			// a snippet of that line.
			for _, jd := range diag.NewJSONReport(c.Diagnostics, c.Doc.Sources).Diagnostics {
				if jd.Range == nil || jd.Range.Filename == "" || jd.Range.Start.Line == 0 || jd.Snippet == nil {
					t.Errorf("%s: diagnostic without a position or snippet: %s: %s", jd.Rule, jd.Summary, jd.Detail)
				}
			}
			var got []expectation
			for _, d := range c.Diagnostics {
				e := expectation{rule: d.Rule}
				if d.Range != nil {
					e.file = filepath.Base(d.Range.Filename)
					e.line, e.col = d.Range.Start.Line, d.Range.Start.Column
				}
				got = append(got, e)
			}
			sort.Slice(got, func(i, j int) bool { return got[i].String() < got[j].String() })
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("diagnostics:\n got  %v\n want %v\n%s", got, want, listDiags(c.Diagnostics))
			}
		})
	}
	if n == 0 {
		t.Fatal("no invalid examples found")
	}
}

func listDiags(ds diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("  " + d.String() + "\n")
	}
	return b.String()
}

// TestValidExamples proves the valid examples have no errors.
func TestValidExamples(t *testing.T) {
	for _, name := range validExamples {
		t.Run(name, func(t *testing.T) {
			c, err := loader.Load(filepath.Join(examplesDir, name), loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Diagnostics.HasErrors() {
				t.Errorf("%s has errors:\n%s", name, listDiags(c.Diagnostics))
			}
		})
	}
}

var validExamples = []string{"contoso", "standard-edition", "multisite", "tailspin", "custom-generators", "invalid/_base"}
