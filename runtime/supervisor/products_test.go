//go:build unix

package supervisor

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"
	"github.com/mobplan/mobplan/runtime/admin"
	"github.com/mobplan/mobplan/runtime/bundle"
)

// startWith serves root with the given options added.
func startWith(t *testing.T, root string, set func(*Options)) *Runtime {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	o := Options{
		Bundle:     bundle.Options{ArtifactsDir: filepath.Join(root, "artifacts"), StateDir: filepath.Join(root, ".mobplan")},
		RuntimeDir: filepath.Join(root, ".mobplan", "runtime"),
		AnyPort:    true,
	}
	set(&o)
	rt, err := Start(ctx, o)
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

// rootDocument asks for https://name/ from outside and returns the
// response's Server header and the Front End that answered.
func rootDocument(t *testing.T, rt *Runtime, name string) (server, fe string) {
	t.Helper()
	info := rt.Info()
	ip := resolve(t, info, "external", name)
	served, ok := info.Served("external", net.JoinHostPort(ip, "443"))
	if !ok {
		t.Fatalf("the outside does not reach %s:443", ip)
	}
	hc := client(info, "external", pool(t, info.CAs.Public))
	hc.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, served)
	}
	req, _ := http.NewRequest("GET", "https://"+name+"/", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s from outside: %v", name, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"_links"`) || resp.Header.Get("X-Mobplan-Plan") == "" {
		t.Errorf("%s from outside: %d %v %s", name, resp.StatusCode, resp.Header, body)
	}
	return resp.Header.Get("Server"), resp.Header.Get("X-MS-Server-Fqdn")
}

// exchange signs alice (contoso.com) and bob (fabrikam.com) in from
// outside, each with an application and an event channel, and has
// alice invite bob with a first message: bob's event channel gets it;
// then alice goes Away and bob sees her presence.
func exchange(t *testing.T, rt *Runtime) {
	t.Helper()
	info := rt.Info()
	b := rt.gen.Load().bundle
	roots := pool(t, info.CAs.Public, info.CAs.Internal)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	alice := &soakClient{sip: "alice@contoso.com", other: "bob@fabrikam.com", hc: soakHTTP(info, roots)}
	bob := &soakClient{sip: "bob@fabrikam.com", other: "alice@contoso.com", hc: soakHTTP(info, roots)}
	for i, c := range []*soakClient{alice, bob} {
		if err := c.signIn(ctx, b.Passwords[c.sip], i); err != nil {
			t.Fatalf("%s signs in from outside: %v", c.sip, err)
		}
	}
	got := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			n, err := bob.poll(ctx)
			if err != nil {
				got <- err
				return
			}
			if n > 0 {
				got <- nil
				return
			}
		}
		got <- ctx.Err()
	}()
	body := fmt.Sprintf(`{"to":"sip:%s","_links":{"message":{"href":"data:text/plain;charset=utf-8,hello%%20through%%20the%%20generated%%20proxy"}}}`, bob.sip)
	if code, resp, err := alice.do(ctx, http.MethodPost, alice.start, body); err != nil || code != http.StatusCreated {
		t.Fatalf("alice startMessaging: %d %v %s", code, err, resp)
	}
	if err := <-got; err != nil {
		t.Fatalf("bob's event channel: %v", err)
	}
	// Presence: alice goes Away, and bob sees it.
	if code, resp, err := alice.do(ctx, http.MethodPost, alice.self+"/me/presence", `{"availability":"Away"}`); err != nil || code != http.StatusNoContent {
		t.Fatalf("alice sets her presence: %d %v %s", code, err, resp)
	}
	if code, resp, err := bob.do(ctx, http.MethodGet, bob.self+"/people/"+alice.sip+"/presence", ""); err != nil || code != http.StatusOK || !strings.Contains(string(resp), `"availability":"Away"`) {
		t.Fatalf("bob reads alice's presence: %d %v %s", code, err, resp)
	}
	for _, c := range []*soakClient{alice, bob} {
		if code, _, err := c.do(ctx, http.MethodDelete, c.self, ""); err != nil || code != http.StatusNoContent {
			t.Errorf("%s DELETE application: %d %v", c.sip, code, err)
		}
	}
}

