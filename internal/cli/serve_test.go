package cli

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/runtime/addrmap"
)

// syncBuffer is a buffer safe to read while a goroutine writes it.
type syncBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{mu: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.String()
}

// apply, serve, trace, and the real tools against the lab: dig against
// both views, openssl s_client on the reverse proxy, curl through the
// address map; serve stops when its context ends.
func TestServeAndTrace(t *testing.T) {
	topo := filepath.Join(t.TempDir(), "topo")
	testtool.CopyTopology(t, testtool.ExampleDir("contoso"), topo)
	// The lab-only test keys: no key to make.
	testtool.AddTestKeys(t, topo, "contoso")
	var err error
	if code, _, stderr := runCLI(t, "apply", topo); code != 0 {
		t.Fatalf("apply: %s", stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errb := newSyncBuffer(), newSyncBuffer()
	done := make(chan int)
	go func() {
		done <- MainContext(ctx, []string{"serve", "--any-port", topo}, Env{Stdout: out, Stderr: errb, Environ: []string{"NO_COLOR=1"}})
	}()
	state := filepath.Join(topo, ".mobplan", "runtime")
	var info *addrmap.Runtime
	for deadline := time.Now().Add(30 * time.Second); ; {
		if strings.Contains(out.String(), "Serving the plan") {
			if info, err = addrmap.Read(state); err == nil {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, from := range []string{"internal", "external"} {
		code, stdout, stderr := runCLI(t, "trace", "--topology", topo, "alice@contoso.com", "--from", from)
		if code != 0 || !strings.Contains(stdout, "Signed in") {
			t.Errorf("trace from %s: exit %d\n%s%s", from, code, stdout, stderr)
		}
	}
	code, stdout, _ := runCLI(t, "trace", "--topology", topo, "--format", "json", "nobody@contoso.com", "--from", "external", "--password", "x")
	if code != ExitError || !strings.Contains(stdout, `"ok": false`) {
		t.Errorf("trace of an unknown user: exit %d\n%s", code, stdout)
	}

	// --live against the lab's external DNS server and public CA: the
	// names resolve to the planned public addresses, which this machine
	// cannot reach (the lab serves them on loopback only).
	code, stdout, _ = runCLI(t, "trace", "--live", "--dns", info.DNS["external"], "--ca-file", info.CAs.Public, "--timeout", "2s",
		"--format", "json", "alice@contoso.com", "--from", "external", "--password", "x")
	if code != ExitError || !strings.Contains(stdout, "131.107.") || !strings.Contains(stdout, `"ok": false`) {
		t.Errorf("trace --live: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := runCLI(t, "trace", "--topology", topo, "--ca-file", info.CAs.Public, "alice@contoso.com", "--from", "external"); code == 0 || !strings.Contains(stderr, "--ca-file is for --live") {
		t.Errorf("trace --ca-file without --live: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "trace", "--topology", topo, "--message-to", "bob@fabrikam.com", "alice@contoso.com", "--from", "external"); code == 0 || !strings.Contains(stderr, "--message-to is for the lab with --ucwa") {
		t.Errorf("trace --message-to without --ucwa: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "trace", "--topology", topo, "--ucwa", "--message-to", "nobody@contoso.com", "alice@contoso.com", "--from", "external"); code == 0 || !strings.Contains(stderr, "no lab password for nobody@contoso.com") {
		t.Errorf("trace --message-to a user without a lab password: exit %d\n%s", code, stderr)
	}

	dig := testtool.Require(t, "dig")
	run := func(name string, args ...string) string {
		t.Helper()
		o, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Errorf("%s %v: %v\n%s", name, args, err, o)
		}
		return string(o)
	}
	digAt := func(view string, args ...string) string {
		host, port := splitHostPort(t, info.DNS[view])
		return run(dig, append([]string{"@" + host, "-p", port}, args...)...)
	}
	if o := digAt("external", "+short", "lyncdiscover.contoso.com"); strings.TrimSpace(o) == "" {
		t.Errorf("external lyncdiscover.contoso.com: %q", o)
	}
	if o := digAt("internal", "+tcp", "+short", "fe01.contoso.net"); strings.TrimSpace(o) == "" {
		t.Errorf("internal se01.litware.local over TCP: %q", o)
	}
	if o := digAt("external", "nothere.contoso.com"); !strings.Contains(o, "NXDOMAIN") {
		t.Errorf("NXDOMAIN: %s", o)
	}
	if o := digAt("external", "www.example.org"); !strings.Contains(o, "REFUSED") {
		t.Errorf("outside the zones: %s", o)
	}
	// The reverse proxy's HTTPS listener: where lyncdiscover points, as
	// the external location reaches it.
	planned := strings.TrimSpace(digAt("external", "+short", "lyncdiscover.contoso.com"))
	rpHTTPS, ok := info.Served("external", planned+":443")
	if !ok {
		t.Fatalf("the outside does not reach %s:443", planned)
	}
	openssl := testtool.Require(t, "openssl")
	cmd := exec.Command(openssl, "s_client", "-connect", rpHTTPS, "-servername", "lyncdiscover.contoso.com", "-CAfile", info.CAs.Public, "-showcerts")
	cmd.Stdin = strings.NewReader("")
	o, _ := cmd.CombinedOutput()
	if !strings.Contains(string(o), "Verify return code: 0 (ok)") || !strings.Contains(string(o), "mobplan lab public CA") {
		t.Errorf("openssl s_client: %s", o)
	}
	x := exec.Command(openssl, "x509", "-noout", "-ext", "subjectAltName")
	x.Stdin = strings.NewReader(string(o))
	if sans, _ := x.CombinedOutput(); !strings.Contains(string(sans), "DNS:lyncdiscover.contoso.com") {
		t.Errorf("the proxy certificate's SANs: %s", sans)
	}
	curl := testtool.Require(t, "curl")
	root := run(curl, "-sS", "--cacert", info.CAs.Public, "--connect-to", "lyncdiscover.contoso.com:443:"+rpHTTPS,
		"-H", "Accept: application/json", "https://lyncdiscover.contoso.com/")
	if !strings.Contains(root, `"_links"`) {
		t.Errorf("curl through the address map: %s", root)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after its context ended: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errb.String(), "msg=request") {
		t.Errorf("no request log lines: %s", errb.String())
	}
}

func splitHostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("address %q", addr)
	}
	return addr[:i], addr[i+1:]
}
