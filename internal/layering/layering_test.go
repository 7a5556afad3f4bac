// Package layering holds the test that keeps imports along the data flow:
// topology files → front-ends and schema → model → planner → plan →
// generators and runtime. It checks non-test code only: tests may reach
// across layers to build their inputs.
package layering

import (
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

const module = "github.com/mobplan/mobplan"

// A rule says what the packages matching from must not import, directly
// or through other packages of the module. Patterns are paths inside the
// module; "x/..." is x and every package below it.
type rule struct {
	from   string
	deny   []string // module packages not to be reached
	except []string // denied patterns' packages that are allowed after all
	// stdlibOnly: nothing outside the standard library, mobplan's own
	// packages included.
	stdlibOnly bool
	// mayBeAbsent: no package matches from yet, and that is no error.
	mayBeAbsent bool
	why         string
}

var rules = []rule{
	{
		from:   "generators/...",
		deny:   []string{"internal/model", "schema", "schema/...", "internal/loader", "planner", "planner/..."},
		except: []string{"planner/plan"},
		why:    "generators render the plan: they must not see the model, the schema, the front-ends, the loader or the planner",
	},
	{
		from: "runtime/...",
		deny: []string{"planner", "planner/...", "internal/model", "schema", "schema/...", "internal/loader", "generators", "generators/...",
			"internal/pipeline", "internal/render", "internal/savedplan", "internal/cli"},
		except: []string{"planner/plan"},
		why:    "the runtime serves what apply wrote: it must not see the planner, the model, the schema, the front-ends, the generators or the pipeline that re-derives a plan",
	},
	{
		from: "runtime/trace",
		deny: []string{"runtime/supervisor", "runtime/bundle", "runtime/dnsserver", "runtime/labca", "runtime/proxy", "runtime/hlb",
			"runtime/webservices", "runtime/admin"},
		why: "trace is a client: it speaks the protocol (runtime/protocol) and reads runtime.json (runtime/addrmap), and sees no server",
	},
	{
		from:       "planner/plan",
		stdlibOnly: true,
		why:        "the plan is plain data that every later stage reads: it imports the standard library only",
	},
}

// match tells whether the module-relative path rel matches pattern.
func match(pattern, rel string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == base || strings.HasPrefix(rel, base+"/")
	}
	return rel == pattern
}

func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		if match(p, rel) {
			return true
		}
	}
	return false
}

// rel is a package's path inside the module, or "" for other packages.
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return ""
}

func loadModule(t *testing.T) map[string]*packages.Package {
	t.Helper()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedImports | packages.NeedDeps | packages.NeedModule,
		Dir:  "../..",
	}
	pkgs, err := packages.Load(cfg, module+"/...")
	if err != nil {
		t.Fatalf("loading the module's packages: %v", err)
	}
	all := map[string]*packages.Package{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			t.Errorf("%s: %v", p.PkgPath, e)
		}
		all[p.PkgPath] = p
	})
	if len(all) == 0 {
		t.Fatal("no packages loaded")
	}
	return all
}

// isStdlib tells a standard library package: one outside every module.
func isStdlib(p *packages.Package) bool {
	return p.Module == nil && !strings.Contains(strings.SplitN(p.PkgPath, "/", 2)[0], ".")
}

// chains finds, for every package that r denies and p reaches through
// the module's packages, the shortest import chain from p to it. The
// search stops at a denied package: what lies behind it is its own
// rule's business.
func chains(all map[string]*packages.Package, p *packages.Package, r rule) [][]string {
	var out [][]string
	prev := map[string]string{p.PkgPath: ""}
	queue := []string{p.PkgPath}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		imps := make([]string, 0, len(all[cur].Imports))
		for path := range all[cur].Imports {
			imps = append(imps, path)
		}
		sort.Strings(imps)
		for _, path := range imps {
			if _, seen := prev[path]; seen || rel(path) == "" {
				continue
			}
			prev[path] = cur
			if matchAny(r.deny, rel(path)) && !matchAny(r.except, rel(path)) {
				var c []string
				for at := path; at != ""; at = prev[at] {
					c = append([]string{rel(at)}, c...)
				}
				out = append(out, c)
				continue
			}
			queue = append(queue, path)
		}
	}
	return out
}

// TestLayering fails on every import against the data flow, naming the
// import chain that breaks the rule.
func TestLayering(t *testing.T) {
	all := loadModule(t)
	var paths []string
	for path := range all {
		if rel(path) != "" {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	// A denied pattern that matches nothing is a typo, and its rule
	// would check nothing.
	for _, r := range rules {
		for _, d := range r.deny {
			found := false
			for _, path := range paths {
				found = found || match(d, rel(path))
			}
			if !found {
				t.Errorf("rule for %s names %s, which matches no package of the module", r.from, d)
			}
		}
	}
	for _, r := range rules {
		n := 0
		for _, path := range paths {
			p := all[path]
			if !match(r.from, rel(path)) {
				continue
			}
			n++
			if r.stdlibOnly {
				var bad []string
				for imp, ip := range p.Imports {
					if !isStdlib(ip) {
						bad = append(bad, imp)
					}
				}
				sort.Strings(bad)
				for _, b := range bad {
					t.Errorf("%s imports %s: %s", rel(path), b, r.why)
				}
				continue
			}
			for _, c := range chains(all, p, r) {
				t.Errorf("%s reaches %s, against the data flow: %s\n\timport chain: %s",
					rel(path), c[len(c)-1], r.why, strings.Join(c, " → "))
			}
		}
		if n == 0 && !r.mayBeAbsent {
			t.Errorf("no package matches %s; the layout expects one (%s)", r.from, r.why)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, rel string
		want         bool
	}{
		{"schema/...", "schema", true},
		{"schema/...", "schema/hcltopo", true},
		{"schema/...", "schemas", false},
		{"planner", "planner/plan", false},
		{"planner/plan", "planner/plan", true},
		{"generators/...", "generators/dns/zone", true},
	} {
		if got := match(c.pattern, c.rel); got != c.want {
			t.Errorf("match(%q, %q) = %v", c.pattern, c.rel, got)
		}
	}
	if got := rel(module + "/planner/plan"); got != "planner/plan" {
		t.Errorf("rel of planner/plan: %q", got)
	}
	if got := rel("golang.org/x/tools"); got != "" {
		t.Errorf("rel of another module's package: %q", got)
	}
}
