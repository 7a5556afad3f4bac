package fastpath

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// echo answers with what it was given, so that any difference in how
// the fast path and net/http parse a request shows in the bytes; some
// paths answer in the other shapes a Router may give.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "method=%q uri=%q proto=%q %d.%d host=%q\n", r.Method, r.RequestURI, r.Proto, r.ProtoMajor, r.ProtoMinor, r.Host)
	fmt.Fprintf(&b, "path=%q rawpath=%q query=%q force=%v scheme=%q urlhost=%q\n", r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.URL.ForceQuery, r.URL.Scheme, r.URL.Host)
	fmt.Fprintf(&b, "cl=%d te=%q close=%v nobody=%v\n", r.ContentLength, r.TransferEncoding, r.Close, r.Body == http.NoBody)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%q\n", k, r.Header[k])
	}
	body := b.String()
	h := w.Header()
	h["X-Ms-Server-Fqdn"] = []string{"fe01.contoso.com"}
	h["Cache-Control"] = []string{"no-cache"}
	h.Set("X-Mobplan-Plan", "sha256:abc")
	switch strings.TrimPrefix(r.URL.Path, "/f") {
	case "/noct": // net/http sniffs the type
		h.Set("Content-Length", strconv.Itoa(len(body)+6))
		io.WriteString(w, "<html>"+body)
		return
	case "/nocl": // net/http counts the length
		h.Set("Content-Type", "text/plain")
		io.WriteString(w, body[:min(len(body), 1000)])
		io.WriteString(w, "tail")
		return
	case "/empty":
		return
	case "/s404":
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", "2")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "{}")
		return
	case "/odd": // values net/http cleans, a name it drops, several values
		h["X-Odd"] = []string{"a\nb", " padded ", "c\r\nd"}
		h["Bad Name"] = []string{"x"}
		h.Add("Vary", "Accept")
		h.Add("Vary", "Accept-Encoding")
		h.Set("Content-Type", "text/plain")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		io.WriteString(w, body)
		h.Set("X-After", "ignored") // after the header is written
		return
	case "/long": // more than the Content-Length
		h.Set("Content-Length", "3")
		h.Set("Content-Type", "text/plain")
		io.WriteString(w, body)
		io.WriteString(w, "abc")
		return
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
})

// router answers "/" and paths under "/f" on the fast path.
type router struct{}

// fastAnswers counts the requests router sent down the fast path.
var fastAnswers atomic.Int64

func (router) Fast(method, path string) http.Handler {
	if path == "/" || strings.HasPrefix(path, "/f") {
		fastAnswers.Add(1)
		return replayed
	}
	return nil
}

// replayEcho is echo as a Replayer: its answer is its request's.
type replayEcho struct {
	mu      sync.Mutex
	replays map[string]int // by "method host path?query"
}

var replayed = &replayEcho{replays: map[string]int{}}

func (e *replayEcho) ServeHTTP(w http.ResponseWriter, r *http.Request) { echo(w, r) }

func (e *replayEcho) Replayed(r *http.Request, status int, _ time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.replays[r.Method+" "+r.Host+" "+r.URL.Path+"?"+r.URL.RawQuery]++
}

func (e *replayEcho) count(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.replays[key]
}

func newHTTP() *http.Server {
	return &http.Server{Handler: echo, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		IdleTimeout: 10 * time.Second, MaxHeaderBytes: 8 << 10, ErrorLog: log.New(io.Discard, "", 0)}
}

// pair is a fast-path server and a plain net/http one with the same
// handler and settings.
type pair struct {
	fast, plain string
}

func startPair(t testing.TB, cfg *tls.Config) pair {
	t.Helper()
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if cfg != nil {
			ln = tls.NewListener(ln, cfg)
		}
		return ln
	}
	fl, pl := listen(), listen()
	fs := &Server{HTTP: newHTTP(), Router: router{}}
	ps := newHTTP()
	go fs.Serve(fl)
	go ps.Serve(pl)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		fs.Shutdown(ctx)
		ps.Shutdown(ctx)
	})
	return pair{fl.Addr().String(), pl.Addr().String()}
}

