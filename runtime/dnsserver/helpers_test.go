package dnsserver_test

// Fixtures: the zones of an example, rendered by the DNS generator (the
// bytes apply writes) and parsed back from those bytes. Only tests import
// the generators; the package serves files and never re-derives them.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/generators/artifact"
	gendns "github.com/mobplan/mobplan/generators/dns"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/dnsserver"
)

var (
	planMu    sync.Mutex
	planCache = map[string]*plan.Plan{}
)

// examplePlan is the plan of examples/<name>, loaded once per test
// binary (loading runs CUE). Callers must not change it: see clonePlan.
func examplePlan(t testing.TB, name string) *plan.Plan {
	t.Helper()
	planMu.Lock()
	defer planMu.Unlock()
	if p := planCache[name]; p != nil {
		return p
	}
	p := testtool.ExamplePlan(t, name)
	planCache[name] = p
	return p
}

// zoneFiles renders p's zone files with the DNS generator: path → bytes.
func zoneFiles(t testing.TB, p *plan.Plan) map[string][]byte {
	t.Helper()
	files, err := gendns.Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		out[f.Path] = f.Data
	}
	return out
}

// viewZones parses the generated zone files of one view of p.
func viewZones(t testing.TB, p *plan.Plan, view string) []dnsserver.Zone {
	t.Helper()
	files := zoneFiles(t, p)
	var zones []dnsserver.Zone
	for _, pz := range p.Zones {
		if pz.View != view {
			continue
		}
		data, ok := files[gendns.ZonePath(pz)]
		if !ok {
			t.Fatalf("no zone file for %s %s", view, pz.Name)
		}
		z, err := dnsserver.ParseZone(pz.Name, data)
		if err != nil {
			t.Fatal(err)
		}
		z.Kind = pz.Kind
		zones = append(zones, z)
	}
	if len(zones) == 0 {
		t.Fatalf("no %s zones", view)
	}
	return zones
}

// withRecords is a copy of p whose zone (view, name) has extra records.
func withRecords(p *plan.Plan, view, name string, records ...plan.Record) *plan.Plan {
	c := *p
	c.Zones = make([]plan.Zone, len(p.Zones))
	copy(c.Zones, p.Zones)
	for i := range c.Zones {
		if z := &c.Zones[i]; z.View == view && z.Name == name {
			z.Records = append(append([]plan.Record(nil), z.Records...), records...)
		}
	}
	return &c
}

// labPlan is contoso with records the example lacks but a topology may
// declare: CNAME chains across the internal zones, a loop, a chain out of
// the view, a dangling one, and names with many addresses.
func labPlan(t testing.TB) *plan.Plan {
	p := examplePlan(t, "contoso")
	cname := func(name, target string) plan.Record {
		return plan.Record{Name: name, Type: "CNAME", Value: target, TTL: 600, Why: "test"}
	}
	recs := []plan.Record{
		cname("chain1", "Chain2.contoso.com"),
		cname("chain2", "WebInt.contoso.net"),
		cname("loop1", "loop2.contoso.com"),
		cname("loop2", "loop1.contoso.com"),
		cname("away", "www.example.org"),
		cname("dangling", "nothere.contoso.net"),
	}
	for i := range 9 {
		recs = append(recs, cname(fmt.Sprintf("long%d", i), fmt.Sprintf("long%d.contoso.com", i+1)))
	}
	recs = append(recs, plan.Record{Name: "long9", Type: "A", Value: "192.168.21.99", TTL: 600, Why: "test"})
	for i := range 60 { // 60 A: more than 512 bytes, less than 1232
		recs = append(recs, plan.Record{Name: "big", Type: "A", Value: fmt.Sprintf("10.0.0.%d", i+1), TTL: 600, Why: "test"})
	}
	for i := range 100 { // 100 AAAA: more than 1232 bytes
		recs = append(recs, plan.Record{Name: "huge", Type: "AAAA", Value: fmt.Sprintf("2001:db8::%x", i+1), TTL: 600, Why: "test"})
	}
	return withRecords(p, "internal", "contoso.com", recs...)
}

// newServer builds a server for one view of p.
func newServer(t testing.TB, p *plan.Plan, view string, log *slog.Logger) *dnsserver.Server {
	t.Helper()
	s, err := dnsserver.New(view, viewZones(t, p, view), log)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serve runs s on loopback, UDP and TCP on one port, until the test
// ends; Serve must then return nil.
func serve(t testing.TB, s *dnsserver.Server) string {
	t.Helper()
	pc, ln := listenPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return pc.LocalAddr().String()
}

// listenPair is a UDP socket and a TCP listener on the same loopback
// port (so that dig's +tcp reaches the same server); a port whose TCP
// side is taken is left for the next.
func listenPair(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln
		}
		pc.Close()
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return nil, nil
}

// recorder is a dns.ResponseWriter that keeps what ServeDNS writes.
type recorder struct {
	network string // "udp" or "tcp"
	writes  [][]byte
}

func (r *recorder) LocalAddr() net.Addr {
	if r.network == "tcp" {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	}
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
}

func (r *recorder) RemoteAddr() net.Addr {
	if r.network == "tcp" {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 40000}
	}
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 40000}
}

func (r *recorder) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = r.Write(b)
	return err
}

func (r *recorder) Write(b []byte) (int, error) {
	r.writes = append(r.writes, append([]byte(nil), b...))
	return len(b), nil
}

func (r *recorder) Close() error        { return nil }
func (r *recorder) TsigStatus() error   { return nil }
func (r *recorder) TsigTimersOnly(bool) {}
func (r *recorder) Hijack()             {}
