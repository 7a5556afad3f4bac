// Package supervisor runs the lab runtime: it reads the applied plan
// (runtime/bundle), builds and checks every component (DNS per view,
// certificates from the lab CAs, reverse proxy, load balancer, Front End
// web services, TLS-only SIP and Edge listeners) before it binds a
// socket, binds them all (a failure closes what was bound: nothing is
// half up), writes runtime.json and serves until its context ends. A
// reload builds the new plan the same way and swaps it in whole, keeping
// every socket and every request in flight; a failed reload changes
// nothing.
package supervisor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/admin"
	"github.com/mobplan/mobplan/runtime/bundle"
	"github.com/mobplan/mobplan/runtime/dnsserver"
	"github.com/mobplan/mobplan/runtime/fastpath"
	"github.com/mobplan/mobplan/runtime/hlb"
	"github.com/mobplan/mobplan/runtime/labca"
)

// Options say what to serve and where the state lives.
type Options struct {
	Bundle bundle.Options
	// RuntimeDir holds the lab CAs and runtime.json (default
	// .mobplan/runtime beside the topology; never under artifacts).
	RuntimeDir string
	Log        *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AnyPort binds every endpoint on a free port instead of trying its
	// planned port first (tests run side by side).
	AnyPort bool
	// Proxy serves the reverse proxies: Builtin (runtime/proxy, the
	// default) or Nginx, which runs the generated proxy/nginx.conf.
	Proxy string
	// HLB serves the load balancer VIPs: Builtin (runtime/hlb, the
	// default).
	HLB string
}

// Server timeouts and limits, on every listener.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	WriteTimeout      = 2 * time.Minute
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
	HandshakeTimeout  = 10 * time.Second
)

// Runtime is a running lab.
type Runtime struct {
	o       Options
	cas     *labca.Authorities
	net     *network
	gen     atomic.Pointer[generation]
	admin   *admin.Server
	inst    *instances
	info    *addrmap.Runtime
	mu      sync.Mutex // serialises reloads
	bound   []*bound
	servers []*http.Server
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	errc    chan error
	// products run the generated configurations of the endpoints
	// handed over (Options.Proxy, Options.HLB); sink is where they send
	// a back end the internal network does not reach.
	products []*product
	sink     net.Listener
	// productsStopped: serve is ending; a reload starts no product.
	productsStopped bool
	// launched is closed once the products' start has ended.
	launched chan struct{}
}

// bound is one endpoint's sockets.
type bound struct {
	slot addrmap.Slot
	ln   net.Listener
	pc   net.PacketConn // DNS only
}

func (b *bound) addr() string { return b.ln.Addr().String() }

// Start builds, checks, binds and serves. It returns once everything
// listens; Wait returns when ctx ends and everything has stopped.
func Start(ctx context.Context, o Options) (*Runtime, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := checkProducts(o); err != nil {
		return nil, err
	}
	b, err := bundle.Read(o.Bundle)
	if err != nil {
		return nil, err
	}
	cas, err := labca.Open(o.RuntimeDir)
	if err != nil {
		return nil, err
	}
	r := &Runtime{o: o, cas: cas, net: &network{}, errc: make(chan error, 64), launched: make(chan struct{})}
	r.net.health = hlb.NewMonitor(r.net.dialPlanned, 0, o.Log)
	g, err := build(b, cas, r.net, o.Log, o.Now(), nil)
	if err != nil {
		return nil, err
	}
	r.gen.Store(g)
	if err := r.precheck(g); err != nil {
		return nil, err
	}
	// The Front End instances own their listeners (bind wraps them), so
	// that stopping one closes its sockets.
	r.inst = newInstances(g.bundle.Plan, g.slots, r.net.health.Settle)
	if err := r.bind(g.slots); err != nil {
		return nil, err
	}
	adminLn, err := listen(addrmap.AdminAddress, 8053, o.AnyPort)
	if err != nil {
		r.closeAll()
		return nil, fmt.Errorf("admin endpoint: %w", err)
	}
	r.admin = admin.New(r.Reload)
	r.admin.SetInstances(r.inst)
	r.admin.SetPush(func() any { return r.gen.Load().pushRecords() })
	r.info = r.describe(g, adminLn.Addr().String())
	// The generated configurations are rendered onto the bound sockets
	// (their served addresses are known only now) and checked by their
	// products before anything is served: a failure closes every socket,
	// as a failed bind does.
	if err := r.prepare(); err != nil {
		adminLn.Close()
		r.closeProducts()
		r.closeAll()
		return nil, err
	}
	if err := r.info.Write(o.RuntimeDir); err != nil {
		adminLn.Close()
		r.closeProducts()
		r.closeAll()
		return nil, err
	}
	r.admin.SetStatus(r.status(g))
	ctx, r.cancel = context.WithCancel(ctx)
	r.serveAll(ctx, adminLn)
	if len(r.products) > 0 {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			<-ctx.Done()
			r.stopProducts()
			r.closeProducts()
		}()
		if err := r.launchProducts(); err != nil {
			r.cancel()
			r.wg.Wait()
			return nil, err
		}
	} else {
		close(r.launched)
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.net.health.Run(ctx)
	}()
	o.Log.Info("serving", "plan", g.header, "endpoints", len(r.bound), "admin", adminLn.Addr().String(), "runtime", o.RuntimeDir)
	return r, nil
}

