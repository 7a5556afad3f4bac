package supervisor

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"
	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/admin"
	"github.com/mobplan/mobplan/runtime/bundle"
)

// applyInvalid applies examples/invalid/<name> despite its rule error.
func applyInvalid(t *testing.T, name string) string {
	t.Helper()
	root := t.TempDir()
	testtool.CopyTopology(t, filepath.Join(testtool.ExampleDir("invalid"), name), root)
	applytest.Apply(t, root, true)
	return root
}

// startAllowErrors serves artifacts applied despite rule errors.
func startAllowErrors(t *testing.T, root string) *Runtime {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := Start(ctx, Options{
		Bundle:     bundle.Options{ArtifactsDir: filepath.Join(root, "artifacts"), StateDir: filepath.Join(root, ".mobplan"), AllowErrors: true},
		RuntimeDir: filepath.Join(root, ".mobplan", "runtime"),
		AnyPort:    true,
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := rt.Wait(); err != nil {
			t.Errorf("serving: %v", err)
		}
	})
	return rt
}

// frontEnd asks for name's Root document over a new connection from the
// client address src, at the internal location, and returns the Front
// End that answered ("" when the connection failed).
func frontEnd(t *testing.T, info *addrmap.Runtime, src, name string) string {
	t.Helper()
	ip := resolve(t, info, "internal", name)
	served, ok := info.Served("internal", net.JoinHostPort(ip, "443"))
	if !ok {
		t.Fatalf("the internal location does not reach %s:443", ip)
	}
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{RootCAs: pool(t, info.CAs.Internal, info.CAs.Public)},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
			return d.DialContext(ctx, network, served)
		}}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "https://"+name+"/", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return ""
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("%s from %s: %s", name, src, resp.Status)
	}
	return resp.Header.Get("X-MS-Server-Fqdn")
}

func adminDo(t *testing.T, info *addrmap.Runtime, method, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+info.Admin+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func clientAddrs(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("127.200.0.%d", i+1))
	}
	return out
}

// contoso's internal web VIP has source persistence: each client address
// stays on one Front End across many connections, the clients spread
// over the pool. Stopping a Front End through the admin endpoint moves
// its clients' new connections to the others, leaves the other clients
// where they were, and shows in /status; started again, it gets its
// clients back.
func TestSourceAffinityAndStop(t *testing.T) {
	root := applyExample(t, "contoso")
	rt := start(t, root)
	info := rt.Info()
	const name = "lyncdiscoverinternal.contoso.com"
	home := map[string]string{}
	spread := map[string]int{}
	for _, c := range clientAddrs(12) {
		for i := 0; i < 4; i++ {
			fe := frontEnd(t, info, c, name)
			if fe == "" {
				t.Fatalf("client %s: no answer", c)
			}
			if home[c] == "" {
				home[c] = fe
				spread[fe]++
			} else if fe != home[c] {
				t.Fatalf("client %s on %s, then on %s", c, home[c], fe)
			}
		}
	}
	if len(spread) < 2 {
		t.Errorf("12 clients all on %v", spread)
	}
	stopped := home["127.200.0.1"]
	var got admin.Instance
	if code := adminDo(t, info, "POST", "/instances/"+stopped+"/stop", &got); code != 200 || got.State != "stopped" || got.Pool != "pool01" {
		t.Fatalf("stop %s: %d %+v", stopped, code, got)
	}
	var st admin.Status
	adminDo(t, info, "GET", "/status", &st)
	states := map[string]string{}
	for _, in := range st.Instances {
		states[in.Server] = in.State
	}
	if len(states) != 3 || states[stopped] != "stopped" {
		t.Errorf("/status instances: %+v", st.Instances)
	}
	for _, c := range clientAddrs(12) {
		fe := frontEnd(t, info, c, name)
		switch {
		case fe == "":
			t.Errorf("client %s: no answer with %s stopped", c, stopped)
		case fe == stopped:
			t.Errorf("client %s sent to %s, which is stopped", c, stopped)
		case home[c] != stopped && fe != home[c]:
			t.Errorf("client %s of %s moved to %s", c, home[c], fe)
		}
	}
	// The stopped instance's own listeners refuse connections, its
	// monitor port (SIP TLS, 5061) too: a TCP health check, HAProxy's,
	// fails on the connect.
	var direct, monitor string
	for planned, served := range info.Locations["internal"] {
		h, p, _ := net.SplitHostPort(planned)
		if h != resolve(t, info, "internal", stopped) {
			continue
		}
		switch p {
		case "443":
			direct = served
		case "5061":
			monitor = served
		}
	}
	if direct == "" || monitor == "" {
		t.Fatalf("%s: web %q, monitor port %q not served", stopped, direct, monitor)
	}
	for _, a := range []string{direct, monitor} {
		if c, err := net.DialTimeout("tcp", a, 5*time.Second); err == nil {
			c.Close()
			t.Errorf("the stopped %s still accepts connections at %s", stopped, a)
		}
	}
	if code := adminDo(t, info, "POST", "/instances/"+stopped+"/start", &got); code != 200 || got.State != "running" {
		t.Fatalf("start %s: %d %+v", stopped, code, got)
	}
	for _, c := range clientAddrs(12) {
		if fe := frontEnd(t, info, c, name); fe != home[c] {
			t.Errorf("client %s on %s after the restart, was %s", c, fe, home[c])
		}
	}
	if code := adminDo(t, info, "POST", "/instances/nosuch.contoso.net/stop", nil); code != 404 {
		t.Errorf("stop of an unknown server: %d", code)
	}
	if code := adminDo(t, info, "GET", "/instances/"+stopped+"/stop", nil); code != 405 {
		t.Errorf("GET stop: %d", code)
	}
}

