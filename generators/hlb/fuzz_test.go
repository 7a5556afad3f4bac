package hlb_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/generators/hlb"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/planner/plan"
)

// vipFields are the strings of the VIPs of multisite with its Lyon pool
// on Lync Server 2010 (source and cookie persistence both), which the
// fuzz test replaces one at a time.
func vipFields(t testing.TB) ([]plan.VIP, []testtool.StringField, string) {
	m := testtool.ExampleModel(t, "multisite")
	lyon := m.Pools["lyon"]
	lyon.Version = "lync2010"
	m.Pools["lyon"] = lyon
	p := planner.New(m)
	cfg, err := hlb.HAProxy(p.VIPs, hlb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	shape, err := testtool.HAProxyShape(string(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "cookie MS-WSMAN insert") {
		t.Fatal("no VIP with cookie persistence to fuzz")
	}
	return p.VIPs, testtool.StringFields(&p.VIPs), shape
}

// structural: persistence may change the sections, as the plan means it to.
func structural(path, s string) bool {
	return strings.HasSuffix(path, ".Persistence") && (s == "source" || s == "cookie" || s == "none")
}

func checkVIPs(t *testing.T, vips []plan.VIP, path, s, want string) {
	t.Helper()
	if structural(path, s) {
		return
	}
	cfg, err := hlb.HAProxy(vips, hlb.Options{})
	if err != nil {
		return
	}
	if got, perr := testtool.HAProxyShape(string(cfg)); perr != nil || got != want {
		t.Fatalf("%s = %q: hlb/haproxy.cfg changed shape (%v):\n%s", path, s, perr, cfg)
	}
}

// FuzzHLB puts arbitrary text in one string of the VIPs at a time: the
// configuration refuses it or keeps its shape.
func FuzzHLB(f *testing.F) {
	vips, fields, want := vipFields(f)
	for i, s := range testtool.InjectionSeeds {
		f.Add(i*5, s)
	}
	f.Fuzz(func(t *testing.T, i int, s string) {
		fd := fields[(i%len(fields)+len(fields))%len(fields)]
		defer fd.Replace(s)()
		checkVIPs(t, vips, fd.Path, s, want)
	})
}

// Every seed in every field, without fuzzing.
func TestInjectionEveryField(t *testing.T) {
	vips, fields, want := vipFields(t)
	for _, fd := range fields {
		for _, s := range testtool.InjectionSeeds {
			restore := fd.Replace(s)
			checkVIPs(t, vips, fd.Path, s, want)
			restore()
		}
	}
}

// haproxy -c loads the configuration with each worst seed wherever it
// keeps the shape.
func TestInjectionRealTool(t *testing.T) {
	haproxy := testtool.Require(t, "haproxy")
	vips, fields, want := vipFields(t)
	var plain []testtool.StringField
	for _, f := range fields {
		if !strings.HasSuffix(f.Path, ".Persistence") {
			plain = append(plain, f)
		}
	}
	ran := 0
	for _, s := range testtool.WorstSeeds {
		restore, n := testtool.Saturate(plain, s, func() bool {
			cfg, err := hlb.HAProxy(vips, hlb.Options{})
			if err != nil {
				return false
			}
			got, err := testtool.HAProxyShape(string(cfg))
			return err == nil && got == want
		})
		if n > 0 {
			ran++
			cfg, _ := hlb.HAProxy(vips, hlb.Options{})
			path := filepath.Join(t.TempDir(), "haproxy.cfg")
			if err := os.WriteFile(path, cfg, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(haproxy, "-c", "-f", path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Configuration file is valid") {
				t.Errorf("%q in %d fields: haproxy -c: %v\n%s\n%s", s, n, err, out, cfg)
			}
		}
		restore()
	}
	if ran < len(testtool.WorstSeeds) {
		t.Errorf("haproxy ran on %d configurations for %d seeds", ran, len(testtool.WorstSeeds))
	}
}
