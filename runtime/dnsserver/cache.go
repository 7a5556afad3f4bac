package dnsserver

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// WireHandler is a dns.Handler that can also answer a UDP query from its
// bytes; the batched UDP server offers it every datagram first.
type WireHandler interface {
	dns.Handler
	// ServeWire answers query, or returns false having written nothing,
	// for the query to be unpacked and served as usual.
	ServeWire(w dns.ResponseWriter, query []byte) bool
}

// Bounds of the answer cache.
const (
	// maxCachedAnswers: past this many the cache starts again empty, so
	// queries made up to fill it cost the popular ones a miss each.
	maxCachedAnswers = 4096
	// maxCachedQuery: a longer query is answered uncached.
	maxCachedQuery = 512
)

// answerCache holds packed UDP answers by the bytes of the query after
// its ID. A Server's answer is a function of the query alone (the zones
// do not change after New), so two queries alike but for the ID get
// answers alike but for the ID: a cached answer is exactly what ServeDNS
// would pack, and unpacking, answering and packing are saved.
type answerCache struct {
	mu sync.RWMutex
	m  map[string]*cachedAnswer
}

// cachedAnswer is one answer and what its log line says.
type cachedAnswer struct {
	wire                []byte
	name, qtype, status string
	tc                  bool
}

// ServeWire answers a UDP query from the cache, or serves it and caches
// the answer. A query that does not unpack, or is a response, or came
// over TCP is left to the usual path (which gives it FORMERR, or drops
// it, as the server it comes through does).
func (s *Server) ServeWire(w dns.ResponseWriter, q []byte) bool {
	if len(q) < 12 || len(q) > maxCachedQuery || q[2]&0x80 != 0 || isStream(w.LocalAddr()) {
		return false
	}
	s.cache.mu.RLock()
	e := s.cache.m[string(q[2:])]
	s.cache.mu.RUnlock()
	if e == nil {
		r := new(dns.Msg)
		if r.Unpack(q) != nil {
			return false
		}
		s.serve(w, r, func(out []byte, m *dns.Msg) { s.remember(q, out, r, m) })
		return true
	}
	start := time.Now()
	bp := s.bufs.Get().(*[]byte)
	out := append((*bp)[:0], e.wire...)
	out[0], out[1] = q[0], q[1]
	_, err := w.Write(out)
	*bp = out[:0]
	s.bufs.Put(bp)
	if s.log.Enabled(context.Background(), slog.LevelInfo) {
		s.logLine(w, false, e.name, e.qtype, e.status, e.tc, len(e.wire), time.Since(start), err)
	}
	return true
}

// remember caches the answer out to the query q.
func (s *Server) remember(q, out []byte, r, m *dns.Msg) {
	e := &cachedAnswer{wire: append([]byte(nil), out...), status: rcodeName(m.Rcode), tc: m.Truncated}
	if len(r.Question) > 0 {
		e.name, e.qtype = r.Question[0].Name, dns.Type(r.Question[0].Qtype).String()
	}
	s.cache.mu.Lock()
	if s.cache.m == nil || len(s.cache.m) >= maxCachedAnswers {
		s.cache.m = make(map[string]*cachedAnswer, 64)
	}
	s.cache.m[string(q[2:])] = e
	s.cache.mu.Unlock()
}
