package dnsserver

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// wireRecorder keeps what is written, as from a UDP socket.
type wireRecorder struct{ got [][]byte }

func (r *wireRecorder) LocalAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
}
func (r *wireRecorder) RemoteAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5300}
}
func (r *wireRecorder) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err == nil {
		r.Write(b)
	}
	return err
}
func (r *wireRecorder) Write(b []byte) (int, error) {
	r.got = append(r.got, append([]byte(nil), b...))
	return len(b), nil
}
func (r *wireRecorder) Close() error        { return nil }
func (r *wireRecorder) TsigStatus() error   { return nil }
func (r *wireRecorder) TsigTimersOnly(bool) {}
func (r *wireRecorder) Hijack()             {}

func cacheServer(t *testing.T) *Server {
	t.Helper()
	z, err := ParseZone("example.test", []byte(`$ORIGIN example.test.
@ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 60
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.1
www 3600 IN CNAME ns1
_sip._tls 3600 IN SRV 0 0 443 ns1
`))
	if err != nil {
		t.Fatal(err)
	}
	z.Kind = KindAuthoritative
	s, err := New("external", []Zone{z}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A cached answer is byte for byte what ServeDNS packs for the same
// query, with the query's own ID, whatever the spelling, EDNS, flags and
// ID; a query ServeWire declines (a response, one that does not unpack)
// gets nothing written; the cache starts again past its bound.
func TestAnswerCache(t *testing.T) {
	s := cacheServer(t)
	type q struct {
		name  string
		qtype uint16
		edns  uint16
		rd    bool
	}
	queries := []q{
		{"www.example.test.", dns.TypeA, 0, false},
		{"WwW.ExAmple.test.", dns.TypeA, 1232, true},
		{"_sip._tls.example.test.", dns.TypeSRV, 512, false},
		{"nothere.example.test.", dns.TypeA, 0, true},
		{"www.example.org.", dns.TypeA, 0, false},
		{"example.test.", dns.TypeANY, 4096, false},
	}
	for _, c := range queries {
		for _, id := range []uint16{1, 0xabcd, 7} {
			m := new(dns.Msg)
			m.SetQuestion(c.name, c.qtype)
			m.Id, m.RecursionDesired = id, c.rd
			if c.edns > 0 {
				m.SetEdns0(c.edns, true)
			}
			wire, _ := m.Pack()
			var direct, cached wireRecorder
			r := new(dns.Msg)
			r.Unpack(wire)
			s.ServeDNS(&direct, r)
			if !s.ServeWire(&cached, wire) {
				t.Fatalf("%v: ServeWire declined", c)
			}
			if len(direct.got) != 1 || len(cached.got) != 1 || !bytes.Equal(direct.got[0], cached.got[0]) {
				t.Errorf("%v id %x: cached %x, direct %x", c, id, cached.got, direct.got)
			}
		}
	}
	m := new(dns.Msg)
	m.SetQuestion("www.example.test.", dns.TypeA)
	resp, _ := m.Pack()
	resp[2] |= 0x80
	var w wireRecorder
	if s.ServeWire(&w, resp) || s.ServeWire(&w, resp[:14]) || len(w.got) != 0 {
		t.Errorf("a response or a cut query was answered: %x", w.got)
	}
	for i := range maxCachedAnswers + 10 {
		m := new(dns.Msg)
		m.SetQuestion(fmt.Sprintf("n%d.example.test.", i), dns.TypeA)
		wire, _ := m.Pack()
		if !s.ServeWire(&w, wire) {
			t.Fatal("declined")
		}
	}
	if n := len(s.cache.m); n > maxCachedAnswers || n == 0 {
		t.Errorf("%d answers cached, bound %d", n, maxCachedAnswers)
	}
}
