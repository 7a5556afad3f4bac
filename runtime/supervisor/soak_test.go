package supervisor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"

	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// soakHeapGrowth bounds the live heap's growth between the end of the
// warm-up and the end of the run: the lab's state is bounded, so a steady
// load must not grow it.
const soakHeapGrowth = 16 << 20

// soakSize is how big a soak runs.
type soakSize struct {
	clients          int
	duration, warmUp time.Duration
	// users are extra lab users added to the topology, each signed in
	// on clients/users devices; 0 uses contoso's two users.
	users int
}

// soakFullEnv, set to "full", runs the soak at the size the issue asks
// (50 clients for 60 s) instead of the short one every run does.
const soakFullEnv = "MOBPLAN_SOAK"

func soakSizeOf(env string) soakSize {
	if env == "full" {
		// 25 users with a phone and a tablet each.
		return soakSize{clients: 50, duration: 60 * time.Second, warmUp: 10 * time.Second, users: 25}
	}
	// 10 users with two devices each: an invitation rings two clients,
	// as in the full soak. (Two users on ten devices each made every
	// invitation ring ten, and on a loaded machine a client's queue could
	// pass its 256 events between two P-GETs: a resync, not a failure of
	// the lab.)
	return soakSize{clients: 20, duration: 15 * time.Second, warmUp: 3 * time.Second, users: 10}
}

