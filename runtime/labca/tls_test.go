package labca_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/runtime/labca"
)

// serveTLS serves cert on a loopback listener until the test ends: each
// connection completes its handshake and is read until the client goes.
func serveTLS(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := tl.Accept()
			if err != nil {
				return // closed by the cleanup
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				}()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	t.Cleanup(func() {
		tl.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// dial handshakes with addr as a client trusting pool and asking for name.
func dial(t *testing.T, addr, name string, pool *x509.CertPool) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := &tls.Dialer{Config: &tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

func TestHandshake(t *testing.T) {
	a := open(t, t.TempDir())
	now := time.Now()
	serve := func(issuer string) string {
		csr, key := plannedCSR(t, plannedCert("RSA", 2048))
		cert, chain, err := a.Issue(issuer, csr, now)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := labca.TLSCertificate(cert, chain, keyPEM(t, key))
		if err != nil {
			t.Fatal(err)
		}
		return serveTLS(t, pair)
	}
	public, internal := serve(labca.Public), serve(labca.Internal)
	// A declared certificate whose real PEM lacks lyncdiscover.
	realPEM, _ := realCert(t, testKey(t, "ECDSA", 256), now.Add(-time.Hour), now.Add(90*24*time.Hour))
	pair, err := a.Imitate(labca.Public, realPEM, now)
	if err != nil {
		t.Fatal(err)
	}
	imitated := serveTLS(t, pair)

	const (
		ok          = ""
		unknownCA   = "unknown authority"
		nameMissing = "name missing"
	)
	tests := []struct {
		name, addr, host, trust, want string
	}{
		{"public CA, phone", public, "lyncdiscover.contoso.com", labca.Public, ok},
		{"public CA, domain client", public, "lyncdiscover.fabrikam.com", labca.PoolAll, ok},
		{"internal CA, domain client", internal, "webext.contoso.com", labca.PoolAll, ok},
		{"internal CA, phone without the enterprise root", internal, "lyncdiscover.contoso.com", labca.Public, unknownCA},
		{"a name the certificate lacks", public, "lyncdiscoverinternal.contoso.com", labca.PoolAll, nameMissing},
		{"stand-in, a name the real certificate has", imitated, "meet.contoso.com", labca.Public, ok},
		{"stand-in, a name the real certificate lacks", imitated, "lyncdiscover.contoso.com", labca.Public, nameMissing},
		{"trusting nothing", public, "webext.contoso.com", "none", unknownCA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dial(t, tt.addr, tt.host, a.Pool(tt.trust))
			var (
				ua x509.UnknownAuthorityError
				he x509.HostnameError
			)
			switch tt.want {
			case ok:
				if err != nil {
					t.Errorf("handshake failed: %v", err)
				}
			case unknownCA:
				if !errors.As(err, &ua) {
					t.Errorf("got %v, want an unknown authority", err)
				}
			case nameMissing:
				if !errors.As(err, &he) || he.Host != tt.host {
					t.Errorf("got %v, want %s missing from the certificate", err, tt.host)
				}
			}
		})
	}
}

// runTool runs a command with a deadline; its combined output and error.
func runTool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = nil // s_client ends at the end of its input
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// lineWith returns the first line of out that starts with prefix.
func lineWith(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// TestOpenSSL checks the lab certificates with the tool administrators
// use: s_client against a loopback listener shows the planned names, in
// order, and the lab issuer, and verify accepts the issued chain (strict
// X.509 checks, as a TLS server's) with the right CA only.
func TestOpenSSL(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	a := open(t, t.TempDir())
	dir := t.TempDir()
	pc := plannedCert("RSA", 2048)
	csr, key := plannedCSR(t, pc)
	chains := map[string]string{}
	addrs := map[string]string{}
	for _, issuer := range []string{labca.Public, labca.Internal} {
		cert, chain, err := a.Issue(issuer, csr, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		pair, err := labca.TLSCertificate(cert, chain, keyPEM(t, key))
		if err != nil {
			t.Fatal(err)
		}
		addrs[issuer] = serveTLS(t, pair)
		chains[issuer] = filepath.Join(dir, issuer+"-chain.pem")
		writeFile(t, chains[issuer], chain)
	}
	publicCA, internalCA := a.CertFile(labca.Public), a.CertFile(labca.Internal)
	host := "lyncdiscover.contoso.com"

	t.Run("s_client shows the planned names and issuer", func(t *testing.T) {
		out, err := runTool(t, openssl, "s_client", "-connect", addrs[labca.Public], "-servername", host,
			"-CAfile", publicCA, "-verify_hostname", host, "-verify_return_error", "-x509_strict", "-showcerts")
		if err != nil {
			t.Fatalf("s_client: %v\n%s", err, out)
		}
		for _, want := range []string{"Verify return code: 0 (ok)", "Verified peername: " + host} {
			if !strings.Contains(out, want) {
				t.Errorf("s_client output lacks %q:\n%s", want, out)
			}
		}
		caSubject, err := runTool(t, openssl, "x509", "-in", publicCA, "-noout", "-subject")
		if err != nil {
			t.Fatalf("x509: %v\n%s", err, caSubject)
		}
		wantIssuer := "issuer=" + strings.TrimPrefix(strings.TrimSpace(caSubject), "subject=")
		if got := lineWith(out, "issuer="); got != wantIssuer || !strings.Contains(got, "CN = mobplan lab public CA (not for production)") {
			t.Errorf("s_client shows %q, want %q", got, wantIssuer)
		}
		if got := lineWith(out, "subject="); got != "subject=CN = "+pc.Subject {
			t.Errorf("s_client shows %q, want subject CN = %s", got, pc.Subject)
		}
		// The certificate the server sent, as s_client printed it.
		begin := strings.Index(out, "-----BEGIN CERTIFICATE-----")
		end := strings.Index(out, "-----END CERTIFICATE-----")
		if begin < 0 || end < begin {
			t.Fatalf("no certificate in the s_client output:\n%s", out)
		}
		leaf := filepath.Join(dir, "served.pem")
		writeFile(t, leaf, []byte(out[begin:end+len("-----END CERTIFICATE-----")]+"\n"))
		exts, err := runTool(t, openssl, "x509", "-in", leaf, "-noout", "-ext", "subjectAltName,extendedKeyUsage,keyUsage,basicConstraints")
		if err != nil {
			t.Fatalf("x509: %v\n%s", err, exts)
		}
		var sans []string
		for _, n := range pc.SANs {
			sans = append(sans, "DNS:"+n)
		}
		for _, want := range []string{
			strings.Join(sans, ", "), // every planned name, in plan order
			"TLS Web Server Authentication, TLS Web Client Authentication",
			"Digital Signature, Key Encipherment",
			"CA:FALSE",
		} {
			if lineWith(exts, want) != want {
				t.Errorf("served certificate lacks the line %q:\n%s", want, exts)
			}
		}
	})

	t.Run("s_client trusting only the public CA refuses the internal one", func(t *testing.T) {
		out, err := runTool(t, openssl, "s_client", "-connect", addrs[labca.Internal], "-servername", host,
			"-CAfile", publicCA, "-verify_hostname", host, "-verify_return_error")
		if err == nil {
			t.Fatalf("s_client accepted an internal-CA certificate trusting only the public CA:\n%s", out)
		}
		// Verify error 20, as with a deployed server whose root the
		// phone lacks (not 19, a self-signed root sent along).
		if !strings.Contains(out, "Verify return code: 20 (unable to get local issuer certificate)") {
			t.Errorf("s_client does not say the issuer is unknown:\n%s", out)
		}
	})

	t.Run("verify", func(t *testing.T) {
		for _, tc := range []struct {
			chain, ca string
			ok        bool
		}{
			{chains[labca.Public], publicCA, true},
			{chains[labca.Internal], internalCA, true},
			{chains[labca.Internal], publicCA, false},
			{chains[labca.Public], internalCA, false},
		} {
			out, err := runTool(t, openssl, "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", host, "-CAfile", tc.ca, tc.chain)
			if ok := err == nil && strings.TrimSpace(out) == tc.chain+": OK"; ok != tc.ok {
				t.Errorf("verify %s against %s: ok=%v, want %v:\n%s", filepath.Base(tc.chain), filepath.Base(tc.ca), ok, tc.ok, out)
			}
		}
	})

	t.Run("verify a stand-in", func(t *testing.T) {
		realPEM, _ := realCert(t, testKey(t, "RSA", 2048), time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
		pair, err := a.Imitate(labca.Internal, realPEM, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var chain []byte
		for _, der := range pair.Certificate {
			chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
		}
		file := filepath.Join(dir, "stand-in.pem")
		writeFile(t, file, chain)
		out, err := runTool(t, openssl, "verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", "meet.contoso.com", "-CAfile", internalCA, file)
		if err != nil || strings.TrimSpace(out) != file+": OK" {
			t.Errorf("verify: %v\n%s", err, out)
		}
		subject, err := runTool(t, openssl, "x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253")
		if want := "subject=CN=webext.contoso.com,O=Contoso+OU=IT,ST=Washington,C=US"; err != nil || strings.TrimSpace(subject) != want {
			t.Errorf("stand-in subject %q (%v), want %q", strings.TrimSpace(subject), err, want)
		}
	})
}
