package hlb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

var quiet = slog.New(slog.DiscardHandler)

// echo serves name on every connection, then echoes.
func echo(t testing.TB, name string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, name+"\n")
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln
}

// lab is a planned address space on loopback: planned ip:port -> served.
type lab struct {
	mu     sync.Mutex
	served map[string]string
}

func (l *lab) set(planned, served string) {
	l.mu.Lock()
	l.served[planned] = served
	l.mu.Unlock()
}

func (l *lab) dial(ctx context.Context, ip string, port int) (net.Conn, error) {
	l.mu.Lock()
	addr, ok := l.served[net.JoinHostPort(ip, strconv.Itoa(port))]
	l.mu.Unlock()
	if !ok {
		return nil, errors.New("connection refused")
	}
	return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
}

func serve(t testing.TB, lb *VIP) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- lb.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// from dials addr from a loopback source address, as a distinct client,
// and returns the name of the server that answered.
func from(t *testing.T, src, addr string) string {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	name, err := r.ReadString('\n')
	if err != nil {
		return ""
	}
	io.WriteString(c, "ping\n")
	if back, _ := r.ReadString('\n'); back != "ping\n" {
		t.Errorf("echo through the VIP: %q", back)
	}
	return strings.TrimSpace(name)
}

func pool3() plan.VIP {
	return plan.VIP{Name: "pool01-web-internal", IP: "192.168.21.120", Ports: []plan.PortPair{{Front: 443, Back: 443}, {Front: 80, Back: 80}},
		MonitorPort: 5061,
		Backends:    []plan.Backend{{Name: "fe01", IP: "192.168.21.122"}, {Name: "fe02", IP: "192.168.21.123"}, {Name: "fe03", IP: "192.168.21.124"}}}
}

// Connections to a VIP port go to the pool's servers on the planned node
// port, in turn, skipping a server that is down.
func TestForwarding(t *testing.T) {
	fe1, fe2 := echo(t, "fe01"), echo(t, "fe02")
	v := pool3()
	v.Persistence = "none"
	l := &lab{served: map[string]string{"192.168.21.122:443": fe1.Addr().String(), "192.168.21.123:443": fe2.Addr().String()}}
	lb, err := New(v, 443, l.dial, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, lb)
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		seen[from(t, "127.0.0.1", addr)]++
	}
	if seen["fe01"] == 0 || seen["fe02"] == 0 || len(seen) != 2 {
		t.Errorf("connections spread as %v, want both live servers", seen)
	}
	if _, err := New(v, 8443, l.dial, nil, nil); err == nil {
		t.Error("a port the VIP does not plan was accepted")
	}
	v.Persistence = "sticky"
	if _, err := New(v, 443, l.dial, nil, nil); err == nil {
		t.Error("an unknown persistence was accepted")
	}
}

// monitored is a lab of three echo servers on 443, each with a monitor
// port that either waits (up) or closes what it accepts at once (down).
type monitored struct {
	*lab
	mu   sync.Mutex
	down map[string]bool
	m    *Monitor
}

func newMonitored(t testing.TB) *monitored {
	l := &monitored{lab: &lab{served: map[string]string{}}, down: map[string]bool{}}
	for i, name := range []string{"fe01", "fe02", "fe03"} {
		ip := fmt.Sprintf("192.168.21.%d", 122+i)
		l.set(ip+":443", echo(t, name).Addr().String())
		mon, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mon.Close() })
		go func() {
			for {
				c, err := mon.Accept()
				if err != nil {
					return
				}
				l.mu.Lock()
				down := l.down[name]
				l.mu.Unlock()
				if down {
					c.Close()
					continue
				}
				go func() { defer c.Close(); io.Copy(io.Discard, c) }()
			}
		}()
		l.set(ip+":5061", mon.Addr().String())
	}
	l.m = NewMonitor(l.dial, 20*time.Millisecond, quiet)
	return l
}

func (l *monitored) stop(name string, down bool) {
	l.mu.Lock()
	l.down[name] = down
	l.mu.Unlock()
	l.m.Settle(context.Background())
}

