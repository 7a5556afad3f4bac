package generated

import (
	"os"
	"strings"
	"testing"
)

// contosoHLB is hlb/haproxy.cfg as apply writes it for examples/contoso.
func contosoHLB(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/contoso-hlb-haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hlbMap() HLBMap {
	fds := map[string]int{"192.168.21.121:443": 3, "192.168.21.121:80": 4, "192.168.21.121:4443": 5, "192.168.21.121:8080": 6,
		"192.168.21.120:443": 7, "192.168.21.120:80": 8}
	loop := map[string]string{"192.168.21.122": "127.100.0.6", "192.168.21.123": "127.100.0.7", "192.168.21.124": "127.100.0.8"}
	return HLBMap{
		Bind: func(planned string) (int, bool) { fd, ok := fds[planned]; return fd, ok },
		Backend: func(planned string) (string, bool) {
			ip, port, _ := strings.Cut(planned, ":")
			if l, ok := loop[ip]; ok {
				return l + ":1" + port, true
			}
			return "", false
		},
		Unreachable: "127.53.0.10:9",
	}
}

// Rendering keeps every section and line, rewrites only binds, server
// addresses and health checks, and reads back as written.
func TestRenderHLBKeepsStructure(t *testing.T) {
	src := contosoHLB(t)
	out, fds, err := RenderHLB(src, hlbMap())
	if err != nil {
		t.Fatal(err)
	}
	if len(fds) != 6 {
		t.Errorf("binds %v, want the 6 VIP ports", fds)
	}
	a, err := ParseHAProxy(src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseHAProxy(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	strip := func(ls []Line) []Line {
		var o []Line
		for _, l := range ls {
			if l.Words != nil {
				o = append(o, l)
			}
		}
		return o
	}
	a, b = strip(a), strip(b)
	if len(a) != len(b) {
		t.Fatalf("%d lines, rendered %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		switch x.Words[0] {
		case "bind":
			if len(y.Words) != 2 || !strings.HasPrefix(y.Words[1], "fd@") {
				t.Errorf("%v became %v", x.Words, y.Words)
			}
		case "server":
			// server NAME ADDR id N check [addr A] port P ...
			if y.Words[1] != x.Words[1] || y.Words[3] != "id" || y.Words[4] != x.Words[4] || y.Words[5] != "check" || y.Words[6] != "addr" ||
				strings.Join(y.Words[10:], " ") != strings.Join(x.Words[8:], " ") {
				t.Errorf("%v became %v", x.Words, y.Words)
			}
		default:
			if strings.Join(x.Words, " ") != strings.Join(y.Words, " ") || x.Section != y.Section {
				t.Errorf("%v became %v", x.Words, y.Words)
			}
		}
	}
	for _, want := range []string{
		"listen pool01-web-external-443\n    bind fd@3\n    mode tcp\n",
		"    server fe02 127.100.0.7:14443 id 2 check addr 127.100.0.7 port 15061\n",
		"    stick on src table pool01-web-internal-affinity\n",
		"# VIP pool01-web-internal: web-internal of pool pool01 at 192.168.21.120",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("rendered file lacks %q:\n%s", want, out)
		}
	}
}

// A served value cannot add a word or a line; a line the generator does
// not write is refused.
func TestRenderHLBRefuses(t *testing.T) {
	src := string(contosoHLB(t))
	for name, set := range map[string]func(*HLBMap){
		"back end with a newline": func(m *HLBMap) {
			m.Backend = func(string) (string, bool) { return "127.0.0.1:80\nlisten evil", true }
		},
		"back end with words": func(m *HLBMap) {
			m.Backend = func(string) (string, bool) { return "127.0.0.1:80 backup", true }
		},
		"unplanned VIP": func(m *HLBMap) { m.Bind = func(string) (int, bool) { return 0, false } },
	} {
		m := hlbMap()
		set(&m)
		if out, _, err := RenderHLB([]byte(src), m); err == nil {
			t.Errorf("%s: rendered\n%s", name, out)
		}
	}
	for name, c := range map[string]struct{ old, new, refuse string }{
		"global":         {"defaults\n", "global\n    stats socket /tmp/s level admin\ndefaults\n", `"global"`},
		"frontend":       {"listen pool01-web-external-80\n", "frontend x\nlisten pool01-web-external-80\n", `"frontend x"`},
		"bind option":    {"bind 192.168.21.121:443\n", "bind 192.168.21.121:443 ssl crt /etc/x.pem\n", "bind with options"},
		"server option":  {"id 1 check port 5061\n", "id 1 check port 5061 backup\n", "not a server line"},
		"other line":     {"balance roundrobin\n", "balance source\n", `"balance source"`},
		"env variable":   {"timeout connect 5s", `timeout connect "${T}"`, "quotes"},
		"backslash":      {"timeout connect 5s", `timeout connect 5\s`, "backslashes"},
		"trailing words": {"mode tcp\n", "mode tcp # comment\n", "comment after a directive"},
		"no section":     {"defaults\n", "", "outside a section"},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(src, c.old) {
				t.Fatalf("the sample has no %q", c.old)
			}
			bad := strings.Replace(src, c.old, c.new, 1)
			out, _, err := RenderHLB([]byte(bad), hlbMap())
			if err == nil || !strings.Contains(err.Error(), c.refuse) {
				t.Errorf("err %v, want one naming %q; rendered:\n%s", err, c.refuse, out)
			}
		})
	}
}

