// Package dnsserver is the lab's authoritative DNS server for one view
// (internal or external): it serves exactly the zones parsed from the
// generated zone files, over UDP and TCP.
//
// What it answers, and why:
//   - Authoritative answers (AA) from the view's zones; the most specific
//     zone holding a name answers for it. Names outside every zone are
//     REFUSED: there is no recursion (RA is never set, RD is ignored).
//   - CNAME chains are followed inside the view, across its zones, at
//     most MaxChain links and never around a loop; a chain leaving the
//     view stops there, for the client's resolver to follow.
//   - NXDOMAIN and NODATA carry the zone's SOA in the authority section,
//     its TTL the negative TTL of RFC 2308 (the SOA's minimum, or its own
//     TTL if lower). An empty non-terminal is NODATA (RFC 8020).
//   - A pin-point zone (a zone for one name, as Windows DNS makes them)
//     holds records at its apex only: names below it are NXDOMAIN in it,
//     and other names of the parent domain, in no zone, are REFUSED.
//   - ANY gets one RRset of the name (RFC 8482), never the whole node;
//     AXFR and IXFR are REFUSED. No response is larger than needed: no
//     authority NS, and additional addresses only for SRV, MX and NS
//     targets inside the view, dropped first when space runs out.
//   - EDNS0 (RFC 6891): an OPT is echoed with our buffer size (EDNSSize)
//     and the query's DO bit; UDP answers fit the client's size (at least
//     512, at most EDNSSize), 512 without EDNS; more than one OPT, or one
//     outside the additional section or not owned by the root, is FORMERR,
//     a version other than 0 is BADVERS. An answer that does not fit is
//     sent with TC=1 and no records, and the client retries over TCP,
//     which gets the full answer.
//   - Names compare without case; the question is echoed as asked, so
//     a client's 0x20 case randomisation survives, and answer owners take
//     the spelling of the name asked for.
//   - Opcodes other than QUERY are NOTIMP; a query with other than one
//     question is FORMERR; responses are never answered (no reflection).
//     RD and CD are copied into the answer, never acted on.
//
// What it refuses to load: zones without exactly one SOA at the apex or
// without NS at the apex, delegations (NS below the apex), wildcards and
// DNAME (the generated zones have none), a CNAME beside other data or at
// the apex, pin-point zones with records below the apex, duplicate zones
// or records. It serves what the files say or does not start.
package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Limits and timeouts of the server.
const (
	// EDNSSize is the UDP payload size we advertise and the largest UDP
	// answer we send (the DNS flag day 2020 value: no IP fragmentation).
	EDNSSize = 1232
	// MaxChain bounds the CNAME links followed for one answer.
	MaxChain = 8

	ReadTimeout  = 2 * time.Second
	WriteTimeout = 2 * time.Second
	// IdleTimeout closes a TCP connection with no query for this long
	// (RFC 7766 asks for seconds, not minutes).
	IdleTimeout = 10 * time.Second
	// MaxTCPConns bounds the TCP connections served at once; more wait in
	// the listen backlog.
	MaxTCPConns = 256
	// ShutdownGrace is how long Serve waits for queries in flight when
	// its context ends.
	ShutdownGrace = 2 * time.Second
	// readBuffer is the UDP read buffer: a larger query is cut short and
	// answered FORMERR.
	readBuffer = dns.DefaultMsgSize
)

// Server answers for the zones of one view. Its zones do not change
// after New (its only mutable state is a cache of answers, which never
// changes one): ServeDNS and ServeWire may run on any number of
// goroutines.
type Server struct {
	view  string
	zones map[string]*zone // by name, lower case, fully qualified
	log   *slog.Logger
	bufs  sync.Pool // *[]byte pack buffers
	cache answerCache
}

// zone is a zone indexed for lookups.
type zone struct {
	name string
	kind string
	neg  *dns.SOA         // the SOA as sent in negative answers
	node map[string]*node // every owner name and every empty non-terminal
}

// node holds a name's RRsets; an empty non-terminal has none.
type node struct {
	sets  map[uint16][]dns.RR
	types []uint16 // the types of sets, ascending
}

