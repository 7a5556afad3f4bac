package planner

import (
	"sort"

	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/planner/plan"
)

// Hardware load balancer VIPs (mobility-rules.md 2.4).
//
// Every Enterprise pool and every Director pool of more than one server
// gets an internal and an external web services VIP (HLB-001) at the
// addresses the pool declares, and, when its SIP traffic is balanced by
// the HLB (sip_lb = "hlb"), a SIP VIP at its internal web VIP address,
// which DNS gives the pool FQDN. A VIP the topology declares in a
// load_balancer block replaces the derived one of its pool and role.

const (
	vipIdleTimeout = 1800       // HLB-006
	vipCookieName  = "MS-WSMAN" // HLB-005: the name the web services expect
)

func planVIPs(t *model.Topology, p *plan.Plan) {
	declared := vipDeclared(t)
	have := map[[2]string]bool{}
	for _, v := range declared {
		have[[2]string{v.Pool, v.Role}] = true
	}
	vips := declared
	cookie := vipLync2010(t)
	for _, n := range model.SortedKeys(t.Pools) {
		pool := t.Pools[n]
		if !vipBalanced(pool) {
			continue
		}
		if pool.WebInternal.VIP != "" && !have[[2]string{n, "web-internal"}] {
			vips = append(vips, vipWebInternal(n, pool))
		}
		if pool.WebExternal.VIP != "" && !have[[2]string{n, "web-external"}] {
			vips = append(vips, vipWebExternal(n, pool, cookie))
		}
		if pool.SIPLB == "hlb" && pool.WebInternal.VIP != "" && !have[[2]string{n, "sip"}] {
			vips = append(vips, vipSIP(n, pool))
		}
	}
	sort.SliceStable(vips, func(i, j int) bool { return vips[i].Name < vips[j].Name })
	p.VIPs = append(p.VIPs, vips...)
}

// vipBalanced: the pools HLB-001 asks web VIPs for.
func vipBalanced(p model.Pool) bool {
	return p.Kind == "fe-ee" || p.Kind == "director" && len(p.Servers) > 1
}

// vipLync2010: a retained Lync Server 2010 pool makes cookie persistence
// on the external web VIPs required (HLB-004).
func vipLync2010(t *model.Topology) bool {
	for _, n := range model.SortedKeys(t.Pools) {
		if t.PoolVersion(t.Pools[n]) == "lync2010" {
			return true
		}
	}
	return false
}

// vipWebInternal: 443→443 and 80→80 (the pool's internal web ports),
// source persistence, monitor on the SIP TLS port (HLB-002, HLB-006,
// HLB-007).
func vipWebInternal(name string, p model.Pool) plan.VIP {
	return plan.VIP{
		Name: name + "-web-internal", Pool: name, Role: "web-internal", IP: p.WebInternal.VIP,
		Ports: vipPorts(
			plan.PortPair{Front: 443, Back: p.Ports.InternalHTTPS},
			plan.PortPair{Front: 80, Back: p.Ports.InternalHTTP},
		),
		Backends:     vipPoolBackends(p),
		Persistence:  "source",
		IdleTimeout:  vipIdleTimeout,
		MonitorPort:  p.Ports.SIPTLS,
		PerRequestLB: true,
	}
}

// vipWebExternal: 443→4443 and 80→8080, and the VIP also listens on 4443
// and 8080 for the bridged reverse proxy traffic (HLB-003). The 8080 pair
// is always there, not only with HTTP Autodiscover: the derived HTTPS
// rule bridges 80→8080 too, and an unused listener costs nothing.
// Persistence is source, or the MS-WSMAN cookie when a Lync Server 2010
// pool is retained (HLB-004, HLB-005).
func vipWebExternal(name string, p model.Pool, cookie bool) plan.VIP {
	v := plan.VIP{
		Name: name + "-web-external", Pool: name, Role: "web-external", IP: p.WebExternal.VIP,
		Ports: vipPorts(
			plan.PortPair{Front: 443, Back: p.Ports.ExternalHTTPS},
			plan.PortPair{Front: 80, Back: p.Ports.ExternalHTTP},
			plan.PortPair{Front: p.Ports.ExternalHTTPS, Back: p.Ports.ExternalHTTPS},
			plan.PortPair{Front: p.Ports.ExternalHTTP, Back: p.Ports.ExternalHTTP},
		),
		Backends:     vipPoolBackends(p),
		Persistence:  "source",
		IdleTimeout:  vipIdleTimeout,
		MonitorPort:  p.Ports.SIPTLS,
		PerRequestLB: true,
	}
	if cookie {
		v.Persistence, v.CookieName = "cookie", vipCookieName
	}
	return v
}