func FuzzParseHAProxy(f *testing.F) {
	b, _ := os.ReadFile("testdata/contoso-hlb-haproxy.cfg")
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		ls, err := ParseHAProxy(data)
		if err != nil {
			return
		}
		out, err := EncodeHAProxy(ls)
		if err != nil {
			return
		}
		again, err := ParseHAProxy(out)
		if err != nil {
			t.Fatalf("encoded %q does not parse: %v", out, err)
		}
		out2, err := EncodeHAProxy(again)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("not stable: %q then %q (%v)", out, out2, err)
		}
	})
}

func proxyMap() ProxyMap {
	return ProxyMap{
		Bind: func(planned string) (int, bool) { return 3, planned == "131.107.155.1:443" },
		Upstream: func(host string, port int) (string, bool) {
			return "127.100.0.5:4443", host == "192.168.21.121" && port == 4443
		},
		Unreachable: "127.53.0.10:9",
	}
}

// proxy/haproxy.cfg: the bind becomes the inherited socket with its TLS
// options and file name kept (read beside the rendered file), the back
// ends their served addresses; every other line is kept, and a line the
// generator does not write is refused.
func TestRenderProxy(t *testing.T) {
	src, err := os.ReadFile("testdata/contoso-proxy-haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	out, fds, certs, err := RenderProxy(src, proxyMap())
	if err != nil {
		t.Fatal(err)
	}
	if len(fds) != 1 || fds[0] != 3 || len(certs) != 1 || certs[0] != "rp-listener" {
		t.Errorf("fds %v, certificates %v", fds, certs)
	}
	a, _ := ParseHAProxy(src)
	b, err := ParseHAProxy(out)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	words := func(ls []Line) []Line {
		var o []Line
		for _, l := range ls {
			if l.Words != nil {
				o = append(o, l)
			}
		}
		return o
	}
	a, b = words(a), words(b)
	// RP-006's error page, added once, to the defaults section.
	var kept []Line
	rp, section := 0, ""
	for _, l := range b {
		if l.Section {
			section = l.Words[0]
		}
		if strings.Join(l.Words, " ") == strings.Join(rp006[1].Words, " ") {
			if section != "defaults" {
				t.Errorf("RP-006's error page in %s", section)
			}
			rp++
			continue
		}
		kept = append(kept, l)
	}
	if b = kept; rp != 1 {
		t.Errorf("RP-006's error page %d times, want once", rp)
	}
	if len(a) != len(b) {
		t.Fatalf("%d lines, rendered %d", len(a), len(b))
	}
	for i := range a {
		if x, y := strings.Join(a[i].Words, " "), strings.Join(b[i].Words, " "); x != y {
			changed = append(changed, x+" => "+y)
		}
	}
	want := []string{
		"bind 131.107.155.1:443 ssl crt tls/rp-listener.pem => bind fd@3 ssl crt tls/rp-listener.pem",
		"server target 192.168.1.5:443 ssl verify required ca-file tls/internal-ca.pem sni req.hdr(host),field(1,:),lower => server target 127.53.0.10:9 ssl verify required ca-file tls/internal-ca.pem sni req.hdr(host),field(1,:),lower",
		"server target 192.168.21.121:4443 ssl verify required ca-file tls/internal-ca.pem sni req.hdr(host),field(1,:),lower => server target 127.100.0.5:4443 ssl verify required ca-file tls/internal-ca.pem sni req.hdr(host),field(1,:),lower",
	}
	if strings.Join(changed, "\n") != strings.Join(want, "\n") {
		t.Errorf("changed lines:\n%s\nwant:\n%s", strings.Join(changed, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(string(out), "    # TLS 1.2 is what current mobile clients require (HLB-008).\n") {
		t.Errorf("a comment inside a section lost its place:\n%s", out)
	}
	for name, c := range map[string]struct{ old, new, refuse string }{
		"no default-path": {"    default-path config\n", "", "default-path config"},
		"other cert":      {"ssl crt tls/rp-listener.pem", "ssl crt /etc/ssl/private/x.pem", "certificate file"},
		"bind option":     {"ssl crt tls/rp-listener.pem", "ssl crt tls/rp-listener.pem accept-proxy", "not a bind line"},
		"verify none":     {"ssl verify required ca-file tls/internal-ca.pem sni", "ssl verify none sni", "server options"},
		"lua":             {"    default-path config\n", "    default-path config\n    lua-load /tmp/x.lua\n", `"lua-load /tmp/x.lua"`},
		"other ACL":       {"-m str oos.contoso.com", "-m reg .*", `"acl host-OOS-HTTPS`},
		"cert over CAs":   {"ssl crt tls/rp-listener.pem", "ssl crt tls/internal-ca.pem", "replace the CAs' file"},
	} {
		bad := strings.Replace(string(src), c.old, c.new, 1)
		if bad == string(src) {
			t.Fatalf("%s: the sample has no %q", name, c.old)
		}
		if out, _, _, err := RenderProxy([]byte(bad), proxyMap()); err == nil || !strings.Contains(err.Error(), c.refuse) {
			t.Errorf("%s: err %v, want one naming %q; rendered:\n%s", name, err, c.refuse, out)
		}
	}
	m := proxyMap()
	m.Upstream = func(string, int) (string, bool) { return "127.0.0.1:80 check", true }
	if out, _, _, err := RenderProxy(src, m); err == nil {
		t.Errorf("a served address with a word added:\n%s", out)
	}
}
