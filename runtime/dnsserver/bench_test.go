package dnsserver_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// discard is a ResponseWriter that drops what it is given, counting
// bytes so the compiler keeps the work.
type discard struct {
	recorder
	n int
}

func (d *discard) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

// BenchmarkServeDNS measures queries per second through ServeDNS in
// process (no sockets) and over loopback UDP (one socket per goroutine,
// as dnsperf does).
func BenchmarkServeDNS(b *testing.B) {
	lab := labPlan(b)
	s := newServer(b, lab, "internal", nil)
	queries := []struct {
		name  string
		qname string
		qtype uint16
	}{
		{"A", "lyncdiscoverinternal.contoso.com.", dns.TypeA},
		{"SRV", "_sipinternaltls._tcp.fabrikam.com.", dns.TypeSRV},
		{"CNAME-chain", "chain1.contoso.com.", dns.TypeA},
		{"NXDOMAIN", "nothere.contoso.com.", dns.TypeA},
		{"REFUSED", "www.example.org.", dns.TypeA},
	}
	for _, q := range queries {
		m := new(dns.Msg)
		m.SetQuestion(q.qname, q.qtype)
		m.SetEdns0(1232, false)
		b.Run("inprocess/"+q.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &discard{recorder: recorder{network: "udp"}}
				for pb.Next() {
					s.ServeDNS(w, m)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}

	addr := serve(b, s)
	for _, q := range queries[:2] {
		m := new(dns.Msg)
		m.SetQuestion(q.qname, q.qtype)
		wire, err := m.Pack()
		if err != nil {
			b.Fatal(err)
		}
		b.Run("udp/"+q.name, func(b *testing.B) {
			var failed atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				conn, err := net.Dial("udp", addr)
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close()
				buf := make([]byte, 1232)
				for pb.Next() {
					conn.SetDeadline(time.Now().Add(2 * time.Second))
					if _, err := conn.Write(wire); err != nil {
						failed.Add(1)
						continue
					}
					if n, err := conn.Read(buf); err != nil || n < 12 || buf[0] != wire[0] || buf[1] != wire[1] {
						failed.Add(1)
					}
				}
			})
			if n := failed.Load(); n > 0 {
				b.Errorf("%d of %d queries failed", n, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}