// vipSIPPorts are the ports a hardware load balancer balances for a pool
// whose SIP traffic it carries (the load balancing and ports pages): SIP
// TLS 5061, web conferencing 444, DCOM/RPC 135, the call admission
// control service 448, and 5070–5080 (Mediation, Response Group,
// Conferencing Attendant and Announcement, Call Park, Audio Test,
// Bandwidth Policy services).
func vipSIPPorts(p model.Pool) []plan.PortPair {
	pairs := []plan.PortPair{
		{Front: p.Ports.SIPTLS, Back: p.Ports.SIPTLS},
		{Front: p.Ports.Conferencing, Back: p.Ports.Conferencing},
		{Front: 135, Back: 135},
		{Front: 448, Back: 448},
	}
	for port := 5070; port <= 5080; port++ {
		pairs = append(pairs, plan.PortPair{Front: port, Back: port})
	}
	return vipPorts(pairs...)
}

// vipSIP: the SIP VIP of a pool whose SIP traffic an HLB balances
// (sip_lb = "hlb"). The pool FQDN resolves to it (dnsSIPVIPAddrs): at the
// pool's internal web VIP address, where the web ports are the
// web-internal VIP's and these are the SIP ones. Source persistence and
// the TCP idle timeout keep a client's SIP connection on one server.
func vipSIP(name string, p model.Pool) plan.VIP {
	return plan.VIP{
		Name: name + "-sip", Pool: name, Role: "sip", IP: p.WebInternal.VIP,
		Ports:       vipSIPPorts(p),
		Backends:    vipPoolBackends(p),
		Persistence: "source",
		IdleTimeout: vipIdleTimeout,
		MonitorPort: p.Ports.SIPTLS,
	}
}

// vipPorts drops pairs whose front port an earlier pair already uses
// (e.g. a pool whose external HTTPS port is 443).
func vipPorts(pairs ...plan.PortPair) []plan.PortPair {
	var out []plan.PortPair
	seen := map[int]bool{}
	for _, pp := range pairs {
		if !seen[pp.Front] {
			seen[pp.Front] = true
			out = append(out, pp)
		}
	}
	return out
}

// vipPoolBackends: the pool's servers by name, each at its first address.
func vipPoolBackends(p model.Pool) []plan.Backend {
	var out []plan.Backend
	for _, sn := range model.SortedKeys(p.Servers) {
		if ips := p.Servers[sn].IPs; len(ips) > 0 {
			out = append(out, plan.Backend{Name: sn, IP: ips[0]})
		}
	}
	return out
}

// vipDeclared carries the declared VIPs over, with the servers of the
// pool (or Edge pool) they balance as back ends. A VIP name used by more
// than one load balancer is prefixed with its load balancer's name.
func vipDeclared(t *model.Topology) []plan.VIP {
	uses := map[string]int{}
	for _, ln := range model.SortedKeys(t.LoadBalancers) {
		for vn := range t.LoadBalancers[ln].VIPs {
			uses[vn]++
		}
	}
	var out []plan.VIP
	for _, ln := range model.SortedKeys(t.LoadBalancers) {
		lb := t.LoadBalancers[ln]
		for _, vn := range model.SortedKeys(lb.VIPs) {
			v := lb.VIPs[vn]
			name := vn
			if uses[vn] > 1 {
				name = ln + "-" + vn
			}
			pv := plan.VIP{
				Name: name, Pool: v.Pool, Role: v.Role, IP: v.IP,
				Ports:        vipModelPorts(v.Ports),
				Backends:     vipDeclaredBackends(t, v),
				Persistence:  v.Persistence,
				IdleTimeout:  v.IdleTimeout,
				MonitorPort:  v.MonitorPort,
				PerRequestLB: v.PerRequestLB,
				Declared:     true,
			}
			if v.Persistence == "cookie" {
				// A VIP without a cookie block leaves the profile to the
				// planner (HLB-005).
				pv.CookieName = vipCookieName
				if v.Cookie != nil && v.Cookie.Name != "" {
					pv.CookieName = v.Cookie.Name
				}
			}
			out = append(out, pv)
		}
	}
	return out
}

func vipModelPorts(ps []model.PortPair) []plan.PortPair {
	var out []plan.PortPair
	for _, pp := range ps {
		out = append(out, plan.PortPair{Front: pp.Front, Back: pp.Back})
	}
	return out
}

func vipDeclaredBackends(t *model.Topology, v model.VIP) []plan.Backend {
	if p, ok := t.Pools[v.Pool]; ok {
		return vipPoolBackends(p)
	}
	e, ok := t.EdgePools[v.Pool]
	if !ok {
		return nil
	}
	var out []plan.Backend
	for _, sn := range model.SortedKeys(e.Servers) {
		s := e.Servers[sn]
		ip := s.AccessIP
		if v.Role == "edge-internal" {
			ip = s.InternalIP
		}
		if ip != "" {
			out = append(out, plan.Backend{Name: sn, IP: ip})
		}
	}
	return out
}
