package supervisor

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/applytest"
	"github.com/mobplan/mobplan/runtime/addrmap"
	"github.com/mobplan/mobplan/runtime/bundle"
)

// applyExample applies examples/<name> into a fresh folder (its lab
// test keys copied in, so no key is made) and returns the topology root.
func applyExample(t testing.TB, name string) string {
	t.Helper()
	return applytest.Example(t, name)
}

func start(t testing.TB, root string) *Runtime {
	t.Helper()
	return startLogged(t, root, nil)
}

// startLogged serves root's artifacts, logging to log (nil: nowhere).
func startLogged(t testing.TB, root string, log *slog.Logger) *Runtime {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := Start(ctx, Options{
		Bundle:     bundle.Options{ArtifactsDir: filepath.Join(root, "artifacts"), StateDir: filepath.Join(root, ".mobplan")},
		RuntimeDir: filepath.Join(root, ".mobplan", "runtime"),
		AnyPort:    true,
		Log:        log,
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

// resolve asks a location's lab DNS for name's first address.
func resolve(t *testing.T, info *addrmap.Runtime, view, name string) string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	r, err := dns.Exchange(m, info.DNS[view])
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String()
		}
	}
	t.Fatalf("%s view: %s has no A record (%s)", view, name, dns.RcodeToString[r.Rcode])
	return ""
}

// client reaches planned addresses through a location's map, trusting
// the given lab CAs.
func client(info *addrmap.Runtime, location string, roots *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			served, ok := info.Served(location, addr)
			if !ok {
				return nil, &net.OpError{Op: "dial", Net: network, Err: os.ErrNotExist}
			}
			return (&net.Dialer{}).DialContext(ctx, network, served)
		},
	}}
}

func pool(t testing.TB, files ...string) *x509.CertPool {
	p := x509.NewCertPool()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p.AppendCertsFromPEM(b)
	}
	return p
}

// contoso served: from outside, lyncdiscover resolves to the reverse
// proxy, whose planned certificate the public CA signed, and the proxy
// hands the request through the load balancer to a Front End, which
// answers the Root document; from inside, lyncdiscoverinternal reaches
// the internal web services directly.
func TestServeContoso(t *testing.T) {
	root := applyExample(t, "contoso")
	rt := start(t, root)
	info := rt.Info()
	for _, c := range []struct{ location, name string }{
		{"external", "lyncdiscover.contoso.com"},
		{"external", "lyncdiscover.fabrikam.com"},
		{"internal", "lyncdiscoverinternal.contoso.com"},
	} {
		ip := resolve(t, info, c.location, c.name)
		roots := pool(t, info.CAs.Public, info.CAs.Internal)
		// Ask by name, as clients do, reaching the address DNS gave.
		hc := client(info, c.location, roots)
		tr := hc.Transport.(*http.Transport)
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			served, ok := info.Served(c.location, net.JoinHostPort(ip, port))
			if !ok {
				t.Fatalf("%s cannot reach %s:%s", c.location, ip, port)
			}
			return (&net.Dialer{}).DialContext(ctx, network, served)
		}
		req, _ := http.NewRequest("GET", "https://"+c.name+"/", nil)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s from %s: %v", c.name, c.location, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"_links"`) || resp.Header.Get("X-Mobplan-Plan") == "" || resp.Header.Get("X-MS-Server-Fqdn") == "" {
			t.Errorf("%s from %s: %d %v %s", c.name, c.location, resp.StatusCode, resp.Header, body)
		}
	}
}