// compare sends the pieces to both servers. A server that closes with
// bytes unread resets the connection, which can drop an answer on its
// way; so a difference is asked again, twice: one that stays is the
// servers'.
func (p pair) compare(t testing.TB, cfg *tls.Config, pieces []string) (got, want string) {
	t.Helper()
	for range 3 {
		want = exchange(t, p.plain, cfg, pieces)
		got = exchange(t, p.fast, cfg, pieces)
		if got == want {
			break
		}
	}
	return got, want
}

// sentinel ends every exchange: net/http answers it and closes.
const sentinel = "GET /end HTTP/1.1\r\nHost: end\r\nConnection: close\r\n\r\n"

// exchange sends the pieces (pausing between them) and the sentinel,
// and reads until the server closes.
func exchange(t testing.TB, addr string, cfg *tls.Config, pieces []string) string {
	t.Helper()
	var c net.Conn
	var err error
	if cfg != nil {
		c, err = tls.Dial("tcp", addr, cfg)
	} else {
		c, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(c)
		done <- b
	}()
	for i, p := range append(pieces, sentinel) {
		if i > 0 && len(pieces) > 1 {
			time.Sleep(2 * time.Millisecond)
		}
		if _, err := io.WriteString(c, p); err != nil {
			break // the server closed: what it answered is read below
		}
	}
	return normalise(<-done)
}

var dateRE = regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)

func normalise(b []byte) string { return dateRE.ReplaceAllString(string(b), "\r\nDate: X\r\n") }

// The corpus: what clients send, and what they should not.
var corpus = []string{
	"GET / HTTP/1.1\r\nHost: lyncdiscover.contoso.com\r\nAccept: application/json\r\n\r\n",
	"HEAD / HTTP/1.1\r\nHost: lyncdiscover.contoso.com\r\n\r\n",
	"GET /f?sipuri=a@contoso.com HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f? HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f?a?b HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f?%zz&x=%41 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET //f//x/ HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/%41 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/a!b HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f#frag HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/noct HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/nocl HTTP/1.1\r\nHost: x\r\n\r\n",
	"HEAD /f/nocl HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/empty HTTP/1.1\r\nHost: x\r\n\r\n",
	"HEAD /f/empty HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/s404 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/odd HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /f/long HTTP/1.1\r\nHost: x\r\n\r\n",
	"HEAD /f/noct HTTP/1.1\r\nHost: x\r\n\r\n",
	// Header names and values.
	"GET / HTTP/1.1\r\nhOST: X.example\r\naccept: a\r\nACCEPT: b\r\nx-MiXed-CASE:  v  \r\nEmpty:\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX_Under: 1\r\nX.Dot: 2\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nPragma: no-cache\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nPragma: no-cache\r\nCache-Control: max-age=0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\tb\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: caf\xc3\xa9\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nBad\x01: 1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n: novalue\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: 1\r\n folded\r\n\r\n",
	"GET / HTTP/1.1\r\n Host: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
	// Host.
	"GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost:\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
	"GET http://other/f HTTP/1.1\r\nHost: x\r\n\r\n",
	// Request lines.
	"GET / HTTP/1.0\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
	"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
	"GET / http/1.1\r\nHost: x\r\n\r\n",
	"GET /  HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
	"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
	"get / HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
	"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET\r\n\r\n",
	"GET /\r\nHost: x\r\n\r\n",
	// Bodies, connection options, expectations.
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody",
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nExpect: nonsense\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
	// Line ends.
	"GET / HTTP/1.1\nHost: x\n\n",
	"GET / HTTP/1.1\r\nHost: x\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n\n",
	// Pipelined, and mixed with what goes to net/http.
	"GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /f HTTP/1.1\r\nHost: b\r\n\r\nGET /f/nocl HTTP/1.1\r\nHost: c\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /slow HTTP/1.1\r\nHost: b\r\n\r\nGET / HTTP/1.1\r\nHost: c\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /f HTTP/1.1\r\nHost: b\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\nHost: c\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: c\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	// The same request again (answered again from the first answer), and
	// again after others.
	strings.Repeat("GET /f?r=1 HTTP/1.1\r\nHost: rep\r\nAccept: a\r\n\r\n", 3),
	strings.Repeat("HEAD /f/nocl HTTP/1.1\r\nHost: rep\r\n\r\n", 2) + "GET /f/nocl HTTP/1.1\r\nHost: rep\r\n\r\n" + "HEAD /f/nocl HTTP/1.1\r\nHost: rep\r\n\r\n",
	"GET /f/long HTTP/1.1\r\nHost: rep\r\n\r\nGET /f/long HTTP/1.1\r\nHost: rep\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: rep\r\n\r\nGET /slow HTTP/1.1\r\nHost: rep\r\n\r\nGET / HTTP/1.1\r\nHost: rep\r\n\r\n",
	"GET /f HTTP/1.1\r\nHost: rep\r\n\r\nGET /f HTTP/1.1\r\nHost: rep\r\nPragma: no-cache\r\n\r\nGET /f HTTP/1.1\r\nHost: rep\r\n\r\n",
}

