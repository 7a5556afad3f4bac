package supervisor

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"
	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// contoso's Front End servers' external web sites (planned, internal
// location) and the name they answer to.
var benchFrontEnds = []string{"192.168.21.122:4443", "192.168.21.123:4443", "192.168.21.124:4443"}

const benchWebHost = "webext.contoso.com"

// benchPath is how a benchmark client reaches UCWA.
type benchPath struct {
	name string
	// client makes a client of that path; n tells clients apart.
	client func(n int) *http.Client
}

// benchPaths: straight to the first Front End's external web site, and
// the whole external path (lab DNS → reverse proxy → load balancer →
// Front End), as a phone outside does.
func benchPaths(b *testing.B, info *addrmap.Runtime, roots *x509.CertPool) []benchPath {
	served, ok := info.Served("internal", benchFrontEnds[0])
	if !ok {
		b.Fatalf("the internal location does not reach %s", benchFrontEnds[0])
	}
	return []benchPath{
		{"frontend", func(int) *http.Client { return fixedClient(served, roots, 8) }},
		{"proxy-hlb-frontend", func(int) *http.Client { return soakHTTP(info, roots) }},
	}
}

// fixedClient sends every request to the served address, keeping up to
// idle connections.
func fixedClient(served string, roots *x509.CertPool, idle int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: roots, ClientSessionCache: tls.NewLRUClientSessionCache(64)},
		MaxIdleConnsPerHost: idle,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, served)
		},
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// benchSignIn signs c in as sip on the pool's external web site: the
// OAuth password grant, an application (endpoint tells applications
// apart) and makeMeAvailable unless available is false.
func (c *soakClient) benchSignIn(ctx context.Context, password, endpoint string, available bool) error {
	form := protocol.TokenRequest{GrantType: "password", Username: c.sip, Password: password}.Form()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+benchWebHost+"/WebTicket/oauthtoken", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	tb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	tok, err := protocol.DecodeTokenResponse(tb)
	if resp.StatusCode != http.StatusOK || err != nil {
		return fmt.Errorf("token: %s %v", resp.Status, err)
	}
	c.token = tok.AccessToken
	if c.base == nil {
		if c.base, err = url.Parse("https://" + benchWebHost + "/ucwa/oauth/v1/applications"); err != nil {
			return err
		}
	}
	code, body, err := c.do(ctx, http.MethodPost, c.base.String(),
		fmt.Sprintf(`{"userAgent":"mobplan-bench","endpointId":%q,"culture":"en-US"}`, endpoint))
	if err != nil || code != http.StatusCreated {
		return fmt.Errorf("application: %d %v %s", code, err, body)
	}
	var app struct {
		Links    links `json:"_links"`
		Embedded struct {
			Me struct {
				Links links `json:"_links"`
			} `json:"me"`
			Communication struct {
				Links links `json:"_links"`
			} `json:"communication"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(body, &app); err != nil {
		return fmt.Errorf("application: %w", err)
	}
	c.self, c.next, c.start = app.Links["self"].Href, app.Links["events"].Href, app.Embedded.Communication.Links["startMessaging"].Href
	if !available {
		return nil
	}
	code, _, err = c.do(ctx, http.MethodPost, app.Embedded.Me.Links["makeMeAvailable"].Href, `{"supportedModalities":["Messaging"]}`)
	if err != nil || code != http.StatusNoContent {
		return fmt.Errorf("makeMeAvailable: %d %v", code, err)
	}
	return nil
}

// BenchmarkSignIn is sign-ins per second against the served lab: the
// OAuth password grant, an application and makeMeAvailable, over
// keep-alive HTTPS on loopback. Each sign-in's application is deleted
// after it (not timed), so the per-user bound never stops the run.
func BenchmarkSignIn(b *testing.B) {
	root := applyExample(b, "contoso")
	rt := start(b, root)
	info := rt.Info()
	passwords := rt.gen.Load().bundle.Passwords
	roots := pool(b, info.CAs.Public, info.CAs.Internal)
	users := []string{"alice@contoso.com", "bob@fabrikam.com"}
	for _, p := range benchPaths(b, info, roots) {
		b.Run(p.name, func(b *testing.B) {
			ctx := context.Background()
			var n atomic.Int64
			var failed atomic.Int64
			var firstErr atomic.Value
			var signIns time.Duration
			var mu sync.Mutex
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := n.Add(1)
				c := &soakClient{sip: users[i%2], hc: p.client(int(i))}
				var mine time.Duration
				for pb.Next() {
					t0 := time.Now()
					err := c.benchSignIn(ctx, passwords[c.sip], fmt.Sprintf("bench-%d-%d", i, n.Add(1)), true)
					mine += time.Since(t0)
					if err == nil {
						var code int
						code, _, err = c.do(ctx, http.MethodDelete, c.self, "")
						if err == nil && code != http.StatusNoContent {
							err = fmt.Errorf("DELETE application: %d", code)
						}
					}
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
				}
				mu.Lock()
				signIns += mine
				mu.Unlock()
			})
			if k := failed.Load(); k > 0 {
				b.Fatalf("%d of %d sign-ins failed, first: %v", k, b.N, firstErr.Load())
			}
			// Sign-ins per second of wall time (the DELETEs included),
			// and the mean time one sign-in takes.
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
			b.ReportMetric(float64(signIns.Microseconds())/1000/float64(b.N), "ms/signin")
		})
	}
}

// benchEvent is one event of a P-GET response.
type benchEvent struct {
	Link     struct{ Rel, Href string } `json:"link"`
	Type     string                     `json:"type"`
	Status   string                     `json:"status"`
	Embedded map[string]json.RawMessage `json:"_embedded"`
}

// events answers one P-GET and returns its events.
func (c *soakClient) events(ctx context.Context) ([]benchEvent, error) {
	code, body, err := c.do(ctx, http.MethodGet, c.next, "")
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("P-GET: %d %v %s", code, err, body)
	}
	var resp struct {
		Links  links `json:"_links"`
		Sender []struct {
			Events []benchEvent `json:"events"`
		} `json:"sender"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	if resp.Links["resync"].Href != "" {
		return nil, fmt.Errorf("resync: %s", body)
	}
	c.next = resp.Links["next"].Href
	var out []benchEvent
	for _, s := range resp.Sender {
		out = append(out, s.Events...)
	}
	return out, nil
}

// waitEvent P-GETs until an event of rel and typ arrives whose embedded
// resource (named rel) has the link want, and returns its links.
func (c *soakClient) waitEvent(ctx context.Context, rel, typ, want string) (links, error) {
	for {
		evs, err := c.events(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.Link.Rel != rel || e.Type != typ {
				continue
			}
			var res struct {
				Links links `json:"_links"`
			}
			if raw := e.Embedded[rel]; raw != nil {
				if err := json.Unmarshal(raw, &res); err != nil {
					return nil, err
				}
			}
			if res.Links[want].Href != "" {
				return res.Links, nil
			}
		}
	}
}

// BenchmarkMessageRoundTrip is a message end to end: alice, in a
// conversation bob accepted, sends text/plain; the time runs until bob's
// parked P-GET has returned with the message. One message is in flight
// at a time; both users long-poll all along. Reports messages per second
// and the delivery latency's p50 and p99.
func BenchmarkMessageRoundTrip(b *testing.B) {
	root := applyExample(b, "contoso")
	rt := start(b, root)
	info := rt.Info()
	passwords := rt.gen.Load().bundle.Passwords
	roots := pool(b, info.CAs.Public, info.CAs.Internal)
	for _, p := range benchPaths(b, info, roots) {
		b.Run(p.name, func(b *testing.B) {
			// go test's -timeout does not cover benchmarks: a lost event
			// must not hang the run.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			alice := &soakClient{sip: "alice@contoso.com", hc: p.client(0)}
			bob := &soakClient{sip: "bob@fabrikam.com", hc: p.client(1)}
			for i, c := range []*soakClient{alice, bob} {
				if err := c.benchSignIn(ctx, passwords[c.sip], "bench-msg-"+strconv.Itoa(i), true); err != nil {
					b.Fatalf("%s: %v", c.sip, err)
				}
			}
			defer func() {
				for _, c := range []*soakClient{alice, bob} {
					c.do(context.Background(), http.MethodDelete, c.self, "")
				}
			}()
			if code, _, err := alice.do(ctx, http.MethodPost, alice.start, `{"to":"sip:bob@fabrikam.com"}`); err != nil || code != http.StatusCreated {
				b.Fatalf("startMessaging: %d %v", code, err)
			}
			inv, err := bob.waitEvent(ctx, "messagingInvitation", "started", "accept")
			if err != nil {
				b.Fatalf("bob's invitation: %v", err)
			}
			if code, _, err := bob.do(ctx, http.MethodPost, inv["accept"].Href, ""); err != nil || code != http.StatusNoContent {
				b.Fatalf("accept: %d %v", code, err)
			}
			m, err := alice.waitEvent(ctx, "messaging", "updated", "sendMessage")
			if err != nil {
				b.Fatalf("alice's messaging: %v", err)
			}
			send := m["sendMessage"].Href

			// Bob's P-GETs hand each incoming message to the sender; alice's
			// are read so that her queue (message completed) stays short.
			got := make(chan string, 1)
			var pollErr atomic.Value
			var pollers sync.WaitGroup
			poll := func(c *soakClient, each func(benchEvent)) {
				defer pollers.Done()
				for ctx.Err() == nil {
					evs, err := c.events(ctx)
					if err != nil {
						if ctx.Err() == nil {
							pollErr.CompareAndSwap(nil, fmt.Sprintf("%s: %v", c.sip, err))
						}
						return
					}
					for _, e := range evs {
						each(e)
					}
				}
			}
			pollers.Add(2)
			go poll(bob, func(e benchEvent) {
				if e.Link.Rel == "message" && e.Type == "completed" {
					var m struct {
						Links links `json:"_links"`
					}
					json.Unmarshal(e.Embedded["message"], &m)
					got <- m.Links["plainMessage"].Href
				}
			})
			go poll(alice, func(e benchEvent) {
				if e.Link.Rel == "message" && e.Type == "completed" && e.Status != "Success" {
					pollErr.CompareAndSwap(nil, "a message failed")
				}
			})
			// Bob's first P-GET is parked before the clock starts.
			time.Sleep(50 * time.Millisecond)

			lat := make([]time.Duration, 0, b.N)
			i := 0
			b.ResetTimer()
			for b.Loop() {
				i++
				text := "bench " + strconv.Itoa(i)
				t0 := time.Now()
				code, err := alice.sendText(ctx, send, text)
				if err != nil || code != http.StatusCreated {
					b.Fatalf("sendMessage %d: %d %v", i, code, err)
				}
				select {
				case uri := <-got:
					if !strings.HasSuffix(uri, url.PathEscape(text)) && !strings.HasSuffix(uri, strings.ReplaceAll(text, " ", "%20")) {
						b.Fatalf("bob got %q, want %q", uri, text)
					}
				case <-time.After(10 * time.Second):
					b.Fatalf("message %d did not reach bob (%v)", i, pollErr.Load())
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			cancel()
			pollers.Wait()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}

// sendText posts a text/plain message (soakClient.do sends JSON).
func (c *soakClient) sendText(ctx context.Context, href, text string) (int, error) {
	ref, err := c.base.Parse(href)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ref.String(), strings.NewReader(text))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// parkedPGetsEnv sets how many P-GETs BenchmarkParkedPGets parks.
const parkedPGetsEnv = "MOBPLAN_BENCH_PGETS"

// parkedHeapProfileEnv names a file BenchmarkParkedPGets writes a heap
// profile to while the P-GETs are parked: where the bytes are.
const parkedHeapProfileEnv = "MOBPLAN_BENCH_HEAPPROFILE"

func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// perUserPerFE is how many applications one lab user gets on one Front
// End (ucwa.DefaultMaxPerUser).
const perUserPerFE = 16

// vmRSS reads the process's resident set size from /proc/self/status.
func vmRSS() (uint64, error) { return procStatusRSS("/proc/self/status") }

// procRSS reads process pid's resident set size.
func procRSS(pid int) (uint64, error) {
	return procStatusRSS("/proc/" + strconv.Itoa(pid) + "/status")
}

func procStatusRSS(file string) (uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in %s", file)
}

// benchUsers adds n lab users to the contoso copy at root.
func benchUsers(t testing.TB, root string, n int) []string {
	t.Helper()
	var sb strings.Builder
	var sips []string
	for i := range n {
		sip := fmt.Sprintf("bench%05d@contoso.com", i+1)
		sips = append(sips, sip)
		fmt.Fprintf(&sb, "user %q {\n  pool         = pool.pool01.name\n  lab_password = var.lab_password\n}\n\n", sip)
	}
	if err := os.WriteFile(filepath.Join(root, "bench-users.hcl"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return sips
}

// BenchmarkParkedPGets parks MOBPLAN_BENCH_PGETS (default 500) P-GETs,
// one per application, each on its own loopback TLS connection straight
// to one of contoso's three Front End instances, and reports how much
// the process's RSS grew per parked P-GET. in-process: the clients live
// in the lab's process, so the figure holds both ends of each
// connection (the client's end is a TLS connection, one goroutine and a
// 16-byte read, no net/http client). client-process: the clients run in
// a child process (this test binary again, TestParkedPGetClient), so
// rss-B/pget is the lab's (server's) share alone and client-rss-MiB the
// child's whole RSS. heap+stack-B/pget is the Go runtime's in-use heap
// and stack growth in this process. Each connection costs a descriptor
// at each end: in-process, the open-files limit bounds N at about half
// of it, client-process at about all of it.
func BenchmarkParkedPGets(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads VmRSS from /proc/self/status")
	}
	n := 500
	if s := os.Getenv(parkedPGetsEnv); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive count", parkedPGetsEnv, s)
		}
	}
	root := testtool.CopyExample(b, "contoso")
	testtool.AddTestKeys(b, root, "contoso")
	sips := benchUsers(b, root, (n+perUserPerFE*len(benchFrontEnds)-1)/(perUserPerFE*len(benchFrontEnds)))
	applytest.Apply(b, root, false)
	rt := start(b, root)
	info := rt.Info()
	passwords := rt.gen.Load().bundle.Passwords
	roots := pool(b, info.CAs.Public, info.CAs.Internal)
	var served []string
	for _, fe := range benchFrontEnds {
		s, ok := info.Served("internal", fe)
		if !ok {
			b.Fatalf("the internal location does not reach %s", fe)
		}
		served = append(served, s)
	}

	for _, mode := range []struct {
		name  string
		child bool
	}{{"in-process", false}, {"client-process", true}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				parkPGets(b, n, sips, passwords, served, roots, []string{info.CAs.Public, info.CAs.Internal}, mode.child)
			}
		})
	}
}

// benchApp is one application to park a P-GET of.
type benchApp struct {
	Served string `json:"served"` // the Front End's served ip:port
	Token  string `json:"token"`
	Next   string `json:"next"` // the events href
	self   string
	fe     int
}

// pgetClientEnv names the file of a P-GET client process's job (a
// pgetJob); TestParkedPGetClient runs only with it set.
const pgetClientEnv = "MOBPLAN_BENCH_PGET_CLIENT"

type pgetJob struct {
	CAs  []string   `json:"cas"`
	Apps []benchApp `json:"apps"`
}

func parkPGets(b *testing.B, n int, sips []string, passwords map[string]string, served []string, roots *x509.CertPool, cas []string, child bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// Application i is on Front End i%3, of user i/48: 16 a user on
	// each instance.
	apps := make([]benchApp, n)
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	const workers = 8
	hcs := make([]*http.Client, len(served))
	for i, s := range served {
		hcs[i] = fixedClient(s, roots, workers)
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			clients := map[string]*soakClient{}
			for i := w; i < n; i += workers {
				fe := i % len(served)
				sip := sips[i/(perUserPerFE*len(served))]
				key := sip + "|" + served[fe]
				c := clients[key]
				if c == nil {
					c = &soakClient{sip: sip, hc: hcs[fe]}
					clients[key] = c
				}
				if err := c.benchSignIn(ctx, passwords[sip], "pget-"+strconv.Itoa(i), false); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("application %d: %v", i, err))
					return
				}
				apps[i] = benchApp{Served: served[fe], Token: c.token, Next: c.next, self: c.self, fe: fe}
			}
		}()
	}
	wg.Wait()
	if k := errs.Load(); k > 0 {
		b.Fatalf("%d applications failed, first: %v", k, firstErr.Load())
	}
	for _, hc := range hcs {
		hc.CloseIdleConnections()
	}
	// The next run makes the same applications again.
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		var failed atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += workers {
					c := &soakClient{hc: hcs[apps[i].fe], token: apps[i].Token}
					c.base, _ = url.Parse("https://" + benchWebHost + "/")
					if code, _, err := c.do(ctx, http.MethodDelete, apps[i].self, ""); err != nil || code != http.StatusNoContent {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		for _, hc := range hcs {
			hc.CloseIdleConnections()
		}
		if k := failed.Load(); k > 0 {
			b.Errorf("%d of %d applications not deleted", k, n)
		}
	}()

	before, beforeMem := settledMemory(b)
	beforeG := runtime.NumGoroutine()
	var childRSS uint64
	if child {
		job, err := json.Marshal(pgetJob{CAs: cas, Apps: apps})
		if err != nil {
			b.Fatal(err)
		}
		jobFile := filepath.Join(b.TempDir(), "pget-job.json")
		if err := os.WriteFile(jobFile, job, 0o600); err != nil {
			b.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestParkedPGetClient$", "-test.v")
		cmd.Env = append(os.Environ(), pgetClientEnv+"="+jobFile)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		out := bufio.NewScanner(stdout)
		parked := false
		var lines []string
		for out.Scan() {
			lines = append(lines, out.Text())
			if out.Text() == "parked" {
				parked = true
				break
			}
		}
		if !parked {
			cmd.Wait()
			b.Fatalf("the P-GET client did not park its P-GETs: %q", lines)
		}
		after, afterMem := settledMemory(b)
		afterG := runtime.NumGoroutine()
		if childRSS, err = procRSS(cmd.Process.Pid); err != nil {
			b.Error(err)
		}
		stdin.Close()
		rest, _ := io.ReadAll(stdout)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("the P-GET client: %v\n%s", err, rest)
		}
		reportParked(b, n, before, after, beforeMem, afterMem, beforeG, afterG)
		b.ReportMetric(float64(childRSS)/(1<<20), "client-rss-MiB")
		return
	}

	conns, early, readers, err := parkAll(ctx, apps, roots, &firstErr)
	if err != nil {
		closeAll(conns)
		b.Fatal(err)
	}
	after, afterMem := settledMemory(b)
	afterG := runtime.NumGoroutine()
	if f := os.Getenv(parkedHeapProfileEnv); f != "" {
		if err := writeHeapProfile(f); err != nil {
			b.Error(err)
		}
	}
	cancel()
	closeAll(conns)
	readers.Wait()
	if k := early.Load(); k > 0 {
		b.Fatalf("%d of %d P-GETs were answered before the measurement, first: %v", k, n, firstErr.Load())
	}
	reportParked(b, n, before, after, beforeMem, afterMem, beforeG, afterG)
}

func reportParked(b *testing.B, n int, before, after uint64, beforeMem, afterMem runtime.MemStats, beforeG, afterG int) {
	grown := float64(after) - float64(before)
	b.ReportMetric(float64(n), "pgets")
	b.ReportMetric(grown/float64(n), "rss-B/pget")
	b.ReportMetric(grown/(1<<20), "rss-MiB-growth")
	b.ReportMetric(float64(after)/(1<<20), "rss-MiB-total")
	b.ReportMetric(float64(afterG-beforeG)/float64(n), "goroutines/pget")
	b.ReportMetric((float64(afterMem.StackInuse)-float64(beforeMem.StackInuse))/float64(n), "stack-B/pget")
	b.ReportMetric((float64(afterMem.HeapInuse+afterMem.StackInuse)-float64(beforeMem.HeapInuse+beforeMem.StackInuse))/float64(n), "heap+stack-B/pget")
}

// parkAll opens one TLS connection per application and sends its P-GET
// on it, at most 32 handshakes at a time (so the listen backlog is never
// the limit). Each connection's reader counts in early an answer that
// came before ctx was cancelled: a P-GET that did not park.
func parkAll(ctx context.Context, apps []benchApp, roots *x509.CertPool, firstErr *atomic.Value) ([]net.Conn, *atomic.Int64, *sync.WaitGroup, error) {
	conf := &tls.Config{RootCAs: roots, ServerName: benchWebHost, ClientSessionCache: tls.NewLRUClientSessionCache(8)}
	conns := make([]net.Conn, len(apps))
	early := new(atomic.Int64)
	readers := new(sync.WaitGroup)
	var errs atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range apps {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a := apps[i]
			d := tls.Dialer{Config: conf}
			conn, err := d.DialContext(ctx, "tcp", a.Served)
			if err != nil {
				errs.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprintf("P-GET %d: %v", i, err))
				return
			}
			conns[i] = conn
			req := "GET " + a.Next + "&timeout=900 HTTP/1.1\r\nHost: " + benchWebHost + "\r\nAccept: application/json\r\nAuthorization: Bearer " + a.Token + "\r\n\r\n"
			if _, err := io.WriteString(conn, req); err != nil {
				errs.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprintf("P-GET %d: %v", i, err))
				return
			}
			readers.Add(1)
			go func() {
				defer readers.Done()
				br := bufio.NewReaderSize(conn, 16)
				if line, err := br.ReadString('\n'); err == nil && ctx.Err() == nil {
					early.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("P-GET %d answered at once: %q", i, line))
				}
			}()
		}()
	}
	wg.Wait()
	if k := errs.Load(); k > 0 {
		return conns, early, readers, fmt.Errorf("%d of %d P-GETs failed, first: %v", k, len(apps), firstErr.Load())
	}
	return conns, early, readers, nil
}

