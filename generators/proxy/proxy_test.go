package proxy_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/proxy"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

var validExamples = []string{"contoso", "standard-edition", "multisite"}

func examplePlan(t *testing.T, example string) *plan.Plan {
	t.Helper()
	return testtool.ExamplePlan(t, example)
}

func generate(t *testing.T, p *plan.Plan) map[string][]byte {
	t.Helper()
	files, err := proxy.Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		out[f.Path] = f.Data
	}
	return out
}

// nginxServer returns the server block of nginx.conf whose server_name
// line starts with name and that listens on addr.
func nginxServer(t *testing.T, conf, addr, name string) string {
	t.Helper()
	for _, blk := range strings.Split(conf, "    server {\n")[1:] {
		if strings.Contains(blk, "listen "+addr) && strings.Contains(blk, "server_name "+name) {
			return blk
		}
	}
	t.Fatalf("no server for %s on %s in:\n%s", name, addr, conf)
	return ""
}

func mustContain(t *testing.T, what, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("%s lacks %q", what, l)
		}
	}
}

// The contoso publishing rules (mobility-rules.md 2.3) in both products.
func TestContosoConfigs(t *testing.T) {
	files := generate(t, examplePlan(t, "contoso"))
	if len(files) != 2 || files["proxy/nginx.conf"] == nil || files["proxy/haproxy.cfg"] == nil {
		t.Fatalf("files: %v", keys(files))
	}
	nginx := string(files["proxy/nginx.conf"])
	web := nginxServer(t, nginx, "131.107.155.1:443 ssl;", "webext.contoso.com")
	mustContain(t, "SfB-Web-HTTPS server", web,
		"server_name webext.contoso.com dialin.contoso.com lyncdiscover.contoso.com lyncdiscover.fabrikam.com meet.contoso.com meet.fabrikam.com;",
		"ssl_certificate tls/rp-listener.crt;",
		"ssl_certificate_key tls/rp-listener.key;",
		"proxy_pass https://192.168.21.121:4443;",
		"proxy_set_header Host $host;",
		"proxy_ssl_server_name on;",
		"proxy_ssl_verify on;",
		"proxy_read_timeout 960s;",
		"proxy_send_timeout 960s;",
	)
	oos := nginxServer(t, nginx, "131.107.155.1:443 ssl;", "oos.contoso.com;")
	mustContain(t, "OOS-HTTPS server", oos, "proxy_pass https://192.168.1.5:443;", "proxy_set_header Host $host;")
	def := nginxServer(t, nginx, "131.107.155.1:443 ssl default_server;", "_;")
	mustContain(t, "default server", def, "return 404;")
	mustContain(t, "nginx.conf", nginx, "ssl_protocols TLSv1.2 TLSv1.3;", "events {")
	if strings.Contains(nginx, ":80") {
		t.Errorf("contoso has no port 80 listener, but nginx.conf listens on one")
	}

	ha := string(files["proxy/haproxy.cfg"])
	mustContain(t, "haproxy.cfg", ha,
		"bind 131.107.155.1:443 ssl crt tls/rp-listener.pem\n",
		"acl host-SfB-Web-HTTPS req.hdr(host),field(1,:),lower -m str webext.contoso.com dialin.contoso.com lyncdiscover.contoso.com lyncdiscover.fabrikam.com meet.contoso.com meet.fabrikam.com\n",
		"http-request deny deny_status 404 unless host-OOS-HTTPS || host-SfB-Web-HTTPS\n",
		"use_backend SfB-Web-HTTPS-https if host-SfB-Web-HTTPS\n",
		"server target 192.168.21.121:4443 ssl verify required ca-file tls/internal-ca.pem sni req.hdr(host),field(1,:),lower\n",
		"server target 192.168.1.5:443 ssl verify required ca-file tls/internal-ca.pem sni req.hdr(host),field(1,:),lower\n",
		"timeout server 960s\n",
		"timeout client 960s\n",
		"ssl-default-bind-options ssl-min-ver TLSv1.2\n",
	)
}