// clients are distinct client addresses on loopback.
func clients(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("127.200.%d.%d", i/200, i%200+1))
	}
	return out
}

// Source persistence: each client address stays on one server across
// many connections; the clients spread over the servers; a server the
// health check finds down gets no new connection, and only its clients
// move; back up, they return.
func TestSourcePersistence(t *testing.T) {
	l := newMonitored(t)
	v := pool3()
	v.Persistence = "source"
	lb, err := New(v, 443, l.dial, l.m, quiet)
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, lb)
	home := map[string]string{}
	spread := map[string]int{}
	for _, c := range clients(24) {
		for i := 0; i < 5; i++ {
			got := from(t, c, addr)
			if home[c] == "" {
				home[c] = got
				spread[got]++
			} else if got != home[c] {
				t.Fatalf("client %s went to %s, then to %s", c, home[c], got)
			}
		}
	}
	if len(spread) != 3 {
		t.Errorf("24 clients spread as %v, want all three servers", spread)
	}
	l.stop("fe02", true)
	for _, c := range clients(24) {
		got := from(t, c, addr)
		switch {
		case got == "fe02":
			t.Errorf("client %s sent to fe02, which is down", c)
		case home[c] != "fe02" && got != home[c]:
			t.Errorf("client %s of %s moved to %s when fe02 went down", c, home[c], got)
		}
	}
	l.stop("fe02", false)
	for _, c := range clients(24) {
		if got := from(t, c, addr); got != home[c] {
			t.Errorf("client %s on %s after fe02 came back, was %s", c, got, home[c])
		}
	}
}

// No persistence: the same client lands on every server; with every
// server down the connection is closed.
func TestNoPersistence(t *testing.T) {
	l := newMonitored(t)
	v := pool3()
	v.Persistence = "none"
	v.Backends = v.Backends[:2]
	lb, err := New(v, 443, l.dial, l.m, quiet)
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, lb)
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		seen[from(t, "127.200.0.1", addr)]++
	}
	if seen["fe01"] != 3 || seen["fe02"] != 3 {
		t.Errorf("one client's connections went %v, want both servers in turn", seen)
	}
	l.stop("fe01", true)
	for i := 0; i < 4; i++ {
		if got := from(t, "127.200.0.1", addr); got != "fe02" {
			t.Errorf("with fe01 down: %q", got)
		}
	}
	l.stop("fe02", true)
	if got := from(t, "127.200.0.1", addr); got != "" {
		t.Errorf("with every server down the VIP answered %q", got)
	}
}