// --proxy nginx: the generated proxy/nginx.conf, rendered onto the lab,
// run by nginx in front of the load balancer and the Front Ends. The
// Root document, sign-in and a message between two users from outside
// pass through it; a reload re-reads it; serve's end stops it.
func TestNginxRunsGeneratedProxy(t *testing.T) {
	testtool.Require(t, "nginx")
	root := applyExample(t, "contoso")
	rt := startWith(t, root, func(o *Options) { o.Proxy = Nginx })
	if len(rt.products) != 1 {
		t.Fatalf("%d products, want nginx for the one reverse proxy", len(rt.products))
	}
	for _, name := range []string{"lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com"} {
		server, fe := rootDocument(t, rt, name)
		if server != "nginx" || fe == "" {
			t.Errorf("%s: Server %q, Front End %q: want nginx in front of a Front End", name, server, fe)
		}
	}
	exchange(t, rt)
	// The rendered file is under the runtime state folder, and its
	// nginx -t passes (the lab ran it).
	conf := filepath.Join(root, ".mobplan", "runtime", "generated", "proxy", "nginx", "nginx.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "listen 131.107.155.1") || !strings.Contains(string(b), "server_name webext.contoso.com") {
		t.Errorf("the rendered configuration still listens on the planned address or lost a rule:\n%s", b)
	}
	pid := rt.products[0].current().Pid()
	reloaded(t, rt, rt.products[0])
	if server, _ := rootDocument(t, rt, "lyncdiscover.contoso.com"); server != "nginx" {
		t.Errorf("after reload: Server %q", server)
	}
	rt.Stop()
	if err := rt.Wait(); err != nil {
		t.Errorf("serving: %v", err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("nginx (pid %d) still runs after serve stopped", pid)
	}
}

// nginx exiting on its own is a component failure: serve stops and
// says so.
func TestNginxExitStopsServe(t *testing.T) {
	testtool.Require(t, "nginx")
	root := applyExample(t, "contoso")
	rt := startWith(t, root, func(o *Options) { o.Proxy = Nginx })
	pid := rt.products[0].current().Pid()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rt.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "nginx for reverse proxy rp") || !strings.Contains(err.Error(), "stopped unexpectedly") {
			t.Errorf("serve ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop when nginx exited")
	}
}

// --hlb haproxy (with --proxy nginx): the generated hlb/haproxy.cfg runs
// in HAProxy on the VIPs' sockets. Sign-in and a message from outside
// pass through nginx and HAProxy; inside, the internal web VIP keeps
// each client address on one Front End (stick on src) and spreads the
// clients over the pool; a reload starts a new HAProxy on the same
// sockets, which takes over without a failed request.
func TestHAProxyRunsGeneratedHLB(t *testing.T) {
	testtool.Require(t, "nginx")
	testtool.Require(t, "haproxy")
	root := applyExample(t, "contoso")
	rt := startWith(t, root, func(o *Options) { o.Proxy, o.HLB = Nginx, HAProxy })
	if len(rt.products) != 2 || rt.products[1].kind != HAProxy {
		t.Fatalf("products %v, want nginx and haproxy", rt.products)
	}
	if server, fe := rootDocument(t, rt, "lyncdiscover.contoso.com"); server != "nginx" || fe == "" {
		t.Errorf("from outside: Server %q, Front End %q", server, fe)
	}
	exchange(t, rt)
	info := rt.Info()
	const name = "lyncdiscoverinternal.contoso.com"
	affinity := func() map[string]bool {
		t.Helper()
		fes := map[string]bool{}
		for _, src := range clientAddrs(6) {
			first := frontEnd(t, info, src, name)
			if first == "" {
				t.Fatalf("%s: no answer through the VIP", src)
			}
			for i := 0; i < 4; i++ {
				if got := frontEnd(t, info, src, name); got != first {
					t.Errorf("%s went to %s, then to %s: source persistence broke", src, first, got)
				}
			}
			fes[first] = true
		}
		return fes
	}
	if fes := affinity(); len(fes) < 2 {
		t.Errorf("6 client addresses all on %v: HAProxy did not balance", fes)
	}
	reloaded(t, rt, rt.products[1])
	affinity()
	if server, _ := rootDocument(t, rt, "lyncdiscover.fabrikam.com"); server != "nginx" {
		t.Errorf("after reload: Server %q", server)
	}
}