// soakUsers adds n lab users to the contoso copy at root.
func soakUsers(t *testing.T, root string, n int) []string {
	t.Helper()
	var b strings.Builder
	var sips []string
	for i := range n {
		sip := fmt.Sprintf("soak%02d@contoso.com", i+1)
		sips = append(sips, sip)
		fmt.Fprintf(&b, "user %q {\n  pool         = pool.pool01.name\n  lab_password = var.lab_password\n}\n\n", sip)
	}
	if err := os.WriteFile(filepath.Join(root, "soak-users.hcl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return sips
}

// soakClient is one simulated mobile client: signed in from outside
// through the planned reverse proxy and load balancer, with one UCWA
// application and its event channel.
type soakClient struct {
	sip, other string
	hc         *http.Client
	base       *url.URL
	token      string
	self, next string
	start      string // startMessaging href
}

// TestSoak: 20 clients of 10 lab users (two devices each) sign in
// from outside, then for 15 s each invites another user with a first
// message about every second while every client long-polls;
// receivers accept and hang up. Not one request may fail, every message
// sent must arrive, and the live heap must stay flat. With
// MOBPLAN_SOAK=full: 50 clients (25 users, two devices each), 60 s.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	if raceDetector {
		// The soak holds a message rate and a heap bound; the race
		// detector slows every request several times and grows the heap,
		// so conversations pile up past their limit (409) and the figures
		// say nothing. The ordinary test run holds them.
		t.Skip("soak test: not under the race detector")
	}
	size := soakSizeOf(os.Getenv(soakFullEnv))
	soakClients, soakDuration, soakWarmUp := size.clients, size.duration, size.warmUp
	users := []string{"alice@contoso.com", "bob@fabrikam.com"}
	var root string
	if size.users > 0 {
		root = testtool.CopyExample(t, "contoso")
		testtool.AddTestKeys(t, root, "contoso")
		users = soakUsers(t, root, size.users)
		applytest.Apply(t, root, false)
	} else {
		root = applyExample(t, "contoso")
	}
	// Each user is signed in on this many clients; an invitation rings
	// every one of them.
	devices := int64(soakClients / len(users))
	rt := start(t, root)
	info := rt.Info()
	b := rt.gen.Load().bundle
	roots := pool(t, info.CAs.Public, info.CAs.Internal)

	ctx, cancel := context.WithTimeout(context.Background(), soakDuration+30*time.Second)
	defer cancel()
	var errs atomic.Int64
	var errMu sync.Mutex
	var firstErrs []string
	fail := func(format string, a ...any) {
		if errs.Add(1) <= 5 {
			errMu.Lock()
			firstErrs = append(firstErrs, fmt.Sprintf(format, a...))
			errMu.Unlock()
		}
	}

	clients := make([]*soakClient, soakClients)
	var wg sync.WaitGroup
	for i := range clients {
		sip := users[i%len(users)]
		c := &soakClient{sip: sip, other: users[(i+1)%len(users)], hc: soakHTTP(info, roots)}
		clients[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.signIn(ctx, b.Passwords[sip], i); err != nil {
				fail("sign-in %d (%s): %v", i, sip, err)
			}
		}()
	}
	wg.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d sign-ins failed: %v", errs.Load(), firstErrs)
	}

	var sent, received atomic.Int64
	var stopping atomic.Bool
	var pollers, senders sync.WaitGroup
	for _, c := range clients {
		pollers.Add(1)
		go func() {
			defer pollers.Done()
			for ctx.Err() == nil {
				n, err := c.poll(ctx)
				if err != nil {
					if !stopping.Load() {
						fail("%s P-GET: %v", c.sip, err)
					}
					return
				}
				received.Add(int64(n))
			}
		}()
	}
	end := time.Now().Add(soakDuration)
	for i, c := range clients {
		senders.Add(1)
		go func() {
			defer senders.Done()
			tick := time.NewTicker(time.Second + time.Duration(i)*13*time.Millisecond)
			defer tick.Stop()
			for n := 0; time.Now().Before(end); n++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				body := fmt.Sprintf(`{"to":"sip:%s","_links":{"message":{"href":"data:text/plain;charset=utf-8,soak%%20%d%%20%d"}}}`, c.other, i, n)
				if code, _, err := c.do(ctx, http.MethodPost, c.start, body); err != nil || code != http.StatusCreated {
					fail("%s startMessaging: %d %v", c.sip, code, err)
					continue
				}
				sent.Add(1)
			}
		}()
	}
	time.Sleep(soakWarmUp)
	warm := liveHeap()
	senders.Wait()
	// Let the last invitations reach their receivers.
	deadline := time.Now().Add(5 * time.Second)
	for received.Load() < sent.Load()*devices && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	after := liveHeap()
	stopping.Store(true)
	for _, c := range clients {
		if code, _, err := c.do(ctx, http.MethodDelete, c.self, ""); err != nil || code != http.StatusNoContent {
			fail("%s DELETE application: %d %v", c.sip, code, err)
		}
	}
	pollers.Wait()

	t.Logf("%d clients, %d invitations sent, %d first messages received, live heap %d KiB after warm-up, %d KiB at the end",
		soakClients, sent.Load(), received.Load(), warm>>10, after>>10)
	if n := errs.Load(); n > 0 {
		t.Errorf("%d errors, first: %v", n, firstErrs)
	}
	if sent.Load() == 0 {
		t.Error("no message was sent")
	}
	// Every invitation reaches every available application of the other
	// user; each of them gets the first message.
	if want := sent.Load() * devices; received.Load() != want {
		t.Errorf("%d first messages received, want %d", received.Load(), want)
	}
	if after > warm+soakHeapGrowth {
		t.Errorf("live heap grew from %d KiB to %d KiB (bound %d KiB)", warm>>10, after>>10, soakHeapGrowth>>10)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// soakHTTP is a phone outside: names resolve through the external lab
// DNS, planned addresses through the external map, cookies kept.
func soakHTTP(info *addrmap.Runtime, roots *x509.CertPool) *http.Client {
	jar, _ := cookiejar.New(nil)
	var mu sync.Mutex
	cache := map[string]string{}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		ip, ok := cache[host]
		mu.Unlock()
		if !ok {
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(host), dns.TypeA)
			r, err := dns.ExchangeContext(ctx, m, info.DNS["external"])
			if err != nil {
				return nil, fmt.Errorf("resolve %s: %w", host, err)
			}
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok {
					ip = a.A.String()
					break
				}
			}
			if ip == "" {
				return nil, fmt.Errorf("resolve %s: no A record", host)
			}
			mu.Lock()
			cache[host] = ip
			mu.Unlock()
		}
		served, ok := info.Served("external", net.JoinHostPort(ip, port))
		if !ok {
			return nil, fmt.Errorf("%s (%s) is not reachable from outside", addr, ip)
		}
		return (&net.Dialer{}).DialContext(ctx, network, served)
	}
	tlsConf := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dial, TLSClientConfig: tlsConf, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends one request (relative hrefs against the applications URL)
