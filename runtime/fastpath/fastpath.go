// Package fastpath answers the simplest HTTP/1.1 requests of a keep-alive
// connection itself, ahead of net/http, and hands every other connection
// to a net/http server.
//
// net/http spends more per request than the TLS record does on a small
// answer: a background-read goroutine, a context, a response and header
// maps, deadline changes. Autodiscover's Root document is asked for
// over and over on kept connections and is a function of the request
// line and headers alone, so here one goroutine per connection reads
// into one buffer, parses each request head strictly, and, when the
// Router says the request's answer needs nothing else, runs the handler
// with a reused Request and a writer that lays out the response exactly
// as net/http does (headers sorted, then Date, Content-Length,
// Content-Type), batching the answers to pipelined requests into one
// write.
//
// Anything else — another method or version, a body, Expect, Upgrade,
// Connection, a character outside a conservative set, a head larger than
// the buffer, a path the Router does not name — hands the connection, with
// the bytes already read, to the net/http server for good: the fast path
// never answers what net/http would refuse or answer differently
// (fastpath_test.go checks that against net/http itself).
//
// The server's timeouts are net/http's: the TLS handshake within the
// least of ReadHeaderTimeout, ReadTimeout and WriteTimeout; a request
// head within ReadHeaderTimeout of its first bytes (of the connection's
// start, for the first); IdleTimeout between requests; WriteTimeout for
// the answers. The last two may run up to 1/64 longer (at most a second),
// so that a deadline set moments ago need not be set again.
//
// Why a fast path ahead of net/http rather than another server (such as
// fasthttp) for the whole site: UCWA's P-GETs rely on the request
// context ending when the client goes, on ResponseController deadlines
// and on net/http's handling of bodies, Expect and limits, which the
// tests check; here all of that stays net/http's, and only requests
// whose answer is a pure function of their head are served otherwise. Shutdown closes idle connections, lets answers in progress
// finish (with Connection: close, as net/http does) and shuts the
// net/http server down. ConnState, ConnContext and BaseContext hooks are
// not run for the connections served here.
package fastpath

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Router names the requests the fast path answers.
type Router interface {
	// Fast returns the handler that answers a GET or HEAD of path
	// (as sent: not cleaned, not unescaped), or nil to leave the request
	// and its connection to net/http. The handler gets a Request with
	// Method, URL (Path, RawQuery, ForceQuery), Proto, Header (without
	// Host, as net/http gives it), Host, RequestURI, RemoteAddr and
	// http.NoBody; no TLS state and a background context. It must answer
	// from those alone, with a status that allows a body, without
	// Transfer-Encoding, Trailer or Connection headers, and with a
	// Content-Length (or a body of at most 2 KiB); the response is then
	// byte for byte net/http's. It must not keep or change the Request
	// or its Header: both are reused (and, for a Replayer, passed to
	// Replayed again).
	Fast(method, path string) http.Handler
}

// A Replayer is a fast-path handler whose answer, and all it does besides
// (a log line, say), is a function of the request head alone and of the
// handler value: a request whose head is byte for byte the previous one
// on the connection, for which the Router returns the same handler
// again, gets that answer again (with the current Date) and Replayed
// is called instead of ServeHTTP, to do the rest, once the answer is
// written (in the order of the requests, before any later request's
// handler runs). A Replayer's dynamic
// type must be comparable (a pointer, say): the fast path compares it.
type Replayer interface {
	http.Handler
	// Replayed does for r what ServeHTTP does besides answering, for an
	// answer of status given in d.
	Replayed(r *http.Request, status int, d time.Duration)
}

// maxReplay bounds a connection's copy of its last answer.
const maxReplay = 16 << 10

// bufSize is a connection's read buffer: a request head that does not fit
// goes to net/http (whose limit, MaxHeaderBytes, is larger).
const bufSize = 4 << 10

// Server serves a listener's connections on the fast path, handing the
// others to HTTP.
type Server struct {
	// HTTP serves what the fast path does not; its timeouts and ErrorLog
	// are the fast path's too.
	HTTP   *http.Server
	Router Router

	inShutdown atomic.Bool
	mu         sync.Mutex
	listeners  map[*net.Listener]struct{}
	conns      map[*conn]struct{}
	handoff    *handoffListener
	httpDone   chan struct{}
}

