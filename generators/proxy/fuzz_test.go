package proxy_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/proxy"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/internal/testtool/servertest"
	"github.com/mobplan/mobplan/planner/plan"
)

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
		got, perr := testtool.NginxShape(string(b))
		if perr != nil || got != want[0] {
			t.Fatalf("%s = %q: nginx.conf changed shape (%v):\n%s", path, s, perr, b)
		}
	}
	if b, err := proxy.HAProxy(rp, proxy.Options{}); err == nil {
		got, perr := testtool.HAProxyShape(string(b))
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
	ns, err := testtool.NginxShape(string(n))
	if err != nil {
		t.Fatal(err)
	}
	hs, err := testtool.HAProxyShape(string(h))
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
	pki := servertest.NewPKI(t)
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
		restore, n := testtool.Saturate(plain, s, keeps(func() ([]byte, error) { return proxy.Nginx(*rp, proxy.Options{}) }, testtool.NginxShape, want[0]))
		if n > 0 {
			ran++
			conf, err := proxy.Nginx(*rp, proxy.Options{Listen: servertest.NewListeners(t).Addr})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeTLS(t, pki, dir, []plan.ReverseProxy{*rp})
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
		restore, n = testtool.Saturate(plain, s, keeps(func() ([]byte, error) { return proxy.HAProxy(*rp, proxy.Options{}) }, testtool.HAProxyShape, want[1]))
		if n > 0 {
			ran++
			cfg, err := proxy.HAProxy(*rp, proxy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeTLS(t, pki, dir, []plan.ReverseProxy{*rp})
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
	if got, _ := testtool.NginxShape(bad); got == want[0] {
		t.Error("testtool.NginxShape does not see an added directive")
	}
	h, _ := proxy.HAProxy(*rp, proxy.Options{})
	bad = strings.Replace(string(h), "# Reverse proxy rp:", "# Reverse proxy x\n\nlisten evil\n    bind :2222\n#:", 1)
	if got, _ := testtool.HAProxyShape(bad); got == want[1] {
		t.Error("testtool.HAProxyShape does not see an added section")
	}
}
