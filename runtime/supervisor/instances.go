package supervisor

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/admin"
)

// instances are the planned servers' Front End instances: each server's
// web and SIP listeners, which the admin endpoint stops and starts. A
// stopped instance behaves as a server whose services are stopped: its
// connections are dropped and every new one is closed as soon as it is
// accepted (the socket stays bound, so starting again cannot lose the
// port). The load balancers' health checks then take it out of its VIPs.
type instances struct {
	byFQDN map[string]*instance // lower-case FQDN
	list   []*instance          // by FQDN
	health func(ctx context.Context)
}

type instance struct {
	fqdn, pool string
	listeners  []string
	stopped    atomic.Bool
	mu         sync.Mutex
	conns      map[net.Conn]struct{}
}

// newInstances finds each server's listeners among the slots; health
// re-runs the load balancers' health checks.
func newInstances(p *plan.Plan, slots []addrmap.Slot, health func(ctx context.Context)) *instances {
	pools := map[string]string{}
	for _, pl := range p.Directory.Pools {
		for _, s := range pl.Servers {
			pools[strings.ToLower(s.FQDN)] = pl.Name
		}
	}
	in := &instances{byFQDN: map[string]*instance{}, health: health}
	for _, s := range slots {
		if instanceOf(s) == "" {
			continue
		}
		k := instanceOf(s)
		i := in.byFQDN[k]
		if i == nil {
			i = &instance{fqdn: s.Host, pool: pools[k], conns: map[net.Conn]struct{}{}}
			in.byFQDN[k] = i
			in.list = append(in.list, i)
		}
		i.listeners = append(i.listeners, s.Name)
	}
	sort.Slice(in.list, func(a, b int) bool { return in.list[a].fqdn < in.list[b].fqdn })
	return in
}

// instanceOf is the server a slot belongs to, "" for none.
func instanceOf(s addrmap.Slot) string {
	switch s.Serves {
	case "web-internal", "web-external", "sip":
		return strings.ToLower(s.Host)
	}
	return ""
}

func (in *instance) state() admin.Instance {
	st := "running"
	if in.stopped.Load() {
		st = "stopped"
	}
	return admin.Instance{Server: in.fqdn, Pool: in.pool, State: st, Listeners: in.listeners}
}

// List implements admin.Instances.
func (in *instances) List() []admin.Instance {
	out := make([]admin.Instance, 0, len(in.list))
	for _, i := range in.list {
		out = append(out, i.state())
	}
	return out
}

// Set implements admin.Instances. It returns once the load balancers'
// health checks have seen the change, so new traffic already goes where
// it should (a real monitor takes a few seconds).
func (in *instances) Set(ctx context.Context, server string, running bool) (admin.Instance, error) {
	i := in.byFQDN[strings.ToLower(strings.TrimSuffix(server, "."))]
	if i == nil {
		return admin.Instance{}, fmt.Errorf("%w", admin.ErrNoInstance)
	}
	i.stopped.Store(!running)
	if !running {
		i.mu.Lock()
		conns := make([]net.Conn, 0, len(i.conns))
		for c := range i.conns {
			conns = append(conns, c)
		}
		i.mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	if in.health != nil {
		in.health(ctx)
	}
	return i.state(), nil
}

// gate wraps the slot's listener if it is an instance's.
func (in *instances) gate(s addrmap.Slot, ln net.Listener) net.Listener {
	if i := in.byFQDN[instanceOf(s)]; i != nil {
		return i.gate(ln)
	}
	return ln
}

// gate wraps a listener of the instance's.
func (in *instance) gate(ln net.Listener) net.Listener { return &gated{Listener: ln, in: in} }

type gated struct {
	net.Listener
	in *instance
}

// Accept closes what it accepts while the instance is stopped.
func (g *gated) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if g.in.stopped.Load() {
			c.Close()
			continue
		}
		tc := &trackedConn{Conn: c, in: g.in}
		g.in.mu.Lock()
		g.in.conns[tc] = struct{}{}
		g.in.mu.Unlock()
		// A stop between the check and the tracking still drops it.
		if g.in.stopped.Load() {
			tc.Close()
			continue
		}
		return tc, nil
	}
}

type trackedConn struct {
	net.Conn
	in   *instance
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.in.mu.Lock()
		delete(c.in.conns, c)
		c.in.mu.Unlock()
	})
	return c.Conn.Close()
}