// Serve accepts connections on ln until it fails or the server shuts
// down (then ErrServerClosed, as http.Server.Serve).
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.inShutdown.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[*net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
	}
	s.listeners[&ln] = struct{}{}
	if s.handoff == nil {
		s.handoff = newHandoff(ln.Addr())
		s.httpDone = make(chan struct{})
		go func() {
			defer close(s.httpDone)
			if err := s.HTTP.Serve(s.handoff); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				s.logf("fastpath: the net/http server stopped: %v", err)
			}
		}()
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, &ln)
		s.mu.Unlock()
	}()
	var backoff time.Duration
	for {
		rw, err := ln.Accept()
		if err != nil {
			if s.inShutdown.Load() {
				return http.ErrServerClosed
			}
			// net/http's retry of temporary accept errors.
			var ne net.Error
			//lint:ignore SA1019 the retry net/http's Serve makes, kept alike
			if errors.As(err, &ne) && ne.Temporary() {
				if backoff == 0 {
					backoff = 5 * time.Millisecond
				} else {
					backoff = min(2*backoff, time.Second)
				}
				s.logf("http: Accept error: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := &conn{s: s, rwc: rw}
		c.setState(stateNew)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.serve()
	}
}

// Shutdown stops accepting, closes idle connections, waits for answers in
// progress and shuts the net/http server down, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.inShutdown.Store(true)
	s.mu.Lock()
	for ln := range s.listeners {
		(*ln).Close()
	}
	s.mu.Unlock()
	httpErr := make(chan error, 1)
	go func() { httpErr <- s.HTTP.Shutdown(ctx) }()
	// net/http's polling, from 1 ms up to 500 ms.
	wait := time.Millisecond
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for !s.closeIdle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			wait = min(2*wait, 500*time.Millisecond)
			timer.Reset(wait)
		}
	}
	return <-httpErr
}

// closeIdle closes the idle connections (and those that have not sent a
// whole first request in 5 s, as net/http) and reports whether none is
// left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().Unix()
	for c := range s.conns {
		st := c.state.Load()
		if st>>2 == 0 {
			continue // not yet stamped
		}
		switch st & 3 {
		case stateIdle:
		case stateNew:
			if st>>2 >= now-5 {
				continue
			}
		default:
			continue
		}
		c.rwc.Close()
		delete(s.conns, c)
	}
	return len(s.conns) == 0
}

