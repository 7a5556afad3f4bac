// Package hlb is the lab's hardware load balancer: a planned VIP port
// forwarded to the same pool's servers on the planned node port, with the
// planned persistence, skipping a server its health check finds down.
//
// It balances as the generated hlb/haproxy.cfg does, so that the lab and
// the committed artifact behave alike:
//
//   - TLS ports pass through untouched (TCP): each connection is balanced,
//     and the only persistence there is by client address. The planned
//     HLB does not terminate TLS (it holds no pool certificate), so a
//     `cookie` VIP keeps source persistence on its TLS ports, exactly as
//     the generated configuration says.
//   - Plain HTTP ports (front port 80, and ports forwarded to the node
//     port 80 goes to) are balanced per request (HLB-007). There a
//     `cookie` VIP reads the MS-WSMAN cookie of every request and inserts
//     it into every response whose request carried none (or one naming no
//     live server): no HttpOnly, no expiry, path / (HLB-005).
//
// Persistence:
//
//   - source: the client address picks the server by rendezvous hashing
//     over the healthy servers, so a client stays on one server as long as
//     the set of healthy servers does, whatever the VIP port; when a server
//     goes down only its clients move.
//   - none: connections (requests on HTTP ports) in turn.
//   - cookie: as above.
package hlb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

// Dialer reaches a back end at its planned ip:port from the internal
// network.
type Dialer func(ctx context.Context, ip string, port int) (net.Conn, error)

// VIP forwards one front port of a planned VIP.
type VIP struct {
	plan     plan.VIP
	front    int
	back     int
	http     bool // a plain HTTP port: balanced per request
	dial     Dialer
	health   *Monitor
	log      *slog.Logger
	next     atomic.Uint64
	idle     time.Duration
	rp       *httputil.ReverseProxy
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	shutdown bool
	buffers  bufferPool
}

// bufferPool lends copy buffers (the TCP pipes' and the HTTP reverse
// proxy's), instead of a fresh 32 KiB per connection or request.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) get() *[]byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return v
	}
	buf := make([]byte, 32<<10)
	return &buf
}

func (b *bufferPool) put(buf *[]byte) { b.p.Put(buf) }

// Get and Put make the pool an httputil.BufferPool.
func (b *bufferPool) Get() []byte { return *b.get() }

func (b *bufferPool) Put(buf []byte) { b.put(&buf) }

// New prepares the forwarding of front port front of v. health, if not
// nil, says which back ends are up; without it every back end is.
func New(v plan.VIP, front int, dial Dialer, health *Monitor, log *slog.Logger) (*VIP, error) {
	for _, pp := range v.Ports {
		if pp.Front != front {
			continue
		}
		if len(v.Backends) == 0 {
			return nil, fmt.Errorf("VIP %s has no back end", v.Name)
		}
		switch v.Persistence {
		case "source", "none", "cookie", "":
		default:
			return nil, fmt.Errorf("VIP %s: persistence %q is not source, cookie or none", v.Name, v.Persistence)
		}
		if v.Persistence == "cookie" && v.CookieName == "" {
			return nil, fmt.Errorf("VIP %s: cookie persistence without a cookie name", v.Name)
		}
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		idle := time.Duration(v.IdleTimeout) * time.Second
		if idle <= 0 {
			idle = 1800 * time.Second
		}
		lb := &VIP{plan: v, front: front, back: pp.Back, http: plainHTTP(v, pp), dial: dial, health: health, log: log, idle: idle,
			conns: map[net.Conn]struct{}{}}
		if health != nil && v.MonitorPort > 0 {
			for _, be := range v.Backends {
				health.Watch(be.IP, v.MonitorPort)
			}
		}
		if lb.http {
			lb.rp = lb.reverseProxy()
		}
		return lb, nil
	}
	return nil, fmt.Errorf("VIP %s has no front port %d", v.Name, front)
}

// plainHTTP: front port 80 carries plain HTTP, and so does every port
// forwarded to the node port that port 80 is forwarded to (8080 on an
// external web VIP); every other port is TLS. As generators/hlb.
func plainHTTP(v plan.VIP, pp plan.PortPair) bool {
	for _, q := range v.Ports {
		if q.Front == 80 && (pp.Front == 80 || pp.Back == q.Back) {
			return true
		}
	}
	return false
}