// --proxy haproxy: the generated proxy/haproxy.cfg runs in HAProxy, its
// TLS files (tls/rp-listener.pem, tls/internal-ca.pem) the lab's, laid
// out beside the rendered file as the generated comment says. Sign-in
// and a message from outside pass through it, in front of the load
// balancer (built-in) and the Front Ends; a reload replaces it.
func TestHAProxyRunsGeneratedProxy(t *testing.T) {
	testtool.Require(t, "haproxy")
	root := applyExample(t, "contoso")
	rt := startWith(t, root, func(o *Options) { o.Proxy = HAProxy })
	if len(rt.products) != 1 || rt.products[0].kind != HAProxy || rt.products[0].serves != "reverse-proxy" {
		t.Fatalf("products %v, want haproxy for the reverse proxy", rt.products)
	}
	for _, name := range []string{"lyncdiscover.contoso.com", "lyncdiscover.fabrikam.com"} {
		if server, fe := rootDocument(t, rt, name); server == "nginx" || fe == "" {
			t.Errorf("%s: Server %q, Front End %q", name, server, fe)
		}
	}
	exchange(t, rt)
	reloaded(t, rt, rt.products[0])
	if _, fe := rootDocument(t, rt, "lyncdiscover.contoso.com"); fe == "" {
		t.Error("after reload: no Front End answered")
	}
	// A host no rule publishes: HAProxy's own 404, as the file says.
	info := rt.Info()
	served, _ := info.Served("external", "131.107.155.1:443")
	hc := client(info, "external", pool(t, info.CAs.Public))
	hc.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, served)
	}
	hc.Transport.(*http.Transport).TLSClientConfig.ServerName = "lyncdiscover.contoso.com"
	req, _ := http.NewRequest("GET", "https://lyncdiscover.contoso.com/", nil)
	req.Host = "unpublished.contoso.com"
	if resp, err := hc.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unpublished host: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// reloaded reloads the lab and checks that the product re-read its file
// in place: the same master, new workers (which it starts only once the
// new file is read).
func reloaded(t *testing.T, rt *Runtime, p *product) {
	t.Helper()
	pid := p.current().Pid()
	workers := childrenOf(pid)
	if err := rt.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if p.current().Pid() != pid {
		t.Errorf("the reload restarted %s (pid %d, was %d); it should re-read its file", p.kind, p.current().Pid(), pid)
	}
	if workers == "" {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for childrenOf(pid) == workers && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if childrenOf(pid) == workers {
		t.Errorf("%s kept its workers %s after the reload: it did not read the new file", p.kind, workers)
	}
}

// childrenOf lists a process's children (Linux's /proc); "" where that
// is not known.
func childrenOf(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// A generated configuration that cannot be rendered stops serve before
// anything is bound: Start fails naming why, and no runtime.json says
// otherwise.
func TestProductFailureStopsStart(t *testing.T) {
	testtool.Require(t, "nginx")
	root := applyExample(t, "contoso")
	// nginx reads '$' in a path as a variable: the state folder cannot be
	// written into nginx.conf.
	dir := filepath.Join(root, ".mobplan", "run$time")
	_, err := Start(context.Background(), Options{
		Bundle:     bundle.Options{ArtifactsDir: filepath.Join(root, "artifacts"), StateDir: filepath.Join(root, ".mobplan")},
		RuntimeDir: dir, AnyPort: true, Proxy: Nginx,
	})
	if err == nil || !strings.Contains(err.Error(), "--proxy nginx: proxy/nginx.conf") || !strings.Contains(err.Error(), "'$'") {
		t.Fatalf("start: %v", err)
	}
	for _, f := range []string{"runtime.json", "generated"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was written for a lab that did not start", f)
		}
	}
	// The same plan serves once the state folder can be written.
	rt := startWith(t, root, func(o *Options) { o.Proxy = Nginx })
	rootDocument(t, rt, "lyncdiscover.contoso.com")
}

// The planned persistence, as HAProxy runs the generated file: without
// persistence (examples/invalid/HLB-002) one client's connections go to
// both Front Ends; with cookie persistence (HLB-005's cookie name) a
// response to a request without the cookie inserts it, and requests
// carrying it stay on the Front End it names.
func TestHAProxyPersistence(t *testing.T) {
	testtool.Require(t, "haproxy")
	t.Run("none", func(t *testing.T) {
		root := applyInvalid(t, "HLB-002")
		rt := startWith(t, root, func(o *Options) { o.Bundle.AllowErrors, o.HLB = true, HAProxy })
		seen := map[string]int{}
		for i := 0; i < 6; i++ {
			seen[frontEnd(t, rt.Info(), "127.200.0.1", "webint.contoso.net")]++
		}
		if len(seen) != 2 || seen[""] != 0 {
			t.Errorf("one client's connections went to %v, want both Front Ends", seen)
		}
	})
	t.Run("cookie", func(t *testing.T) {
		root := applyInvalid(t, "HLB-005")
		rt := startWith(t, root, func(o *Options) { o.Bundle.AllowErrors, o.HLB = true, HAProxy })
		served, ok := rt.Info().Served("internal", "10.0.0.21:80")
		if !ok {
			t.Fatal("the internal location does not reach the external web VIP on port 80")
		}
		tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, served)
		}}
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
			if fe == "" || !strings.HasPrefix(sc, "BIGipServerpool01_web=") {
				t.Fatalf("request %d without the cookie: %q, Set-Cookie %q", i, fe, sc)
			}
			seen[fe], _, _ = strings.Cut(sc, ";")
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
	})
}