// and reads a bounded body.
func (c *soakClient) do(ctx context.Context, method, href, body string) (int, []byte, error) {
	u := href
	if c.base != nil {
		ref, err := c.base.Parse(href)
		if err != nil {
			return 0, nil, err
		}
		u = ref.String()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", protocol.MediaJSON)
	if body != "" {
		req.Header.Set("Content-Type", protocol.MediaJSON)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

type links map[string]struct {
	Href string `json:"href"`
}

// signIn walks Autodiscover, the OAuth password grant and the user
// resource, then creates an application and makes the user available.
func (c *soakClient) signIn(ctx context.Context, password string, n int) error {
	domain := c.sip[strings.LastIndex(c.sip, "@")+1:]
	code, body, err := c.do(ctx, http.MethodGet, "https://lyncdiscover."+domain+"/?sipuri="+url.QueryEscape(c.sip), "")
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("root: %d %v", code, err)
	}
	root, err := protocol.Decode(protocol.UCWAJSON, body)
	if err != nil {
		return fmt.Errorf("root: %w", err)
	}
	userURL, ok := root.Link(protocol.TokenOAuth)
	if !ok {
		return fmt.Errorf("root without a user link: %s", body)
	}
	for hop := 0; ; hop++ {
		if hop == 5 {
			return fmt.Errorf("too many user redirects")
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, userURL, nil)
		req.Header.Set("Accept", protocol.MediaJSON)
		resp, err := c.hc.Do(req)
		if err != nil {
			return fmt.Errorf("user resource: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ch, ok := protocol.FindOAuthChallenge(resp.Header.Values("WWW-Authenticate"))
		if resp.StatusCode != http.StatusUnauthorized || !ok {
			return fmt.Errorf("user resource without a token: %s", resp.Status)
		}
		form := protocol.TokenRequest{GrantType: "password", Username: c.sip, Password: password}.Form()
		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, ch.Href, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err = c.hc.Do(req)
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
		code, body, err := c.do(ctx, http.MethodGet, userURL, "")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("user resource: %d %v", code, err)
		}
		user, err := protocol.Decode(protocol.UCWAJSON, body)
		if err != nil {
			return fmt.Errorf("user resource: %w", err)
		}
		if href, ok := user.Redirect(); ok {
			userURL = href
			continue
		}
		apps, ok := user.Link(protocol.TokenUcwa)
		if !ok {
			return fmt.Errorf("user resource without applications: %s", body)
		}
		if c.base, err = url.Parse(apps); err != nil {
			return err
		}
		break
	}
	code, body, err = c.do(ctx, http.MethodPost, c.base.String(),
		fmt.Sprintf(`{"userAgent":"mobplan-soak","endpointId":"soak-%d","culture":"en-US"}`, n))
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
	code, _, err = c.do(ctx, http.MethodPost, app.Embedded.Me.Links["makeMeAvailable"].Href, `{"supportedModalities":["Messaging"]}`)
	if err != nil || code != http.StatusNoContent {
		return fmt.Errorf("makeMeAvailable: %d %v", code, err)
	}
	return nil
}

// poll answers one P-GET: it accepts each incoming invitation and hangs
// up, and counts the first messages received. An outgoing invitation
// that failed is an error.
func (c *soakClient) poll(ctx context.Context) (int, error) {
	code, body, err := c.do(ctx, http.MethodGet, c.next, "")
	if err != nil || code != http.StatusOK {
		return 0, fmt.Errorf("%d %v %s", code, err, body)
	}
	var resp struct {
		Links  links `json:"_links"`
		Sender []struct {
			Events []struct {
				Link     struct{ Rel string }       `json:"link"`
				Type     string                     `json:"type"`
				Status   string                     `json:"status"`
				Embedded map[string]json.RawMessage `json:"_embedded"`
			} `json:"events"`
		} `json:"sender"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return 0, err
	}
	if resp.Links["resync"].Href != "" {
		return 0, fmt.Errorf("resync: %s", body)
	}
	c.next = resp.Links["next"].Href
	n := 0
	for _, s := range resp.Sender {
		for _, e := range s.Events {
			var inv struct {
				Direction string `json:"direction"`
				Links     links  `json:"_links"`
			}
			if raw := e.Embedded["messagingInvitation"]; raw != nil {
				if err := json.Unmarshal(raw, &inv); err != nil {
					return n, err
				}
			}
			switch {
			case e.Link.Rel == "messagingInvitation" && e.Type == "started" && inv.Direction == "Incoming":
				l := inv.Links
				if code, _, err := c.do(ctx, http.MethodPost, l["accept"].Href, ""); err != nil || code != http.StatusNoContent {
					return n, fmt.Errorf("accept: %d %v", code, err)
				}
				if code, _, err := c.do(ctx, http.MethodPost, l["conversation"].Href+"/messaging/terminate", ""); err != nil || code != http.StatusNoContent {
					return n, fmt.Errorf("terminate: %d %v", code, err)
				}
			case e.Link.Rel == "messagingInvitation" && e.Type == "completed" && e.Status != "Success":
				return n, fmt.Errorf("an invitation failed: %s", body)
			case e.Link.Rel == "message" && e.Type == "completed":
				n++
			}
		}
	}
	return n, nil
}

// The full soak is the issue's: 50 clients for 60 s; the default stays short.
func TestSoakSize(t *testing.T) {
	if s := soakSizeOf("full"); s.clients != 50 || s.duration != time.Minute || s.clients%s.users != 0 {
		t.Errorf("full soak %+v", s)
	}
	if s := soakSizeOf(""); s.clients != 20 || s.duration != 15*time.Second || s.clients%s.users != 0 {
		t.Errorf("default soak %+v", s)
	}
}