// HTTP Autodiscover: lyncdiscover is served on port 80 only, bridged to
// 8080 without TLS (RP-003).
func TestStandardEditionHTTPAutodiscover(t *testing.T) {
	files := generate(t, examplePlan(t, "standard-edition"))
	nginx := string(files["proxy/nginx.conf"])
	ad := nginxServer(t, nginx, "198.51.100.20:80;", "lyncdiscover.litware.com;")
	mustContain(t, "SfB-Web-HTTP server", ad, "proxy_pass http://10.10.0.10:8080;", "proxy_set_header Host $host;")
	if strings.Contains(ad, "ssl") {
		t.Errorf("the port 80 Autodiscover server uses TLS:\n%s", ad)
	}
	if n := strings.Count(nginx, "lyncdiscover.litware.com"); n != 1 {
		t.Errorf("lyncdiscover.litware.com is in %d server blocks, want 1 (port 80 only)", n)
	}
	web := nginxServer(t, nginx, "198.51.100.20:443 ssl;", "webext.litware.com")
	mustContain(t, "SfB-Web-HTTPS server", web, "proxy_pass https://10.10.0.10:4443;")
	ha := string(files["proxy/haproxy.cfg"])
	mustContain(t, "haproxy.cfg", ha,
		"bind 198.51.100.20:80\n",
		"acl host-SfB-Web-HTTP req.hdr(host),field(1,:),lower -m str lyncdiscover.litware.com\n",
		"backend SfB-Web-HTTP-http\n    timeout server 960s\n    server target 10.10.0.10:8080\n",
	)
}

func TestDeterministic(t *testing.T) {
	for _, ex := range validExamples {
		p := examplePlan(t, ex)
		a, b := generate(t, p), generate(t, examplePlan(t, ex))
		for path, data := range a {
			if !bytes.Equal(data, b[path]) {
				t.Errorf("%s %s: two runs differ", ex, path)
			}
			if !bytes.HasPrefix(data, []byte(proxy.Header)) || !bytes.HasSuffix(data, []byte("\n")) {
				t.Errorf("%s %s: header or final newline missing", ex, path)
			}
		}
	}
}

// Several reverse proxies get a folder each.
func TestSeveralProxies(t *testing.T) {
	p := examplePlan(t, "contoso")
	second := p.ReverseProxies[0]
	second.Name = "rp2"
	p.ReverseProxies = append(p.ReverseProxies, second)
	got := keys(generate(t, p))
	want := "proxy/rp/haproxy.cfg proxy/rp/nginx.conf proxy/rp2/haproxy.cfg proxy/rp2/nginx.conf"
	if strings.Join(got, " ") != want {
		t.Errorf("paths %v, want %s", got, want)
	}
}

// `haproxy -c` accepts the generated files as they are: it does not bind
// the planned public addresses (which this machine does not own), and it
// resolves tls/ beside the file whatever the working directory.
func TestHAProxyAccepts(t *testing.T) {
	haproxy := testtool.Require(t, "haproxy")
	pki := newPKI(t)
	for _, ex := range validExamples {
		p := examplePlan(t, ex)
		for path, data := range generate(t, p) {
			if !strings.HasSuffix(path, "haproxy.cfg") {
				continue
			}
			dir := t.TempDir()
			pki.writeTLS(t, dir, p.ReverseProxies)
			cfg := filepath.Join(dir, "haproxy.cfg")
			writeFile(t, cfg, data)
			cmd := exec.Command(haproxy, "-c", "-f", cfg)
			cmd.Dir = "/"
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Configuration file is valid") || strings.Contains(string(out), "WARNING") {
				t.Errorf("%s %s: haproxy -c: %v\n%s", ex, path, err, out)
			}
		}
	}
}

