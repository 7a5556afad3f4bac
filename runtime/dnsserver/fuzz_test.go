package dnsserver_test

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzServeDNS feeds ServeDNS every message that unpacks: it must not
// panic, must not answer a response, and must answer anything else with
// one message that unpacks, echoes the ID, sets no RA and fits in what
// the transport and the query allow.
func FuzzServeDNS(f *testing.F) {
	s := newServer(f, labPlan(f), "internal", nil)
	seed := func(edit func(m *dns.Msg), name string, qtype uint16) {
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		if edit != nil {
			edit(m)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	edns := func(size uint16) func(*dns.Msg) { return func(m *dns.Msg) { m.SetEdns0(size, true) } }
	seed(nil, "lyncdiscoverinternal.contoso.com.", dns.TypeA)
	seed(nil, "LyncDiscoverInternal.Fabrikam.com.", dns.TypeA)
	seed(nil, "x.lyncdiscoverinternal.fabrikam.com.", dns.TypeA)
	seed(nil, "_sipinternaltls._tcp.fabrikam.com.", dns.TypeSRV)
	seed(nil, "chain1.contoso.com.", dns.TypeA)
	seed(nil, "loop1.contoso.com.", dns.TypeAAAA)
	seed(nil, "contoso.com.", dns.TypeANY)
	seed(nil, "contoso.com.", dns.TypeNS)
	seed(nil, "www.example.org.", dns.TypeA)
	seed(edns(4096), "huge.contoso.com.", dns.TypeAAAA)
	seed(edns(600), "big.contoso.com.", dns.TypeA)
	seed(func(m *dns.Msg) { m.SetEdns0(1232, false); m.IsEdns0().SetVersion(3) }, "contoso.com.", dns.TypeSOA)
	seed(func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }, "contoso.com.", dns.TypeSOA)
	seed(func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }, "contoso.com.", dns.TypeSOA)

	f.Fuzz(func(t *testing.T, data []byte, tcp bool) {
		req := new(dns.Msg)
		if req.Unpack(data) != nil {
			return
		}
		network := "udp"
		if tcp {
			network = "tcp"
		}
		w := &recorder{network: network}
		s.ServeDNS(w, req)
		if req.Response {
			if len(w.writes) != 0 {
				t.Fatalf("answered a response")
			}
			return
		}
		if len(w.writes) != 1 {
			t.Fatalf("%d writes, want 1", len(w.writes))
		}
		out := w.writes[0]
		allowed := dns.MaxMsgSize
		if !tcp {
			allowed = dns.MinMsgSize
			if opt := req.IsEdns0(); opt != nil {
				allowed = max(dns.MinMsgSize, min(int(opt.UDPSize()), 1232))
			}
		}
		if len(out) > allowed {
			t.Fatalf("%s answer of %d bytes, allowed %d", network, len(out), allowed)
		}
		r := new(dns.Msg)
		if err := r.Unpack(out); err != nil {
			t.Fatalf("answer does not unpack: %v", err)
		}
		if r.Id != req.Id || !r.Response || r.RecursionAvailable {
			t.Fatalf("header %+v for query %+v", r.MsgHdr, req.MsgHdr)
		}
	})
}
