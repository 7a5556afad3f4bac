// Package proxy is the lab's reverse proxy: it applies exactly the
// planned publishing rules of one planned reverse proxy listener. A
// request is routed by its Host to the rule that publishes that name,
// bridged to the rule's back-end port and scheme (443 → 4443 over TLS,
// 80 → 8080), with the Host header kept when the plan says so. A name no
// rule publishes gets 404, as on a proxy with no matching rule.
//
// The rule's planned idle timeout holds as on a production proxy: a back
// end connection that carries nothing for longer is cut. A request the
// back end holds longer (a UCWA P-GET parked past the proxy's timeout)
// gets 504 naming RP-006, and a response that stalls longer is broken
// off; shorter ones pass, whatever the lab server's own timeouts.
package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

// Dialer reaches a planned back end: the target (an IP or an FQDN, as
// the rule names it) and port, from the proxy's internal leg. It returns
// the connection, or an error when the internal network cannot reach it.
type Dialer func(ctx context.Context, target string, port int) (net.Conn, error)

// Config is one listener of a planned reverse proxy.
type Config struct {
	Proxy    plan.ReverseProxy
	Listener plan.Listener
	Dial     Dialer
	// Roots verify the back ends' certificates (the lab CAs).
	Roots *x509.CertPool
	Log   *slog.Logger
}

// Handler returns the listener's routing handler.
func Handler(c Config) (http.Handler, error) {
	if c.Dial == nil || c.Log == nil {
		return nil, fmt.Errorf("proxy %s: no dialer or log", c.Proxy.Name)
	}
	h := &handler{c: c, rules: map[string]route{}, buffers: &bufferPool{}}
	for _, r := range c.Proxy.Rules {
		for _, b := range r.Bridges {
			if b.FrontPort != c.Listener.Port {
				continue
			}
			for _, n := range r.PublicNames {
				key := strings.ToLower(strings.TrimSuffix(n, "."))
				if _, dup := h.rules[key]; !dup {
					h.rules[key] = route{rule: r, bridge: b, rp: h.reverseProxy(r, b)}
				}
			}
		}
	}
	return h, nil
}

type route struct {
	rule   plan.PubRule
	bridge plan.Bridge
	rp     *httputil.ReverseProxy
}

type handler struct {
	c       Config
	rules   map[string]route
	buffers *bufferPool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if hp, _, err := net.SplitHostPort(host); err == nil {
		host = hp
	}
	rt, ok := h.rules[strings.ToLower(strings.TrimSuffix(host, "."))]
	if !ok {
		http.Error(w, fmt.Sprintf("reverse proxy %s: no publishing rule for %q on port %d", h.c.Proxy.Name, host, h.c.Listener.Port), http.StatusNotFound)
		return
	}
	// The planned idle timeout governs a proxied request, not the lab
	// server's shorter read and write timeouts (which would cancel a
	// long poll first); the idle cut on the back end comes before these.
	rc := http.NewResponseController(w)
	limit := time.Now().Add(idleOf(rt.rule) + 30*time.Second)
	rc.SetReadDeadline(limit)
	rc.SetWriteDeadline(limit)
	rt.rp.ServeHTTP(w, r)
}

// idleOf is a rule's planned idle timeout (960 s, the RP-006 minimum with
// push, when the plan has none).
func idleOf(r plan.PubRule) time.Duration {
	if r.IdleTimeout <= 0 {
		return 960 * time.Second
	}
	return time.Duration(r.IdleTimeout) * time.Second
}

// RuleHeader names the planned rule a lab refusal reproduces.
const RuleHeader = "X-Mobplan-Rule"

// idleConn cuts a back-end connection that carries nothing for longer
// than the idle timeout: every read and write moves the deadline. Moving
// it costs a timer update, so it moves at most once a step (1/64 of the
// timeout), and a step further: the cut comes between the timeout and a
// step after it, never before.
type idleConn struct {
	net.Conn
	idle, step time.Duration
	moved      atomic.Int64 // when the deadline last moved, monotonic ns since base
	base       time.Time
}

