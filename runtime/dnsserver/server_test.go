package dnsserver_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// query is one question to ask and what the answer must be.
type query struct {
	name  string
	qtype uint16
	edns  uint16 // EDNS UDP size; 0: no OPT
	tcp   bool   // only over TCP (otherwise over both)
	udp   bool   // only over UDP

	rcode  int
	aa     bool
	tc     bool
	answer []string // the answer section, each record as "owner TTL TYPE rdata"
	nsSOA  string   // the authority section's one SOA owner, with negTTL
	negTTL uint32
	extra  []string // additional records other than the OPT
}

func rr(s string) string {
	r, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return canon(r)
}

// canon is a record as "owner TTL TYPE rdata" (no class), tab-free.
func canon(r dns.RR) string {
	f := strings.Fields(r.String())
	return strings.Join(append(f[:2:2], f[3:]...), " ")
}

func canonAll(rrs []dns.RR) []string {
	var out []string
	for _, r := range rrs {
		if r.Header().Rrtype != dns.TypeOPT {
			out = append(out, canon(r))
		}
	}
	return out
}

func exchange(t *testing.T, addr, network string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second, UDPSize: 65535}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", network, m.Question[0].Name, dns.Type(m.Question[0].Qtype), err)
	}
	return r
}

func runQueries(t *testing.T, addr string, queries []query) {
	for _, q := range queries {
		for _, network := range []string{"udp", "tcp"} {
			if (q.tcp && network == "udp") || (q.udp && network == "tcp") {
				continue
			}
			t.Run(fmt.Sprintf("%s/%s/%s/edns%d", network, q.name, dns.Type(q.qtype), q.edns), func(t *testing.T) {
				m := new(dns.Msg)
				m.SetQuestion(q.name, q.qtype)
				m.RecursionDesired = true
				if q.edns > 0 {
					m.SetEdns0(q.edns, false)
				}
				r := exchange(t, addr, network, m)
				check(t, q, m, r)
				if q.edns > 0 {
					opt := r.IsEdns0()
					if opt == nil || opt.UDPSize() != 1232 || opt.Version() != 0 {
						t.Errorf("OPT %v, want one with our size 1232, version 0", opt)
					}
				} else if r.IsEdns0() != nil {
					t.Errorf("OPT in the answer to a query without EDNS")
				}
			})
		}
	}
}

