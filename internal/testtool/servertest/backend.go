package servertest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
)

// Echoed is what a stand-in back end saw of a request (see Echo).
type Echoed struct {
	Backend string   `json:"backend"` // the name the back end was given
	Host    string   `json:"host"`
	Path    string   `json:"path"`
	TLS     bool     `json:"tls"`
	SNI     string   `json:"sni"`     // the TLS server name, if any
	Cookies []string `json:"cookies"` // the names of the cookies sent, sorted
}

// Echo is a stand-in back end's handler: it answers every request with
// 200 and what reached it, as Echoed JSON.
func Echo(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := Echoed{Backend: name, Host: r.Host, Path: r.URL.Path, TLS: r.TLS != nil, Cookies: []string{}}
		if r.TLS != nil {
			e.SNI = r.TLS.ServerName
		}
		for _, c := range r.Cookies() {
			e.Cookies = append(e.Cookies, c.Name)
		}
		sort.Strings(e.Cookies)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(e)
	})
}

// Backend starts a stand-in back end on a loopback port of its own
// (httptest keeps the socket it listens on), with TLS when leaf is not
// nil. It is closed when the test ends.
func Backend(t testing.TB, h http.Handler, leaf *Leaf) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	if leaf != nil {
		s.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// Get sends a GET (with host as the Host header when not empty) and
// returns the body and response. A failed request fails the test.
func Get(t testing.TB, c *http.Client, url, host string, header map[string]string) (string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return strings.TrimSpace(string(body)), resp
}

// ParseEcho reads an Echo answer; a body that is not one fails the test.
func ParseEcho(t testing.TB, body string) Echoed {
	t.Helper()
	var e Echoed
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not a stand-in back end's answer (%v): %q", err, body)
	}
	return e
}

// Client is an HTTP client with a bounded timeout; new connections go
// where dial says (nil: the address asked for), and TLS trusts tlsConf's
// roots. keepAlive false opens a new connection per request.
func Client(dial func(addr string) (string, error), tlsConf *tls.Config, keepAlive bool) *http.Client {
	tr := &http.Transport{TLSClientConfig: tlsConf, DisableKeepAlives: !keepAlive}
	if dial != nil {
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			to, err := dial(addr)
			if err != nil {
				return nil, err
			}
			return (&net.Dialer{}).DialContext(ctx, network, to)
		}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: tr}
}