// oversized heads: over the fast path's buffer, and over net/http's limit.
func oversized() []string {
	return []string{
		"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 5000) + "\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20000) + "\r\n\r\n",
		"GET /f?" + strings.Repeat("q", 6000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Many: 1\r\n", 300) + "\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n" + "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 4000) + "\r\n\r\n",
	}
}

// TestMatchesNetHTTP sends every request of the corpus, whole and in
// pieces, to a fast-path server and to net/http alone: the answers must
// be the same bytes but for Date.
func TestMatchesNetHTTP(t *testing.T) {
	p := startPair(t, nil)
	before := fastAnswers.Load()
	t.Run("corpus", func(t *testing.T) {
		for i, req := range append(slices.Clone(corpus), oversized()...) {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				for _, pieces := range splits(req) {
					if got, want := p.compare(t, nil, pieces); got != want {
						t.Errorf("request %q in %d pieces:\nfast path:\n%s\nnet/http:\n%s", short(req), len(pieces), got, want)
					}
				}
			})
		}
	})
	// The comparison is worth something only if the fast path answered
	// much of the corpus itself, and answered repeated requests again.
	if n := fastAnswers.Load() - before; n < 100 {
		t.Errorf("the fast path answered %d requests of the corpus", n)
	}
	if n := replayed.count("GET rep /f?r=1"); n < len(splits(corpus[0])) {
		t.Errorf("%d answers replayed for a request sent three times in a row", n)
	}
	if n := replayed.count("GET rep /f/long?"); n != 0 {
		t.Errorf("an answer that closes the connection was replayed %d times", n)
	}
}

// splits are ways to send a request: whole, and cut at a few places
// (inside the request line, a header line, the final CRLF).
func splits(req string) [][]string {
	out := [][]string{{req}}
	if len(req) > 4 {
		out = append(out, []string{req[:3], req[3:]}, []string{req[:len(req)-1], req[len(req)-1:]})
	}
	if len(req) > 30 {
		var pieces []string
		for s := req; s != ""; {
			n := min(7, len(s))
			pieces = append(pieces, s[:n])
			s = s[n:]
		}
		if len(pieces) < 40 {
			out = append(out, pieces)
		}
	}
	return out
}

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// TestEOFMatchesNetHTTP ends the stream (write side closed) after a
// partial or whole request.
func TestEOFMatchesNetHTTP(t *testing.T) {
	p := startPair(t, nil)
	for _, req := range []string{"", "G", "GET", "GET / HTTP/1.1\r\nHost: x\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGE", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n"} {
		send := func(addr string) string {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, req)
			if strings.Count(req, "\r\n\r\n") > 0 {
				// Let the whole request be answered before the end.
				time.Sleep(50 * time.Millisecond)
			}
			c.(*net.TCPConn).CloseWrite()
			b, _ := io.ReadAll(c)
			return normalise(b)
		}
		if got, want := send(p.fast), send(p.plain); got != want {
			t.Errorf("request %q then EOF:\nfast path:\n%s\nnet/http:\n%s", req, got, want)
		}
	}
}

// TestTLSMatchesNetHTTP runs part of the corpus over TLS, and plain HTTP
// sent to the TLS port.
func TestTLSMatchesNetHTTP(t *testing.T) {
	srvCfg, cliCfg := tlsConfigs(t)
	p := startPair(t, srvCfg)
	for _, req := range []string{corpus[0], corpus[1], corpus[len(corpus)-6], "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", oversized()[0]} {
		if got, want := p.compare(t, cliCfg, []string{req}); got != want {
			t.Errorf("request %q over TLS:\nfast path:\n%s\nnet/http:\n%s", short(req), got, want)
		}
	}
	if got, want := exchange(t, p.fast, nil, []string{corpus[0]}), exchange(t, p.plain, nil, []string{corpus[0]}); got != want || !strings.Contains(got, "HTTPS server") {
		t.Errorf("plain HTTP to the TLS port:\nfast path:\n%s\nnet/http:\n%s", got, want)
	}
}