// Reloads under load through nginx drop nothing: nginx re-reads its
// file and lets its old workers finish what they carry (the bar of
// TestLoadAndReloadDropNothing for the built-in proxy).
func TestNginxReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	testtool.Require(t, "nginx")
	root := applyExample(t, "contoso")
	rt := startWith(t, root, func(o *Options) { o.Proxy = Nginx })
	reloadUnderLoad(t, rt)
}

// Reloads of HAProxy under load drop nothing either: as the reverse
// proxy (--proxy haproxy), and as the load balancer behind the built-in
// proxy or nginx (--hlb haproxy). What made them fail: a reload signal
// sent before HAProxy's master had installed its handlers killed it
// (the lab now waits for its READY=1, -Ws); and each reload's check
// (haproxy -c, nginx -t, started on the same sockets) put the shared
// sockets in blocking mode, so a running worker blocked in accept() with
// what it carried stalled, until HAProxy's watchdog aborted it (reset
// connections, a 502 in front) or a client gave up (generated.HandOver).
func TestHAProxyReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	testtool.Require(t, "haproxy")
	for _, c := range []struct {
		name       string
		proxy, hlb string
	}{
		{"proxy", HAProxy, Builtin},
		{"hlb", Builtin, HAProxy},
		{"nginx+hlb", Nginx, HAProxy},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.proxy == Nginx {
				testtool.Require(t, "nginx")
			}
			root := applyExample(t, "contoso")
			rt := startWith(t, root, func(o *Options) { o.Proxy, o.HLB = c.proxy, c.hlb })
			reloadUnderLoad(t, rt)
		})
	}
}