// A VIP without persistence (examples/invalid/HLB-002, applied despite
// the rule): the same client address lands on both Front Ends.
func TestNoAffinitySpreadsOneClient(t *testing.T) {
	root := applyInvalid(t, "HLB-002")
	rt := startAllowErrors(t, root)
	info := rt.Info()
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		seen[frontEnd(t, info, "127.200.0.1", "webint.contoso.net")]++
	}
	if len(seen) != 2 || seen[""] != 0 {
		t.Errorf("one client's connections went to %v, want both Front Ends", seen)
	}
}

// examples/invalid/HLB-005: the external web VIP has cookie persistence
// (with the cookie name the plan gives, not MS-WSMAN, which is the rule
// broken). On its plain HTTP port the lab load balancer balances each
// request: one without the cookie gets it inserted, and requests on one
// connection spread over both Front Ends; requests carrying it stay on
// the Front End it names.
func TestCookieAffinity(t *testing.T) {
	root := applyInvalid(t, "HLB-005")
	rt := startAllowErrors(t, root)
	info := rt.Info()
	served, ok := info.Served("internal", "10.0.0.21:80")
	if !ok {
		t.Fatal("the internal location does not reach the external web VIP on port 80")
	}
	tr := &http.Transport{MaxConnsPerHost: 1, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, served)
	}}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(cookie string) (fe, setCookie string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://web.contoso.com/", nil)
		req.Header.Set("Accept", "application/json")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.Header.Get("X-MS-Server-Fqdn"), resp.Header.Get("Set-Cookie")
	}
	seen := map[string]string{}
	for i := 0; i < 4; i++ {
		fe, sc := get("")
		if fe == "" || !strings.HasPrefix(sc, "BIGipServerpool01_web=") || !strings.HasSuffix(sc, "; Path=/") {
			t.Fatalf("request %d without the cookie: %q, Set-Cookie %q", i, fe, sc)
		}
		seen[fe] = strings.TrimSuffix(sc, "; Path=/")
	}
	if len(seen) != 2 {
		t.Errorf("requests without the cookie went to %v, want both Front Ends", seen)
	}
	for fe, cookie := range seen {
		for i := 0; i < 4; i++ {
			if got, sc := get(cookie); got != fe || sc != "" {
				t.Errorf("with %s: served by %s (Set-Cookie %q), want %s", cookie, got, sc, fe)
			}
		}
	}
}
