package servertest

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a server process: with SERVERTEST_CHILD set
// it serves Echo on every socket it inherited, as a server handed its
// sockets would.
func TestMain(m *testing.M) {
	if name := os.Getenv("SERVERTEST_CHILD"); name == "fail" {
		os.Stderr.WriteString("failing on purpose\n")
		os.Exit(2)
	} else if name != "" {
		n := len(strings.Split(strings.TrimSuffix(strings.TrimPrefix(os.Getenv("NGINX"), "NGINX="), ";"), ";"))
		errs := make(chan error)
		for i := 0; i < n; i++ {
			l, err := net.FileListener(os.NewFile(uintptr(3+i), "inherited"))
			if err != nil {
				os.Stderr.WriteString(err.Error() + "\n")
				os.Exit(3)
			}
			go func() { errs <- http.Serve(l, Echo(name)) }()
		}
		os.Stderr.WriteString((<-errs).Error() + "\n")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func child(t *testing.T, name string, ls *Listeners) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SERVERTEST_CHILD="+name, ls.NginxEnv())
	return cmd
}

// A server process inherits the sockets: it answers on each planned
// address's local stand-in, the descriptors are numbered in order, and
// once the server ends nothing accepts there any more.
func TestHandOver(t *testing.T) {
	if !canHandOver {
		t.Skip("needs Unix")
	}
	ls := NewListeners(t)
	if fd := ls.FD("203.0.113.10", 443); fd != "fd@3" {
		t.Errorf("first socket is %s, want fd@3", fd)
	}
	if fd := ls.FD("203.0.113.10", 80); fd != "fd@4" {
		t.Errorf("second socket is %s, want fd@4", fd)
	}
	if ls.FD("203.0.113.10", 443) != "fd@3" || ls.Addr("203.0.113.10", 443) == ls.Addr("203.0.113.10", 80) {
		t.Error("one planned address must keep one socket, and two addresses two")
	}
	if env := ls.NginxEnv(); env != "NGINX=3;4;" {
		t.Errorf("NginxEnv %q", env)
	}
	srv := Start(t, child(t, "child", ls), ls)
	c := Client(nil, nil, false)
	for _, port := range []int{443, 80} {
		url := "http://" + ls.Addr("203.0.113.10", port) + "/x"
		srv.Ready(t, 10*time.Second, func() error {
			_, err := c.Get(url)
			return err
		})
		body, resp := Get(t, c, url, "sip.contoso.com", nil)
		if e := ParseEcho(t, body); resp.StatusCode != 200 || e.Backend != "child" || e.Host != "sip.contoso.com" || e.Path != "/x" || e.TLS {
			t.Errorf("port %d: %d %+v", port, resp.StatusCode, e)
		}
	}
	if ended, _ := srv.Exited(); ended {
		t.Fatal("the server ended")
	}
	// The test's copies are closed: only the server held the sockets.
	addr := ls.Addr("203.0.113.10", 443)
	srv.Stop()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the server ended", addr)
	}
}

// Ready fails at once when the server ends before it is ready, with
// its output.
func TestReadyServerEnded(t *testing.T) {
	if !canHandOver {
		t.Skip("needs Unix")
	}
	ls := NewListeners(t)
	ls.Addr("192.0.2.1", 443)
	srv := Start(t, child(t, "fail", ls), ls)
	ft := &fatalT{TB: t}
	start := time.Now()
	func() {
		defer func() { recover() }()
		srv.Ready(ft, 30*time.Second, func() error { return errNotYet })
	}()
	if !strings.Contains(ft.msg, "ended (exit status 2) before it was ready") || !strings.Contains(ft.msg, "failing on purpose") || time.Since(start) > 10*time.Second {
		t.Errorf("after %v: %q", time.Since(start), ft.msg)
	}
}

// A socket asked for after the hand-over is a test bug.
func TestNoSocketAfterHandOver(t *testing.T) {
	ls := NewListeners(t)
	ls.Addr("192.0.2.1", 443)
	ls.release(ls.files())
	ft := &fatalT{TB: t}
	func() {
		defer func() { recover() }()
		ls.t = ft
		ls.Addr("192.0.2.1", 80)
	}()
	if !strings.Contains(ft.msg, "after the others were handed over") {
		t.Errorf("%q", ft.msg)
	}
}

// Take gives an in-process server the socket itself; it can then not go
// to a process as well.
func TestTake(t *testing.T) {
	ls := NewListeners(t)
	addr := ls.Addr("203.0.113.10", 443)
	l := ls.Take("203.0.113.10", 443)
	if l.Addr().String() != addr {
		t.Errorf("taken socket on %s, Addr said %s", l.Addr(), addr)
	}
	s := &http.Server{Handler: Echo("in-process")}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	body, _ := Get(t, Client(nil, nil, true), "http://"+addr+"/", "", nil)
	if e := ParseEcho(t, body); e.Backend != "in-process" {
		t.Errorf("%+v", e)
	}
	ft := &fatalT{TB: t}
	func() {
		defer func() { recover() }()
		ls.t = ft
		ls.files()
	}()
	if !strings.Contains(ft.msg, "taken by an in-process server") {
		t.Errorf("%q", ft.msg)
	}
}

// The PKI's leaves verify against its pool for their DNS and IP names,
// and serve TLS to a client that trusts the pool only.
func TestPKI(t *testing.T) {
	pki := NewPKI(t)
	leaf := pki.Leaf(t, "web.contoso.com", "meet.contoso.com", "127.0.0.1")
	cert, err := x509.ParseCertificate(leaf.TLS.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web.contoso.com", "meet.contoso.com", "127.0.0.1"} {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: name, Roots: pki.Pool}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "other.contoso.com", Roots: pki.Pool}); err == nil {
		t.Error("a name not on the certificate verified")
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "web.contoso.com", Roots: NewPKI(t).Pool}); err == nil {
		t.Error("the leaf verified against another test CA")
	}

	b := Backend(t, Echo("tls-backend"), &leaf)
	c := Client(func(string) (string, error) { return b.Listener.Addr().String(), nil }, pki.ClientTLS(), false)
	body, _ := Get(t, c, "https://web.contoso.com/ucwa", "", map[string]string{"Cookie": "MS-WSMAN=1; b=2"})
	want := Echoed{Backend: "tls-backend", Host: "web.contoso.com", Path: "/ucwa", TLS: true, SNI: "web.contoso.com", Cookies: []string{"MS-WSMAN", "b"}}
	if e := ParseEcho(t, body); e.Backend != want.Backend || e.Host != want.Host || e.Path != want.Path || !e.TLS || e.SNI != want.SNI || strings.Join(e.Cookies, ",") != "MS-WSMAN,b" {
		t.Errorf("got %+v, want %+v", e, want)
	}
	// A client that does not trust the test CA is refused.
	if _, err := Client(func(string) (string, error) { return b.Listener.Addr().String(), nil }, nil, false).Get("https://web.contoso.com/"); err == nil {
		t.Error("a client without the test CA connected")
	}
}

// WaitListening gives up after its timeout.
func TestWaitListeningTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	WaitListening(t, addr, time.Second)
	l.Close()
	ft := &fatalT{TB: t}
	start := time.Now()
	func() {
		defer func() { recover() }()
		WaitListening(ft, addr, 300*time.Millisecond)
	}()
	if !strings.Contains(ft.msg, "nothing listens on "+addr) || time.Since(start) > 5*time.Second {
		t.Errorf("after %v: %q", time.Since(start), ft.msg)
	}
}

var errNotYet = &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}

// fatalT records a Fatalf and stops the goroutine with a panic the test
// recovers.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper() {}
func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