func check(t *testing.T, q query, m, r *dns.Msg) {
	t.Helper()
	if r.Rcode != q.rcode {
		t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[q.rcode])
	}
	if r.Authoritative != q.aa {
		t.Errorf("AA %v, want %v", r.Authoritative, q.aa)
	}
	if r.Truncated != q.tc {
		t.Errorf("TC %v, want %v", r.Truncated, q.tc)
	}
	if r.RecursionAvailable {
		t.Error("RA set")
	}
	if !r.RecursionDesired {
		t.Error("RD not copied")
	}
	if len(r.Question) != 1 || r.Question[0] != m.Question[0] {
		t.Errorf("question %v, want %v as asked", r.Question, m.Question)
	}
	if got, want := canonAll(r.Answer), q.answer; !slices.Equal(got, want) {
		t.Errorf("answer\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if q.nsSOA == "" {
		if len(r.Ns) != 0 {
			t.Errorf("authority %v, want none", r.Ns)
		}
	} else if len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA || r.Ns[0].Header().Name != q.nsSOA || r.Ns[0].Header().Ttl != q.negTTL {
		t.Errorf("authority %v, want the SOA of %s with TTL %d", r.Ns, q.nsSOA, q.negTTL)
	}
	if got, want := canonAll(r.Extra), q.extra; !slices.Equal(got, want) {
		t.Errorf("additional\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestExternalView asks the external view of contoso for what Internet
// clients resolve, and for what they must not see.
func TestExternalView(t *testing.T) {
	addr := serve(t, newServer(t, examplePlan(t, "contoso"), "external", nil))
	runQueries(t, addr, []query{
		{name: "lyncdiscover.contoso.com.", qtype: dns.TypeA, aa: true,
			answer: []string{rr("lyncdiscover.contoso.com. 3600 A 131.107.155.1")}},
		// 0x20: the question as asked, the owner spelt alike.
		{name: "LyncDiscover.CONTOSO.com.", qtype: dns.TypeA, aa: true, edns: 1232,
			answer: []string{rr("LyncDiscover.CONTOSO.com. 3600 A 131.107.155.1")}},
		{name: "lyncdiscover.fabrikam.com.", qtype: dns.TypeA, aa: true,
			answer: []string{rr("lyncdiscover.fabrikam.com. 3600 A 131.107.155.1")}},
		{name: "_sip._tls.contoso.com.", qtype: dns.TypeSRV, aa: true,
			answer: []string{rr("_sip._tls.contoso.com. 3600 SRV 0 0 443 sip.contoso.com.")},
			extra:  []string{rr("sip.contoso.com. 3600 A 131.107.155.10"), rr("sip.contoso.com. 3600 A 131.107.155.11")}},
		{name: "sip.contoso.com.", qtype: dns.TypeA, aa: true,
			answer: []string{rr("sip.contoso.com. 3600 A 131.107.155.10"), rr("sip.contoso.com. 3600 A 131.107.155.11")}},
		{name: "contoso.com.", qtype: dns.TypeNS, aa: true,
			answer: []string{rr("contoso.com. 3600 NS localhost.")}},
		{name: "contoso.com.", qtype: dns.TypeSOA, aa: true,
			answer: []string{rr("contoso.com. 3600 SOA ns1.contoso.com. hostmaster.contoso.com. 1 3600 600 604800 300")}},
		// Internal names do not exist outside.
		{name: "lyncdiscoverinternal.contoso.com.", qtype: dns.TypeA, aa: true, rcode: dns.RcodeNameError, nsSOA: "contoso.com.", negTTL: 300},
		{name: "lyncdiscover.contoso.com.", qtype: dns.TypeAAAA, aa: true, nsSOA: "contoso.com.", negTTL: 300},
		// An empty non-terminal is NODATA.
		{name: "_tcp.contoso.com.", qtype: dns.TypeA, aa: true, nsSOA: "contoso.com.", negTTL: 300},
		// The AD zone is internal only; other names are nobody's here.
		{name: "pool01.contoso.net.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
		{name: "www.example.org.", qtype: dns.TypeA, rcode: dns.RcodeRefused, edns: 4096},
		{name: "com.", qtype: dns.TypeNS, rcode: dns.RcodeRefused},
		// ANY: one RRset, never the node.
		{name: "contoso.com.", qtype: dns.TypeANY, aa: true,
			answer: []string{rr("contoso.com. 3600 NS localhost.")}},
		{name: "contoso.com.", qtype: dns.TypeAXFR, tcp: true, rcode: dns.RcodeRefused},
	})
}

// TestInternalView asks the internal view of contoso, pin-point zones
// and CNAME chains included.
func TestInternalView(t *testing.T) {
	addr := serve(t, newServer(t, labPlan(t), "internal", nil))
	webint := rr("webint.contoso.net. 3600 A 192.168.21.120")
	pools := []string{rr("pool01.contoso.net. 3600 A 192.168.21.122"), rr("pool01.contoso.net. 3600 A 192.168.21.123"), rr("pool01.contoso.net. 3600 A 192.168.21.124")}
	var big, huge []string
	for i := range 60 {
		big = append(big, rr(fmt.Sprintf("big.contoso.com. 600 A 10.0.0.%d", i+1)))
	}
	for i := range 100 {
		huge = append(huge, rr(fmt.Sprintf("huge.contoso.com. 600 AAAA 2001:db8::%x", i+1)))
	}
	var long []string
	for i := range 8 {
		long = append(long, rr(fmt.Sprintf("long%d.contoso.com. 600 CNAME long%d.contoso.com.", i, i+1)))
	}
	runQueries(t, addr, []query{
		{name: "lyncdiscoverinternal.contoso.com.", qtype: dns.TypeA, aa: true,
			answer: []string{rr("lyncdiscoverinternal.contoso.com. 3600 A 192.168.21.120")}},
		// Pin-point zones: the name, nothing below it, nothing beside it.
		{name: "lyncdiscoverinternal.fabrikam.com.", qtype: dns.TypeA, aa: true,
			answer: []string{rr("lyncdiscoverinternal.fabrikam.com. 3600 A 192.168.21.120")}},
		{name: "x.lyncdiscoverinternal.fabrikam.com.", qtype: dns.TypeA, aa: true, rcode: dns.RcodeNameError,
			nsSOA: "lyncdiscoverinternal.fabrikam.com.", negTTL: 300},
		{name: "lyncdiscover.fabrikam.com.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
		{name: "fabrikam.com.", qtype: dns.TypeSOA, rcode: dns.RcodeRefused},
		{name: "_sipinternaltls._tcp.fabrikam.com.", qtype: dns.TypeSRV, aa: true,
			answer: []string{rr("_sipinternaltls._tcp.fabrikam.com. 3600 SRV 0 0 5061 pool01.contoso.net.")}, extra: pools},
		// Names of the external view are not internal ones.
		{name: "lyncdiscover.contoso.com.", qtype: dns.TypeA, aa: true, rcode: dns.RcodeNameError, nsSOA: "contoso.com.", negTTL: 300},
		// CNAME chains across the view's zones, spelt as the CNAMEs spell them.
		{name: "chain1.contoso.com.", qtype: dns.TypeA, aa: true, answer: []string{
			rr("chain1.contoso.com. 600 CNAME Chain2.contoso.com."),
			rr("Chain2.contoso.com. 600 CNAME WebInt.contoso.net."),
			rr("WebInt.contoso.net. 3600 A 192.168.21.120")}},
		{name: "chain2.contoso.com.", qtype: dns.TypeCNAME, aa: true, answer: []string{
			rr("chain2.contoso.com. 600 CNAME WebInt.contoso.net.")}},
		{name: "chain2.contoso.com.", qtype: dns.TypeAAAA, aa: true, nsSOA: "contoso.net.", negTTL: 300, answer: []string{
			rr("chain2.contoso.com. 600 CNAME WebInt.contoso.net.")}},
		{name: "loop1.contoso.com.", qtype: dns.TypeA, aa: true, answer: []string{
			rr("loop1.contoso.com. 600 CNAME loop2.contoso.com."),
			rr("loop2.contoso.com. 600 CNAME loop1.contoso.com.")}},
		{name: "long0.contoso.com.", qtype: dns.TypeA, aa: true, answer: long},
		{name: "away.contoso.com.", qtype: dns.TypeA, aa: true, answer: []string{
			rr("away.contoso.com. 600 CNAME www.example.org.")}},
		{name: "dangling.contoso.com.", qtype: dns.TypeA, aa: true, rcode: dns.RcodeNameError, nsSOA: "contoso.net.", negTTL: 300,
			answer: []string{rr("dangling.contoso.com. 600 CNAME nothere.contoso.net.")}},
		{name: "webint.contoso.net.", qtype: dns.TypeA, aa: true, answer: []string{webint}},
		// Truncation: over UDP only what fits, the whole over TCP.
		{name: "big.contoso.com.", qtype: dns.TypeA, udp: true, aa: true, tc: true},
		{name: "big.contoso.com.", qtype: dns.TypeA, udp: true, edns: 1232, aa: true, answer: big},
		{name: "big.contoso.com.", qtype: dns.TypeA, udp: true, edns: 100, aa: true, tc: true}, // below 512 counts as 512
		{name: "big.contoso.com.", qtype: dns.TypeA, tcp: true, aa: true, answer: big},
		{name: "huge.contoso.com.", qtype: dns.TypeAAAA, udp: true, edns: 4096, aa: true, tc: true}, // ours caps at 1232
		{name: "huge.contoso.com.", qtype: dns.TypeAAAA, tcp: true, edns: 4096, aa: true, answer: huge},
		{name: "huge.contoso.com.", qtype: dns.TypeAAAA, tcp: true, aa: true, answer: huge},
	})
}

// TestMalformed sends queries a server must refuse in a precise way.
func TestMalformed(t *testing.T) {
	addr := serve(t, newServer(t, examplePlan(t, "contoso"), "external", nil))
	ask := func(network string, edit func(m *dns.Msg)) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("lyncdiscover.contoso.com.", dns.TypeA)
		edit(m)
		c := &dns.Client{Net: network, Timeout: 2 * time.Second}
		r, _, err := c.Exchange(m, addr)
		if err != nil {
			t.Fatalf("%s: %v", network, err)
		}
		return r
	}
	for _, network := range []string{"udp", "tcp"} {
		cases := []struct {
			name   string
			edit   func(*dns.Msg)
			rcode  int
			opt    bool
			answer bool
		}{
			{"notify", func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }, dns.RcodeNotImplemented, false, false},
			{"update", func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate }, dns.RcodeNotImplemented, false, false},
			{"status", func(m *dns.Msg) { m.Opcode = dns.OpcodeStatus; m.SetEdns0(1232, false) }, dns.RcodeNotImplemented, true, false},
			{"two questions", func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }, dns.RcodeFormatError, false, false},
			{"no question", func(m *dns.Msg) { m.Question = nil }, dns.RcodeFormatError, false, false},
			{"EDNS version 1", func(m *dns.Msg) { m.SetEdns0(1232, false); m.IsEdns0().SetVersion(1) }, dns.RcodeBadVers, true, false},
			{"two OPTs", func(m *dns.Msg) { m.SetEdns0(1232, false); m.Extra = append(m.Extra, m.Extra[0]) }, dns.RcodeFormatError, false, false},
			{"class CH", func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }, dns.RcodeRefused, false, false},
			{"OPT as the type", func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeOPT }, dns.RcodeFormatError, false, false},
			{"DO bit", func(m *dns.Msg) { m.SetEdns0(1232, true) }, dns.RcodeSuccess, true, true},
			{"CD bit", func(m *dns.Msg) { m.CheckingDisabled = true }, dns.RcodeSuccess, false, true},
		}
		for _, c := range cases {
			t.Run(network+"/"+c.name, func(t *testing.T) {
				r := ask(network, c.edit)
				if r.Rcode != c.rcode {
					t.Errorf("rcode %d, want %d", r.Rcode, c.rcode)
				}
				opt := r.IsEdns0()
				if (opt != nil) != c.opt {
					t.Errorf("OPT %v, want one: %v", opt, c.opt)
				}
				if opt != nil && c.name == "DO bit" && !opt.Do() {
					t.Error("DO not copied")
				}
				if r.CheckingDisabled != (c.name == "CD bit") {
					t.Errorf("CD %v", r.CheckingDisabled)
				}
				if (len(r.Answer) > 0) != c.answer || r.RecursionAvailable {
					t.Errorf("answer %v RA %v", r.Answer, r.RecursionAvailable)
				}
			})
		}
	}
}