// TestTLSStateHandedOn checks that a request net/http serves after the
// fast path has it still sees the connection's TLS state.
func TestTLSStateHandedOn(t *testing.T) {
	srvCfg, cliCfg := tlsConfigs(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srvCfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTP()
	hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || !r.TLS.HandshakeComplete {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "tls")
	})
	s := &Server{HTTP: hs, Router: router{}}
	go s.Serve(ln)
	defer s.Shutdown(context.Background())
	got := exchange(t, ln.Addr().String(), cliCfg, []string{"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"})
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK") || !strings.Contains(got, "\r\n\r\ntls") {
		t.Errorf("handed-on TLS request: %q", got)
	}
}

// TestShutdown: an idle connection is closed, one whose answer is in
// progress gets it (with Connection: close, as from net/http), and
// Shutdown waits for it.
func TestShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered) })
		<-release
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "ok")
	})
	s := &Server{HTTP: newHTTP(), Router: routerFunc(func(string, string) http.Handler { return slow })}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	busy, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	// The idle connection has had an answer (so it is idle, not new).
	close(release)
	idle.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := idle.Read(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	release = make(chan struct{})
	entered = make(chan struct{})
	once = sync.Once{}
	io.WriteString(busy, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with an answer in progress", err)
	default:
	}
	close(release)
	busy.SetDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(busy)
	if !strings.HasPrefix(string(b), "HTTP/1.1 200 OK\r\n") || !strings.Contains(string(b), "\r\nConnection: close\r\n") || !strings.HasSuffix(string(b), "\r\n\r\nok") {
		t.Errorf("answer during shutdown: %q", b)
	}
	if n, err := idle.Read(make([]byte, 1)); err == nil {
		t.Errorf("the idle connection was not closed (read %d bytes)", n)
	}
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
}

type routerFunc func(method, path string) http.Handler

func (f routerFunc) Fast(method, path string) http.Handler { return f(method, path) }

// TestIdleTimeout: a kept connection with no request is closed after
// IdleTimeout, one with half a head after ReadHeaderTimeout.
func TestIdleTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTP()
	hs.IdleTimeout, hs.ReadHeaderTimeout = 300*time.Millisecond, 600*time.Millisecond
	s := &Server{HTTP: hs, Router: router{}}
	go s.Serve(ln)
	defer s.Shutdown(context.Background())
	for _, c := range []struct {
		name, then string
		want       time.Duration
	}{{"idle", "", 300 * time.Millisecond}, {"half a head", "GET / HT", 600 * time.Millisecond}} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		buf := make([]byte, 4096)
		if _, err := conn.Read(buf); err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, c.then)
		start := time.Now()
		io.Copy(io.Discard, conn)
		if d := time.Since(start); d < c.want-50*time.Millisecond || d > c.want+400*time.Millisecond {
			t.Errorf("%s: closed after %v, want %v", c.name, d, c.want)
		}
		conn.Close()
	}
}