// Info is what runtime.json says.
func (r *Runtime) Info() *addrmap.Runtime { return r.info }

// Stop ends serving; Wait then returns.
func (r *Runtime) Stop() { r.cancel() }

// Wait blocks until every server has stopped after the context ended,
// and returns the first serving error, if any.
func (r *Runtime) Wait() error {
	r.wg.Wait()
	select {
	case err := <-r.errc:
		return err
	default:
		return nil
	}
}

// Reload reads the artifacts again and, if the new plan builds, serves
// it instead of the running one; otherwise the running plan is kept and
// the error says why.
func (r *Runtime) Reload(ctx context.Context) error {
	if err := r.awaitLaunch(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.reload()
	r.admin.Update(func(s *admin.Status) {
		if err != nil {
			s.LastReloadError = err.Error()
		} else {
			s.LastReloadError = ""
		}
	})
	if err != nil {
		r.o.Log.Warn("reload refused; the running plan is kept", "err", err)
	}
	return err
}

func (r *Runtime) reload() error {
	b, err := bundle.Read(r.o.Bundle)
	if err != nil {
		return err
	}
	old := r.gen.Load()
	g, err := build(b, r.cas, r.net, r.o.Log, r.o.Now(), old)
	if err != nil {
		return err
	}
	if err := sameEndpoints(old, g); err != nil {
		return err
	}
	if err := r.checkReload(g); err != nil {
		return err
	}
	r.gen.Store(g)
	if err := r.applyReload(); err != nil {
		return fmt.Errorf("the new plan is in, but a generated configuration was not reloaded: %w", err)
	}
	r.info.PlanDigest, r.info.AllowErrors = b.PlanDigest, b.AllowErrors
	if err := r.info.Write(r.o.RuntimeDir); err != nil {
		return err
	}
	reloads := 0
	r.admin.Update(func(s *admin.Status) { reloads = s.Reloads + 1 })
	st := r.status(g)
	st.Reloads = reloads
	r.admin.SetStatus(st)
	r.o.Log.Info("reloaded", "plan", g.header)
	return nil
}

// bind opens every endpoint's sockets: the planned port where it can be
// bound, else a free one. On any failure everything bound is closed.
func (r *Runtime) bind(slots []addrmap.Slot) error {
	for _, s := range slots {
		b := &bound{slot: s}
		ln, err := listen(s.IP, s.Port, r.o.AnyPort)
		if err != nil {
			r.closeAll()
			return fmt.Errorf("binding %s (%s): %w", s.Name, s.IP, err)
		}
		b.ln = r.inst.gate(s, ln)
		if s.Serves == "dns" {
			// UDP on the port TCP got.
			pc, err := net.ListenPacket("udp", ln.Addr().String())
			if err != nil {
				ln.Close()
				r.closeAll()
				return fmt.Errorf("binding %s (UDP): %w", s.Name, err)
			}
			b.pc = pc
		}
		r.bound = append(r.bound, b)
	}
	return nil
}

// listen binds ip:port, or ip with a free port when that fails (or when
// anyPort).
func listen(ip string, port int, anyPort bool) (net.Listener, error) {
	if !anyPort {
		if ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port))); err == nil {
			return ln, nil
		}
	}
	return net.Listen("tcp", net.JoinHostPort(ip, "0"))
}