// TestServeDNSDirect covers what a client library will not send.
func TestServeDNSDirect(t *testing.T) {
	s := newServer(t, examplePlan(t, "contoso"), "external", nil)
	m := new(dns.Msg)
	m.SetQuestion("lyncdiscover.contoso.com.", dns.TypeA)
	m.Response = true
	w := &recorder{network: "udp"}
	s.ServeDNS(w, m)
	if len(w.writes) != 0 {
		t.Errorf("answered a response: %d writes", len(w.writes))
	}

	// An OPT in the answer section, or owned by another name than the root.
	for _, edit := range []func(*dns.Msg){
		func(m *dns.Msg) {
			m.Answer = append(m.Answer, &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT, Class: 1232}})
		},
		func(m *dns.Msg) {
			m.Extra = append(m.Extra, &dns.OPT{Hdr: dns.RR_Header{Name: "contoso.com.", Rrtype: dns.TypeOPT, Class: 1232}})
		},
	} {
		m := new(dns.Msg)
		m.SetQuestion("lyncdiscover.contoso.com.", dns.TypeA)
		edit(m)
		w := &recorder{network: "udp"}
		s.ServeDNS(w, m)
		r := new(dns.Msg)
		if len(w.writes) != 1 || r.Unpack(w.writes[0]) != nil || r.Rcode != dns.RcodeFormatError {
			t.Errorf("bad OPT: got %v, want FORMERR", r)
		}
	}
}

// TestLog checks the one line per query.
func TestLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	s := newServer(t, examplePlan(t, "contoso"), "external", log)
	m := new(dns.Msg)
	m.SetQuestion("LyncDiscover.contoso.com.", dns.TypeA)
	s.ServeDNS(&recorder{network: "tcp"}, m)
	m.SetQuestion("www.example.org.", dns.TypeAAAA)
	s.ServeDNS(&recorder{network: "udp"}, m)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), buf.String())
	}
	for i, want := range [][]string{
		{"location=external", "proto=tcp", "name=LyncDiscover.contoso.com.", "type=A", "status=NOERROR", "duration="},
		{"location=external", "proto=udp", "name=www.example.org.", "type=AAAA", "status=REFUSED", "client=127.0.0.2:40000"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("log line %q lacks %q", lines[i], w)
			}
		}
	}
}
