package proxy_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/proxy"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/servertest"
	"github.com/mobplan/mobplan/planner/plan"
)

var validExamples = []string{"contoso", "standard-edition", "multisite", "tailspin"}

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
	pki := servertest.NewPKI(t)
	for _, ex := range validExamples {
		p := examplePlan(t, ex)
		for path, data := range generate(t, p) {
			if !strings.HasSuffix(path, "haproxy.cfg") {
				continue
			}
			dir := t.TempDir()
			writeTLS(t, pki, dir, p.ReverseProxies)
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
// addresses to loopback sockets handed to nginx; nothing else differs
// from the artifact.
func TestNginxAccepts(t *testing.T) {
	nginx := testtool.Require(t, "nginx")
	pki := servertest.NewPKI(t)
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
			ls := servertest.NewListeners(t)
			data := mustNginx(t, rp, proxy.Options{Listen: ls.Addr})
			if d := differingLines(artifactData, data); d != "" && !onlyListenLines(d) {
				t.Errorf("%s: the checked file differs in more than listen lines:\n%s", ex, d)
			}
			dir := t.TempDir()
			writeTLS(t, pki, dir, p.ReverseProxies)
			conf := filepath.Join(dir, "nginx.conf")
			writeFile(t, conf, data)
			cmd := exec.Command(nginx, "-t", "-p", dir+"/", "-c", conf, "-e", "stderr")
			cmd.Env = append(os.Environ(), ls.NginxEnv())
			out, err := servertest.Run(t, cmd, ls)
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
	pki := servertest.NewPKI(t)
	for _, ex := range []string{"contoso", "standard-edition"} {
		p := examplePlan(t, ex)
		rp := p.ReverseProxies[0]
		backends := backends(t, pki, rp)
		target := func(host string, port int) string { return backends[port].Listener.Addr().String() }
		for _, product := range []string{"nginx", "haproxy"} {
			t.Run(ex+"/"+product, func(t *testing.T) {
				ls := servertest.NewListeners(t)
				dir := t.TempDir()
				writeTLS(t, pki, dir, p.ReverseProxies)
				var cmd *exec.Cmd
				if product == "nginx" {
					conf := filepath.Join(dir, "nginx.conf")
					writeFile(t, conf, mustNginx(t, rp, proxy.Options{Listen: ls.Addr, Target: target}))
					// A master process: nginx 1.22 crashes adopting
					// inherited sockets with master_process off.
					cmd = exec.Command(nginx, "-p", dir+"/", "-c", conf, "-e", "stderr",
						"-g", "daemon off; master_process on; pid "+filepath.Join(dir, "nginx.pid")+";")
					cmd.Env = append(os.Environ(), ls.NginxEnv())
				} else {
					cfg := filepath.Join(dir, "haproxy.cfg")
					writeFile(t, cfg, mustHAProxy(t, rp, proxy.Options{Listen: ls.FD, Target: target}))
					cmd = exec.Command(haproxy, "-db", "-f", cfg)
				}
				srv := servertest.Start(t, cmd, ls)
				client := client(pki, rp, ls)
				probe := "https://" + rp.Rules[len(rp.Rules)-1].PublicNames[0] + "/"
				srv.Ready(t, 10*time.Second, func() error {
					_, err := client.Get(probe)
					return err
				})
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
							want := servertest.Echoed{Backend: strconv.Itoa(b.BackPort), Host: name, Path: "/ucwa/v1/applications", TLS: b.BackScheme == "https", SNI: sniOf(b, name), Cookies: []string{}}
							body, resp := servertest.Get(t, client, scheme+"://"+name+"/ucwa/v1/applications", "", nil)
							if resp.StatusCode != 200 {
								t.Errorf("%s %s://%s: status %d %q, want 200", r.Name, scheme, name, resp.StatusCode, body)
								continue
							}
							if got := servertest.ParseEcho(t, body); fmt.Sprint(got) != fmt.Sprint(want) {
								t.Errorf("%s %s://%s: the back end saw %+v, want %+v", r.Name, scheme, name, got, want)
							}
						}
					}
				}
				// A name no rule publishes, on the HTTPS listener.
				if _, resp := servertest.Get(t, client, probe, "unknown."+p.SIPDomains[0], nil); resp.StatusCode != 404 {
					t.Errorf("unknown host: status %d, want 404", resp.StatusCode)
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

func publicNames(rp plan.ReverseProxy) []string {
	var names []string
	for _, r := range rp.Rules {
		names = append(names, r.PublicNames...)
	}
	return names
}

// writeTLS writes, under dir/tls, every listener certificate of the
// proxies (as .crt and .key for nginx, .pem for HAProxy) and the CA.
func writeTLS(t *testing.T, pki *servertest.PKI, dir string, rps []plan.ReverseProxy) {
	t.Helper()
	writeFile(t, filepath.Join(dir, proxy.BackendCA), pki.CAPEM)
	for _, rp := range rps {
		for _, l := range rp.Listeners {
			if !l.TLS {
				continue
			}
			leaf := pki.Leaf(t, publicNames(rp)...)
			writeFile(t, filepath.Join(dir, proxy.CertFile(l.Certificate)), leaf.CertPEM)
			writeFile(t, filepath.Join(dir, proxy.KeyFile(l.Certificate)), leaf.KeyPEM)
			writeFile(t, filepath.Join(dir, proxy.PEMFile(l.Certificate)), append(append([]byte(nil), leaf.CertPEM...), leaf.KeyPEM...))
		}
	}
}

// backends are stand-ins for the pools' external web services (and
// Office Online Server), one per back-end port of the proxy's rules,
// named after it: TLS with a certificate for every public name, or plain
// HTTP.
func backends(t *testing.T, pki *servertest.PKI, rp plan.ReverseProxy) map[int]*httptest.Server {
	t.Helper()
	leaf := pki.Leaf(t, publicNames(rp)...)
	out := map[int]*httptest.Server{}
	for _, r := range rp.Rules {
		for _, b := range r.Bridges {
			if out[b.BackPort] != nil {
				continue
			}
			var tls *servertest.Leaf
			if b.BackScheme == "https" {
				tls = &leaf
			}
			out[b.BackPort] = servertest.Backend(t, servertest.Echo(strconv.Itoa(b.BackPort)), tls)
		}
	}
	return out
}

// client resolves every name to the proxy's listener on the port asked
// for, as the configuration was mapped, and trusts the test CA.
func client(pki *servertest.PKI, rp plan.ReverseProxy, ls *servertest.Listeners) *http.Client {
	return servertest.Client(func(addr string) (string, error) {
		_, port, _ := net.SplitHostPort(addr)
		for _, l := range rp.Listeners {
			if strconv.Itoa(l.Port) == port {
				return ls.Addr(l.IP, l.Port), nil
			}
		}
		return "", fmt.Errorf("no listener on port %s", port)
	}, pki.ClientTLS(), false)
}
