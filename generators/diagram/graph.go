package diagram

import "strconv"

// Graph is one diagram, independent of the notation it is written in:
// groups (the networks, a pool) hold nodes and further groups, and edges
// join nodes by key. DOT and Mermaid render the same Graph, so the
// report's diagrams and the DOT files never disagree.
type Graph struct {
	// Title names the diagram (the DOT graph's label).
	Title string
	Root  Group
	Edges []Edge
}

// Group is a cluster (DOT) or a subgraph (Mermaid); the root group's
// label is not drawn.
type Group struct {
	Label  string
	Nodes  []Node
	Groups []Group
}

// Node is one box. Key is unique in its graph; Lines are the label's
// lines, from the plan and so written through the encoders.
type Node struct {
	Key   string
	Lines []string
	// Kind picks the shape: "client", "service", "box" (the default).
	Kind string
}

// Edge joins two nodes. Dashed marks what is not a connection the
// deployment opens (a push notification delivered by Apple or Google).
type Edge struct {
	From, To string
	Label    string
	Dashed   bool
}

// ids numbers the graph's nodes n1, n2, ... in the order they are
// drawn: identifiers never come from the plan, so no name can become
// syntax, and the same plan gives the same file.
func (g *Graph) ids() map[string]string {
	out := map[string]string{}
	var walk func(gr *Group)
	walk = func(gr *Group) {
		for _, n := range gr.Nodes {
			if _, ok := out[n.Key]; !ok {
				out[n.Key] = "n" + strconv.Itoa(len(out)+1)
			}
		}
		for i := range gr.Groups {
			walk(&gr.Groups[i])
		}
	}
	walk(&g.Root)
	return out
}

// Labels returns every node's label lines and every edge's label, in
// drawing order (for the tests that check what a diagram shows).
func (g *Graph) Labels() (nodes [][]string, edges []string) {
	var walk func(gr *Group)
	walk = func(gr *Group) {
		for _, n := range gr.Nodes {
			nodes = append(nodes, n.Lines)
		}
		for i := range gr.Groups {
			walk(&gr.Groups[i])
		}
	}
	walk(&g.Root)
	for _, e := range g.Edges {
		edges = append(edges, e.Label)
	}
	return nodes, edges
}
