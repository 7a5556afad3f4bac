package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

// reportFields are the strings of contoso's plan, which the fuzz test
// replaces one at a time, and the report's shape.
func reportFields(t testing.TB) (*plan.Plan, []testtool.StringField, string) {
	p := testtool.ExamplePlan(t, "contoso")
	return p, testtool.StringFields(p), shape(t, string(Render(p)))
}

// The Mermaid diagrams' lines: the diagram's own statements, every label
// quoted and holding only letters, digits, a few marks, entity codes and
// the generator's line breaks.
var (
	mmdText = `"(?:[\p{L}\p{N} .,:/\-_()+=→]|#\d+;|<br/>)*"`
	mmdLine = regexp.MustCompile(`^(?:` + strings.Join([]string{
		`flowchart LR`,
		`( {2})+n\d+(?:\(\[` + mmdText + `\]\)|\[\[` + mmdText + `\]\]|\[` + mmdText + `\])`,
		`( {2})+subgraph g\d+\[` + mmdText + `\]`,
		`( {2})+end`,
		`  n\d+ (?:-->|-\.->)\|` + mmdText + `\| n\d+`,
	}, "|") + `)$`)
)

// shape is REPORT.md's Markdown shape with the Mermaid blocks' lines
// left out (a value may add or remove an edge: the plan changed), after
// checking each of those lines is a Mermaid statement of the generator.
func shape(t testing.TB, doc string) string {
	t.Helper()
	var kept []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		switch {
		case l == "```mermaid":
			in = true
		case in && l == "```":
			in = false
		case in:
			if !mmdLine.MatchString(l) {
				t.Fatalf("a line of a Mermaid diagram is not the generator's: %q", l)
			}
			continue
		}
		kept = append(kept, l)
	}
	if in {
		t.Fatal("a Mermaid block is not closed")
	}
	return testtool.MarkdownShape(strings.Join(kept, "\n"))
}

// A zone's view groups the zones under a heading of its own: a new view
// is a new section, as the plan means it to be.
var structural = regexp.MustCompile(`^Zones\[\d+\]\.View$`)

func checkReport(t *testing.T, p *plan.Plan, path, s, want string) {
	t.Helper()
	if structural.MatchString(path) {
		return
	}
	if got := shape(t, string(Render(p))); got != want {
		t.Fatalf("%s = %q: REPORT.md changed shape:\n%s", path, s, Render(p))
	}
}

// FuzzReport puts arbitrary text in one string of the plan at a time:
// REPORT.md keeps its shape (blocks, table cells, no HTML, entity,
// link or code span the report does not write itself).
func FuzzReport(f *testing.F) {
	p, fields, want := reportFields(f)
	for i, s := range testtool.InjectionSeeds {
		f.Add(i*17, s)
	}
	f.Fuzz(func(t *testing.T, i int, s string) {
		fd := fields[(i%len(fields)+len(fields))%len(fields)]
		defer fd.Replace(s)()
		checkReport(t, p, fd.Path, s, want)
	})
}

// markdownSeeds are the seeds aimed at Markdown (and line breaks and
// control characters): every field gets them here, the fuzz test the
// rest. The plan has some 750 strings.
var markdownSeeds = []string{
	"rp\nuser root;\n#", "<img src=x onerror=alert(1)>", "[link](javascript:alert(1))", "`code`", "# heading",
	"- item", "a | b", "&lt;", "\x1b]0;pwned\x07", "",
}

// Every Markdown seed in every field, without fuzzing.
func TestInjectionEveryField(t *testing.T) {
	p, fields, want := reportFields(t)
	for _, fd := range fields {
		if strings.HasPrefix(fd.Path, "Directory.") {
			continue // not in the report
		}
		for _, s := range markdownSeeds {
			restore := fd.Replace(s)
			checkReport(t, p, fd.Path, s, want)
			restore()
		}
	}
}