// New checks the zones of a view and indexes them. view is "internal"
// or "external"; log receives one line per query (nil: none).
func New(view string, zones []Zone, log *slog.Logger) (*Server, error) {
	if view != "internal" && view != "external" {
		return nil, fmt.Errorf("dns server: view %q (want internal or external)", view)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{view: view, zones: map[string]*zone{}, log: log}
	s.bufs.New = func() any { b := make([]byte, 0, 2048); return &b }
	for _, z := range zones {
		iz, err := index(z)
		if err != nil {
			return nil, fmt.Errorf("dns server, %s view: %w", view, err)
		}
		if s.zones[iz.name] != nil {
			return nil, fmt.Errorf("dns server, %s view: zone %s given twice", view, iz.name)
		}
		s.zones[iz.name] = iz
	}
	return s, nil
}

// View is the view the server answers for.
func (s *Server) View() string { return s.view }

// index checks one zone and builds its lookup table.
func index(z Zone) (*zone, error) {
	name, err := zoneName(z.Name)
	if err != nil {
		return nil, err
	}
	if name == "." {
		return nil, errors.New("the root zone is not served")
	}
	switch z.Kind {
	case KindAuthoritative, KindSplitBrain, KindPinPoint:
	default:
		return nil, fmt.Errorf("zone %s: kind %q (want %s, %s or %s)", name, z.Kind, KindAuthoritative, KindSplitBrain, KindPinPoint)
	}
	iz := &zone{name: name, kind: z.Kind, node: map[string]*node{}}
	var soa *dns.SOA
	for _, rr := range z.Records {
		if rr == nil || rr.Header() == nil {
			return nil, fmt.Errorf("zone %s: empty record", name)
		}
		if err := checkRecord(name, rr); err != nil {
			return nil, err
		}
		h := rr.Header()
		owner := dns.CanonicalName(h.Name)
		if owner != h.Name { // our copy, never the caller's record, is lower-cased
			rr = dns.Copy(rr)
			rr.Header().Name = owner
			h = rr.Header()
		}
		apex := owner == name
		switch {
		case strings.HasPrefix(owner, "*."):
			return nil, fmt.Errorf("zone %s: wildcard %s is not served", name, owner)
		case h.Rrtype == dns.TypeDNAME:
			return nil, fmt.Errorf("zone %s: DNAME %s is not served", name, owner)
		case h.Rrtype == dns.TypeOPT || h.Rrtype == dns.TypeTSIG || h.Rrtype == dns.TypeTKEY:
			return nil, fmt.Errorf("zone %s: %s record at %s is not zone data", name, dns.Type(h.Rrtype), owner)
		case h.Rrtype == dns.TypeSOA && !apex:
			return nil, fmt.Errorf("zone %s: SOA at %s, below the apex", name, owner)
		case h.Rrtype == dns.TypeSOA && soa != nil:
			return nil, fmt.Errorf("zone %s: more than one SOA", name)
		case h.Rrtype == dns.TypeNS && !apex:
			return nil, fmt.Errorf("zone %s: NS at %s: delegations are not served", name, owner)
		case h.Rrtype == dns.TypeCNAME && apex:
			return nil, fmt.Errorf("zone %s: CNAME at the apex", name)
		case z.Kind == KindPinPoint && !apex:
			return nil, fmt.Errorf("zone %s: pin-point zone with a record at %s (it answers only its own name)", name, owner)
		}
		if h.Rrtype == dns.TypeSOA {
			soa = rr.(*dns.SOA)
		}
		n := iz.node[owner]
		if n == nil {
			n = &node{sets: map[uint16][]dns.RR{}}
			iz.node[owner] = n
		}
		for _, have := range n.sets[h.Rrtype] {
			if dns.IsDuplicate(have, rr) {
				return nil, fmt.Errorf("zone %s: record %q given twice", name, rr.String())
			}
		}
		if len(n.sets[h.Rrtype]) == 0 {
			n.types = append(n.types, h.Rrtype)
		}
		n.sets[h.Rrtype] = append(n.sets[h.Rrtype], rr)
		if _, cname := n.sets[dns.TypeCNAME]; cname && (len(n.sets) > 1 || len(n.sets[dns.TypeCNAME]) > 1) {
			return nil, fmt.Errorf("zone %s: CNAME at %s beside other data", name, owner)
		}
	}
	if soa == nil {
		return nil, fmt.Errorf("zone %s: no SOA at the apex", name)
	}
	if len(iz.node[name].sets[dns.TypeNS]) == 0 {
		return nil, fmt.Errorf("zone %s: no NS at the apex", name)
	}
	neg := dns.Copy(soa).(*dns.SOA)
	neg.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	iz.neg = neg
	// Every name between an owner and the apex exists (an empty
	// non-terminal): NODATA there, never NXDOMAIN.
	owners := make([]string, 0, len(iz.node))
	for owner, n := range iz.node {
		slices.Sort(n.types)
		owners = append(owners, owner)
	}
	for _, owner := range owners {
		for p := parent(owner); p != "" && p != name && dns.IsSubDomain(name, p); p = parent(p) {
			if iz.node[p] == nil {
				iz.node[p] = &node{}
			}
		}
	}
	return iz, nil
}

// parent is name less its first label ("" for the root).
func parent(name string) string {
	off, end := dns.NextLabel(name, 0)
	if end {
		return ""
	}
	return name[off:]
}

// zoneFor is the most specific zone holding name (lower case), or nil.
func (s *Server) zoneFor(name string) *zone {
	for off := 0; ; {
		if z := s.zones[name[off:]]; z != nil {
			return z
		}
		next, end := dns.NextLabel(name, off)
		if end {
			return nil
		}
		off = next
	}
}

// Serve answers queries on pc (UDP) and ln (TCP) until ctx is done, then
// shuts down gracefully, waiting up to ShutdownGrace for queries in
// flight. It takes ownership of pc and ln and closes both. It returns nil
// after a shutdown asked for by ctx, or the error that stopped a
// listener (the other is then shut down too).
func (s *Server) Serve(ctx context.Context, pc net.PacketConn, ln net.Listener) error {
	return ServeHandler(ctx, s.view, s.log, s, pc, ln)
}

// ServeHandler is Serve with the queries answered by h: the lab runtime
// passes a handler that forwards to the view's current Server, so a
// reload swaps the zones without closing a socket.
func ServeHandler(ctx context.Context, view string, log *slog.Logger, h dns.Handler, pc net.PacketConn, ln net.Listener) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{view: view, log: log}
	if pc == nil || ln == nil {
		if pc != nil {
			pc.Close()
		}
		if ln != nil {
			ln.Close()
		}
		return fmt.Errorf("dns server, %s view: needs both a UDP and a TCP listener", s.view)
	}
	invalid := func(m []byte, err error) {
		s.log.LogAttrs(context.Background(), slog.LevelInfo, "dns",
			slog.String("location", s.view), slog.String("status", "malformed"), slog.Int("size", len(m)), slog.String("error", err.Error()))
	}
	var runs []*run
	// UDP in batches where the socket allows it, else miekg/dns's
	// Server, which reads and writes one datagram a call.
	if u := newUDPServer(pc, h, invalid, runtime.GOMAXPROCS(0)); u != nil {
		runs = append(runs, newUDPRun(u))
	} else {
		runs = append(runs, newRun("udp", &dns.Server{PacketConn: pc, UDPSize: readBuffer}))
	}
	runs = append(runs, newRun("tcp", &dns.Server{Listener: newLimitListener(ln, MaxTCPConns),
		IdleTimeout: func() time.Duration { return IdleTimeout }}))
	errc := make(chan error, len(runs))
	for _, r := range runs {
		if r.srv != nil {
			r.srv.Handler = h
			r.srv.ReadTimeout = ReadTimeout
			r.srv.WriteTimeout = WriteTimeout
			r.srv.MsgAcceptFunc = accept
			r.srv.MsgInvalidFunc = invalid
		}
		go func() {
			err := r.serve()
			close(r.done)
			errc <- err
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		if err == nil {
			err = errors.New("stopped")
		}
		err = fmt.Errorf("dns server, %s view: %w", s.view, err)
	}
	for _, r := range runs {
		r.stop()
	}
	return err
}

// run is one server (UDP or TCP) of Serve: a dns.Server, or the
// batched UDP server.
type run struct {
	net      string
	srv      *dns.Server
	serve    func() error
	shutdown func(context.Context) error
	started  chan struct{}
	done     chan struct{}
}

func newRun(network string, srv *dns.Server) *run {
	r := &run{net: network, srv: srv, started: make(chan struct{}), done: make(chan struct{})}
	srv.NotifyStartedFunc = func() { close(r.started) }
	r.serve, r.shutdown = srv.ActivateAndServe, srv.ShutdownContext
	return r
}

func newUDPRun(u *udpServer) *run {
	r := &run{net: "udp", started: make(chan struct{}), done: make(chan struct{})}
	r.serve = func() error { return u.serve(func() { close(r.started) }) }
	r.shutdown = func(ctx context.Context) error { u.stop(ctx); return nil }
	return r
}

// stop shuts the server down once it has started (shutting down one not
// yet started would fail and leave it to start afterwards) and waits for
// it to return.
func (r *run) stop() {
	select {
	case <-r.started:
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
		defer cancel()
		_ = r.shutdown(ctx) // an error means it already stopped or the grace ran out
	case <-r.done:
	}
	<-r.done
}

// accept lets every query through to ServeDNS, which decides FORMERR and
// NOTIMP itself; a response is dropped unanswered (no reflection loops).
func accept(dh dns.Header) dns.MsgAcceptAction {
	const qr = 1 << 15
	if dh.Bits&qr != 0 {
		return dns.MsgIgnore
	}
	return dns.MsgAccept
}

// limitListener accepts at most cap(sem) connections at a time; Close
// also ends an Accept waiting for a free slot.
type limitListener struct {
	net.Listener
	sem    chan struct{}
	once   sync.Once
	closed chan struct{}
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), closed: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
