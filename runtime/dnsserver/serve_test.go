package dnsserver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/internal/testtool"
)

// TestServeShutdown: Serve returns nil soon after its context ends, even
// with an idle TCP connection open, and has closed its listeners.
func TestServeShutdown(t *testing.T) {
	s := newServer(t, examplePlan(t, "contoso"), "external", nil)
	pc, ln := listenPair(t)
	addr := pc.LocalAddr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()

	conn, err := dns.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m := new(dns.Msg)
	m.SetQuestion("lyncdiscover.contoso.com.", dns.TypeA)
	if err := conn.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.ReadMsg(); err != nil || len(r.Answer) != 1 {
		t.Fatalf("answer %v, %v", r, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return within 5s of its context ending")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("TCP listener still accepts after shutdown")
	}
	if _, err := pc.WriteTo([]byte{0}, pc.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("UDP socket not closed after shutdown: %v", err)
	}
}

// TestServeFails: a listener that fails stops Serve with an error, and
// the other is shut down and closed too.
func TestServeFails(t *testing.T) {
	s := newServer(t, examplePlan(t, "contoso"), "external", nil)
	if err := s.Serve(context.Background(), nil, nil); err == nil {
		t.Error("Serve without listeners returned nil")
	}
	pc, ln := listenPair(t)
	ln.Close() // Accept fails at once
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), pc, ln) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "external view") {
			t.Errorf("Serve: %v, want an error naming the view", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its TCP listener failed")
	}
	if _, err := pc.WriteTo([]byte{0}, pc.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("UDP socket not closed: %v", err)
	}
}

// TestDig asks both views of contoso with BIND's dig, over UDP and TCP.
func TestDig(t *testing.T) {
	dig := testtool.Require(t, "dig")
	p := examplePlan(t, "contoso")
	views := map[string]string{
		"internal": serve(t, newServer(t, p, "internal", nil)),
		"external": serve(t, newServer(t, p, "external", nil)),
	}
	for _, c := range []struct {
		view, name, qtype string
		tcp               bool
		status            string
		flags             []string // flags the header must show
		noFlags           []string
		answer            string // a line of the answer section, fields space-separated
	}{
		{view: "external", name: "lyncdiscover.contoso.com", qtype: "A", status: "NOERROR", flags: []string{"qr", "aa"}, noFlags: []string{"ra"},
			answer: "lyncdiscover.contoso.com. 3600 IN A 131.107.155.1"},
		{view: "external", name: "lyncdiscover.fabrikam.com", qtype: "A", tcp: true, status: "NOERROR", flags: []string{"aa"},
			answer: "lyncdiscover.fabrikam.com. 3600 IN A 131.107.155.1"},
		{view: "internal", name: "lyncdiscoverinternal.contoso.com", qtype: "A", status: "NOERROR", flags: []string{"aa"},
			answer: "lyncdiscoverinternal.contoso.com. 3600 IN A 192.168.21.120"},
		{view: "internal", name: "lyncdiscoverinternal.fabrikam.com", qtype: "A", tcp: true, status: "NOERROR", flags: []string{"aa"},
			answer: "lyncdiscoverinternal.fabrikam.com. 3600 IN A 192.168.21.120"},
		{view: "internal", name: "_sipinternaltls._tcp.contoso.com", qtype: "SRV", tcp: true, status: "NOERROR", flags: []string{"aa"},
			answer: "_sipinternaltls._tcp.contoso.com. 3600 IN SRV 0 0 5061 pool01.contoso.net."},
		{view: "external", name: "lyncdiscoverinternal.contoso.com", qtype: "A", status: "NXDOMAIN", flags: []string{"aa"}},
		{view: "internal", name: "x.lyncdiscoverinternal.fabrikam.com", qtype: "A", tcp: true, status: "NXDOMAIN", flags: []string{"aa"}},
		{view: "external", name: "www.example.org", qtype: "A", status: "REFUSED", noFlags: []string{"aa", "ra"}},
		{view: "internal", name: "lyncdiscover.fabrikam.com", qtype: "A", tcp: true, status: "REFUSED", noFlags: []string{"aa", "ra"}},
	} {
		proto := "udp"
		if c.tcp {
			proto = "tcp"
		}
		t.Run(c.view+"/"+proto+"/"+c.name, func(t *testing.T) {
			host, port, _ := net.SplitHostPort(views[c.view])
			args := []string{"@" + host, "-p", port, "+norecurse", "+tries=1", "+time=2", c.name, c.qtype}
			if c.tcp {
				args = append(args, "+tcp")
			}
			out, err := exec.Command(dig, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("dig %v: %v\n%s", args, err, out)
			}
			text := string(out)
			if !strings.Contains(text, "status: "+c.status) {
				t.Errorf("dig: want status %s\n%s", c.status, text)
			}
			flags := headerFlags(text)
			for _, f := range c.flags {
				if !flags[f] {
					t.Errorf("dig: flag %s missing\n%s", f, text)
				}
			}
			for _, f := range c.noFlags {
				if flags[f] {
					t.Errorf("dig: flag %s set\n%s", f, text)
				}
			}
			if c.tcp != strings.Contains(text, "(TCP)") {
				t.Errorf("dig: want TCP %v\n%s", c.tcp, text)
			}
			if c.answer != "" && !strings.Contains(normalise(text), c.answer) {
				t.Errorf("dig: answer %q missing\n%s", c.answer, text)
			}
			if c.status == "NXDOMAIN" && !strings.Contains(text, "AUTHORITY: 1") {
				t.Errorf("dig: NXDOMAIN without the SOA\n%s", text)
			}
		})
	}
}