// reloadUnderLoad has 4 clients outside fetch the Root through the
// reverse proxy over kept-alive connections for 4 s while the lab
// reloads every 400 ms: no request may fail.
func reloadUnderLoad(t *testing.T, rt *Runtime) {
	t.Helper()
	info := rt.Info()
	served, ok := info.Served("external", "131.107.155.1:443")
	if !ok {
		t.Fatal("the outside does not reach the proxy")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool(t, info.CAs.Public)}, MaxIdleConnsPerHost: 4,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, served)
		}}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var ok64, failed atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequest("GET", "https://lyncdiscover.contoso.com/", nil)
				req.Header.Set("Accept", "application/json")
				resp, err := hc.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("%s (Server %q)", resp.Status, resp.Header.Get("Server"))
					}
				}
				// Every request began while the load ran: one that fails
				// after it is a failure too.
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err.Error())
					continue
				}
				ok64.Add(1)
			}
		}()
	}
	reloads := 0
	for ctx.Err() == nil {
		if err := rt.Reload(context.Background()); err != nil {
			t.Errorf("reload %d: %v", reloads, err)
			break
		}
		reloads++
		time.Sleep(400 * time.Millisecond)
	}
	<-ctx.Done()
	wg.Wait()
	t.Logf("%d requests, %d failed, %d reloads", ok64.Load()+failed.Load(), failed.Load(), reloads)
	if failed.Load() > 0 || ok64.Load() == 0 {
		var logs strings.Builder
		for _, p := range rt.products {
			if b, err := os.ReadFile(filepath.Join(p.dir, "error.log")); err == nil {
				fmt.Fprintf(&logs, "%s's error log:\n%s", p.kind, b)
			}
		}
		t.Errorf("%d of %d requests failed (first: %v)\n%s", failed.Load(), ok64.Load()+failed.Load(), first.Load(), logs.String())
	}
}

// --hlb haproxy: a Front End stopped on the admin endpoint fails the
// health check HAProxy runs (the generated "check port 5061", a TCP
// connect: its listeners refuse connections), so new connections through
// the VIP go to the others; started again, it is back in rotation. The
// generated file sets no check timers, so HAProxy's defaults apply
// (every 2 s, down after 3 failures, up after 2): the test waits for
// them, up to 20 s each way.
func TestHAProxyHealthCheckFollowsStop(t *testing.T) {
	testtool.Require(t, "haproxy")
	root := applyExample(t, "contoso")
	rt := startWith(t, root, func(o *Options) { o.HLB = HAProxy })
	info := rt.Info()
	const name = "lyncdiscoverinternal.contoso.com"
	var st admin.Status
	adminDo(t, info, "GET", "/status", &st)
	if len(st.Instances) < 2 {
		t.Fatalf("instances %+v, want a pool of several", st.Instances)
	}
	stopped := st.Instances[0].Server // fe01
	// A client address never seen before: HAProxy balances it afresh.
	fresh := 0
	next := func() string {
		fresh++
		return fmt.Sprintf("127.201.%d.%d", fresh/200, fresh%200+1)
	}
	// in reports whether n fresh clients in a row land where want says,
	// polling until the deadline.
	settle := func(what string, want func(fe string) bool, n int) time.Duration {
		t.Helper()
		begin := time.Now()
		deadline := begin.Add(20 * time.Second)
		for run := 0; run < n; {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s", what)
			}
			if fe := frontEnd(t, info, next(), name); fe != "" && want(fe) {
				run++
				continue
			}
			run = 0
			time.Sleep(100 * time.Millisecond)
		}
		return time.Since(begin)
	}
	seen := map[string]bool{}
	for i := 0; i < 12; i++ {
		seen[frontEnd(t, info, next(), name)] = true
	}
	if !seen[stopped] || seen[""] {
		t.Fatalf("before the stop, fresh clients went to %v, want %s among them", seen, stopped)
	}
	var got admin.Instance
	if code := adminDo(t, info, "POST", "/instances/"+stopped+"/stop", &got); code != 200 || got.State != "stopped" {
		t.Fatalf("stop %s: %d %+v", stopped, code, got)
	}
	// Twice the pool: round robin over the others only.
	out := settle(stopped+" out of rotation", func(fe string) bool { return fe != stopped }, 2*len(st.Instances))
	t.Logf("HAProxy took %s out of rotation within %s", stopped, out.Round(100*time.Millisecond))
	// A sign-in from outside, through the built-in reverse proxy and
	// HAProxy's VIP, lands on a running Front End.
	roots := pool(t, info.CAs.Public, info.CAs.Internal)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := &soakClient{sip: "alice@contoso.com", other: "bob@fabrikam.com", hc: soakHTTP(info, roots)}
	if err := c.signIn(ctx, rt.gen.Load().bundle.Passwords[c.sip], 0); err != nil {
		t.Fatalf("sign-in with %s stopped: %v", stopped, err)
	}
	if code := adminDo(t, info, "POST", "/instances/"+stopped+"/start", &got); code != 200 || got.State != "running" {
		t.Fatalf("start %s: %d %+v", stopped, code, got)
	}
	back := settle(stopped+" back in rotation", func(fe string) bool { return fe == stopped }, 1)
	t.Logf("HAProxy had %s back in rotation within %s", stopped, back.Round(100*time.Millisecond))
}

