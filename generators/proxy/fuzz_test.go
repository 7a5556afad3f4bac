package proxy_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/proxy"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
)

// nginxShape reads an nginx configuration as nginx's tokenizer does
// (ngx_conf_read_token): words end at whitespace, ';', '{' and '}'; '#'
// at the start of a word comments to the end of the line; a quote at
// the start of a word runs to the same quote, '\' escaping the next
// character. The shape is every directive with its depth, its name and
// its number of arguments, and which arguments hold a variable ('$'):
// what a value may not change.
func nginxShape(conf string) (string, error) {
	var out []string
	var words []string
	depth := 0
	var w strings.Builder
	inWord := false
	end := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	directive := func(term string) error {
		end()
		if len(words) == 0 {
			if term == "{" {
				return fmt.Errorf("a block without a name")
			}
			if term == ";" {
				return fmt.Errorf("an empty directive")
			}
			return nil
		}
		vars := ""
		for _, a := range words[1:] {
			if strings.Contains(a, "$") {
				vars += "$"
			} else {
				vars += "."
			}
		}
		out = append(out, fmt.Sprintf("%d %s %d %s %s", depth, words[0], len(words)-1, vars, term))
		words = nil
		return nil
	}
	rs := []rune(conf)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case !inWord && (c == '"' || c == '\''):
			q := c
			inWord = true
			for i++; ; i++ {
				if i >= len(rs) {
					return "", fmt.Errorf("unterminated quote")
				}
				if rs[i] == '\\' && i+1 < len(rs) {
					i++
					w.WriteRune(rs[i])
					continue
				}
				if rs[i] == q {
					break
				}
				w.WriteRune(rs[i])
			}
			end()
		case !inWord && c == '#':
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			end()
		case c == ';':
			if err := directive(";"); err != nil {
				return "", err
			}
		case c == '{':
			if err := directive("{"); err != nil {
				return "", err
			}
			depth++
		case c == '}':
			if err := directive(""); err != nil {
				return "", err
			}
			if len(out) > 0 && strings.HasSuffix(out[len(out)-1], " ") {
				return "", fmt.Errorf("a directive without ';'")
			}
			depth--
			if depth < 0 {
				return "", fmt.Errorf("unbalanced '}'")
			}
			out = append(out, fmt.Sprintf("%d }", depth))
		case c == '\\' && i+1 < len(rs):
			inWord = true
			i++
			w.WriteRune(rs[i])
		default:
			inWord = true
			w.WriteRune(c)
		}
	}
	end()
	if len(words) > 0 || depth != 0 {
		return "", fmt.Errorf("unterminated directive or block")
	}
	return strings.Join(out, "\n"), nil
}

// haproxyShape reads an HAProxy configuration line by line as HAProxy
// does: words split at spaces and tabs, '#' at the start of a word
// comments to the end of the line, '\' escapes, single and double quotes
// group. The shape is each line's first word (the section keyword or
// the directive) and its number of words, and which words hold '$'
// (environment variables).
func haproxyShape(cfg string) (string, error) {
	var out []string
	for n, line := range strings.FieldsFunc(cfg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		var words []string
		var w strings.Builder
		in := false
		rs := []rune(line)
	scan:
		for i := 0; i < len(rs); i++ {
			switch c := rs[i]; {
			case c == ' ' || c == '\t':
				if in {
					words, in = append(words, w.String()), false
					w.Reset()
				}
			case c == '#' && !in:
				break scan
			case c == '\\' && i+1 < len(rs):
				i++
				w.WriteRune(rs[i])
				in = true
			case c == '"' || c == '\'':
				in = true
				for i++; i < len(rs) && rs[i] != c; i++ {
					w.WriteRune(rs[i])
				}
				if i >= len(rs) {
					return "", fmt.Errorf("line %d: unterminated quote", n+1)
				}
			default:
				w.WriteRune(c)
				in = true
			}
		}
		if in {
			words = append(words, w.String())
		}
		if len(words) == 0 {
			continue
		}
		vars := ""
		for _, x := range words {
			if strings.Contains(x, "$") {
				vars += "$"
			} else {
				vars += "."
			}
		}
		indent := !strings.HasPrefix(line, words[0])
		out = append(out, fmt.Sprintf("%v %s %d %s", indent, words[0], len(words), vars))
	}
	return strings.Join(out, "\n"), nil
}

// proxyFields are the strings of contoso's reverse proxy, which the
// fuzz test replaces one at a time.
func proxyFields(t testing.TB) (*plan.ReverseProxy, []testtool.StringField) {
	p := testtool.ExamplePlan(t, "contoso")
	rp := &p.ReverseProxies[0]
	return rp, testtool.StringFields(rp)
}

// structural values: a field set to one of these may change the
// configuration's structure, as the plan means it to.
func structural(path, s string) bool {
	return strings.HasSuffix(path, ".BackScheme") && (s == "http" || s == "https")
}

// checkProxy renders rp in both products; each must refuse or keep the
// shape it has unchanged.
func checkProxy(t *testing.T, rp plan.ReverseProxy, path, s string, want [2]string) {
	t.Helper()
	if structural(path, s) {
		return
	}
	if b, err := proxy.Nginx(rp, proxy.Options{}); err == nil {
		got, perr := nginxShape(string(b))
		if perr != nil || got != want[0] {
			t.Fatalf("%s = %q: nginx.conf changed shape (%v):\n%s", path, s, perr, b)
		}
	}
	if b, err := proxy.HAProxy(rp, proxy.Options{}); err == nil {
		got, perr := haproxyShape(string(b))
		if perr != nil || got != want[1] {
			t.Fatalf("%s = %q: haproxy.cfg changed shape (%v):\n%s", path, s, perr, b)
		}
	}
}

