package supervisor

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/runtime/hlb"
)

// network is the lab's internal network as the reverse proxy's internal
// leg and the load balancer see it: names resolve through the internal
// view's DNS, planned addresses are reached through the address map, and
// what the map does not give the internal location is unreachable.
type network struct {
	mu       sync.RWMutex
	internal map[string]string // planned ip:port -> served ip:port
	dnsAddr  string            // the internal DNS server, served ip:port
	// health checks the VIP back ends' monitor ports; it outlives
	// reloads, as the load balancer does.
	health *hlb.Monitor
}

func (n *network) set(internal map[string]string, dnsAddr string) {
	n.mu.Lock()
	n.internal, n.dnsAddr = internal, dnsAddr
	n.mu.Unlock()
}

// dialPlanned connects to a planned ip:port from the internal network.
func (n *network) dialPlanned(ctx context.Context, ip string, port int) (net.Conn, error) {
	planned := net.JoinHostPort(ip, strconv.Itoa(port))
	n.mu.RLock()
	served, ok := n.internal[planned]
	n.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("nothing is planned at %s on the internal network", planned)
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", served)
}

// dialTarget connects to a publishing rule's target: an address, or a
// name resolved through the internal DNS view.
func (n *network) dialTarget(ctx context.Context, target string, port int) (net.Conn, error) {
	if a, err := netip.ParseAddr(target); err == nil {
		return n.dialPlanned(ctx, a.String(), port)
	}
	addrs, err := n.lookup(ctx, target)
	if err != nil {
		return nil, err
	}
	var last error
	for _, a := range addrs {
		c, err := n.dialPlanned(ctx, a, port)
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// lookup asks the internal DNS view for the addresses of name.
func (n *network) lookup(ctx context.Context, name string) ([]string, error) {
	n.mu.RLock()
	server := n.dnsAddr
	n.mu.RUnlock()
	c := &dns.Client{Timeout: 3 * time.Second}
	var out []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), t)
		r, _, err := c.ExchangeContext(ctx, m, server)
		if err != nil {
			return nil, fmt.Errorf("resolving %s through the internal DNS: %w", name, err)
		}
		for _, rr := range r.Answer {
			switch a := rr.(type) {
			case *dns.A:
				out = append(out, a.A.String())
			case *dns.AAAA:
				out = append(out, a.AAAA.String())
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no address in the internal DNS", name)
	}
	return out, nil
}
