package diagram

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mobplan/mobplan/internal/encode"
)

// MermaidText writes s as the text of a quoted Mermaid label. Letters,
// digits, spaces, a few punctuation marks and the arrow the diagrams use
// for ports (→) stand as they are; every
// other character becomes Mermaid's entity code (#34; for '"'), so no
// value can end the label, open HTML or Markdown, start a comment (%%)
// or end the Markdown fence around the diagram. Control and
// bidirectional formatting characters, and invalid UTF-8, become U+FFFD
// first: the text reads as it is parsed. Nothing is refused (REPORT.md
// shows any text).
func MermaidText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 || encode.Refused(r) != "" {
			r = utf8.RuneError
		}
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'),
			strings.ContainsRune(" .,:/-_()+=→", r),
			r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteString("#" + strconv.Itoa(int(r)) + ";")
		}
	}
	return b.String()
}

var mermaidShapes = map[string][2]string{"client": {"([", "])"}, "service": {"[[", "]]"}, "": {"[", "]"}}

// Mermaid writes the graph as a Mermaid flowchart (without the fence).
// Node and subgraph identifiers are n1, g1, ...; every label is quoted
// and written with MermaidText.
func Mermaid(g *Graph) string {
	ids := g.ids()
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	groups := 0
	var group func(gr *Group, indent string)
	group = func(gr *Group, indent string) {
		for _, n := range gr.Nodes {
			shape, ok := mermaidShapes[n.Kind]
			if !ok {
				shape = mermaidShapes[""]
			}
			lines := make([]string, len(n.Lines))
			for i, l := range n.Lines {
				lines[i] = MermaidText(l)
			}
			b.WriteString(indent + ids[n.Key] + shape[0] + `"` + strings.Join(lines, "<br/>") + `"` + shape[1] + "\n")
		}
		for i := range gr.Groups {
			groups++
			sub := &gr.Groups[i]
			b.WriteString(indent + "subgraph g" + strconv.Itoa(groups) + `["` + MermaidText(sub.Label) + `"]` + "\n")
			group(sub, indent+"  ")
			b.WriteString(indent + "end\n")
		}
	}
	group(&g.Root, "  ")
	for _, e := range g.Edges {
		from, ok1 := ids[e.From]
		to, ok2 := ids[e.To]
		if !ok1 || !ok2 {
			continue // DOT refuses such a graph; the report still renders
		}
		arrow := "-->"
		if e.Dashed {
			arrow = "-.->"
		}
		b.WriteString("  " + from + " " + arrow + `|"` + MermaidText(e.Label) + `"| ` + to + "\n")
	}
	return b.String()
}