// TestAllocations: a kept connection's Root-like request costs the
// fast path a handful of allocations (the head's string, the handler's
// own).
func TestAllocations(t *testing.T) {
	body := []byte(`{"_links":{}}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Type"] = ctJSON
		hd["Content-Length"] = clBody
		w.Write(body)
	})
	c := &conn{s: &Server{HTTP: newHTTP(), Router: routerFunc(func(string, string) http.Handler { return h })}, rwc: nopConn{}}
	c.header, c.rw.header = make(http.Header), make(http.Header)
	req := []byte("GET / HTTP/1.1\r\nHost: lyncdiscover.contoso.com\r\nAccept: application/json\r\nUser-Agent: wrk\r\n\r\n")
	allocs := testing.AllocsPerRun(200, func() {
		n, h := c.parse(req)
		if n != len(req) || h == nil {
			t.Fatal("not on the fast path")
		}
		if !c.answer(h, time.Now()) {
			t.Fatal("no answer")
		}
		c.out = c.out[:0]
	})
	if allocs > 2 {
		t.Errorf("%v allocations a request", allocs)
	}
}

var (
	ctJSON = []string{"application/json"}
	clBody = []string{"13"}
)

type nopConn struct{ net.Conn }

func (nopConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

func tlsConfigs(t testing.TB) (*tls.Config, *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"}, DNSNames: []string{"x"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: roots, ServerName: "x"}
}

// FuzzMatchesNetHTTP is TestMatchesNetHTTP's property for any bytes.
func FuzzMatchesNetHTTP(f *testing.F) {
	for _, req := range corpus {
		f.Add([]byte(req))
	}
	p := startPair(f, nil)
	f.Fuzz(func(t *testing.T, req []byte) {
		if len(req) > 16<<10 {
			t.Skip()
		}
		if got, want := p.compare(t, nil, []string{string(req)}); got != want {
			t.Errorf("request %q:\nfast path:\n%s\nnet/http:\n%s", short(string(req)), got, want)
		}
	})
}

// FuzzPlainHeader: appendPlainHeader writes what http.Header.Write does,
// or leaves it to it.
func FuzzPlainHeader(f *testing.F) {
	f.Add("X-Ms-Server-Fqdn", "fe01", "Cache-Control", "no-cache", "a")
	f.Add("b", " x", "B", "y\r\n", "")
	f.Add("Bad Name", "x", "X-Odd", "a\tb", "c")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, v3 string) {
		h := http.Header{k1: {v1}, k2: {v2, v3}, "Content-Length": {"12"}}
		var want bytes.Buffer
		h.Write(&want)
		var got []byte
		if appendPlainHeader(&got, h) && string(got) != want.String() {
			t.Errorf("%q: wrote %q, net/http %q", h, got, want.String())
		}
	})
}

// FuzzParseHeaderName: a header name the fast path takes is keyed as
// textproto keys it.
func FuzzParseHeaderName(f *testing.F) {
	for _, k := range []string{"host", "Accept", "x-ms-X", "A-", "-a", "X_y", "ÿ", "a b", "Content-length"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		c := &conn{s: &Server{HTTP: newHTTP(), Router: router{}}, rwc: nopConn{}, header: http.Header{}}
		req := "GET / HTTP/1.1\r\nHost: x\r\n" + k + ": v\r\n\r\n"
		n, h := c.parse([]byte(req))
		if n != len(req) || h == nil {
			return // handed to net/http
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(req)))
		if err != nil {
			t.Fatalf("the fast path takes %q, net/http refuses it: %v", req, err)
		}
		delete(r.Header, "Host")
		if fmt.Sprint(r.Header) != fmt.Sprint(c.header) {
			t.Errorf("%q: header %v, net/http %v", k, c.header, r.Header)
		}
	})
}

// TestReplayDate: an answer given again carries the Date of its time.
func TestReplayDate(t *testing.T) {
	p := startPair(t, nil)
	c, err := net.Dial("tcp", p.fast)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	date := regexp.MustCompile(`\r\nDate: ([^\r]*)\r\n`)
	// replays counted before this run (the counter is the package's)
	const key = "GET date /f?date"
	earlier := replayed.count(key)
	ask := func() time.Time {
		t.Helper()
		io.WriteString(c, "GET /f?date HTTP/1.1\r\nHost: date\r\n\r\n")
		b := make([]byte, 8<<10)
		n, err := c.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		m := date.FindSubmatch(b[:n])
		if m == nil {
			t.Fatalf("no Date in %q", b[:n])
		}
		d, err := http.ParseTime(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := ask()
	time.Sleep(1100 * time.Millisecond)
	before := time.Now().Truncate(time.Second)
	if again := ask(); again.Before(before) || !again.After(first) {
		t.Errorf("Date %v answered again, first %v, now %v", again, first, before)
	}
	// A replay is logged once its answer is on its way: the client may
	// read it first.
	n := replayed.count(key) - earlier
	for deadline := time.Now().Add(5 * time.Second); n == 0 && time.Now().Before(deadline); n = replayed.count(key) - earlier {
		time.Sleep(10 * time.Millisecond)
	}
	if n != 1 {
		t.Errorf("%d replays", n)
	}
}
