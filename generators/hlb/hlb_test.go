package hlb_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/hlb"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/servertest"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

func exampleModel(t *testing.T, example string) *model.Topology {
	t.Helper()
	return testtool.ExampleModel(t, example)
}

// withLync2010 is multisite with its Lyon pool on Lync Server 2010: the
// external web VIPs then use cookie persistence (HLB-004).
func withLync2010(t *testing.T) *plan.Plan {
	m := exampleModel(t, "multisite")
	lyon := m.Pools["lyon"]
	lyon.Version = "lync2010"
	m.Pools["lyon"] = lyon
	return planner.New(m)
}

// withDeclared is contoso with a declared external VIP without
// persistence.
func withDeclared(t *testing.T) *plan.Plan {
	m := exampleModel(t, "contoso")
	m.LoadBalancers = map[string]model.LoadBalancer{"f5": {Name: "f5", VIPs: map[string]model.VIP{
		"ext": {
			Name: "ext", Pool: "pool01", Role: "web-external", IP: "192.168.21.121",
			Ports:       []model.PortPair{{Front: 443, Back: 4443}, {Front: 80, Back: 8080}, {Front: 4443, Back: 4443}},
			Persistence: "none", IdleTimeout: 1800, PerRequestLB: false, TLS12: true, MonitorPort: 5061,
		},
	}}}
	return planner.New(m)
}

func config(t *testing.T, p *plan.Plan) []byte {
	t.Helper()
	files, err := hlb.Generator.Generate(&artifact.Context{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.VIPs) == 0 {
		if len(files) != 0 {
			t.Fatalf("no VIPs, but files %v", files)
		}
		return nil
	}
	if len(files) != 1 || files[0].Path != "hlb/haproxy.cfg" {
		t.Fatalf("files: %+v", files)
	}
	return files[0].Data
}

// section returns the listen section named name.
func section(t *testing.T, cfg, name string) string {
	t.Helper()
	i := strings.Index(cfg, "\nlisten "+name+"\n")
	if i < 0 {
		t.Fatalf("no listen %s in:\n%s", name, cfg)
	}
	s := cfg[i+1:]
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j]
	}
	return strings.TrimRight(s, "\n")
}

// The contoso VIPs (mobility-rules.md 2.4).
func TestContoso(t *testing.T) {
	cfg := string(config(t, planner.New(exampleModel(t, "contoso"))))
	servers := func(port int) string {
		return fmt.Sprintf("    server fe01 192.168.21.122:%d id 1 check port 5061\n"+
			"    server fe02 192.168.21.123:%d id 2 check port 5061\n"+
			"    server fe03 192.168.21.124:%d id 3 check port 5061", port, port, port)
	}
	for _, c := range []struct {
		name, bind, mode string
		back             int
		table            string
	}{
		{"pool01-web-external-443", "192.168.21.121:443", "tcp", 4443, "pool01-web-external-affinity"},
		{"pool01-web-external-80", "192.168.21.121:80", "http", 8080, "pool01-web-external-affinity"},
		{"pool01-web-external-4443", "192.168.21.121:4443", "tcp", 4443, "pool01-web-external-affinity"},
		{"pool01-web-external-8080", "192.168.21.121:8080", "http", 8080, "pool01-web-external-affinity"},
		{"pool01-web-internal-443", "192.168.21.120:443", "tcp", 443, "pool01-web-internal-affinity"},
		{"pool01-web-internal-80", "192.168.21.120:80", "http", 80, "pool01-web-internal-affinity"},
	} {
		want := fmt.Sprintf("listen %s\n    bind %s\n    mode %s\n    balance roundrobin\n"+
			"    timeout client 1800s\n    timeout server 1800s\n    stick on src table %s\n%s",
			c.name, c.bind, c.mode, c.table, servers(c.back))
		if got := section(t, cfg, c.name); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	}
	for _, table := range []string{"pool01-web-external-affinity", "pool01-web-internal-affinity"} {
		if !strings.Contains(cfg, "backend "+table+"\n    stick-table type ip size 100k expire 1800s\n") {
			t.Errorf("no stick table %s", table)
		}
	}
	if n := strings.Count(cfg, "\nlisten "); n != 6 {
		t.Errorf("%d listen sections, want 6", n)
	}
}