// TestDigTruncation: dig without EDNS gets TC=1 over UDP for a name with
// 60 addresses, retries over TCP as a stub resolver does, and gets them
// all.
func TestDigTruncation(t *testing.T) {
	dig := testtool.Require(t, "dig")
	host, port, _ := net.SplitHostPort(serve(t, newServer(t, labPlan(t), "internal", nil)))
	out, err := exec.Command(dig, "@"+host, "-p", port, "+norecurse", "+noedns", "+tries=1", "+time=2", "big.contoso.com", "A").CombinedOutput()
	if err != nil {
		t.Fatalf("dig: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "Truncated, retrying in TCP mode") || !strings.Contains(text, "(TCP)") || !strings.Contains(text, "ANSWER: 60") {
		t.Errorf("dig: want a UDP answer truncated, then 60 records over TCP\n%s", text)
	}
}

// headerFlags are the flags of dig's ";; flags:" line.
func headerFlags(out string) map[string]bool {
	flags := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, ";; flags:"); ok {
			rest, _, _ = strings.Cut(rest, ";")
			for _, f := range strings.Fields(rest) {
				flags[f] = true
			}
		}
	}
	return flags
}

// normalise is dig's output with each line's whitespace runs as one space.
func normalise(out string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// TestServeUDPDatagrams: over the batched UDP path, a datagram shorter
// than a header and a response go unanswered, one that does not unpack
// gets FORMERR with its ID, and a burst of queries from many sockets at
// once (more than one batch) each gets its own answer.
func TestServeUDPDatagrams(t *testing.T) {
	addr := serve(t, newServer(t, examplePlan(t, "contoso"), "external", nil))
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 2048)
	read := func(wait time.Duration) ([]byte, error) {
		conn.SetReadDeadline(time.Now().Add(wait))
		n, err := conn.Read(buf)
		return buf[:n], err
	}
	m := new(dns.Msg)
	m.SetQuestion("lyncdiscover.contoso.com.", dns.TypeA)
	m.Id = 0x1234
	query, _ := m.Pack()
	resp := append([]byte{}, query...)
	resp[2] |= 0x80 // QR
	// A header claiming one question, then nothing.
	cut := append([]byte{}, query[:12]...)
	cut[0], cut[1] = 0xbe, 0xef
	for _, c := range []struct {
		name  string
		dgram []byte
	}{{"short", []byte{1, 2, 3, 4, 5}}, {"response", resp}} {
		conn.Write(c.dgram)
		if b, err := read(300 * time.Millisecond); err == nil {
			t.Errorf("%s datagram answered: %x", c.name, b)
		}
	}
	conn.Write(cut)
	b, err := read(2 * time.Second)
	r := new(dns.Msg)
	if err != nil || r.Unpack(b) != nil || r.Id != 0xbeef || r.Rcode != dns.RcodeFormatError || !r.Response {
		t.Errorf("truncated query: %v %v, want FORMERR with ID beef", r, err)
	}

	const clients, each = 20, 10
	errc := make(chan error, clients)
	for c := range clients {
		go func() {
			conn, err := net.Dial("udp", addr)
			if err != nil {
				errc <- err
				return
			}
			defer conn.Close()
			want := map[uint16]bool{}
			for i := range each {
				q := new(dns.Msg)
				q.SetQuestion("lyncdiscover.contoso.com.", dns.TypeA)
				q.Id = uint16(c*each + i + 1)
				wire, _ := q.Pack()
				conn.Write(wire)
				want[q.Id] = true
			}
			buf := make([]byte, 2048)
			for len(want) > 0 {
				conn.SetReadDeadline(time.Now().Add(3 * time.Second))
				n, err := conn.Read(buf)
				if err != nil {
					errc <- fmt.Errorf("client %d: %d answers missing: %w", c, len(want), err)
					return
				}
				r := new(dns.Msg)
				if err := r.Unpack(buf[:n]); err != nil || !want[r.Id] || len(r.Answer) != 1 {
					errc <- fmt.Errorf("client %d: answer %v, %v", c, r, err)
					return
				}
				delete(want, r.Id)
			}
			errc <- nil
		}()
	}
	for range clients {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