func (r *Runtime) closeAll() {
	for _, b := range r.bound {
		b.ln.Close()
		if b.pc != nil {
			b.pc.Close()
		}
	}
	r.bound = nil
}

// describe is runtime.json for the bound endpoints.
func (r *Runtime) describe(g *generation, adminAddr string) *addrmap.Runtime {
	files := r.cas.CertFiles()
	info := &addrmap.Runtime{FormatVersion: addrmap.FormatVersion, PlanDigest: g.bundle.PlanDigest, AllowErrors: g.bundle.AllowErrors,
		CAs: addrmap.CAs{Public: files["public"], Internal: files["internal"]}, Admin: adminAddr,
		DNS: map[string]string{}, Locations: map[string]map[string]string{}}
	for _, loc := range addrmap.Locations {
		info.Locations[loc] = map[string]string{}
	}
	for _, b := range r.bound {
		if b.slot.Serves == "dns" {
			info.DNS[b.slot.Network] = b.addr()
			continue
		}
		for _, loc := range b.slot.Reach {
			info.Locations[loc][b.slot.Planned] = b.addr()
		}
	}
	r.net.set(info.Locations["internal"], info.DNS["internal"])
	return info
}

func (r *Runtime) status(g *generation) admin.Status {
	st := admin.Status{FormatVersion: "1", PlanDigest: g.bundle.PlanDigest, AllowErrors: g.bundle.AllowErrors, Started: r.o.Now().UTC()}
	for _, b := range r.bound {
		st.Endpoints = append(st.Endpoints, admin.Endpoint{Name: b.slot.Name, Serves: b.slot.Serves, Planned: b.slot.Planned, Served: b.addr(), Reach: b.slot.Reach})
	}
	return st
}

// serveAll starts a server per endpoint and the admin endpoint.
func (r *Runtime) serveAll(ctx context.Context, adminLn net.Listener) {
	for _, b := range r.bound {
		b := b
		k := key(b.slot)
		if r.handedOver(b.slot.Serves) {
			// A product serves it (products.go); the socket stays open
			// here so that the port outlives the child.
			continue
		}
		switch {
		case b.slot.Serves == "dns":
			h := &dnsView{r: r, view: b.slot.Network}
			view := h.view
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				if err := dnsserver.ServeHandler(ctx, view, r.o.Log, h, b.pc, b.ln); err != nil {
					r.fail(err)
				}
			}()
		case b.slot.Serves == "vip":
			r.acceptLoop(ctx, b.ln, func(c net.Conn) { r.gen.Load().vips[k].Handle(ctx, c) })
		case b.slot.Serves == "sip" || b.slot.Serves == "edge-access":
			ln := tls.NewListener(b.ln, r.tlsConfig(b.slot))
			r.acceptLoop(ctx, ln, func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(HandshakeTimeout))
				if err := c.(*tls.Conn).HandshakeContext(ctx); err != nil {
					return
				}
				// No SIP is spoken: the handshake proves the names.
				buf := make([]byte, 1)
				c.Read(buf)
			})
		default:
			h := &logged{r: r, slot: b.slot, key: k}
			srv := r.httpServer(h)
			ln := b.ln
			if b.slot.Certificate != "" {
				ln = tls.NewListener(ln, r.tlsConfig(b.slot))
			}
			switch b.slot.Serves {
			case "web-internal", "web-external":
				// A Front End's site: Root requests on kept connections
				// are answered ahead of net/http (runtime/fastpath).
				r.serveHTTP(ctx, &fastpath.Server{HTTP: srv, Router: h}, ln)
			default:
				r.serveHTTP(ctx, srv, ln)
			}
		}
	}
	r.serveHTTP(ctx, r.httpServer(r.admin), adminLn)
}

// dnsView answers a view's queries with the current generation's
// server, from the query's bytes too (its answer cache).
type dnsView struct {
	r    *Runtime
	view string
}

func (d *dnsView) ServeDNS(w dns.ResponseWriter, m *dns.Msg) {
	d.r.gen.Load().dns[d.view].ServeDNS(w, m)
}

func (d *dnsView) ServeWire(w dns.ResponseWriter, q []byte) bool {
	return d.r.gen.Load().dns[d.view].ServeWire(w, q)
}

func (r *Runtime) httpServer(h http.Handler) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout, WriteTimeout: WriteTimeout,
		IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes, ErrorLog: slog.NewLogLogger(r.o.Log.Handler(), slog.LevelDebug)}
	r.servers = append(r.servers, srv)
	return srv
}