// Cookie persistence (HLB-005): MS-WSMAN inserted on the HTTP ports,
// not HttpOnly, without expiry, on every response, kept for the web
// services; source persistence where TLS passes through.
func TestCookie(t *testing.T) {
	cfg := string(config(t, withLync2010(t)))
	for _, pool := range []string{"dir01", "lyon", "paris"} {
		for _, port := range []int{80, 8080} {
			s := section(t, cfg, fmt.Sprintf("%s-web-external-%d", pool, port))
			if !strings.Contains(s, "    cookie MS-WSMAN insert nocache\n") || !strings.Contains(s, " cookie ") || strings.Contains(s, "stick on") {
				t.Errorf("HTTP port %d of %s:\n%s", port, pool, s)
			}
		}
		for _, port := range []int{443, 4443} {
			s := section(t, cfg, fmt.Sprintf("%s-web-external-%d", pool, port))
			if strings.Contains(s, "cookie") && !strings.Contains(s, "# TLS passes through") || !strings.Contains(s, "stick on src") {
				t.Errorf("TLS port %d of %s:\n%s", port, pool, s)
			}
		}
		if s := section(t, cfg, pool+"-web-internal-80"); strings.Contains(s, "cookie") {
			t.Errorf("internal VIP of %s uses a cookie:\n%s", pool, s)
		}
	}
	for _, bad := range []string{"httponly", "maxlife", "maxidle", "indirect", "expire "} {
		for _, l := range strings.Split(cfg, "\n") {
			if strings.Contains(l, "cookie MS-WSMAN") && strings.Contains(l, bad) {
				t.Errorf("cookie line %q has %s", l, bad)
			}
		}
	}
}

// A declared VIP is rendered as declared: no persistence, and each
// request sticks to the last server when per-request balancing is off.
func TestDeclared(t *testing.T) {
	cfg := string(config(t, withDeclared(t)))
	s := section(t, cfg, "ext-80")
	if strings.Contains(s, "stick") || strings.Contains(s, "cookie") || !strings.Contains(s, "option prefer-last-server") {
		t.Errorf("declared VIP:\n%s", s)
	}
	if strings.Contains(cfg, "listen ext-8080") || !strings.Contains(cfg, "listen pool01-web-internal-443") {
		t.Errorf("declared VIP ports or derived internal VIP wrong:\n%s", cfg)
	}
}

func TestStandardEditionHasNone(t *testing.T) {
	if cfg := config(t, planner.New(exampleModel(t, "standard-edition"))); cfg != nil {
		t.Errorf("a Standard Edition server has no load balancer, got\n%s", cfg)
	}
}

