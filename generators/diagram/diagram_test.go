package diagram_test

import (
	"bytes"
	"html"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/diagram"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/golden"
	"github.com/mobplan/mobplan/planner/plan"
)

var updateCmd = golden.Command("./generators/diagram", "TestGoldens")

func files(t *testing.T, p *plan.Plan) []artifact.File {
	t.Helper()
	fs, err := diagram.Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// Every valid example's DOT files and Mermaid text, byte for byte; a
// second run gives the same bytes.
func TestGoldens(t *testing.T) {
	for _, ex := range testtool.ValidExamples(t) {
		t.Run(ex, func(t *testing.T) {
			p := testtool.ExamplePlan(t, ex)
			a := &txtar.Archive{Comment: []byte("The diagrams of examples/" + ex + ": the DOT artifacts and REPORT.md's Mermaid.\n")}
			for _, f := range files(t, p) {
				a.Files = append(a.Files, txtar.File{Name: f.Path, Data: f.Data})
			}
			a.Files = append(a.Files,
				txtar.File{Name: "topology.mmd", Data: []byte(diagram.Mermaid(diagram.Topology(p)))},
				txtar.File{Name: "mobile-flows.mmd", Data: []byte(diagram.Mermaid(diagram.Flows(p)))})
			got := txtar.Format(a)
			again := files(t, testtool.ExamplePlan(t, ex))
			for i, f := range again {
				if !bytes.Equal(f.Data, a.Files[i].Data) {
					t.Errorf("%s differs between two runs", f.Path)
				}
			}
			golden.Check(t, filepath.Join("testdata", ex+".txtar"), got, updateCmd)
		})
	}
}

// wantShown lists what the diagrams must show of a plan: every role (by
// FQDN, or name, and every address), every VIP (name and address),
// every reverse proxy and Edge pool, and the flows the plan implies.
func wantShown(p *plan.Plan) (topology, flows []string) {
	for _, r := range p.Roles {
		if r.FQDN != "" {
			topology = append(topology, r.FQDN)
		} else {
			topology = append(topology, r.Name)
		}
		topology = append(topology, r.IPs...)
	}
	for _, v := range p.VIPs {
		topology = append(topology, "VIP "+v.Name, v.IP)
		flows = append(flows, "VIP "+v.Name)
	}
	for _, rp := range p.ReverseProxies {
		topology = append(topology, "Reverse proxy "+rp.Name)
	}
	for _, e := range p.Edges {
		topology = append(topology, "Edge pool "+e.Name)
	}
	if p.Mobility.Push && len(p.Edges) > 0 {
		topology = append(topology, p.Mobility.PushProxyFQDN)
		flows = append(flows, "P1. ", "P2. ", "P3. ")
	}
	if p.Mobility.AudioVideo && len(p.Edges) > 0 {
		topology = append(topology, "media UDP 3478, TCP 443, UDP/TCP 50000-59999")
		flows = append(flows, "M1. ")
	}
	flows = append(flows, "A1. ", "A2. ", "A3a. ", "U1. ", "U2a. ")
	if p.Mobility.InternalWifi {
		flows = append(flows, "I1. ", "I2. ", "H1. ", "H2. ")
		topology = append(topology, "corporate Wi-Fi")
	}
	for _, v := range p.VIPs {
		if v.Role == "web-external" && v.Pool == p.Mobility.AutodiscoverPool {
			flows = append(flows, "A3b. ", "U2b. ")
		}
		if v.Role == "web-internal" && v.Pool == p.Mobility.AutodiscoverPool && p.Mobility.InternalWifi {
			flows = append(flows, "I3. ")
		}
	}
	return topology, flows
}

// text is everything a graph shows, one label or line per line.
func text(g *diagram.Graph) string {
	nodes, edges := g.Labels()
	var b strings.Builder
	for _, n := range nodes {
		b.WriteString(strings.Join(n, "\n") + "\n")
	}
	b.WriteString(strings.Join(edges, "\n"))
	return b.String()
}

// Every planned role, VIP and flow appears, in the graphs, the DOT files
// and the Mermaid text.
func TestEverythingShown(t *testing.T) {
	for _, ex := range testtool.ValidExamples(t) {
		t.Run(ex, func(t *testing.T) {
			p := testtool.ExamplePlan(t, ex)
			wantTopo, wantFlows := wantShown(p)
			fs := files(t, p)
			for _, c := range []struct {
				name  string
				g     *diagram.Graph
				dot   string
				wants []string
			}{
				{"topology", diagram.Topology(p), string(fs[0].Data), wantTopo},
				{"flows", diagram.Flows(p), string(fs[1].Data), wantFlows},
			} {
				shown, mermaid := text(c.g), diagram.Mermaid(c.g)
				for _, w := range c.wants {
					if !strings.Contains(shown, w) {
						t.Errorf("%s does not show %q:\n%s", c.name, w, shown)
					}
					if !strings.Contains(c.dot, w) {
						t.Errorf("%s DOT lacks %q", c.name, w)
					}
					if !strings.Contains(mermaid, diagram.MermaidText(w)) {
						t.Errorf("%s Mermaid lacks %q", c.name, w)
					}
				}
			}
		})
	}
}

// Contoso's flows, step by step, with the plan's names and addresses.
func TestContosoFlows(t *testing.T) {
	p := testtool.ExamplePlan(t, "contoso")
	_, edges := diagram.Flows(p).Labels()
	got := strings.Join(edges, "\n")
	for _, want := range []string{
		"A1. lyncdiscover.contoso.com → 131.107.155.1 (and 1 more SIP domain(s))",
		"A3a. lyncdiscover.contoso.com: 443 → 4443, 80 → 8080",
		"I1. lyncdiscoverinternal.contoso.com → 192.168.21.120",
		"H1. webext.contoso.com → 131.107.155.1",
		"H2. UCWA https://webext.contoso.com/ucwa through the public address (hairpin allowed on the firewall)",
		"P2. SIP/TLS 5061 from sip.contoso.com to sipfed.online.lync.com",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("flows lack %q:\n%s", want, got)
		}
	}
}

