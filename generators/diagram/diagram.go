// Package diagram draws the deployment from the plan: the topology (the
// networks, reverse proxies, Edge pools, VIPs and pools, and what joins
// them) and the mobile flows (external and internal Autodiscover, UCWA
// through the reverse proxy and through the hairpin, push through the
// Edge to the push service, media through the A/V Edge). Each diagram is
// one Graph, written as Graphviz DOT among the artifacts
// (diagrams/topology.dot, diagrams/mobile-flows.dot) and as Mermaid in
// REPORT.md, so both always show the same thing.
//
// The artifacts hold the DOT source, not SVG. dot's SVG differs from one
// Graphviz version to the next (layout, ids, the version comment), so an
// SVG artifact would make apply's output depend on the machine and
// `plan --detailed-exitcode` report changes wherever another Graphviz is
// installed; drawing the layout in Go would be a second, worse Graphviz.
// `dot -Tsvg diagrams/topology.dot -o topology.svg` renders a file; CI
// renders every example's DOT files with the real tool.
package diagram

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/planner/plan"
)

// Generator writes the DOT files.
var Generator = artifact.Generator{Name: "diagram", Generate: generate}

// Paths of the DOT files in the artifacts directory.
const (
	TopologyPath = "diagrams/topology.dot"
	FlowsPath    = "diagrams/mobile-flows.dot"
)

func generate(ctx *artifact.Context) ([]artifact.File, error) {
	var out []artifact.File
	for _, d := range []struct {
		path string
		g    *Graph
	}{{TopologyPath, Topology(ctx.Plan)}, {FlowsPath, Flows(ctx.Plan)}} {
		b, err := DOT(d.g)
		if err != nil {
			return nil, fmt.Errorf("diagram %s: %w", d.path, err)
		}
		out = append(out, artifact.File{Path: d.path, Data: b})
	}
	return out, nil
}

// Node keys. The keys are the builder's own; identifiers in the files
// are numbers (Graph.ids).
const (
	keyExternal = "client:external"
	keyWifi     = "client:wifi"
	keyPush     = "service:push"
	keyPubDNS   = "dns:external"
	keyIntDNS   = "dns:internal"
)

func rpKey(i int) string   { return "rp:" + strconv.Itoa(i) }
func vipKey(i int) string  { return "vip:" + strconv.Itoa(i) }
func poolKey(i int) string { return "pool:" + strconv.Itoa(i) }
func edgeKey(i int) string { return "edge:" + strconv.Itoa(i) }
func roleKey(i int) string { return "role:" + strconv.Itoa(i) }

// drawing holds what both diagrams draw the same way.
type drawing struct {
	p    *plan.Plan
	byIP map[string]string // address -> node key (first wins)
	// adPool is the index of the Autodiscover pool in Directory.Pools, -1
	// when there is none.
	adPool int
}

func newDrawing(p *plan.Plan) *drawing {
	d := &drawing{p: p, byIP: map[string]string{}, adPool: -1}
	for i, v := range p.VIPs {
		d.ip(v.IP, vipKey(i))
	}
	for i, pool := range p.Directory.Pools {
		if pool.Name == p.Mobility.AutodiscoverPool && d.adPool < 0 {
			d.adPool = i
		}
		for _, s := range pool.Servers {
			for _, ip := range s.IPs {
				d.ip(ip, poolKey(i))
			}
		}
	}
	for i, rp := range p.ReverseProxies {
		for _, l := range rp.Listeners {
			d.ip(l.IP, rpKey(i))
		}
		d.ip(rp.InternalIP, rpKey(i))
	}
	for i, e := range p.Edges {
		for _, s := range e.Servers {
			for _, ip := range []string{s.InternalIP, s.AccessIP, s.WebconfIP, s.AVIP} {
				d.ip(ip, edgeKey(i))
			}
		}
	}
	for i, r := range p.Roles {
		if other(r) {
			for _, ip := range r.IPs {
				d.ip(ip, roleKey(i))
			}
		}
	}
	return d
}

func (d *drawing) ip(ip, key string) {
	if _, ok := d.byIP[ip]; ip != "" && !ok {
		d.byIP[ip] = key
	}
}

