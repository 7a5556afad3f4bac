package diagram_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/diagram"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

// The lines a DOT file may hold: the generator's own statements, every
// value inside one quoted string.
var dotLine = func() *regexp.Regexp {
	q := `"(?:[^"\\\n]|\\[^\n])*"`
	return regexp.MustCompile(`^(?:` + strings.Join([]string{
		regexp.QuoteMeta(strings.TrimSuffix(diagram.DOTHeader, "\n")),
		`digraph mobplan \{`,
		`  graph \[label=` + q + `, labelloc=t, rankdir=LR, fontname="Helvetica", fontsize=12\];`,
		`  node \[shape=box, fontname="Helvetica", fontsize=10\];`,
		`  edge \[fontname="Helvetica", fontsize=9\];`,
		`( {2})+subgraph cluster_\d+ \{`,
		`( {2})+label=` + q + `;`,
		`( {2})+n\d+ \[label=` + q + `, shape=(box|ellipse|component)\];`,
		`( {2})*\}`,
		`  n\d+ -> n\d+ \[label=` + q + `(, style=dashed)?\];`,
	}, "|") + `)$`)
}()

// The lines of the Mermaid text, and what a label may hold: letters,
// digits, a few marks, entity codes and the generator's own line breaks.
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

// checkDiagrams: each DOT file is refused or holds only the generator's
// statements, with as many nodes, groups and edges as before; the Mermaid
// text keeps its grammar.
func checkDiagrams(t *testing.T, p *plan.Plan, path, s string) {
	t.Helper()
	for _, g := range []*diagram.Graph{diagram.Topology(p), diagram.Flows(p)} {
		b, err := diagram.DOT(g)
		if err == nil {
			for i, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
				if !dotLine.MatchString(l) {
					t.Fatalf("%s = %q: DOT line %d is not the generator's: %q", path, s, i+1, l)
				}
			}
		} else if !strings.Contains(err.Error(), "DOT") {
			t.Fatalf("%s = %q: the error does not say what refused: %v", path, s, err)
		}
		for i, l := range strings.Split(strings.TrimSuffix(diagram.Mermaid(g), "\n"), "\n") {
			if !mmdLine.MatchString(l) {
				t.Fatalf("%s = %q: Mermaid line %d is not the generator's: %q", path, s, i+1, l)
			}
		}
	}
}

// diagramSeeds are the seeds aimed at DOT and Mermaid: every field gets
// them here, the fuzz test the rest.
var diagramSeeds = []string{
	"x\"];\nn99 [label=\"evil", `a"b`, `trailing\`, `\N`, "%% comment", "```\n# heading", "<img src=x onerror=alert(1)>",
	"a]; n1 --> n2[\"x", "\x1b]0;pwned\x07", "",
}

// unread are the parts of the plan the diagrams do not read.
var unread = regexp.MustCompile(`^(Certificates|Firewall|Listeners|Shell|FallbackURLs|FormatVersion|Product|ADDomain|Findings|Directory\.Users)\b`)

// Every diagram seed in every string of contoso's plan the diagrams
// read (the fuzz test tries the others too).
func TestInjectionEveryField(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	for _, fd := range testtool.StringFields(p) {
		if unread.MatchString(fd.Path) {
			continue
		}
		for _, s := range diagramSeeds {
			restore := fd.Replace(s)
			checkDiagrams(t, p, fd.Path, s)
			restore()
		}
	}
}

// FuzzDiagram puts arbitrary text in one string of the plan at a time.
func FuzzDiagram(f *testing.F) {
	p := testtool.ExamplePlan(f, "contoso")
	fields := testtool.StringFields(p)
	for i, s := range testtool.InjectionSeeds {
		f.Add(i*17, s)
	}
	f.Fuzz(func(t *testing.T, i int, s string) {
		fd := fields[(i%len(fields)+len(fields))%len(fields)]
		defer fd.Replace(s)()
		checkDiagrams(t, p, fd.Path, s)
	})
}

// A line break in a name is refused, naming the diagram.
func TestLineBreakRefused(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	p.ReverseProxies[0].Name = "rp\"];\nn99 [label=\"evil"
	if _, err := diagram.Generator.Generate(&artifact.Context{Plan: p}); err == nil || !strings.Contains(err.Error(), "diagrams/topology.dot") {
		t.Fatalf("want a refusal naming the file, got %v", err)
	}
}

// What DOT accepts but reads specially (quotes, backslashes, Graphviz's
// \N and \G, HTML-like text) stays text: dot draws the same nodes and
// clusters, and the name as written.
func TestDotQuotingWithRealTool(t *testing.T) {
	dot := testtool.Require(t, "dot")
	base := testtool.ExamplePlan(t, "contoso")
	count := func(svg string) (int, int) {
		return strings.Count(svg, `class="node"`), strings.Count(svg, `class="cluster"`)
	}
	b, err := diagram.DOT(diagram.Topology(base))
	if err != nil {
		t.Fatal(err)
	}
	nodes, clusters := count(renderSVG(t, dot, b))
	for _, name := range []string{`a"b`, `trailing\`, `a\"b`, `x"]; n99 [label="evil`, `\N \G \L`, `<b>bold</b>`, "a&dns=evil.example", "}; digraph x {"} {
		p := testtool.ExamplePlan(t, "contoso")
		p.ReverseProxies[0].Name = name
		b, err := diagram.DOT(diagram.Topology(p))
		if err != nil {
			t.Fatalf("%q refused: %v", name, err)
		}
		svg := renderSVG(t, dot, b)
		if n, c := count(svg); n != nodes || c != clusters {
			t.Errorf("%q: %d nodes, %d clusters; want %d, %d", name, n, c, nodes, clusters)
		}
		if !strings.Contains(html.UnescapeString(svg), ">Reverse proxy "+name+"<") {
			t.Errorf("%q is not drawn as written", name)
		}
	}
}