var bad = regexp.MustCompile(`[^A-Za-z0-9_.:-]`)

// cookieValue is the MS-WSMAN value naming a back end, as the generated
// HAProxy configuration names it.
func cookieValue(be plan.Backend) string { return bad.ReplaceAllString(be.Name, "_") }

// Serve forwards every connection accepted on ln until ctx is done, then
// closes the listener and the connections in flight.
func (v *VIP) Serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		ln.Close()
		v.mu.Lock()
		v.shutdown = true
		for c := range v.conns {
			c.Close()
		}
		v.mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go v.Handle(ctx, c)
	}
}

func (v *VIP) track(c net.Conn, on bool) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if on {
		if v.shutdown {
			return false
		}
		v.conns[c] = struct{}{}
	} else {
		delete(v.conns, c)
	}
	return true
}

// up lists the back ends that are up, in plan order.
func (v *VIP) up() []plan.Backend {
	if v.health == nil || v.plan.MonitorPort <= 0 {
		return v.plan.Backends
	}
	var out []plan.Backend
	for _, be := range v.plan.Backends {
		if v.health.Up(be.IP, v.plan.MonitorPort) {
			out = append(out, be)
		}
	}
	return out
}

// order is the back ends to try for a client, best first: by the
// client's address (source, and cookie on a TLS port), or in turn.
func (v *VIP) order(client string) []plan.Backend {
	up := v.up()
	if len(up) == 0 {
		return nil
	}
	if v.plan.Persistence == "source" || v.plan.Persistence == "cookie" && !v.http {
		return bySource(up, client)
	}
	start := int(v.next.Add(1) % uint64(len(up)))
	return append(slices.Clone(up[start:]), up[:start]...)
}