// other: a role the pools, Edge pools and reverse proxies do not draw
// already (an SBA, Office Online Server).
func other(r plan.Role) bool {
	switch r.Role {
	case "Front End server", "Standard Edition server", "Director", "Reverse proxy",
		"Edge server, internal interface", "Edge server, external interface":
		return false
	}
	return true
}

var poolKinds = map[string]string{"fe-ee": "Front End pool", "fe-se": "Standard Edition server", "director": "Director pool"}

func poolNode(i int, pool plan.Pool) Node {
	kind := poolKinds[pool.Kind]
	if kind == "" {
		kind = "Pool"
	}
	lines := []string{kind + " " + pool.Name, pool.FQDN}
	if pool.WebInternalFQDN != "" {
		lines = append(lines, "web internal "+pool.WebInternalFQDN)
	}
	if pool.WebExternalFQDN != "" {
		lines = append(lines, "web external "+pool.WebExternalFQDN)
	}
	for _, s := range pool.Servers {
		lines = append(lines, strings.TrimSpace(s.Name+" "+s.FQDN+" "+strings.Join(s.IPs, ", ")))
	}
	return Node{Key: poolKey(i), Lines: lines}
}

func rpNode(i int, rp plan.ReverseProxy) Node {
	lines := []string{"Reverse proxy " + rp.Name}
	for _, l := range rp.Listeners {
		lines = append(lines, "listener "+l.Name+" "+l.IP+":"+strconv.Itoa(l.Port))
	}
	if rp.InternalIP != "" {
		lines = append(lines, "internal leg "+rp.InternalIP)
	}
	return Node{Key: rpKey(i), Lines: lines}
}

func edgeNode(i int, e plan.EdgePool) Node {
	lines := []string{"Edge pool " + e.Name, "internal " + e.InternalFQDN, "Access Edge " + e.AccessFQDN}
	if e.WebconfFQDN != "" {
		lines = append(lines, "Web Conferencing Edge "+e.WebconfFQDN)
	}
	if e.AVFQDN != "" {
		lines = append(lines, "A/V Edge "+e.AVFQDN)
	}
	for _, s := range e.Servers {
		lines = append(lines, fmt.Sprintf("%s %s: internal %s, Access %s, Web conf %s, A/V %s", s.Name, s.FQDN, s.InternalIP, s.AccessIP, s.WebconfIP, s.AVIP))
	}
	return Node{Key: edgeKey(i), Lines: lines}
}

func vipNode(i int, v plan.VIP) Node {
	return Node{Key: vipKey(i), Lines: []string{"Load balancer VIP " + v.Name, v.IP + " (" + v.Role + ")", "ports " + portPairs(v.Ports)}}
}

func roleNode(i int, r plan.Role) Node {
	lines := []string{r.Role + " " + r.Name}
	if r.FQDN != "" {
		lines = append(lines, r.FQDN)
	}
	if len(r.IPs) > 0 {
		lines = append(lines, strings.Join(r.IPs, ", "))
	}
	return Node{Key: roleKey(i), Lines: lines}
}

func pushNode(p *plan.Plan) Node {
	return Node{Key: keyPush, Kind: "service", Lines: []string{"Push notification clearing house", p.Mobility.PushProxyFQDN, pushServices(p)}}
}

// pushServices names the platform push services the plan enables.
func pushServices(p *plan.Plan) string {
	var s []string
	if p.Mobility.IOS || p.Mobility.APNS {
		s = append(s, "Apple (APNs)")
	}
	if p.Mobility.Android {
		s = append(s, "Google (FCM)")
	}
	if p.Mobility.WindowsPhone || p.Mobility.MPNS {
		s = append(s, "Microsoft (MPNS)")
	}
	if len(s) == 0 {
		return "platform push services"
	}
	return strings.Join(s, ", ")
}

func portPairs(ps []plan.PortPair) string {
	var out []string
	for _, pp := range ps {
		out = append(out, fmt.Sprintf("%d → %d", pp.Front, pp.Back))
	}
	return strings.Join(out, ", ")
}

