package dnsserver

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ServeDNS answers one query (dns.Handler). It never answers a response,
// and writes at most one message, packed once and never larger than the
// transport and the client allow.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) { s.serve(w, r, nil) }

// serve is ServeDNS; keep, if not nil, is given the answer as written
// (valid only during the call) and its message.
func (s *Server) serve(w dns.ResponseWriter, r *dns.Msg, keep func(out []byte, m *dns.Msg)) {
	if r == nil || r.Response {
		return
	}
	start := time.Now()
	stream := isStream(w.LocalAddr())
	m, limit := s.respond(r, stream)

	bp := s.bufs.Get().(*[]byte)
	out := s.pack(m, limit, (*bp)[:0])
	if out == nil {
		s.bufs.Put(bp)
		return
	}
	_, err := w.Write(out)
	size := len(out)
	if err == nil && keep != nil {
		keep(out, m)
	}
	if cap(out) <= 1<<16 {
		*bp = out[:0]
	}
	s.bufs.Put(bp)

	if s.log.Enabled(context.Background(), slog.LevelInfo) {
		s.logQuery(w, r, m, stream, size, time.Since(start), err)
	}
}

// respond builds the answer to r and says how large its packed form may
// be.
func (s *Server) respond(r *dns.Msg, stream bool) (*dns.Msg, int) {
	m := &dns.Msg{Compress: true}
	m.Id = r.Id
	m.Response = true
	m.Opcode = r.Opcode
	m.RecursionDesired = r.RecursionDesired // copied, never acted on
	m.CheckingDisabled = r.CheckingDisabled // copied, as RFC 4035 3.1.6 asks
	limit := dns.MinMsgSize
	if stream {
		limit = dns.MaxMsgSize
	}
	if len(r.Question) == 1 {
		m.Question = []dns.Question{r.Question[0]}
	}

	opt, ok := requestOPT(r)
	if !ok {
		m.Question = nil
		m.Rcode = dns.RcodeFormatError
		return m, limit
	}
	if opt != nil {
		reply := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		reply.SetUDPSize(EDNSSize)
		if opt.Do() {
			reply.SetDo() // RFC 3225: copied, though we sign nothing
		}
		m.Extra = []dns.RR{reply}
		if !stream {
			limit = max(dns.MinMsgSize, min(int(opt.UDPSize()), EDNSSize))
		}
		if opt.Version() != 0 {
			m.Rcode = dns.RcodeBadVers
			return m, limit
		}
	}
	if r.Opcode != dns.OpcodeQuery {
		m.Rcode = dns.RcodeNotImplemented
		return m, limit
	}
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return m, limit
	}
	q := r.Question[0]
	switch {
	case q.Qclass != dns.ClassINET:
		m.Rcode = dns.RcodeRefused // only IN is served
	case q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR:
		m.Rcode = dns.RcodeRefused // no zone transfers
	case q.Qtype == dns.TypeOPT || q.Qtype == dns.TypeTSIG || q.Qtype == dns.TypeTKEY || q.Qtype == dns.TypeNone:
		m.Rcode = dns.RcodeFormatError // not a type one can ask for
	case q.Qtype == dns.TypeMAILA || q.Qtype == dns.TypeMAILB:
		m.Rcode = dns.RcodeNotImplemented
	default:
		s.resolve(m, q)
	}
	return m, limit
}

// requestOPT is the query's OPT, if any; ok is false when EDNS is
// malformed (RFC 6891 6.1.1: more than one OPT, or one outside the
// additional section or not owned by the root), which is FORMERR.
func requestOPT(r *dns.Msg) (opt *dns.OPT, ok bool) {
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == dns.TypeOPT {
			return nil, false
		}
	}
	for _, rr := range r.Ns {
		if rr.Header().Rrtype == dns.TypeOPT {
			return nil, false
		}
	}
	for _, rr := range r.Extra {
		o, isOPT := rr.(*dns.OPT)
		if !isOPT {
			continue
		}
		if opt != nil || o.Hdr.Name != "." {
			return nil, false
		}
		opt = o
	}
	return opt, true
}

