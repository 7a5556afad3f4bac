package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

// The planned rules route by Host to the bridged back-end port, keep the
// Host header, and answer 404 for a name no rule publishes and 502 when
// the back end cannot be reached.
func TestRouting(t *testing.T) {
	var gotHost, gotProto string
	back := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHost, gotProto = r.Host, r.Header.Get("X-Forwarded-Proto")
		io.WriteString(w, "from the web services")
	}))
	defer back.Close()
	rp := plan.ReverseProxy{Name: "rp", Rules: []plan.PubRule{{
		Name: "web", PublicNames: []string{"webext.contoso.com", "lyncdiscover.contoso.com"}, Target: "192.168.21.121",
		Bridges:           []plan.Bridge{{FrontPort: 443, BackPort: 4443, BackScheme: "https"}, {FrontPort: 80, BackPort: 8080, BackScheme: "http"}},
		ForwardHostHeader: true, IdleTimeout: 960,
	}}}
	var dialed []string
	dial := func(ctx context.Context, target string, port int) (net.Conn, error) {
		dialed = append(dialed, net.JoinHostPort(target, strconv.Itoa(port)))
		if target == "unreachable" {
			return nil, errors.New("no route")
		}
		return (&net.Dialer{}).DialContext(ctx, "tcp", back.Listener.Addr().String())
	}
	// httptest's certificate is for example.com and 127.0.0.1: trust it
	// and check it under the published name only where it matches.
	roots := back.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	h, err := Handler(Config{Proxy: rp, Listener: plan.Listener{Name: "https", Port: 443}, Dial: dial, Roots: roots, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(h)
	defer front.Close()

	get := func(host string) (int, string) {
		req, _ := http.NewRequest("GET", front.URL+"/Autodiscover/AutodiscoverService.svc/root", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The back end's certificate does not carry webext.contoso.com: the
	// proxy refuses it, as a real proxy checking names would.
	if code, body := get("webext.contoso.com"); code != http.StatusBadGateway || !strings.Contains(body, "certificate") {
		t.Errorf("back end with the wrong name: %d %q", code, body)
	}
	if len(dialed) == 0 || dialed[0] != "192.168.21.121:4443" {
		t.Errorf("dialed %v, want the target on the bridged port 4443", dialed)
	}
	// Published under a name the back end's certificate has.
	rp.Rules[0].PublicNames = append(rp.Rules[0].PublicNames, "example.com")
	h, _ = Handler(Config{Proxy: rp, Listener: plan.Listener{Name: "https", Port: 443}, Dial: dial, Roots: roots, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	front.Config.Handler = h
	if code, body := get("EXAMPLE.com"); code != 200 || body != "from the web services" || gotHost != "EXAMPLE.com" || gotProto != "http" {
		t.Errorf("routed: %d %q, back end saw Host %q proto %q", code, body, gotHost, gotProto)
	}
	if code, _ := get("meet.contoso.com"); code != http.StatusNotFound {
		t.Errorf("unpublished name: %d, want 404", code)
	}
	rp.Rules[0].Target = "unreachable"
	h, _ = Handler(Config{Proxy: rp, Listener: plan.Listener{Name: "https", Port: 443}, Dial: dial, Roots: roots, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	front.Config.Handler = h
	if code, _ := get("example.com"); code != http.StatusBadGateway {
		t.Errorf("unreachable back end: %d, want 502", code)
	}
}

// The planned idle timeout (RP-006): a request the back end holds longer
// is cut with 504 naming the rule; one held a little less passes, even
// though it outlives the proxy server's own read and write timeouts.
func TestIdleTimeout(t *testing.T) {
	release := make(chan struct{})
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hold, _ := time.ParseDuration(r.URL.Query().Get("hold"))
		select {
		case <-time.After(hold):
		case <-release:
		}
		io.WriteString(w, "event")
	}))
	defer back.Close()
	defer close(release)
	rp := plan.ReverseProxy{Name: "rp", Rules: []plan.PubRule{{
		Name: "web", PublicNames: []string{"webext.contoso.com"}, Target: "192.168.21.121",
		Bridges:     []plan.Bridge{{FrontPort: 80, BackPort: 8080, BackScheme: "http"}},
		IdleTimeout: 1,
	}}}
	dial := func(ctx context.Context, target string, port int) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "tcp", back.Listener.Addr().String())
	}
	h, err := Handler(Config{Proxy: rp, Listener: plan.Listener{Name: "http", Port: 80}, Dial: dial, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewUnstartedServer(h)
	front.Config.ReadTimeout, front.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	front.Start()
	defer front.Close()
	get := func(hold time.Duration) (int, string, http.Header, time.Duration) {
		t.Helper()
		req, _ := http.NewRequest("GET", front.URL+"/ucwa/v1/applications/1/events?hold="+hold.String(), nil)
		req.Host = "webext.contoso.com"
		start := time.Now()
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("held %s: %v", hold, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header, time.Since(start)
	}
	if code, body, _, _ := get(600 * time.Millisecond); code != 200 || body != "event" {
		t.Errorf("a request held 0.6 s under a 1 s idle timeout: %d %q", code, body)
	}
	code, body, hdr, took := get(5 * time.Second)
	if code != http.StatusGatewayTimeout || hdr.Get(RuleHeader) != "RP-006" || !strings.Contains(body, "RP-006") || !strings.Contains(body, "1 s") {
		t.Errorf("a request held past the idle timeout: %d %v %q", code, hdr, body)
	}
	if took < time.Second || took > 3*time.Second {
		t.Errorf("cut after %s, want about the 1 s idle timeout", took)
	}
}