func bridges(bs []plan.Bridge) string {
	var out []string
	for _, b := range bs {
		out = append(out, fmt.Sprintf("%d → %d", b.FrontPort, b.BackPort))
	}
	return strings.Join(out, ", ")
}

// mediaPorts are the A/V Edge external ports a client's media uses (the
// firewall's media rows).
const mediaPorts = "UDP 3478, TCP 443, UDP/TCP 50000-59999"

// Topology draws every planned role by network, each VIP, and the
// connections between them.
func Topology(p *plan.Plan) *Graph {
	d := newDrawing(p)
	internet := Group{Label: "Internet", Nodes: []Node{{Key: keyExternal, Kind: "client", Lines: []string{"Mobile client", "external (cellular, public Wi-Fi)"}}}}
	if p.Mobility.Push {
		internet.Nodes = append(internet.Nodes, pushNode(p))
	}
	perimeter := Group{Label: "Perimeter network"}
	internal := Group{Label: "Internal network"}
	if p.Mobility.InternalWifi {
		internal.Nodes = append(internal.Nodes, Node{Key: keyWifi, Kind: "client", Lines: []string{"Mobile client", "corporate Wi-Fi"}})
	}
	for i, rp := range p.ReverseProxies {
		perimeter.Nodes = append(perimeter.Nodes, rpNode(i, rp))
	}
	for i, e := range p.Edges {
		perimeter.Nodes = append(perimeter.Nodes, edgeNode(i, e))
	}
	for i, v := range p.VIPs {
		internal.Nodes = append(internal.Nodes, vipNode(i, v))
	}
	for i, pool := range p.Directory.Pools {
		internal.Nodes = append(internal.Nodes, poolNode(i, pool))
	}
	for i, r := range p.Roles {
		if !other(r) {
			continue
		}
		switch r.Network {
		case "perimeter":
			perimeter.Nodes = append(perimeter.Nodes, roleNode(i, r))
		case "external":
			internet.Nodes = append(internet.Nodes, roleNode(i, r))
		default:
			internal.Nodes = append(internal.Nodes, roleNode(i, r))
		}
	}
	g := &Graph{Title: "Mobility topology", Root: Group{Groups: []Group{internet, perimeter, internal}}}
	edge := func(from, to, label string, dashed bool) {
		if from != "" && to != "" {
			g.Edges = append(g.Edges, Edge{From: from, To: to, Label: label, Dashed: dashed})
		}
	}
	for i, rp := range p.ReverseProxies {
		var ports []string
		for _, l := range rp.Listeners {
			ports = append(ports, strconv.Itoa(l.Port))
		}
		edge(keyExternal, rpKey(i), "HTTPS "+strings.Join(ports, ", "), false)
		if p.Mobility.InternalWifi {
			edge(keyWifi, rpKey(i), "hairpin HTTPS 443 (UCWA)", false)
		}
		for _, r := range rp.Rules {
			edge(rpKey(i), d.byIP[r.Target], "rule "+r.Name+": "+bridges(r.Bridges), false)
		}
	}
	for i, v := range p.VIPs {
		if pk := d.poolOf(v.Pool); pk != "" {
			edge(vipKey(i), pk, portPairs(v.Ports)+" ("+v.Persistence+" persistence)", false)
		}
	}
	if p.Mobility.InternalWifi {
		if k := d.webVIP("web-internal"); k != "" {
			edge(keyWifi, k, "HTTPS 443 (lyncdiscoverinternal)", false)
		}
	}
	for i := range p.Edges {
		for j, pool := range p.Directory.Pools {
			if pool.Kind != "director" {
				edge(poolKey(j), edgeKey(i), "SIP/TLS 5061", false)
			}
		}
		if p.Mobility.Push {
			edge(edgeKey(i), keyPush, "SIP/TLS 5061 (push)", false)
		}
		if p.Mobility.AudioVideo {
			edge(keyExternal, edgeKey(i), "media "+mediaPorts, false)
			if p.Mobility.InternalWifi {
				edge(keyWifi, edgeKey(i), "media UDP 3478, TCP 443 (A/V Edge external)", false)
			}
		}
	}
	if p.Mobility.Push {
		edge(keyPush, keyExternal, "push notification", true)
	}
	for _, s := range p.Directory.SBAs {
		from := ""
		for i, r := range p.Roles {
			if r.Role == "Survivable Branch Appliance" && r.Name == s.Name {
				from = roleKey(i)
				break
			}
		}
		edge(from, d.poolOf(s.Pool), "registers with (UCWA SIP 5088, 5089)", false)
	}
	return g
}