// httpServing is an *http.Server or a *fastpath.Server.
type httpServing interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

func (r *Runtime) serveHTTP(ctx context.Context, srv httpServing, ln net.Listener) {
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.fail(err)
		}
	}()
	go func() {
		defer r.wg.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
}

func (r *Runtime) acceptLoop(ctx context.Context, ln net.Listener, handle func(net.Conn)) {
	var conns sync.WaitGroup
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		defer r.wg.Done()
		defer conns.Wait()
		for {
			c, err := ln.Accept()
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
					r.fail(err)
				}
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				handle(c)
			}()
		}
	}()
}

func (r *Runtime) fail(err error) {
	select {
	case r.errc <- err:
	default:
	}
	r.o.Log.Error("serving failed", "err", err)
}

// tlsConfig presents the slot's planned certificate, as the current
// generation has it.
func (r *Runtime) tlsConfig(s addrmap.Slot) *tls.Config {
	name := s.Certificate
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := r.gen.Load().certs[name]; c != nil {
				return c, nil
			}
			return nil, fmt.Errorf("no certificate %s", name)
		},
	}
}

// logged serves a slot with the current generation's handler, stamps
// every response with the plan it serves, and logs one line per request.
type logged struct {
	r    *Runtime
	slot addrmap.Slot
	key  string

	// fast is the fast path's handler for the latest generation.
	fast atomic.Pointer[pinned]
	log  atomic.Pointer[slog.Logger]
}

// pinned serves a fast-path request with the generation that Fast found
// answering it there, even if a reload swaps it meanwhile.
type pinned struct {
	l *logged
	g *generation
}

func (p *pinned) ServeHTTP(w http.ResponseWriter, req *http.Request) { p.l.serve(p.g, w, req) }

// Replayed logs a request the fast path answered with the answer to the
// same request head before (fastpath.Replayer): what the fast path
// serves is the Root resource, whose answer is a function of the head
// and the generation, and the web services log nothing of their own here
// (their Config.Logger is not set).
func (p *pinned) Replayed(req *http.Request, status int, d time.Duration) {
	p.l.logRequest(req, status, d)
}

// Fast is the fast path's Router (runtime/fastpath): what the current
// generation's web services answer from the request head alone.
func (l *logged) Fast(method, path string) http.Handler {
	g := l.r.gen.Load()
	f, ok := g.http[l.key].(interface {
		FastPath(method, path string) bool
	})
	if !ok || !f.FastPath(method, path) {
		return nil
	}
	if p := l.fast.Load(); p != nil && p.g == g {
		return p
	}
	p := &pinned{l: l, g: g}
	l.fast.Store(p)
	return p
}

func (l *logged) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	l.serve(l.r.gen.Load(), w, req)
}

func (l *logged) serve(g *generation, w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	w.Header().Set("X-Mobplan-Plan", g.header)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	h := g.http[l.key]
	if h == nil {
		http.Error(rec, "not served", http.StatusNotFound)
	} else {
		h.ServeHTTP(rec, req)
	}
	l.logRequest(req, rec.status, time.Since(start))
}

// logRequest is the one line per request.
func (l *logged) logRequest(req *http.Request, status int, d time.Duration) {
	// LogAttrs: no boxing of the values into a slice per request; the
	// listener's own two attributes come formatted already (the line is
	// the same).
	l.logger().LogAttrs(req.Context(), slog.LevelInfo, "request",
		slog.String("host", req.Host), slog.String("method", req.Method), slog.String("path", req.URL.Path),
		slog.Int("status", status), slog.Int64("ms", d.Milliseconds()))
}

// logger is the runtime's logger with the listener's location and name.
func (l *logged) logger() *slog.Logger {
	if lg := l.log.Load(); lg != nil {
		return lg
	}
	loc := l.slot.Network
	switch l.slot.Serves {
	case "web-internal", "web-external":
		// The Front End's site: the external one is reached through the
		// reverse proxy.
		loc = l.slot.Serves[len("web-"):]
	}
	lg := l.r.o.Log.With(slog.String("location", loc), slog.String("listener", l.slot.Name))
	l.log.Store(lg)
	return lg
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets a handler's http.ResponseController reach the connection
// (the reverse proxy moves its deadlines to the planned idle timeout).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
