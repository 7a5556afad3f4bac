// Package hlb is the lab's hardware load balancer: a planned VIP port
// forwarded, at the TCP level, to the same pool's servers on the planned
// node port. TLS passes through untouched, as the HLB in front of the
// web services does. New connections are spread over the back ends in
// turn, skipping one that cannot be reached.
package hlb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

// Dialer reaches a back end at its planned ip:port from the internal
// network.
type Dialer func(ctx context.Context, ip string, port int) (net.Conn, error)

// VIP forwards one front port of a planned VIP.
type VIP struct {
	plan     plan.VIP
	front    int
	back     int
	dial     Dialer
	log      *slog.Logger
	next     atomic.Uint64
	idle     time.Duration
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	shutdown bool
}

// New prepares the forwarding of front port front of v.
func New(v plan.VIP, front int, dial Dialer, log *slog.Logger) (*VIP, error) {
	for _, pp := range v.Ports {
		if pp.Front == front {
			if len(v.Backends) == 0 {
				return nil, fmt.Errorf("VIP %s has no back end", v.Name)
			}
			idle := time.Duration(v.IdleTimeout) * time.Second
			if idle <= 0 {
				idle = 1800 * time.Second
			}
			return &VIP{plan: v, front: front, back: pp.Back, dial: dial, log: log, idle: idle, conns: map[net.Conn]struct{}{}}, nil
		}
	}
	return nil, fmt.Errorf("VIP %s has no front port %d", v.Name, front)
}

// Serve forwards every connection accepted on ln until ctx is done, then
// closes the listener and the connections in flight.
func (v *VIP) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
		v.mu.Lock()
		v.shutdown = true
		for c := range v.conns {
			c.Close()
		}
		v.mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go v.Handle(ctx, c)
	}
}

func (v *VIP) track(c net.Conn, on bool) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if on {
		if v.shutdown {
			return false
		}
		v.conns[c] = struct{}{}
	} else {
		delete(v.conns, c)
	}
	return true
}

// Handle forwards one accepted connection to a back end, and closes it
// when either side is done or idle longer than the planned timeout.
func (v *VIP) Handle(ctx context.Context, c net.Conn) {
	defer c.Close()
	if !v.track(c, true) {
		return
	}
	defer v.track(c, false)
	n := len(v.plan.Backends)
	start := int(v.next.Add(1) % uint64(n))
	var back net.Conn
	var err error
	for i := 0; i < n; i++ {
		be := v.plan.Backends[(start+i)%n]
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		back, err = v.dial(dctx, be.IP, v.back)
		cancel()
		if err == nil {
			break
		}
		v.log.Warn("load balancer back end down", "vip", v.plan.Name, "backend", be.Name, "err", err)
	}
	if back == nil {
		return
	}
	defer back.Close()
	if !v.track(back, true) {
		return
	}
	defer v.track(back, false)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			src.SetReadDeadline(time.Now().Add(v.idle))
			n, err := src.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					c.Close()
					back.Close()
					break
				}
			}
			if err != nil {
				if err != io.EOF {
					// A reset or an idle timeout ends both directions.
					c.Close()
					back.Close()
					break
				}
				if tc, ok := dst.(interface{ CloseWrite() error }); ok {
					tc.CloseWrite()
				}
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(back, c)
	go pipe(c, back)
	<-done
	<-done
}