// `nginx -t` binds every listen address, so the check maps the planned
// addresses to free local ports; nothing else differs from the artifact.
func TestNginxAccepts(t *testing.T) {
	nginx := testtool.Require(t, "nginx")
	pki := newPKI(t)
	for _, ex := range validExamples {
		p := examplePlan(t, ex)
		files := generate(t, p)
		for _, rp := range p.ReverseProxies {
			artifactData := files["proxy/nginx.conf"]
			if len(p.ReverseProxies) > 1 {
				artifactData = files["proxy/"+rp.Name+"/nginx.conf"]
			}
			if !bytes.Equal(artifactData, mustNginx(t, rp, proxy.Options{})) {
				t.Fatalf("%s: the artifact is not Nginx(rp, Options{})", ex)
			}
			data := mustNginx(t, rp, proxy.Options{Listen: localPorts(t)})
			if d := differingLines(artifactData, data); d != "" && !onlyListenLines(d) {
				t.Errorf("%s: the checked file differs in more than listen lines:\n%s", ex, d)
			}
			dir := t.TempDir()
			pki.writeTLS(t, dir, p.ReverseProxies)
			conf := filepath.Join(dir, "nginx.conf")
			writeFile(t, conf, data)
			out, err := exec.Command(nginx, "-t", "-p", dir+"/", "-c", conf, "-e", "stderr").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "test is successful") || strings.Contains(string(out), "[warn]") {
				t.Errorf("%s: nginx -t: %v\n%s", ex, err, out)
			}
		}
	}
}

// Both configurations run for real in front of stand-in web services:
// the host header and TLS name reach the pool, 443 is bridged to 4443 and
// 80 to 8080, and unknown hosts get 404.
func TestServeForReal(t *testing.T) {
	nginx := testtool.Require(t, "nginx")
	haproxy := testtool.Require(t, "haproxy")
	pki := newPKI(t)
	for _, ex := range []string{"contoso", "standard-edition"} {
		p := examplePlan(t, ex)
		rp := p.ReverseProxies[0]
		backends := pki.backends(t, rp)
		target := func(host string, port int) string { return backends[port].Listener.Addr().String() }
		for _, product := range []string{"nginx", "haproxy"} {
			t.Run(ex+"/"+product, func(t *testing.T) {
				listen := localPorts(t)
				o := proxy.Options{Listen: listen, Target: target}
				dir := t.TempDir()
				pki.writeTLS(t, dir, p.ReverseProxies)
				var cmd *exec.Cmd
				if product == "nginx" {
					conf := filepath.Join(dir, "nginx.conf")
					writeFile(t, conf, mustNginx(t, rp, o))
					cmd = exec.Command(nginx, "-p", dir+"/", "-c", conf, "-e", "stderr",
						"-g", "daemon off; master_process off; pid "+filepath.Join(dir, "nginx.pid")+";")
				} else {
					cfg := filepath.Join(dir, "haproxy.cfg")
					writeFile(t, cfg, mustHAProxy(t, rp, o))
					cmd = exec.Command(haproxy, "-db", "-f", cfg)
				}
				start(t, cmd)
				for _, l := range rp.Listeners {
					waitListening(t, listen(l.IP, l.Port))
				}
				client := pki.client(rp, listen)
				for _, r := range rp.Rules {
					for _, b := range r.Bridges {
						if !hasListener(rp, b.FrontPort) {
							continue
						}
						for _, name := range r.PublicNames {
							scheme := "https"
							if b.FrontPort == 80 {
								scheme = "http"
							}
							want := fmt.Sprintf("host=%s tls=%v sni=%s port=%d", name, b.BackScheme == "https", sniOf(b, name), b.BackPort)
							got, code := get(t, client, scheme+"://"+name+"/ucwa/v1/applications", "")
							if code != 200 || got != want {
								t.Errorf("%s %s://%s: %d %q, want 200 %q", r.Name, scheme, name, code, got, want)
							}
						}
					}
				}
				// A name no rule publishes, on the HTTPS listener.
				if _, code := get(t, client, "https://"+rp.Rules[len(rp.Rules)-1].PublicNames[0]+"/", "unknown."+p.SIPDomains[0]); code != 404 {
					t.Errorf("unknown host: status %d, want 404", code)
				}
			})
		}
	}
}

func sniOf(b plan.Bridge, name string) string {
	if b.BackScheme == "https" {
		return name
	}
	return ""
}

func hasListener(rp plan.ReverseProxy, port int) bool {
	for _, l := range rp.Listeners {
		if l.Port == port {
			return true
		}
	}
	return false
}

// --- helpers ---