func (s *Server) logf(format string, args ...any) {
	if s.HTTP.ErrorLog != nil {
		s.HTTP.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

func (s *Server) tlsHandshakeTimeout() time.Duration {
	var ret time.Duration
	for _, v := range [...]time.Duration{s.HTTP.ReadHeaderTimeout, s.HTTP.ReadTimeout, s.HTTP.WriteTimeout} {
		if v > 0 && (ret == 0 || v < ret) {
			ret = v
		}
	}
	return ret
}

func (s *Server) readHeaderTimeout() time.Duration {
	if s.HTTP.ReadHeaderTimeout != 0 {
		return s.HTTP.ReadHeaderTimeout
	}
	return s.HTTP.ReadTimeout
}

func (s *Server) idleTimeout() time.Duration {
	if s.HTTP.IdleTimeout != 0 {
		return s.HTTP.IdleTimeout
	}
	return s.HTTP.ReadTimeout
}

// Connection states, in the low two bits of conn.state; the rest is the
// Unix second the state began.
const (
	stateNew    = 0
	stateActive = 1
	stateIdle   = 2
)

type conn struct {
	s      *Server
	rwc    net.Conn
	state  atomic.Int64
	buf    []byte
	r, w   int // buf[r:w] is read and not yet answered
	out    []byte
	req    http.Request
	url    url.URL
	remote string
	// readDL is the idle deadline set (zero: the read deadline is
	// another), writeDL the write deadline.
	readDL, writeDL time.Time
	header          http.Header
	vals            []string
	rw              writer
	// last is the previous request's head and answer, while the
	// request in req is that one and its handler a Replayer.
	last struct {
		h            Replayer
		head, answer []byte
		dateAt       int
		status       int
	}
	replay bool // parse matched last
	// replays answers were given again since replayAt and are not yet
	// Replayed (logReplays).
	replays  int
	replayAt time.Time
	headLen  int // the length of the request in req, ending at buf[r]
}

// setState records a state; only a new connection's start time is read
// (closeIdle), so the others carry a placeholder second.
func (c *conn) setState(st int64) {
	sec := int64(1)
	if st == stateNew {
		sec = time.Now().Unix()
	}
	c.state.Store(sec<<2 | st)
}

func (c *conn) close() {
	c.rwc.Close()
	c.forget()
}

func (c *conn) forget() {
	c.s.mu.Lock()
	delete(c.s.conns, c)
	c.s.mu.Unlock()
}

// handshake is net/http's: within its timeout; a client speaking
// plain HTTP gets net/http's 400.
func (c *conn) handshake(tc *tls.Conn) bool {
	to := c.s.tlsHandshakeTimeout()
	if to > 0 {
		dl := time.Now().Add(to)
		c.rwc.SetReadDeadline(dl)
		c.rwc.SetWriteDeadline(dl)
	}
	if err := tc.HandshakeContext(context.Background()); err != nil {
		var reason string
		var re tls.RecordHeaderError
		if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
			io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
			re.Conn.Close()
			reason = "client sent an HTTP request to an HTTPS server"
		} else {
			reason = err.Error()
		}
		c.s.logf("http: TLS handshake error from %s: %v", c.rwc.RemoteAddr(), reason)
		return false
	}
	if to > 0 {
		c.rwc.SetReadDeadline(time.Time{})
		c.rwc.SetWriteDeadline(time.Time{})
	}
	return true
}

func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

func (c *conn) serve() {
	handed := false
	defer func() {
		if err := recover(); err != nil && err != http.ErrAbortHandler {
			const size = 64 << 10
			buf := make([]byte, size)
			buf = buf[:runtime.Stack(buf, false)]
			c.s.logf("http: panic serving %v: %v\n%s", c.rwc.RemoteAddr(), err, buf)
		}
		c.logReplays()
		if !handed {
			c.close()
		}
	}()
	tc, isTLS := c.rwc.(*tls.Conn)
	if isTLS && !c.handshake(tc) {
		return
	}
	if d := c.s.readHeaderTimeout(); d > 0 {
		c.rwc.SetReadDeadline(time.Now().Add(d))
	}
	c.buf = make([]byte, bufSize)
	c.header = make(http.Header, 8)
	c.rw.header = make(http.Header, 8)
	first := true     // the connection's first request: its head deadline runs from the start
	hdrTimed := true  // the head deadline of the request being read is set
	idleTimed := true // the idle deadline is set (or not needed)
	for {
		// Answer every whole request already read; now is the batch's
		// time, for its deadlines and Date.
		batch := false
		var now time.Time
		for c.r < c.w {
			n, h := c.parse(c.buf[c.r:c.w])
			if n == 0 {
				break
			}
			if h == nil {
				handed = c.handOff()
				return
			}
			if c.s.inShutdown.Load() {
				// net/http drops a request read during shutdown.
				c.flush()
				return
			}
			c.setState(stateActive)
			if !batch {
				batch = true
				now = time.Now()
				if d := c.s.HTTP.WriteTimeout; d > 0 {
					c.writeBy(now, d)
				}
			}
			c.r += n
			c.headLen = n
			first = false
			hdrTimed, idleTimed = false, false
			if !c.answer(h, now) {
				c.flush()
				return
			}
		}
		if batch {
			if !c.flush() {
				return
			}
			c.logReplays()
			c.setState(stateIdle)
			if c.s.inShutdown.Load() {
				return
			}
		}
		if c.r > 0 {
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		}
		if c.w == len(c.buf) {
			handed = c.handOff()
			return
		}
		if !first && c.w < 4 {
			if !idleTimed {
				idleTimed = true
				if now.IsZero() {
					now = time.Now()
				}
				if d := c.s.idleTimeout(); d > 0 {
					// From the batch's time: microseconds before its
					// answers left.
					c.idleBy(now, d)
				} else {
					c.readDL = time.Time{}
					c.rwc.SetReadDeadline(time.Time{})
				}
			}
		} else if !hdrTimed {
			hdrTimed = true
			c.readDL = time.Time{} // not an idle deadline
			if d := c.s.readHeaderTimeout(); d > 0 {
				c.rwc.SetReadDeadline(time.Now().Add(d))
			} else {
				c.rwc.SetReadDeadline(time.Time{})
			}
		}
		n, err := c.rwc.Read(c.buf[c.w:])
		c.w += n
		if err != nil {
			var ne net.Error
			if c.w == 0 || (!first && c.w < 4) || errors.As(err, &ne) && ne.Timeout() {
				// What net/http does: close without an answer.
				return
			}
			// A partial head and the end: net/http says what it says.
			handed = c.handOff()
			return
		}
	}
}

// slack is how much later than net/http a kept deadline may fall: d/64,
// at most a second (2 s on a 2 min timeout).
func slack(d time.Duration) time.Duration { return min(d/64, time.Second) }

// idleBy puts the read deadline between d and d + slack(d) after now:
// an idle deadline set within the slack is kept, which spares most
// requests a timer change.
func (c *conn) idleBy(now time.Time, d time.Duration) {
	moveBy(&c.readDL, now, d, c.rwc.SetReadDeadline)
}

// writeBy is idleBy for the write deadline.
func (c *conn) writeBy(now time.Time, d time.Duration) {
	moveBy(&c.writeDL, now, d, c.rwc.SetWriteDeadline)
}

// moveBy sets the deadline *dl (kept in step with the connection's) to
// d after now, unless it already lies within slack(d) past that.
func moveBy(dl *time.Time, now time.Time, d time.Duration, set func(time.Time) error) {
	want := now.Add(d)
	if !dl.IsZero() && !dl.Before(want) && dl.Sub(want) <= slack(d) {
		return
	}
	*dl = want.Add(slack(d))
	set(*dl)
}

// logReplays calls Replayed for the answers given again since the last
// call, all to the request in req: after they are written, so that the
// handler's other work (the log line) does not delay them; before req
// changes, and before net/http gets the connection, so that the lines
// keep the requests' order.
func (c *conn) logReplays() {
	if c.replays == 0 {
		return
	}
	d := time.Since(c.replayAt)
	for ; c.replays > 0; c.replays-- {
		c.last.h.Replayed(&c.req, c.last.status, d)
	}
}

// flush writes the answers so far.
func (c *conn) flush() bool {
	if len(c.out) == 0 {
		return true
	}
	_, err := c.rwc.Write(c.out)
	if cap(c.out) > 64<<10 {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	return err == nil
}

// handOff gives the connection, with what was read and not answered, to
// the net/http server, after the answers so far.
func (c *conn) handOff() bool {
	if !c.flush() {
		return false
	}
	// Logged before net/http answers (and logs) what follows.
	c.logReplays()
	pending := append([]byte(nil), c.buf[c.r:c.w]...)
	var hc net.Conn = &handedConn{Conn: c.rwc, pending: pending}
	if tc, ok := c.rwc.(*tls.Conn); ok {
		hc = &handedTLSConn{handedConn: hc.(*handedConn), tc: tc}
	}
	c.forget()
	if !c.s.handoff.give(hc) {
		c.rwc.Close()
	}
	return true
}

// handedConn reads what the fast path read before the connection.
type handedConn struct {
	net.Conn
	pending []byte
}

func (h *handedConn) Read(p []byte) (int, error) {
	if len(h.pending) > 0 {
		n := copy(p, h.pending)
		h.pending = h.pending[n:]
		if len(h.pending) == 0 {
			h.pending = nil // a parked P-GET's connection keeps no copy
		}
		return n, nil
	}
	return h.Conn.Read(p)
}

// CloseWrite is what net/http calls after a 431, as on the bare conn.
func (h *handedConn) CloseWrite() error {
	if cw, ok := h.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// handedTLSConn gives net/http the TLS state for Request.TLS.
type handedTLSConn struct {
	*handedConn
	tc *tls.Conn
}

func (h *handedTLSConn) ConnectionState() tls.ConnectionState { return h.tc.ConnectionState() }

// handoffListener yields the handed connections to net/http.
type handoffListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newHandoff(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

// errUnsupported is a response the fast path cannot lay out as net/http
// would; the Router promised none.
var errUnsupported = errors.New("fastpath: the handler's response is not one the fast path writes")

// answer runs the handler and appends its response; false closes the
// connection after the answers so far.
func (c *conn) answer(h http.Handler, now time.Time) bool {
	if c.replay && !c.s.inShutdown.Load() {
		c.out = append(c.out, c.last.answer...)
		d := c.out[len(c.out)-len(c.last.answer)+c.last.dateAt:]
		c.rw.fixed = appendDate(c.rw.fixed[:0], now)
		copy(d[:len(c.rw.fixed)], c.rw.fixed)
		// Replayed once the answers are on their way (logReplays).
		if c.replays == 0 {
			c.replayAt = now
		}
		c.replays++
		return true
	}
	c.logReplays()
	c.last.h = nil
	c.rw.reset(c.req.Method == http.MethodHead)
	h.ServeHTTP(&c.rw, &c.req)
	// net/http decides on Connection: close as it writes the header,
	// after the handler here.
	closing := c.s.inShutdown.Load()
	out, reuse, err := c.rw.finish(c.out, now, closing)
	if err != nil {
		c.s.logf("%v: %s %s: %v", errUnsupported, c.req.Method, c.req.RequestURI, err)
		return false
	}
	c.out = out
	if rp, ok := h.(Replayer); ok && reuse && !closing && c.rw.dateAt >= 0 && len(out)-c.rw.start <= maxReplay && reflect.TypeOf(rp).Comparable() {
		c.last.h, c.last.status, c.last.dateAt = rp, c.rw.status, c.rw.dateAt
		c.last.head = append(c.last.head[:0], c.buf[c.r-c.headLen:c.r]...)
		c.last.answer = append(c.last.answer[:0], out[c.rw.start:]...)
	}
	return reuse && !closing
}