// resolve fills m's answer for the question q (class IN, a data type or
// ANY): the records of the most specific zone, CNAMEs followed inside
// the view, or REFUSED for a name in no zone.
func (s *Server) resolve(m *dns.Msg, q dns.Question) {
	spelled := q.Name // owners in the answer keep the asker's spelling
	name := strings.ToLower(spelled)
	z := s.zoneFor(name)
	if z == nil {
		m.Rcode = dns.RcodeRefused
		return
	}
	m.Authoritative = true
	var seen [MaxChain + 1]string
	for link := 0; ; link++ {
		seen[link] = name
		n := z.node[name]
		if n == nil {
			m.Rcode = dns.RcodeNameError
			m.Ns = []dns.RR{z.neg}
			return
		}
		if q.Qtype == dns.TypeANY {
			if len(n.types) == 0 {
				m.Ns = []dns.RR{z.neg}
				return
			}
			// RFC 8482: one RRset, not the node, so ANY amplifies nothing.
			m.Answer = appendOwned(m.Answer, n.sets[n.types[0]], spelled)
			return
		}
		if set := n.sets[q.Qtype]; len(set) > 0 {
			m.Answer = appendOwned(m.Answer, set, spelled)
			m.Extra = s.additional(m.Extra, m.Answer, set)
			return
		}
		cname := n.sets[dns.TypeCNAME]
		if len(cname) == 0 {
			m.Ns = []dns.RR{z.neg} // NODATA
			return
		}
		m.Answer = appendOwned(m.Answer, cname, spelled)
		spelled = cname[0].(*dns.CNAME).Target
		name = strings.ToLower(spelled)
		if link+1 >= MaxChain || contains(seen[:link+1], name) {
			return // too long or a loop: the chain so far, as BIND sends it
		}
		if z = s.zoneFor(name); z == nil {
			return // leaves the view: the client's resolver goes on
		}
	}
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// appendOwned appends set, its owner spelt as the question spelt it
// (records are shared between queries, so a differing spelling gets
// copies).
func appendOwned(dst, set []dns.RR, spelled string) []dns.RR {
	if set[0].Header().Name == spelled {
		return append(dst, set...)
	}
	for _, rr := range set {
		c := dns.Copy(rr)
		c.Header().Name = spelled
		dst = append(dst, c)
	}
	return dst
}

// additional appends the addresses, inside the view, of the targets of
// the SRV, MX or NS records of set that the answer does not hold already.
func (s *Server) additional(extra, answer, set []dns.RR) []dns.RR {
	for _, rr := range set {
		var target string
		switch rr := rr.(type) {
		case *dns.SRV:
			target = rr.Target
		case *dns.MX:
			target = rr.Mx
		case *dns.NS:
			target = rr.Ns
		default:
			return extra
		}
		target = strings.ToLower(target)
		z := s.zoneFor(target)
		if z == nil || z.node[target] == nil || has(answer, target) || has(extra, target) {
			continue
		}
		n := z.node[target]
		extra = append(extra, n.sets[dns.TypeA]...)
		extra = append(extra, n.sets[dns.TypeAAAA]...)
	}
	return extra
}

func has(rrs []dns.RR, owner string) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeOPT && strings.EqualFold(rr.Header().Name, owner) {
			return true
		}
	}
	return false
}

// pack packs m into buf within limit bytes: when it does not fit, the
// additional records (but the OPT) go first (RFC 2181 9: no TC for
// those), then the answer and authority, with TC=1 so that the client
// asks again over TCP. A message that cannot be packed becomes SERVFAIL.
// nil means nothing can be sent.
func (s *Server) pack(m *dns.Msg, limit int, buf []byte) []byte {
	out, err := m.PackBuffer(buf)
	if err == nil && len(out) <= limit {
		return out
	}
	if err == nil {
		if opt := m.IsEdns0(); len(m.Extra) > 0 && (opt == nil || len(m.Extra) > 1) {
			m.Extra = optOnly(m.Extra)
			if out, err = m.PackBuffer(buf); err == nil && len(out) <= limit {
				return out
			}
		}
		if err == nil {
			m.Answer, m.Ns, m.Truncated = nil, nil, true
			if out, err = m.PackBuffer(buf); err == nil && len(out) <= limit {
				return out
			}
		}
	}
	// Cannot pack (a name the question held but that does not pack) or
	// still too large: a bare SERVFAIL, header and OPT only.
	m.Question, m.Answer, m.Ns, m.Extra = nil, nil, nil, optOnly(m.Extra)
	m.Rcode, m.Authoritative, m.Truncated = dns.RcodeServerFailure, false, false
	if out, err = m.PackBuffer(buf); err == nil && len(out) <= limit {
		return out
	}
	return nil
}

func optOnly(extra []dns.RR) []dns.RR {
	for _, rr := range extra {
		if rr.Header().Rrtype == dns.TypeOPT {
			return []dns.RR{rr}
		}
	}
	return nil
}

// isStream says whether the query came over TCP (no size limit but the
// protocol's) rather than UDP.
func isStream(a net.Addr) bool {
	return a != nil && strings.HasPrefix(a.Network(), "tcp")
}

func (s *Server) logQuery(w dns.ResponseWriter, r, m *dns.Msg, stream bool, size int, took time.Duration, err error) {
	qname, qtype := "", ""
	if len(r.Question) > 0 {
		qname, qtype = r.Question[0].Name, dns.Type(r.Question[0].Qtype).String()
	}
	s.logLine(w, stream, qname, qtype, rcodeName(m.Rcode), m.Truncated, size, took, err)
}

// logLine is the one line a query logs.
func (s *Server) logLine(w dns.ResponseWriter, stream bool, qname, qtype, status string, tc bool, size int, took time.Duration, err error) {
	proto := "udp"
	if stream {
		proto = "tcp"
	}
	client := ""
	if a := w.RemoteAddr(); a != nil {
		client = a.String()
	}
	attrs := []slog.Attr{
		slog.String("location", s.view),
		slog.String("proto", proto),
		slog.String("client", client),
		slog.String("name", qname),
		slog.String("type", qtype),
		slog.String("status", status),
		slog.Bool("tc", tc),
		slog.Int("size", size),
		slog.Duration("duration", took),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "dns", attrs...)
}

func rcodeName(rcode int) string {
	if rcode == dns.RcodeBadVers {
		return "BADVERS" // miekg/dns names 16 BADSIG, its TSIG meaning
	}
	if n, ok := dns.RcodeToString[rcode]; ok {
		return n
	}
	return "RCODE" + strconv.Itoa(rcode)
}