// web is an HTTP back end that answers its name.
func web(t testing.TB, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", name, r.Host, r.Header.Get("X-Forwarded-For"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// Cookie persistence on a plain HTTP port (HLB-005): each request is
// balanced on its own; a request without MS-WSMAN gets it in the
// response, as a session cookie the client can read; a request with it
// goes to the server it names and gets no new one; a cookie naming a
// server that is down is replaced. On the TLS port of the same VIP the
// HLB cannot see cookies and keeps the client address.
func TestCookiePersistence(t *testing.T) {
	l := newMonitored(t)
	for i, name := range []string{"fe01", "fe02", "fe03"} {
		l.set(fmt.Sprintf("192.168.21.%d:8080", 122+i), web(t, name))
	}
	v := pool3()
	v.Role, v.Persistence, v.CookieName = "web-external", "cookie", "MS-WSMAN"
	v.Ports = []plan.PortPair{{Front: 443, Back: 443}, {Front: 80, Back: 8080}, {Front: 8080, Back: 8080}}
	lb, err := New(v, 8080, l.dial, l.m, quiet)
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, lb)
	get := func(hc *http.Client, cookie string) (string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+"/ucwa", nil)
		req.Host = "webext.contoso.com"
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		if cookie != "" {
			req.Header.Set("Cookie", "MS-WSMAN="+cookie)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b), resp
	}
	// One keep-alive connection, no cookie kept: requests spread, and
	// every response inserts the cookie (not once per connection).
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	plain := &http.Client{Transport: tr}
	seen := map[string]bool{}
	for i := 0; i < 6; i++ {
		body, resp := get(plain, "")
		fields := strings.Fields(body)
		if len(fields) != 3 || fields[1] != "webext.contoso.com" || fields[2] != "203.0.113.9" {
			t.Errorf("the back end saw %q: host or X-Forwarded-For not passed as they came", body)
		}
		sc := resp.Header.Values("Set-Cookie")
		if len(sc) != 1 || sc[0] != "MS-WSMAN="+fields[0]+"; Path=/" {
			t.Errorf("response %d from %s: Set-Cookie %q", i, fields[0], sc)
		}
		seen[fields[0]] = true
	}
	if len(seen) != 3 {
		t.Errorf("requests without a cookie on one connection went to %v, want each balanced on its own", seen)
	}
	// A client that keeps the cookie stays on its server.
	jar, _ := cookiejar.New(nil)
	kept := &http.Client{Transport: tr, Jar: jar}
	first, _ := get(kept, "")
	home := strings.Fields(first)[0]
	for i := 0; i < 6; i++ {
		body, resp := get(kept, "")
		if got := strings.Fields(body)[0]; got != home {
			t.Errorf("request %d with MS-WSMAN=%s went to %s", i, home, got)
		}
		if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("a request carrying the cookie got Set-Cookie %q", sc)
		}
	}
	// The client keys its cookies by the Host it asked for.
	u, _ := url.Parse("http://webext.contoso.com/")
	if cs := jar.Cookies(u); len(cs) != 1 || cs[0].Name != "MS-WSMAN" || cs[0].HttpOnly || !cs[0].Expires.IsZero() {
		t.Errorf("kept cookies %v", cs)
	}
	// The server the cookie names goes down: the request goes elsewhere
	// and the response carries a new cookie.
	l.stop(home, true)
	body, resp := get(plain, home)
	other := strings.Fields(body)[0]
	if other == home || len(resp.Header.Values("Set-Cookie")) != 1 || !strings.Contains(resp.Header.Get("Set-Cookie"), "MS-WSMAN="+other) {
		t.Errorf("cookie for %s, which is down: went to %s, Set-Cookie %q", home, other, resp.Header.Values("Set-Cookie"))
	}
	l.stop(home, false)
	// The TLS port of the cookie VIP: source persistence.
	tlsLB, err := New(v, 443, l.dial, l.m, quiet)
	if err != nil {
		t.Fatal(err)
	}
	tlsAddr := serve(t, tlsLB)
	for _, c := range clients(6) {
		a := from(t, c, tlsAddr)
		for i := 0; i < 3; i++ {
			if b := from(t, c, tlsAddr); b != a {
				t.Errorf("cookie VIP, TLS port: client %s on %s then %s", c, a, b)
			}
		}
	}
}

// The monitor finds a port that refuses, and one that closes what it
// accepts at once, down after Fall checks in a row; a listening one up.
func TestMonitor(t *testing.T) {
	l := newMonitored(t)
	l.m.Watch("192.168.21.122", 5061)
	l.m.Watch("192.168.21.123", 5061)
	l.m.Watch("192.168.21.200", 5061)
	l.mu.Lock()
	l.down["fe02"] = true
	l.mu.Unlock()
	l.m.CheckAll(context.Background())
	if !l.m.Up("192.168.21.123", 5061) {
		t.Error("one failed check took fe02 out")
	}
	l.m.CheckAll(context.Background())
	if !l.m.Up("192.168.21.122", 5061) || l.m.Up("192.168.21.123", 5061) || l.m.Up("192.168.21.200", 5061) {
		t.Errorf("up: %v %v %v", l.m.Up("192.168.21.122", 5061), l.m.Up("192.168.21.123", 5061), l.m.Up("192.168.21.200", 5061))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.m.Run(ctx); close(done) }()
	l.mu.Lock()
	l.down["fe02"] = false
	l.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for !l.m.Up("192.168.21.123", 5061) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !l.m.Up("192.168.21.123", 5061) {
		t.Error("the running monitor did not see fe02 come back")
	}
	cancel()
	<-done
}