func newIdleConn(c net.Conn, idle time.Duration) *idleConn {
	ic := &idleConn{Conn: c, idle: idle, step: idle / 64, base: time.Now()}
	ic.touch()
	return ic
}

// touch moves the deadline when the last move is a step old. The
// transport reads and writes from two goroutines, hence the atomic.
func (c *idleConn) touch() {
	now := time.Since(c.base)
	last := c.moved.Load()
	if last != 0 && now-time.Duration(last) < c.step {
		return
	}
	if c.moved.CompareAndSwap(last, int64(now)|1) {
		c.Conn.SetDeadline(c.base.Add(now + c.idle + c.step))
	}
}

func (c *idleConn) Read(b []byte) (int, error) {
	c.touch()
	return c.Conn.Read(b)
}

func (c *idleConn) Write(b []byte) (int, error) {
	// A write also moves a read already waiting (the transport reads
	// ahead on a kept connection).
	c.touch()
	return c.Conn.Write(b)
}

// bufferPool lends the reverse proxies their copy buffers, instead of a
// fresh 32 KiB per request.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

// reverseProxy forwards to the rule's target on the bridge's back port.
func (h *handler) reverseProxy(r plan.PubRule, b plan.Bridge) *httputil.ReverseProxy {
	target := &url.URL{Scheme: b.BackScheme, Host: net.JoinHostPort(r.Target, strconv.Itoa(b.BackPort))}
	idle := idleOf(r)
	// A new back-end connection resumes the TLS session of an earlier
	// one instead of a full handshake.
	sessions := tls.NewLRUClientSessionCache(256)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := h.c.Dial(ctx, r.Target, b.BackPort)
			if err != nil {
				return nil, err
			}
			return newIdleConn(conn, idle), nil
		},
		// The back end is checked under the published name the client
		// asked for (SNI and verification), as a proxy bridging TLS does.
		DialTLSContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			raw, err := h.c.Dial(ctx, r.Target, b.BackPort)
			if err != nil {
				return nil, err
			}
			conn := newIdleConn(raw, idle)
			name, _ := ctx.Value(sniKey{}).(string)
			tc := tls.Client(conn, &tls.Config{ServerName: name, RootCAs: h.c.Roots, MinVersion: tls.VersionTLS12, ClientSessionCache: sessions})
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, fmt.Errorf("TLS to the back end %s for %s: %w", addr, name, err)
			}
			return tc, nil
		},
		// Every client connection may hold a back-end one: keep as many
		// idle, so a busy listener does not dial and shake hands anew.
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			host := pr.In.Host
			if hp, _, err := net.SplitHostPort(host); err == nil {
				host = hp
			}
			pr.Out = pr.Out.WithContext(context.WithValue(pr.Out.Context(), sniKey{}, host))
			pr.SetURL(target)
			if r.ForwardHostHeader {
				pr.Out.Host = pr.In.Host
			}
			pr.SetXForwarded()
		},
		Transport:  tr,
		BufferPool: h.buffers,
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				h.c.Log.Warn("reverse proxy idle timeout cut a request", "proxy", h.c.Proxy.Name, "rule", r.Name, "host", req.Host,
					"path", req.URL.Path, "idle_timeout_s", int(idle/time.Second), "rule_id", "RP-006")
				w.Header().Set(RuleHeader, "RP-006")
				http.Error(w, fmt.Sprintf("reverse proxy %s, rule %s: the back end held the request longer than the planned idle timeout of %d s, so the proxy cut it (RP-006: with push, at least 960 s)",
					h.c.Proxy.Name, r.Name, int(idle/time.Second)), http.StatusGatewayTimeout)
				return
			}
			h.c.Log.Warn("reverse proxy back end failed", "proxy", h.c.Proxy.Name, "rule", r.Name, "host", req.Host, "err", err)
			http.Error(w, fmt.Sprintf("reverse proxy %s, rule %s: the back end %s cannot be reached: %v", h.c.Proxy.Name, r.Name, target.Host, err), http.StatusBadGateway)
		},
	}
}

type sniKey struct{}