// applyShortIdle applies examples/invalid/RP-006 (push on, the web rule's
// idle timeout under 960 s) with the idle timeout cut to 2 s and a user
// who may sign in, so that a P-GET outlives it in a test.
func applyShortIdle(t *testing.T) (root, sip string) {
	t.Helper()
	root = t.TempDir()
	testtool.CopyTopology(t, filepath.Join(testtool.ExampleDir("invalid"), "RP-006"), root)
	f := filepath.Join(root, "topology.hcl")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "idle_timeout = 300", "idle_timeout = 2", 1)
	if src == string(b) {
		t.Fatal("the RP-006 example no longer sets idle_timeout = 300")
	}
	src += "\nuser \"dave@contoso.com\" {\n  pool         = \"se01\"\n  lab_password = \"Passw0rd!\"\n}\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	applytest.Apply(t, root, true)
	return root, "dave@contoso.com"
}

// RP-006 as production shows it, through every reverse proxy the lab
// runs: a P-GET the Front End parks longer than the rule's idle timeout
// (2 s here) is cut by the proxy with 504, and the lab names the rule
// (X-Mobplan-Rule: RP-006): the built-in proxy itself, nginx and HAProxy
// through what the lab adds to their rendered files (an error page for
// their own 504 only).
func TestRP006ThroughProducts(t *testing.T) {
	root, sip := applyShortIdle(t)
	for _, kind := range []string{Builtin, Nginx, HAProxy} {
		t.Run(kind, func(t *testing.T) {
			if kind != Builtin {
				testtool.Require(t, kind)
			}
			rt := startWith(t, root, func(o *Options) { o.Proxy, o.Bundle.AllowErrors = kind, true })
			info := rt.Info()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c := &soakClient{sip: sip, hc: soakHTTP(info, pool(t, info.CAs.Public, info.CAs.Internal))}
			if err := c.signIn(ctx, rt.gen.Load().bundle.Passwords[sip], 0); err != nil {
				t.Fatalf("%s signs in from outside: %v", sip, err)
			}
			// The first P-GETs may answer at once (the events of the sign-in);
			// one then parks, and the proxy cuts it.
			for i := 0; ; i++ {
				if i == 5 {
					t.Fatal("no P-GET was held long enough to be cut")
				}
				ref, err := c.base.Parse(c.next)
				if err != nil {
					t.Fatal(err)
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ref.String(), nil)
				req.Header.Set("Accept", "application/json")
				req.Header.Set("Authorization", "Bearer "+c.token)
				begin := time.Now()
				resp, err := c.hc.Do(req)
				if err != nil {
					t.Fatalf("P-GET: %v", err)
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
				held := time.Since(begin)
				if resp.StatusCode == http.StatusOK {
					var ev struct {
						Links links `json:"_links"`
					}
					if err := json.Unmarshal(body, &ev); err != nil || ev.Links["next"].Href == "" {
						t.Fatalf("P-GET: %v %s", err, body)
					}
					c.next = ev.Links["next"].Href
					continue
				}
				if resp.StatusCode != http.StatusGatewayTimeout || resp.Header.Get("X-Mobplan-Rule") != "RP-006" || !strings.Contains(string(body), "RP-006") {
					t.Fatalf("P-GET after %s: %s, X-Mobplan-Rule %q: %s", held, resp.Status, resp.Header.Get("X-Mobplan-Rule"), body)
				}
				if held < 2*time.Second || held > 20*time.Second {
					t.Errorf("cut after %s, want the planned 2 s idle timeout", held)
				}
				t.Logf("%s: P-GET cut after %s: %s", kind, held.Round(100*time.Millisecond), strings.TrimSpace(string(body)))
				break
			}
		})
	}
}
