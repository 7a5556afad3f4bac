package generated

import (
	"os"
	"strings"
	"testing"
)

// contosoNginx is proxy/nginx.conf as apply writes it for
// examples/contoso (the supervisor's end-to-end test runs the live one).
func contosoNginx(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/contoso-nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func labMap() NginxMap {
	return NginxMap{
		Listen: func(planned string) (string, bool) {
			if planned == "131.107.155.1:443" {
				return "127.100.0.1:40443", true
			}
			return "", false
		},
		Upstream: func(host string, port int) (string, bool) {
			if host == "192.168.21.121" && port == 4443 {
				return "127.100.0.5:4443", true
			}
			return "", false
		},
		Unreachable: "127.53.0.10:9",
		Certificate: func(name string) (string, string, bool) {
			if name != "rp-listener" {
				return "", "", false
			}
			return "/lab/tls/rp-listener.crt", "/lab/tls/rp-listener.key", true
		},
		TrustedCA: "/lab/tls/lab-cas.pem",
		Dir:       "/lab/state",
	}
}

// rewritten are the directives whose first value is mapped onto the lab.
var rewritten = map[string]bool{"listen": true, "ssl_certificate": true, "ssl_certificate_key": true, "proxy_pass": true, "proxy_ssl_trusted_certificate": true}

// added are the directives rendering adds: the process's own files, and
// RP-006's error page (with its named location).
var added = map[string]bool{"error_page": true, "pid": true, "access_log": true, "client_body_temp_path": true, "proxy_temp_path": true, "fastcgi_temp_path": true, "uwsgi_temp_path": true, "scgi_temp_path": true}

// sameShape compares two trees directive by directive, the added ones
// and comments aside: the same names, blocks and number of values, and
// the same values except the first of a rewritten directive.
func sameShape(t *testing.T, where string, a, b []*Directive) {
	t.Helper()
	strip := func(ds []*Directive, drop map[string]bool) []*Directive {
		var out []*Directive
		for _, d := range ds {
			labLocation := d.Name == "location" && len(d.Args) == 1 && d.Args[0] == RP006Location
			if d.Name != "" && !drop[d.Name] && !(drop != nil && labLocation) {
				out = append(out, d)
			}
		}
		return out
	}
	a, b = strip(a, nil), strip(b, added)
	if len(a) != len(b) {
		t.Fatalf("%s: %d directives, rendered %d", where, len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		at := where + "/" + x.Name
		if x.Name != y.Name || x.IsBlock != y.IsBlock || len(x.Args) != len(y.Args) {
			t.Fatalf("%s: %s %v became %s %v", at, x.Name, x.Args, y.Name, y.Args)
		}
		for j := range x.Args {
			if j == 0 && rewritten[x.Name] {
				continue
			}
			if x.Args[j] != y.Args[j] {
				t.Errorf("%s: value %d %q became %q", at, j, x.Args[j], y.Args[j])
			}
		}
		sameShape(t, at, x.Block, y.Block)
	}
}

// Rendering keeps every directive, block and value of the generated
// file, rewrites only the addresses and TLS files, adds only the
// process's own files, and nginx reads back what was written.
func TestRenderNginxKeepsStructure(t *testing.T) {
	src := contosoNginx(t)
	out, listens, err := RenderNginx(src, labMap())
	if err != nil {
		t.Fatal(err)
	}
	orig, err := ParseNginx(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseNginx(out)
	if err != nil {
		t.Fatalf("the rendered file does not parse: %v\n%s", err, out)
	}
	sameShape(t, "main", orig, got)
	if len(listens) != 1 || listens[0] != "127.100.0.1:40443" {
		t.Errorf("listens %v", listens)
	}
	for _, want := range []string{
		"listen 127.100.0.1:40443 ssl default_server;",
		"proxy_pass https://127.100.0.5:4443;",
		// The Office Online Server is not on the lab's internal network.
		"proxy_pass https://127.53.0.10:9;",
		"ssl_certificate /lab/tls/rp-listener.crt;",
		"ssl_certificate_key /lab/tls/rp-listener.key;",
		"proxy_ssl_trusted_certificate /lab/tls/lab-cas.pem;",
		"pid /lab/state/nginx.pid;",
		"proxy_temp_path /lab/state/temp/proxy;",
		"server_name webext.contoso.com dialin.contoso.com lyncdiscover.contoso.com lyncdiscover.fabrikam.com meet.contoso.com meet.fabrikam.com;",
		"proxy_set_header Host $host;",
		"# Rule SfB-Web-HTTPS (RP-001, RP-002, RP-004, RP-005, RP-006, RP-008): https://192.168.21.121:4443.",
		"error_page 504 @mobplan_rp006;",
		"location @mobplan_rp006 {",
		"add_header X-Mobplan-Rule RP-006 always;",
		`return 504 "the back end held the request longer than the planned idle timeout of the reverse proxy, 960s, so the proxy cut it (RP-006: with push, at least 960 s)";`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("rendered file lacks %q:\n%s", want, out)
		}
	}
	// Each of the two servers that proxy gets RP-006's page; the default
	// server, which only answers 404, none.
	if n := strings.Count(string(out), "error_page 504"); n != 2 {
		t.Errorf("%d RP-006 error pages, want 2:\n%s", n, out)
	}
	if strings.Contains(string(out), "listen 131.107.") || strings.Contains(string(out), "proxy_ssl_trusted_certificate tls/") {
		t.Errorf("a planned value is left:\n%s", out)
	}
	// Rendering what was rendered is refused: its listen addresses are
	// not planned ones.
	if _, _, err := RenderNginx(out, labMap()); err == nil {
		t.Error("a rendered file was rendered again")
	}
}

// A value the lab puts in (a state folder, a certificate file, a served
// address) cannot add a directive: it is one quoted word or refused.
func TestRenderNginxHostileValues(t *testing.T) {
	src := contosoNginx(t)
	count := func(ds []*Directive, name string) int {
		n := 0
		var walk func([]*Directive)
		walk = func(ds []*Directive) {
			for _, d := range ds {
				if d.Name == name {
					n++
				}
				walk(d.Block)
			}
		}
		walk(ds)
		return n
	}
	// Quoted: spaces and ';' in a folder name stay in one word.
	m := labMap()
	m.Dir = "/lab/a b; user root; error_log /etc/x {"
	m.Certificate = func(string) (string, string, bool) { return "/lab/x;user root;.crt", "/lab/}{.key", true }
	out, _, err := RenderNginx(src, m)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ParseNginx(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if count(ds, "user") != 0 || count(ds, "error_log") != 0 {
		t.Errorf("a value added a directive:\n%s", out)
	}
	if !strings.Contains(string(out), `pid "/lab/a b; user root; error_log /etc/x {/nginx.pid";`) {
		t.Errorf("the folder is not one quoted word:\n%s", out)
	}
	// Refused: what cannot be one word of nginx's, or would be read as a
	// variable, or is not an address.
	for name, set := range map[string]func(*NginxMap){
		"newline in the folder": func(m *NginxMap) { m.Dir = "/lab\nuser root;" },
		"quote in the folder":   func(m *NginxMap) { m.Dir = `/lab"; user root; #` },
		"'$' in the folder":     func(m *NginxMap) { m.Dir = "/lab/$host" },
		"newline in a file": func(m *NginxMap) {
			m.Certificate = func(string) (string, string, bool) { return "/a.crt\nuser root;", "/a.key", true }
		},
		"relative file": func(m *NginxMap) {
			m.Certificate = func(string) (string, string, bool) { return "a.crt", "/a.key", true }
		},
		"'$' in the CA file": func(m *NginxMap) { m.TrustedCA = "/lab/${x}.pem" },
		"listen address": func(m *NginxMap) {
			m.Listen = func(string) (string, bool) { return "127.0.0.1:443 ssl; user root", true }
		},
		"back end": func(m *NginxMap) {
			m.Upstream = func(string, int) (string, bool) { return "127.0.0.1:1; root /etc", true }
		},
		"unplanned listener": func(m *NginxMap) { m.Listen = func(string) (string, bool) { return "", false } },
		"no certificate": func(m *NginxMap) {
			m.Certificate = func(string) (string, string, bool) { return "", "", false }
		},
	} {
		m := labMap()
		set(&m)
		if out, _, err := RenderNginx(src, m); err == nil {
			t.Errorf("%s: rendered\n%s", name, out)
		}
	}
}

// A file whose shape the generator does not write is refused, naming
// what; a trap of nginx's grammar is refused by the parser.
func TestRenderNginxRefusesOtherShapes(t *testing.T) {
	src := string(contosoNginx(t))
	for name, c := range map[string]struct{ old, new, refuse string }{
		"user":           {"worker_processes auto;", "user root;\nworker_processes auto;", `"user"`},
		"include":        {"server_tokens off;", "server_tokens off;\n    include /etc/nginx/conf.d/*.conf;", `"include"`},
		"root":           {"return 404;", "root /etc;", `"root"`},
		"second http":    {"\nhttp {", "\nhttp { }\nhttp {", "second http"},
		"listen option":  {"443 ssl default_server;", "443 ssl default_server proxy_protocol;", "proxy_protocol"},
		"proxy_pass URI": {"proxy_pass https://192.168.21.121:4443;", "proxy_pass https://192.168.21.121:4443/etc/;", "scheme://host:port"},
		"variable pass":  {"proxy_pass https://192.168.21.121:4443;", "proxy_pass https://$host:4443;", "scheme://host:port"},
		"other cert":     {"ssl_certificate tls/rp-listener.crt;", "ssl_certificate /etc/ssl/private/x.crt;", "certificate file"},
		"other CA":       {"proxy_ssl_trusted_certificate tls/internal-ca.pem;", "proxy_ssl_trusted_certificate /etc/ssl/certs/ca.pem;", "CA file"},
		"block form":     {"server_tokens off;", "server_tokens { }", "wrong form"},
		"brace in word":  {"server_tokens off;", "server_tokens off}", `"}" inside a word`},
		"backslash":      {"server_tokens off;", `server_tokens "of\f";`, "backslash"},
		"quote glued":    {"server_tokens off;", `server_tokens "off"x;`, "after a quoted word"},
		"unclosed":       {"\n}\n", "\n", "end of file"},
		"no http":        {"\nhttp {", "\nevents2 {", `"events2"`},
		// A server with no listen: nginx would bind *:80 for it itself.
		"server without listen": {"\nhttp {", "\nhttp {\n    server { server_name x; return 200; }", "without listen"},
		"verify off":            {"proxy_ssl_verify on;", "proxy_ssl_verify off;", `only "on"`},
		"old TLS":               {"ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1 TLSv1.2;", `"TLSv1"`},
		"many workers":          {"worker_processes auto;", "worker_processes 1000;", "1 to 64"},
		"huge connections":      {"worker_connections 1024;", "worker_connections 100000000;", "1 to 65536"},
		"deep nesting":          {"\nhttp {", "\n" + strings.Repeat("http {", 20) + strings.Repeat("}", 20) + "\nhttp {", "nest more than"},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(src, c.old) {
				t.Fatalf("the sample has no %q", c.old)
			}
			bad := strings.Replace(src, c.old, c.new, 1)
			out, _, err := RenderNginx([]byte(bad), labMap())
			if err == nil || !strings.Contains(err.Error(), c.refuse) {
				t.Errorf("err %v, want one naming %q; rendered:\n%s", err, c.refuse, out)
			}
		})
	}
}

// The parser reads words as nginx does: quotes group, '#' inside a word
// is part of it, comments on their own line are kept.
func TestParseNginx(t *testing.T) {
	ds, err := ParseNginx([]byte("# top\na 'b c' d#e \"\";\nblk x {\n  # in\n  y;\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || ds[0].Name != "" || ds[0].Args[0] != "top" || ds[1].Name != "a" || strings.Join(ds[1].Args, "|") != "b c|d#e|" ||
		!ds[2].IsBlock || len(ds[2].Block) != 2 || ds[2].Block[1].Name != "y" {
		t.Fatalf("%#v", ds)
	}
	out, err := EncodeNginx(ds)
	if err != nil {
		t.Fatal(err)
	}
	if want := "# top\na \"b c\" \"d#e\" \"\";\nblk x {\n    # in\n    y;\n}\n"; string(out) != want {
		t.Errorf("encoded %q, want %q", out, want)
	}
}

func FuzzParseNginx(f *testing.F) {
	b, _ := os.ReadFile("testdata/contoso-nginx.conf")
	f.Add(b)
	f.Add([]byte("a 'b' \"c\" {d;}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ParseNginx(data)
		if err != nil {
			return
		}
		out, err := EncodeNginx(ds)
		if err != nil {
			return
		}
		// What is encoded reads back as the same directives.
		again, err := ParseNginx(out)
		if err != nil {
			t.Fatalf("encoded %q does not parse: %v", out, err)
		}
		out2, err := EncodeNginx(again)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("not stable: %q then %q (%v)", out, out2, err)
		}
	})
}
