package supervisor

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects log lines from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

var (
	dateLine = regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)
	logTime  = regexp.MustCompile(`(^|\n)time=\S+ `)
	logMS    = regexp.MustCompile(` ms=\d+`)
)

// TestFrontEndFastPathMatchesNetHTTP serves fe01's external web site's
// handler (the plan header, the request log, the web services) once
// more under net/http alone, beside the lab's own listener for it, which
// answers Root requests on its fast path: every request of a corpus gets
// the same bytes from both (but for Date) and the same log lines (but
// for time and duration).
func TestFrontEndFastPathMatchesNetHTTP(t *testing.T) {
	root := applyExample(t, "contoso")
	var logs lockedBuffer
	rt := startLogged(t, root, slog.New(slog.NewTextHandler(&logs, nil)))
	info := rt.Info()
	fast, ok := info.Served("internal", "192.168.21.122:4443")
	if !ok {
		t.Fatal("fe01's external site is not served")
	}
	var slot *bound
	for _, b := range rt.bound {
		if b.addr() == fast {
			slot = b
		}
	}
	if slot == nil || slot.slot.Serves != "web-external" {
		t.Fatalf("no web-external listener at %s", fast)
	}
	srv := &http.Server{Handler: &logged{r: rt, slot: slot.slot, key: key(slot.slot)}, ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout: ReadTimeout, WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(tls.NewListener(raw, rt.tlsConfig(slot.slot)))
	t.Cleanup(func() { srv.Close() })
	plain := raw.Addr().String()
	cfg := &tls.Config{RootCAs: pool(t, info.CAs.Public, info.CAs.Internal), ServerName: "webext.contoso.com"}

	const end = "GET /end HTTP/1.1\r\nHost: webext.contoso.com\r\nConnection: close\r\n\r\n"
	send := func(addr, req string) (string, string) {
		t.Helper()
		logs.take()
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, req+end)
		b, _ := io.ReadAll(c)
		// The log line of the last request is written after its answer.
		time.Sleep(20 * time.Millisecond)
		l := logs.take()
		return dateLine.ReplaceAllString(string(b), "\r\nDate: X\r\n"), logMS.ReplaceAllString(logTime.ReplaceAllString(l, "$1"), "")
	}
	get := func(host, target, more string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + more + "\r\n"
	}
	const ext, disc = "webext.contoso.com", "lyncdiscover.contoso.com"
	corpus := []string{
		get(ext, "/", "Accept: application/json\r\n"),
		"HEAD / HTTP/1.1\r\nHost: webext.contoso.com\r\nAccept: application/json\r\n\r\n",
		get(ext, "/", ""),
		get(disc, "/", "Accept: application/vnd.microsoft.rtc.autodiscover+xml; v=1\r\n"),
		get(disc, "/", "Accept: application/vnd.microsoft.rtc.autodiscover+json; v=1\r\n"),
		get(disc, "/", "Accept: text/html, application/json;q=0.5\r\naccept: application/xml\r\n"),
		get(disc, "/", "Content-Type: application/json\r\n"),
		get(disc, "//Autodiscover//AutodiscoverService.svc/root/", "Accept: application/json\r\n"),
		get(disc, "/AUTODISCOVER/autodiscoverservice.SVC/Root?originalDomain=contoso.com&sipuri=sip:alice@contoso.com", ""),
		get(disc, "/autodiscover/autodiscoverservice.svc/root?SIPURI=bob@contoso.com", "Accept: application/json\r\n"),
		get(disc, "/?sipuri=not-an-address", "Accept: application/json\r\n"),
		get(disc, "/?sipuri=%zz", ""),
		get(disc, "/?originalDomain=bad_domain!", "Accept: application/json\r\n"),
		get("lyncdiscoverinternal.fabrikam.com", "/", "Accept: application/json\r\n"),
		get(ext, "/", "Accept: application/json\r\nX-Big: "+strings.Repeat("x", 5000)+"\r\n"),
		get(ext, "/?"+strings.Repeat("q", 5000), ""),
		// Not the fast path's: the user resource, UCWA, a token request.
		get(disc, "/autodiscover/autodiscoverservice.svc/root/oauth/user", "Accept: application/json\r\n"),
		get(ext, "/ucwa/oauth/v1/applications", ""),
		"POST /WebTicket/oauthtoken HTTP/1.1\r\nHost: webext.contoso.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\ngrant_type",
		"DELETE / HTTP/1.1\r\nHost: webext.contoso.com\r\n\r\n",
		// The same request again and again: answered again from the first
		// answer, and logged each time.
		strings.Repeat(get(ext, "/", "Accept: application/json\r\n"), 3),
		strings.Repeat("HEAD / HTTP/1.1\r\nHost: lyncdiscover.contoso.com\r\n\r\n", 2) + get(disc, "/", ""),
		// Pipelined, in and out of the fast path.
		get(ext, "/", "Accept: application/json\r\n") + get(disc, "/autodiscover/autodiscoverservice.svc/root/domain", "") + get(ext, "/", ""),
	}
	// The request log line, as it has always been.
	if _, l := send(fast, corpus[0]); !regexp.MustCompile(`^level=INFO msg=request location=external listener=\S+ host=webext\.contoso\.com method=GET path=/ status=200\n`).MatchString(l) {
		t.Errorf("request log: %q", l)
	}
	for _, req := range corpus {
		want, wantLog := send(plain, req)
		got, gotLog := send(fast, req)
		if got != want {
			t.Errorf("request %.200q:\nfast path:\n%s\nnet/http:\n%s", req, got, want)
		}
		if gotLog != wantLog {
			t.Errorf("request %.200q logs:\nfast path:\n%s\nnet/http:\n%s", req, gotLog, wantLog)
		}
		if !strings.Contains(want, "X-Mobplan-Plan: ") || !strings.Contains(want, "X-Ms-Server-Fqdn: ") {
			t.Errorf("request %.200q: no plan or server header:\n%s", req, want)
		}
	}
}

// TestFastPathFollowsGenerations: a kept connection answered on the fast
// path is answered by each new generation as soon as it is in place (a
// reload swaps the generation whole), and across a real reload.
func TestFastPathFollowsGenerations(t *testing.T) {
	root := applyExample(t, "contoso")
	rt := start(t, root)
	info := rt.Info()
	fast, _ := info.Served("internal", "192.168.21.122:4443")
	cfg := &tls.Config{RootCAs: pool(t, info.CAs.Public, info.CAs.Internal), ServerName: "webext.contoso.com"}
	c, err := tls.Dial("tcp", fast, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	planHeader := regexp.MustCompile(`X-Mobplan-Plan: ([^\r]*)`)
	ask := func() string {
		t.Helper()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: webext.contoso.com\r\n\r\n")
		buf := make([]byte, 16<<10)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		m := planHeader.FindStringSubmatch(string(buf[:n]))
		if m == nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200 OK\r\n") {
			t.Fatalf("answer %q", buf[:n])
		}
		return m[1]
	}
	before := ask()
	g := *rt.gen.Load()
	g.header = "sha256:next-generation"
	rt.gen.Store(&g)
	if got := ask(); got != g.header {
		t.Errorf("plan header %q from the new generation, want %q", got, g.header)
	}
	if err := rt.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ask(); got != before {
		t.Errorf("plan header %q after the reload, want %q", got, before)
	}
}
