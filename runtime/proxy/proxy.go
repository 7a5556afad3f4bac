// Package proxy is the lab's reverse proxy: it applies exactly the
// planned publishing rules of one planned reverse proxy listener. A
// request is routed by its Host to the rule that publishes that name,
// bridged to the rule's back-end port and scheme (443 → 4443 over TLS,
// 80 → 8080), with the Host header kept when the plan says so. A name no
// rule publishes gets 404, as on a proxy with no matching rule.
package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
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
	h := &handler{c: c, rules: map[string]route{}}
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
	c     Config
	rules map[string]route
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
	rt.rp.ServeHTTP(w, r)
}

// reverseProxy forwards to the rule's target on the bridge's back port.
func (h *handler) reverseProxy(r plan.PubRule, b plan.Bridge) *httputil.ReverseProxy {
	target := &url.URL{Scheme: b.BackScheme, Host: net.JoinHostPort(r.Target, strconv.Itoa(b.BackPort))}
	idle := time.Duration(r.IdleTimeout) * time.Second
	if idle <= 0 {
		idle = 960 * time.Second
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return h.c.Dial(ctx, r.Target, b.BackPort)
		},
		// The back end is checked under the published name the client
		// asked for (SNI and verification), as a proxy bridging TLS does.
		DialTLSContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			conn, err := h.c.Dial(ctx, r.Target, b.BackPort)
			if err != nil {
				return nil, err
			}
			name, _ := ctx.Value(sniKey{}).(string)
			tc := tls.Client(conn, &tls.Config{ServerName: name, RootCAs: h.c.Roots, MinVersion: tls.VersionTLS12})
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, fmt.Errorf("TLS to the back end %s for %s: %w", addr, name, err)
			}
			return tc, nil
		},
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: idle,
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     false,
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
		Transport: tr,
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			h.c.Log.Warn("reverse proxy back end failed", "proxy", h.c.Proxy.Name, "rule", r.Name, "host", req.Host, "err", err)
			http.Error(w, fmt.Sprintf("reverse proxy %s, rule %s: the back end %s cannot be reached: %v", h.c.Proxy.Name, r.Name, target.Host, err), http.StatusBadGateway)
		},
	}
}

type sniKey struct{}