// TestParkedPGetClient is BenchmarkParkedPGets' client process (only
// with MOBPLAN_BENCH_PGET_CLIENT set): it parks the job's P-GETs, says
// "parked", holds them until its stdin closes, and fails if any was
// answered meanwhile.
func TestParkedPGetClient(t *testing.T) {
	file := os.Getenv(pgetClientEnv)
	if file == "" {
		t.Skip("the P-GET client process of BenchmarkParkedPGets")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var job pgetJob
	if err := json.Unmarshal(b, &job); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var firstErr atomic.Value
	conns, early, readers, err := parkAll(ctx, job.Apps, pool(t, job.CAs...), &firstErr)
	if err != nil {
		closeAll(conns)
		t.Fatal(err)
	}
	fmt.Println("parked")
	io.Copy(io.Discard, os.Stdin)
	cancel()
	closeAll(conns)
	readers.Wait()
	if k := early.Load(); k > 0 {
		t.Fatalf("%d of %d P-GETs were answered before the measurement, first: %v", k, len(job.Apps), firstErr.Load())
	}
}

// settledMemory waits until the process's goroutine count has not moved
// for half a second (the last requests read and parked), collects
// garbage, returns it to the system and reads RSS and the runtime's statistics.
func settledMemory(b *testing.B) (uint64, runtime.MemStats) {
	last, still := runtime.NumGoroutine(), 0
	for still < 5 {
		time.Sleep(100 * time.Millisecond)
		if g := runtime.NumGoroutine(); g == last {
			still++
		} else {
			last, still = g, 0
		}
	}
	// Freed memory goes back to the system, so that RSS holds what is
	// live (and an earlier run's garbage does not hide this one's growth).
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	rss, err := vmRSS()
	if err != nil {
		b.Fatal(err)
	}
	return rss, m
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