// poolOf is the node of the pool named name.
func (d *drawing) poolOf(name string) string {
	for i, pool := range d.p.Directory.Pools {
		if pool.Name == name {
			return poolKey(i)
		}
	}
	return ""
}

// webVIP is the Autodiscover pool's VIP of a role (web-internal,
// web-external), "" when it has none.
func (d *drawing) webVIP(role string) string {
	if d.adPool < 0 {
		return ""
	}
	for i, v := range d.p.VIPs {
		if v.Role == role && v.Pool == d.p.Directory.Pools[d.adPool].Name {
			return vipKey(i)
		}
	}
	return ""
}

// Resolve returns the planned values of fqdn's A, AAAA or CNAME records
// in a view (internal, external), in the plan's order.
func Resolve(p *plan.Plan, view, fqdn string) []string {
	var out []string
	for _, z := range p.Zones {
		if z.View != view {
			continue
		}
		for _, r := range z.Records {
			if r.Type != "A" && r.Type != "AAAA" && r.Type != "CNAME" {
				continue
			}
			name := z.Name
			if r.Name != "@" {
				name = r.Name + "." + z.Name
			}
			if strings.EqualFold(name, fqdn) {
				out = append(out, r.Value)
			}
		}
	}
	return out
}

// Publishing finds the reverse proxy rule that publishes name: the proxy's
// index, the rule, and whether there is one.
func Publishing(p *plan.Plan, name string) (int, plan.PubRule, bool) {
	for i, rp := range p.ReverseProxies {
		for _, r := range rp.Rules {
			for _, n := range r.PublicNames {
				if strings.EqualFold(n, name) {
					return i, r, true
				}
			}
		}
	}
	return -1, plan.PubRule{}, false
}

// Hairpin says how internal clients reach the reverse proxy's public
// address (RP-007).
func Hairpin(p *plan.Plan) string {
	switch {
	case p.HairpinAllowed:
		return "hairpin allowed on the firewall"
	case len(p.ReverseProxies) > 0 && p.ReverseProxies[0].SeparateFromFirewall:
		return "reverse proxy separate from the firewall"
	}
	return "hairpin not allowed (RP-007)"
}