func TestDeterministic(t *testing.T) {
	for _, ex := range []string{"contoso", "multisite"} {
		a := config(t, planner.New(exampleModel(t, ex)))
		b := config(t, planner.New(exampleModel(t, ex)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs differ", ex)
		}
		if !bytes.HasPrefix(a, []byte(hlb.Header)) || !bytes.HasSuffix(a, []byte("\n")) {
			t.Errorf("%s: header or final newline missing", ex)
		}
	}
}

// `haproxy -c` accepts every configuration as generated; it does not
// bind the planned VIPs (this machine does not own them).
func TestHAProxyAccepts(t *testing.T) {
	haproxy := testtool.Require(t, "haproxy")
	plans := map[string]*plan.Plan{"lync2010": withLync2010(t), "declared": withDeclared(t)}
	for _, ex := range []string{"contoso", "standard-edition", "multisite", "tailspin"} {
		plans[ex] = planner.New(exampleModel(t, ex))
	}
	for name, p := range plans {
		cfg := config(t, p)
		if cfg == nil {
			continue
		}
		path := filepath.Join(t.TempDir(), "haproxy.cfg")
		if err := os.WriteFile(path, cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(haproxy, "-c", "-f", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Configuration file is valid") || strings.Contains(string(out), "WARNING") {
			t.Errorf("%s: haproxy -c: %v\n%s", name, err, out)
		}
	}
}

// The VIPs run for real in front of stand-in nodes: source persistence
// keeps a client on one node across ports, and the MS-WSMAN cookie is
// inserted as HLB-005 asks and keeps a client on its node.
func TestServeForReal(t *testing.T) {
	haproxy := testtool.Require(t, "haproxy")
	p := withLync2010(t)
	var vips []plan.VIP
	for _, v := range p.VIPs {
		if v.Pool == "paris" {
			vips = append(vips, v)
		}
	}
	nodes := map[string]*httptest.Server{} // by node address
	for _, b := range vips[0].Backends {
		nodes[b.IP] = servertest.Backend(t, servertest.Echo(b.Name), nil)
	}
	ls := servertest.NewListeners(t)
	o := hlb.Options{Listen: ls.FD, Backend: func(ip string, port int) string { return nodes[ip].Listener.Addr().String() }}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	cfg, err := hlb.HAProxy(vips, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := servertest.Start(t, exec.Command(haproxy, "-db", "-f", path), ls)
	var ext, int_ plan.VIP
	for _, v := range vips {
		if v.Role == "web-external" {
			ext = v
		} else {
			int_ = v
		}
	}
	newConn := servertest.Client(nil, nil, false) // a new connection per request
	srv.Ready(t, 10*time.Second, func() error {
		_, err := newConn.Get("http://" + ls.Addr(ext.IP, 80) + "/")
		return err
	})

	// Source persistence: every new connection, on either port of the
	// internal VIP, reaches the same node.
	first := ""
	for i := 0; i < 6; i++ {
		port := []int{443, 80}[i%2]
		body, _ := servertest.Get(t, newConn, "http://"+ls.Addr(int_.IP, port)+"/", "", nil)
		node := servertest.ParseEcho(t, body).Backend
		if first == "" {
			first = node
		}
		if node != first {
			t.Errorf("internal VIP port %d: node %s, want the node of the first request %s", port, node, first)
		}
	}

	// Cookie persistence on the external VIP's HTTP port.
	url := "http://" + ls.Addr(ext.IP, 80) + "/"
	body, resp := servertest.Get(t, newConn, url, "", nil)
	sc := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(sc, "MS-WSMAN=") || strings.Contains(strings.ToLower(sc), "httponly") ||
		strings.Contains(strings.ToLower(sc), "expires") || strings.Contains(strings.ToLower(sc), "max-age") {
		t.Fatalf("Set-Cookie %q: want MS-WSMAN, not HttpOnly, no expiry", sc)
	}
	cookie := strings.SplitN(sc, ";", 2)[0]
	node := servertest.ParseEcho(t, body).Backend
	for i := 0; i < 4; i++ {
		b, _ := servertest.Get(t, newConn, url, "", map[string]string{"Cookie": cookie})
		if e := servertest.ParseEcho(t, b); e.Backend != node || !slices.Contains(e.Cookies, "MS-WSMAN") {
			t.Errorf("with %s: %+v, want %s with the cookie passed on", cookie, e, node)
		}
	}
	// Without the cookie, round robin moves on, and every response gets a
	// cookie, also on one kept-alive connection (not once per connection).
	seen := map[string]bool{}
	keepAlive := servertest.Client(nil, nil, true)
	for i := 0; i < 4; i++ {
		b, r := servertest.Get(t, keepAlive, url, "", nil)
		seen[servertest.ParseEcho(t, b).Backend] = true
		if !strings.HasPrefix(r.Header.Get("Set-Cookie"), "MS-WSMAN=") {
			t.Errorf("request without cookie got no MS-WSMAN cookie")
		}
	}
	if len(seen) < 2 {
		t.Errorf("requests without cookie all went to %v", seen)
	}
}