func baseShapes(t testing.TB, rp plan.ReverseProxy) [2]string {
	n, err := proxy.Nginx(rp, proxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := proxy.HAProxy(rp, proxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := nginxShape(string(n))
	if err != nil {
		t.Fatal(err)
	}
	hs, err := haproxyShape(string(h))
	if err != nil {
		t.Fatal(err)
	}
	return [2]string{ns, hs}
}

// FuzzProxy puts arbitrary text in one string of contoso's reverse proxy
// at a time: both configurations refuse it or keep their shape.
func FuzzProxy(f *testing.F) {
	rp, fields := proxyFields(f)
	want := baseShapes(f, *rp)
	for i, s := range testtool.InjectionSeeds {
		f.Add(i*7, s)
	}
	f.Fuzz(func(t *testing.T, i int, s string) {
		fd := fields[(i%len(fields)+len(fields))%len(fields)]
		defer fd.Replace(s)()
		checkProxy(t, *rp, fd.Path, s, want)
	})
}

// Every seed in every field, without fuzzing.
func TestInjectionEveryField(t *testing.T) {
	rp, fields := proxyFields(t)
	want := baseShapes(t, *rp)
	for _, fd := range fields {
		for _, s := range testtool.InjectionSeeds {
			restore := fd.Replace(s)
			checkProxy(t, *rp, fd.Path, s, want)
			restore()
		}
	}
}

// The real tools on what the generator accepts of the worst seeds: each
// seed is put in every field where the product's configuration still
// keeps its shape, and nginx -t and haproxy -c load the result.
func TestInjectionRealTools(t *testing.T) {
	nginx := testtool.Require(t, "nginx")
	haproxy := testtool.Require(t, "haproxy")
	pki := newPKI(t)
	rp, fields := proxyFields(t)
	want := baseShapes(t, *rp)
	var plain []testtool.StringField
	for _, f := range fields {
		if !strings.HasSuffix(f.Path, ".BackScheme") {
			plain = append(plain, f)
		}
	}
	keeps := func(render func() ([]byte, error), shape func(string) (string, error), want string) func() bool {
		return func() bool {
			b, err := render()
			if err != nil {
				return false
			}
			got, err := shape(string(b))
			return err == nil && got == want
		}
	}
	ran := 0
	for _, s := range testtool.WorstSeeds {
		restore, n := testtool.Saturate(plain, s, keeps(func() ([]byte, error) { return proxy.Nginx(*rp, proxy.Options{}) }, nginxShape, want[0]))
		if n > 0 {
			ran++
			conf, err := proxy.Nginx(*rp, proxy.Options{Listen: localPorts(t)})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			pki.writeTLS(t, dir, []plan.ReverseProxy{*rp})
			path := filepath.Join(dir, "nginx.conf")
			writeFile(t, path, conf)
			out, err := exec.Command(nginx, "-t", "-p", dir+"/", "-c", path, "-e", "stderr").CombinedOutput()
			// A back end given by name must resolve for nginx to load; the
			// seeds' names do not, which says nothing about the file.
			if (err != nil || !strings.Contains(string(out), "test is successful")) && !strings.Contains(string(out), "host not found in upstream") {
				t.Errorf("%q in %d fields: nginx -t: %v\n%s\n%s", s, n, err, out, conf)
			}
		}
		restore()
		restore, n = testtool.Saturate(plain, s, keeps(func() ([]byte, error) { return proxy.HAProxy(*rp, proxy.Options{}) }, haproxyShape, want[1]))
		if n > 0 {
			ran++
			cfg, err := proxy.HAProxy(*rp, proxy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			pki.writeTLS(t, dir, []plan.ReverseProxy{*rp})
			path := filepath.Join(dir, "haproxy.cfg")
			writeFile(t, path, cfg)
			cmd := exec.Command(haproxy, "-c", "-f", path)
			cmd.Dir = "/"
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Configuration file is valid") {
				t.Errorf("%q in %d fields: haproxy -c: %v\n%s\n%s", s, n, err, out, cfg)
			}
		}
		restore()
	}
	if ran < len(testtool.WorstSeeds) {
		t.Errorf("the tools ran on %d configurations for %d seeds: a seed was accepted nowhere", ran, len(testtool.WorstSeeds))
	}
}

// The parsers see the attacks: what the issue wrote into the files
// changes their shape, so the fuzz test would catch an encoder that let
// it through.
func TestShapesSeeAttacks(t *testing.T) {
	rp, _ := proxyFields(t)
	want := baseShapes(t, *rp)
	n, _ := proxy.Nginx(*rp, proxy.Options{})
	bad := strings.Replace(string(n), "# Reverse proxy rp:", "# Reverse proxy rp\nuser root;\n#:", 1)
	if got, _ := nginxShape(bad); got == want[0] {
		t.Error("nginxShape does not see an added directive")
	}
	h, _ := proxy.HAProxy(*rp, proxy.Options{})
	bad = strings.Replace(string(h), "# Reverse proxy rp:", "# Reverse proxy x\n\nlisten evil\n    bind :2222\n#:", 1)
	if got, _ := haproxyShape(bad); got == want[1] {
		t.Error("haproxyShape does not see an added section")
	}
}
