package supervisor

import (
	"context"
	"errors"
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
// connections are dropped and its listening sockets closed, so a new
// connection is refused (starting it binds the same addresses again).
// The load balancers' health checks then take it out of its VIPs.
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
	gates      []*gated // its listening sockets
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
	i.mu.Lock()
	gates := append([]*gated(nil), i.gates...)
	i.mu.Unlock()
	if running {
		var errs []error
		for _, g := range gates {
			if err := g.start(); err != nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			// Half started is no state to leave it in.
			for _, g := range gates {
				g.stop()
			}
			return i.state(), fmt.Errorf("starting %s: %w", i.fqdn, err)
		}
		i.stopped.Store(false)
	} else {
		i.stopped.Store(true)
		for _, g := range gates {
			g.stop()
		}
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

// gate wraps a listener of the instance's; the gated listener owns it.
func (in *instance) gate(ln net.Listener) net.Listener {
	g := &gated{in: in, addr: ln.Addr(), ln: ln}
	in.mu.Lock()
	in.gates = append(in.gates, g)
	in.mu.Unlock()
	return g
}

// gated is an instance's listener. While the instance is stopped its
// socket is closed, so a connection to it is refused, as it is to a
// server whose services are stopped: a load balancer's TCP health check
// (HAProxy's "check", the lab's monitor) fails on the connect. Started
// again, it binds the same address anew; the server serving it sees one
// listener throughout, its Accept waiting while the instance is stopped.
type gated struct {
	in   *instance
	addr net.Addr
	mu   sync.Mutex
	ln   net.Listener  // nil while stopped
	wake chan struct{} // while stopped: closed by a start or Close
	done bool          // closed for good
}

func (g *gated) Addr() net.Addr { return g.addr }

// Close closes the listener for good (serve's end).
func (g *gated) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return nil
	}
	g.done = true
	if g.wake != nil {
		close(g.wake)
		g.wake = nil
	}
	if g.ln != nil {
		return g.ln.Close()
	}
	return nil
}

// stop closes the socket: connections waiting in its backlog are reset,
// new ones refused.
func (g *gated) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done || g.ln == nil {
		return
	}
	g.ln.Close()
	g.ln = nil
	g.wake = make(chan struct{})
}

// start binds the address again (the same port: Go's listeners reuse
// an address whose old connections linger in TIME_WAIT).
func (g *gated) start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done || g.ln != nil {
		return nil
	}
	ln, err := net.Listen(g.addr.Network(), g.addr.String())
	if err != nil {
		return fmt.Errorf("binding %s again: %w", g.addr, err)
	}
	g.ln = ln
	close(g.wake)
	g.wake = nil
	return nil
}

// Accept waits while the instance is stopped, and closes what it
// accepts in the moment a stop is under way.
func (g *gated) Accept() (net.Conn, error) {
	for {
		g.mu.Lock()
		ln, wake, done := g.ln, g.wake, g.done
		g.mu.Unlock()
		if done {
			return nil, net.ErrClosed
		}
		if ln == nil {
			<-wake
			continue
		}
		c, err := ln.Accept()
		if err != nil {
			g.mu.Lock()
			stopped := g.ln != ln && !g.done
			g.mu.Unlock()
			if stopped {
				// A stop closed this socket, not serve.
				continue
			}
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