// Flows draws the mobile clients' flows, each step numbered: A external
// Autodiscover, I internal Autodiscover, U UCWA from outside, H UCWA
// from the Wi-Fi through the hairpin, P push, M media.
func Flows(p *plan.Plan) *Graph {
	d := newDrawing(p)
	internet := Group{Label: "Internet", Nodes: []Node{
		{Key: keyExternal, Kind: "client", Lines: []string{"Mobile client", "external"}},
		{Key: keyPubDNS, Kind: "service", Lines: []string{"Public DNS"}},
	}}
	if p.Mobility.Push {
		internet.Nodes = append(internet.Nodes, pushNode(p))
	}
	perimeter := Group{Label: "Perimeter network"}
	for i, rp := range p.ReverseProxies {
		perimeter.Nodes = append(perimeter.Nodes, rpNode(i, rp))
	}
	for i, e := range p.Edges {
		perimeter.Nodes = append(perimeter.Nodes, edgeNode(i, e))
	}
	internal := Group{Label: "Internal network"}
	if p.Mobility.InternalWifi {
		internal.Nodes = append(internal.Nodes,
			Node{Key: keyWifi, Kind: "client", Lines: []string{"Mobile client", "corporate Wi-Fi"}},
			Node{Key: keyIntDNS, Kind: "service", Lines: []string{"Internal DNS"}})
	}
	for i, v := range p.VIPs {
		internal.Nodes = append(internal.Nodes, vipNode(i, v))
	}
	for i, pool := range p.Directory.Pools {
		internal.Nodes = append(internal.Nodes, poolNode(i, pool))
	}
	g := &Graph{Title: "Mobile client flows", Root: Group{Groups: []Group{internet, perimeter, internal}}}
	edge := func(from, to, label string, dashed bool) {
		if from != "" && to != "" {
			g.Edges = append(g.Edges, Edge{From: from, To: to, Label: label, Dashed: dashed})
		}
	}
	// through follows a published name from the proxy to its target and,
	// when that is a VIP, on to the pool behind it.
	through := func(step string, name string) {
		i, r, ok := Publishing(p, name)
		if !ok {
			return
		}
		target := d.byIP[r.Target]
		edge(rpKey(i), target, step+"a. "+name+": "+bridges(r.Bridges), false)
		if strings.HasPrefix(target, "vip:") {
			v := p.VIPs[atoi(strings.TrimPrefix(target, "vip:"))]
			edge(target, d.poolOf(v.Pool), step+"b. "+portPairs(v.Ports), false)
		}
	}
	if len(p.SIPDomains) > 0 {
		dom := p.SIPDomains[0]
		more := ""
		if n := len(p.SIPDomains) - 1; n > 0 {
			more = fmt.Sprintf(" (and %d more SIP domain(s))", n)
		}
		ext := "lyncdiscover." + dom
		edge(keyExternal, keyPubDNS, "A1. "+ext+" → "+orNone(Resolve(p, "external", ext))+more, false)
		if i, _, ok := Publishing(p, ext); ok {
			scheme := "https"
			if p.Mobility.AutodiscoverScheme == "http" {
				scheme = "http"
			}
			edge(keyExternal, rpKey(i), "A2. GET "+scheme+"://"+ext+"/", false)
			through("A3", ext)
		}
		if p.Mobility.InternalWifi {
			in := "lyncdiscoverinternal." + dom
			ips := Resolve(p, "internal", in)
			edge(keyWifi, keyIntDNS, "I1. "+in+" → "+orNone(ips)+more, false)
			if len(ips) > 0 {
				target := d.byIP[ips[0]]
				edge(keyWifi, target, "I2. GET https://"+in+"/", false)
				if strings.HasPrefix(target, "vip:") {
					v := p.VIPs[atoi(strings.TrimPrefix(target, "vip:"))]
					edge(target, d.poolOf(v.Pool), "I3. "+portPairs(v.Ports), false)
				}
			}
		}
	}
	if d.adPool >= 0 {
		if web := p.Directory.Pools[d.adPool].WebExternalFQDN; web != "" {
			if i, _, ok := Publishing(p, web); ok {
				edge(keyExternal, rpKey(i), "U1. UCWA https://"+web+"/ucwa", false)
				through("U2", web)
				if p.Mobility.InternalWifi {
					edge(keyWifi, keyIntDNS, "H1. "+web+" → "+orNone(Resolve(p, "internal", web)), false)
					edge(keyWifi, rpKey(i), "H2. UCWA https://"+web+"/ucwa through the public address ("+Hairpin(p)+")", false)
				}
			}
		}
	}
	if p.Mobility.Push {
		for i, e := range p.Edges {
			if d.adPool >= 0 {
				edge(poolKey(d.adPool), edgeKey(i), "P1. push notification, SIP/TLS 5061 to "+e.InternalFQDN, false)
			}
			edge(edgeKey(i), keyPush, "P2. SIP/TLS 5061 from "+e.AccessFQDN+" to "+p.Mobility.PushProxyFQDN, false)
		}
		edge(keyPush, keyExternal, "P3. notification through "+pushServices(p), true)
	}
	if p.Mobility.AudioVideo {
		for i, e := range p.Edges {
			edge(keyExternal, edgeKey(i), "M1. media to "+e.AVFQDN+" "+mediaPorts, false)
			if p.Mobility.InternalWifi {
				edge(keyWifi, edgeKey(i), "M2. media to the A/V Edge external side, UDP 3478, TCP 443", false)
			}
		}
	}
	return g
}

func orNone(vs []string) string {
	if len(vs) == 0 {
		return "(no record)"
	}
	return strings.Join(vs, ", ")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