// CI renders every example's DOT files with the real dot; each node's
// first line is in the SVG.
func TestDotRendersSVG(t *testing.T) {
	dot := testtool.Require(t, "dot")
	for _, ex := range testtool.ValidExamples(t) {
		p := testtool.ExamplePlan(t, ex)
		for i, f := range files(t, p) {
			// dot writes some characters as character references (&#45;).
			svg := html.UnescapeString(renderSVG(t, dot, f.Data))
			g := diagram.Topology(p)
			if i == 1 {
				g = diagram.Flows(p)
			}
			nodes, _ := g.Labels()
			for _, n := range nodes {
				if !strings.Contains(svg, ">"+n[0]+"<") {
					t.Errorf("%s %s: the SVG lacks the node %q", ex, f.Path, n[0])
				}
			}
		}
	}
}

func renderSVG(t *testing.T, dot string, src []byte) string {
	t.Helper()
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = bytes.NewReader(src)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("dot -Tsvg: %v\n%s\n%s", err, errb.String(), src)
	}
	return out.String()
}

var _ = regexp.MustCompile

func TestDOTString(t *testing.T) {
	for in, want := range map[string]string{
		`pool01`: `"pool01"`, `a"b`: `"a\"b"`, `trailing\`: `"trailing\\"`, `\N`: `"\\N"`, "": `""`, "café → x": `"café → x"`,
	} {
		if got, err := diagram.DOTString(in); err != nil || got != want {
			t.Errorf("DOTString(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"a\nb", "a\rb", "a\u2028b", "a\u202eb", "\xff", "\x00"} {
		if _, err := diagram.DOTString(in); err == nil {
			t.Errorf("DOTString(%q) accepted", in)
		}
	}
}

func TestMermaidText(t *testing.T) {
	for in, want := range map[string]string{
		"pool01.contoso.net": "pool01.contoso.net", `say "hi"`: "say #34;hi#34;", "<b>&": "#60;b#62;#38;",
		"%% x": "#37;#37; x", "```": "#96;#96;#96;", "a|b]": "a#124;b#93;", "443 → 4443": "443 → 4443",
		"a\nb": "a#65533;b", "\u202e": "#65533;", "\xff": "#65533;", "Zürich": "Zürich",
	} {
		if got := diagram.MermaidText(in); got != want {
			t.Errorf("MermaidText(%q) = %q, want %q", in, got, want)
		}
	}
}