func mustNginx(t *testing.T, rp plan.ReverseProxy, o proxy.Options) []byte {
	t.Helper()
	b, err := proxy.Nginx(rp, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHAProxy(t *testing.T, rp plan.ReverseProxy, o proxy.Options) []byte {
	t.Helper()
	b, err := proxy.HAProxy(rp, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func differingLines(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(al) != len(bl) {
		return "line counts differ"
	}
	var d []string
	for i := range al {
		if al[i] != bl[i] {
			d = append(d, al[i]+" => "+bl[i])
		}
	}
	return strings.Join(d, "\n")
}

func onlyListenLines(d string) bool {
	for _, l := range strings.Split(d, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "listen ") {
			return false
		}
	}
	return true
}

// localPorts maps each planned address to its own free local port.
func localPorts(t *testing.T) func(ip string, port int) string {
	var mu sync.Mutex
	m := map[string]string{}
	return func(ip string, port int) string {
		mu.Lock()
		defer mu.Unlock()
		k := net.JoinHostPort(ip, strconv.Itoa(port))
		if m[k] == "" {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			m[k] = l.Addr().String()
			l.Close()
		}
		return m[k]
	}
}

// start runs a server process of the test; it is stopped at the end.
func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), out.String())
		}
	})
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, c *http.Client, url, host string) (string, int) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(body)), resp.StatusCode
}

// --- throwaway PKI ---

type pki struct {
	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
	caPEM []byte
	pool  *x509.CertPool
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mobplan test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	k := &pki{ca: ca, caKey: key, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pool: x509.NewCertPool()}
	k.pool.AddCert(ca)
	return k
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// leaf issues a certificate for names; it returns the certificate and
// chain, and the key, in PEM.
func (k *pki) leaf(t *testing.T, names []string) (certPEM, keyPEM []byte) {
	t.Helper()
	key := newKey(t)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, k.ca, &key.PublicKey, k.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), k.caPEM...)
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

func publicNames(rp plan.ReverseProxy) []string {
	var names []string
	for _, r := range rp.Rules {
		names = append(names, r.PublicNames...)
	}
	return names
}

// writeTLS writes, under dir/tls, every listener certificate of the
// proxies (as .crt and .key for nginx, .pem for HAProxy) and the CA.
func (k *pki) writeTLS(t *testing.T, dir string, rps []plan.ReverseProxy) {
	t.Helper()
	writeFile(t, filepath.Join(dir, proxy.BackendCA), k.caPEM)
	for _, rp := range rps {
		for _, l := range rp.Listeners {
			if !l.TLS {
				continue
			}
			crt, key := k.leaf(t, publicNames(rp))
			writeFile(t, filepath.Join(dir, proxy.CertFile(l.Certificate)), crt)
			writeFile(t, filepath.Join(dir, proxy.KeyFile(l.Certificate)), key)
			writeFile(t, filepath.Join(dir, proxy.PEMFile(l.Certificate)), append(append([]byte(nil), crt...), key...))
		}
	}
}

// backends are stand-ins for the pools' external web services (and
// Office Online Server), one per back-end port of the proxy's rules: TLS
// with a certificate for every public name, or plain HTTP. Each answers
// with what reached it.
func (k *pki) backends(t *testing.T, rp plan.ReverseProxy) map[int]*httptest.Server {
	t.Helper()
	crtPEM, keyPEM := k.leaf(t, publicNames(rp))
	cert, err := tls.X509KeyPair(crtPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]*httptest.Server{}
	for _, r := range rp.Rules {
		for _, b := range r.Bridges {
			if out[b.BackPort] != nil {
				continue
			}
			port := b.BackPort
			s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sni := ""
				if r.TLS != nil {
					sni = r.TLS.ServerName
				}
				fmt.Fprintf(w, "host=%s tls=%v sni=%s port=%d\n", r.Host, r.TLS != nil, sni, port)
			}))
			if b.BackScheme == "https" {
				s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
				s.StartTLS()
			} else {
				s.Start()
			}
			t.Cleanup(s.Close)
			out[port] = s
		}
	}
	return out
}

// client resolves every name to the proxy's listener on the port asked
// for, mapped as the configuration was, and trusts the test CA.
func (k *pki) client(rp plan.ReverseProxy, listen func(string, int) string) *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		for _, l := range rp.Listeners {
			if strconv.Itoa(l.Port) == port {
				return (&net.Dialer{}).DialContext(ctx, network, listen(l.IP, l.Port))
			}
		}
		return nil, fmt.Errorf("no listener on port %s", port)
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:     dial,
			TLSClientConfig: &tls.Config{RootCAs: k.pool},
		},
	}
}