// A tampered artifact is refused at start, and at reload with the
// running plan kept; a good reload swaps the plan in.
func TestTamperedAndReload(t *testing.T) {
	root := applyExample(t, "standard-edition")
	zone, _ := filepath.Glob(filepath.Join(root, "artifacts", "dns", "external", "*.zone"))
	orig, err := os.ReadFile(zone[0])
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(zone[0], append(append([]byte{}, orig...), "evil 60 IN A 203.0.113.66\n"...), 0o644)
	_, err = Start(context.Background(), Options{
		Bundle:     bundle.Options{ArtifactsDir: filepath.Join(root, "artifacts"), StateDir: filepath.Join(root, ".mobplan")},
		RuntimeDir: filepath.Join(root, ".mobplan", "runtime"), AnyPort: true,
	})
	if err == nil || !strings.Contains(err.Error(), "not what apply wrote") {
		t.Fatalf("tampered zone at start: %v", err)
	}
	os.WriteFile(zone[0], orig, 0o644)
	rt := start(t, root)
	digest := rt.Info().PlanDigest
	os.WriteFile(zone[0], append(append([]byte{}, orig...), "evil 60 IN A 203.0.113.66\n"...), 0o644)
	if err := rt.Reload(context.Background()); err == nil || rt.Info().PlanDigest != digest {
		t.Fatalf("tampered reload: %v (digest %s, was %s)", err, rt.Info().PlanDigest, digest)
	}
	os.WriteFile(zone[0], orig, 0o644)
	if err := rt.Reload(context.Background()); err != nil {
		t.Fatalf("good reload: %v", err)
	}
	resp, err := http.Get("http://" + rt.Info().Admin + "/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), digest) || !strings.Contains(string(b), `"reloads": 1`) {
		t.Errorf("admin status after reload: %s", b)
	}
}

// A bounded load on loopback: concurrent clients fetch the Root document
// through the reverse proxy and the load balancer for a few seconds while
// the lab reloads the same plan again and again; not one request fails.
func TestLoadAndReloadDropNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	root := applyExample(t, "contoso")
	rt := start(t, root)
	info := rt.Info()
	ip := resolve(t, info, "external", "lyncdiscover.contoso.com")
	served, ok := info.Served("external", net.JoinHostPort(ip, "443"))
	if !ok {
		t.Fatal("the outside does not reach the proxy")
	}
	roots := pool(t, info.CAs.Public)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, MaxIdleConnsPerHost: 16,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, served)
		}}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	type result struct{ ok, failed int }
	results := make(chan result)
	var firstErr atomic.Value
	for w := 0; w < 8; w++ {
		go func() {
			var r result
			for ctx.Err() == nil {
				req, _ := http.NewRequest("GET", "https://lyncdiscover.contoso.com/", nil)
				req.Header.Set("Accept", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						r.failed++
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					r.failed++
					firstErr.CompareAndSwap(nil, resp.Status)
					continue
				}
				r.ok++
			}
			results <- r
		}()
	}
	reloads := 0
	for ctx.Err() == nil {
		if err := rt.Reload(context.Background()); err != nil {
			t.Errorf("reload %d: %v", reloads, err)
			break
		}
		reloads++
		time.Sleep(200 * time.Millisecond)
	}
	var total result
	for w := 0; w < 8; w++ {
		r := <-results
		total.ok += r.ok
		total.failed += r.failed
	}
	t.Logf("%d requests, %d failed, %d reloads", total.ok+total.failed, total.failed, reloads)
	if total.failed > 0 || total.ok == 0 {
		t.Errorf("%d of %d requests failed (first: %v)", total.failed, total.ok+total.failed, firstErr.Load())
	}
}

// A contact the lab cannot serve (not a user of the topology) is left out
// of the list and said so on the log, once per generation.
func TestContactListNotesLogged(t *testing.T) {
	root := testtool.CopyExample(t, "contoso")
	testtool.AddTestKeys(t, root, "contoso")
	extra := `user "zed@contoso.com" {
  pool         = pool.pool01.name
  lab_password = var.lab_password
  contact_group "Friends" {
    members = ["alice@contoso.com", "nobody@contoso.com"]
  }
}
`
	if err := os.WriteFile(filepath.Join(root, "zed.hcl"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	applytest.Apply(t, root, false)
	var buf syncBuffer
	startLogged(t, root, slog.New(slog.NewTextHandler(&buf, nil)))
	out := buf.String()
	want := `contact group \"Friends\" lists nobody@contoso.com, who is not a user of the topology, left out`
	if !strings.Contains(out, want) {
		t.Fatalf("log lacks %s:\n%s", want, out)
	}
	if strings.Contains(out, "alice@contoso.com, who is not") {
		t.Errorf("a user of the topology was noted:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer the servers' goroutines may log to while a
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
