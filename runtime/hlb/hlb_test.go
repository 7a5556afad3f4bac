package hlb

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

// echo serves name on every connection, then echoes.
func echo(t *testing.T, name string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, name+"\n")
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln
}

// Connections to a VIP port go to the pool's servers on the planned node
// port, in turn, skipping a server that is down.
func TestForwarding(t *testing.T) {
	fe1, fe2 := echo(t, "fe01"), echo(t, "fe02")
	v := plan.VIP{Name: "pool01-web-internal", IP: "192.168.21.120", Ports: []plan.PortPair{{Front: 443, Back: 443}},
		Backends: []plan.Backend{{Name: "fe01", IP: "192.168.21.122"}, {Name: "fe02", IP: "192.168.21.123"}, {Name: "fe03", IP: "192.168.21.124"}}}
	served := map[string]string{"192.168.21.122:443": fe1.Addr().String(), "192.168.21.123:443": fe2.Addr().String()}
	dial := func(ctx context.Context, ip string, port int) (net.Conn, error) {
		addr, ok := served[net.JoinHostPort(ip, strconv.Itoa(port))]
		if !ok {
			return nil, errors.New("connection refused")
		}
		return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	lb, err := New(v, 443, dial, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- lb.Serve(ctx, ln) }()
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		name, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		io.WriteString(c, "ping\n")
		if back, _ := r.ReadString('\n'); back != "ping\n" {
			t.Errorf("echo through the VIP: %q", back)
		}
		c.Close()
		seen[name]++
	}
	if seen["fe01\n"] == 0 || seen["fe02\n"] == 0 || len(seen) != 2 {
		t.Errorf("connections spread as %v, want both live servers", seen)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if _, err := New(v, 8443, dial, nil); err == nil {
		t.Error("a port the VIP does not plan was accepted")
	}
}