// bySource orders the back ends by rendezvous hash of the client
// address: the same client and the same set give the same first back
// end, and removing one back end moves only the clients it had.
func bySource(bes []plan.Backend, client string) []plan.Backend {
	score := func(be plan.Backend) uint64 {
		h := fnv.New64a()
		io.WriteString(h, client)
		h.Write([]byte{0})
		io.WriteString(h, be.Name)
		return h.Sum64()
	}
	out := slices.Clone(bes)
	slices.SortStableFunc(out, func(a, b plan.Backend) int {
		sa, sb := score(a), score(b)
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	return out
}

func clientIP(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// Handle forwards one accepted connection, and closes it when either
// side is done or idle longer than the planned timeout.
func (v *VIP) Handle(ctx context.Context, c net.Conn) {
	defer c.Close()
	if !v.track(c, true) {
		return
	}
	defer v.track(c, false)
	if v.http {
		v.serveHTTP(ctx, c)
		return
	}
	var back net.Conn
	for _, be := range v.order(clientIP(c.RemoteAddr().String())) {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err := v.dial(dctx, be.IP, v.back)
		cancel()
		if err == nil {
			back = conn
			break
		}
		v.log.Warn("load balancer back end down", "vip", v.plan.Name, "backend", be.Name, "err", err)
	}
	if back == nil {
		v.log.Warn("load balancer: no back end up", "vip", v.plan.Name, "port", v.front)
		return
	}
	defer back.Close()
	if !v.track(back, true) {
		return
	}
	defer v.track(back, false)
	done := make(chan struct{}, 2)
	// The idle deadline moves at most once a step (1/64 of the timeout),
	// and a step further: a timer update per read costs more than the
	// copy of a small record, and the cut still never comes early.
	step := v.idle / 64
	pipe := func(dst, src net.Conn) {
		bp := v.buffers.get()
		defer v.buffers.put(bp)
		buf := *bp
		var moved time.Time
		for {
			if now := time.Now(); now.Sub(moved) >= step {
				src.SetReadDeadline(now.Add(v.idle + step))
				moved = now
			}
			n, err := src.Read(buf)
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					c.Close()
					back.Close()
					break
				}
			}
			if err != nil {
				if err != io.EOF {
					// A reset or an idle timeout ends both directions.
					c.Close()
					back.Close()
					break
				}
				if tc, ok := dst.(interface{ CloseWrite() error }); ok {
					tc.CloseWrite()
				}
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(back, c)
	go pipe(c, back)
	<-done
	<-done
}

// serveHTTP serves one client connection in HTTP mode: every request is
// balanced on its own.
func (v *VIP) serveHTTP(ctx context.Context, c net.Conn) {
	ln := &oneConn{c: c, closed: make(chan struct{})}
	srv := &http.Server{
		Handler:           http.HandlerFunc(v.serveRequest),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       v.idle,
		WriteTimeout:      v.idle,
		IdleTimeout:       v.idle,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateClosed || s == http.StateHijacked {
				ln.once.Do(func() { close(ln.closed) })
			}
		},
		ErrorLog: slog.NewLogLogger(v.log.Handler(), slog.LevelDebug),
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	srv.Serve(ln)
}

// oneConn is a listener that yields one connection, then blocks until
// it is closed.
type oneConn struct {
	c      net.Conn
	taken  bool
	closed chan struct{}
	once   sync.Once
}

func (l *oneConn) Accept() (net.Conn, error) {
	if !l.taken {
		l.taken = true
		return l.c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConn) Close() error   { return nil }
func (l *oneConn) Addr() net.Addr { return l.c.LocalAddr() }

type backendKey struct{}

// serveRequest picks the back end of one request: the one its MS-WSMAN
// cookie names if it is up, else by the VIP's persistence.
func (v *VIP) serveRequest(w http.ResponseWriter, r *http.Request) {
	order := v.order(clientIP(r.RemoteAddr))
	if len(order) == 0 {
		v.log.Warn("load balancer: no back end up", "vip", v.plan.Name, "port", v.front)
		http.Error(w, fmt.Sprintf("load balancer VIP %s: no server is up", v.plan.Name), http.StatusServiceUnavailable)
		return
	}
	be, insert := order[0], false
	if v.plan.Persistence == "cookie" {
		insert = true
		if ck, err := r.Cookie(v.plan.CookieName); err == nil {
			for _, b := range order {
				if cookieValue(b) == ck.Value {
					be, insert = b, false
					break
				}
			}
		}
	}
	ctx := context.WithValue(r.Context(), backendKey{}, pick{be: be, insert: insert})
	v.rp.ServeHTTP(w, r.WithContext(ctx))
}

type pick struct {
	be     plan.Backend
	insert bool
}

func (v *VIP) reverseProxy() *httputil.ReverseProxy {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			p, _ := strconv.Atoi(port)
			return v.dial(ctx, host, p)
		},
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: v.idle,
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			p := pr.In.Context().Value(backendKey{}).(pick)
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = net.JoinHostPort(p.be.IP, strconv.Itoa(v.back))
			pr.Out.Host = pr.In.Host
			// The load balancer is transparent: what the reverse proxy
			// added stays, and nothing is added.
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if vals, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = vals
				}
			}
		},
		Transport:  tr,
		BufferPool: &v.buffers,
		ModifyResponse: func(resp *http.Response) error {
			p := resp.Request.Context().Value(backendKey{}).(pick)
			if p.insert {
				// HLB-005: a session cookie (no expiry), readable by the
				// client (no HttpOnly), in every response whose request
				// carried no valid one; not cacheable with it.
				resp.Header.Add("Set-Cookie", (&http.Cookie{Name: v.plan.CookieName, Value: cookieValue(p.be), Path: "/"}).String())
				if resp.Header.Get("Cache-Control") == "" {
					resp.Header.Set("Cache-Control", "private")
				}
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p := r.Context().Value(backendKey{}).(pick)
			v.log.Warn("load balancer back end failed", "vip", v.plan.Name, "backend", p.be.Name, "err", err)
			http.Error(w, fmt.Sprintf("load balancer VIP %s: the server %s failed: %v", v.plan.Name, p.be.Name, err), http.StatusServiceUnavailable)
		},
	}
}
