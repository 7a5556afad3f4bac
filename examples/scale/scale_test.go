package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cuejson "cuelang.org/go/encoding/json"

	"github.com/mobplan/mobplan/generators"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/memlimit"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/plancache"
	"github.com/mobplan/mobplan/internal/render"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner"
)

func writeTopology(tb testing.TB, s Size) string {
	tb.Helper()
	dir := tb.TempDir()
	var b bytes.Buffer
	Write(&b, s)
	if err := os.WriteFile(filepath.Join(dir, "topology.hcl"), b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestGeneratedTopologiesAreValid: whatever the size, the generator
// writes a topology with no error and no warning.
func TestGeneratedTopologiesAreValid(t *testing.T) {
	for _, s := range []Size{{1, 1, 1, 0}, {3, 2, 2, 2}, {25, 4, 3, 1}} {
		t.Run(fmt.Sprintf("%dx%dx%d", s.Domains, s.Pools, s.Sites), func(t *testing.T) {
			c, err := loader.Load(writeTopology(t, s), loader.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range c.Diagnostics {
				if d.Severity > 0 { // warnings and errors; notes are advisory
					t.Errorf("%s", d)
				}
			}
		})
	}
}

// TestJSONIsTheSameTopology: -json writes the topology cue vet is timed
// on, the same value mobplan checks.
func TestJSONIsTheSameTopology(t *testing.T) {
	dir := writeTopology(t, Size{3, 2, 2, 2})
	jdir := t.TempDir()
	if err := writeJSON(dir, filepath.Join(jdir, "topology.json")); err != nil {
		t.Fatal(err)
	}
	h, err := loader.Load(dir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := loader.Load(jdir, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Doc.Syntax != "json" || j.Diagnostics.HasErrors() {
		t.Fatalf("syntax %q, diagnostics %v", j.Doc.Syntax, j.Diagnostics)
	}
	if h.InputDigest() != j.InputDigest() {
		t.Error("the JSON topology means something else than the HCL one")
	}
}

func TestSizeLimits(t *testing.T) {
	for _, s := range []Size{{0, 1, 1, 0}, {1, 0, 1, 0}, {1, 1, 2, 0}, {1, 300, 1, 0}, {1, 1, 1, -1}} {
		if s.check() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// The benchmark sizes: SIP domains at 50 pools over 5 sites, and users
// homed on those pools. Run a subset, e.g.
//
//	go test -run '^$' -bench 'Validate/domains=1000$' ./examples/scale
//
// The largest take minutes each; bench/scale.sh times the same sizes as
// whole processes.
var benchSizes = []benchSize{
	{name: "domains=100", size: Size{Domains: 100, Pools: 50, Sites: 5, UsersPerPool: 2}},
	{name: "domains=1000", size: Size{Domains: 1000, Pools: 50, Sites: 5, UsersPerPool: 2}},
	{name: "domains=10000", size: Size{Domains: 10000, Pools: 50, Sites: 5, UsersPerPool: 2}},
	{name: "users=10000", size: Size{Domains: 100, Pools: 50, Sites: 5, UsersPerPool: 200}},
	{name: "users=100000", size: Size{Domains: 100, Pools: 50, Sites: 5, UsersPerPool: 2000}},
	// Users every policy rule concerns: Enterprise Voice, with a voice
	// policy of their own.
	{name: "voiceusers=10000", size: Size{Domains: 100, Pools: 50, Sites: 5, UsersPerPool: 200}, voice: true},
}

type benchSize struct {
	name  string
	size  Size
	voice bool // every user Enterprise Voice, granted the voice policy Mobile
}

// write writes the size's topology, as writeTopology does, with its
// users made voice users when voice is set.
func (bs benchSize) write(tb testing.TB) string {
	dir := writeTopology(tb, bs.size)
	if !bs.voice {
		return dir
	}
	p := filepath.Join(dir, "topology.hcl")
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	voice := regexp.MustCompile(`(?m)^(user "[^"]+" \{\n  pool = "[^"]+"\n)\}`).ReplaceAll(b, []byte("${1}  enterprise_voice = true\n  voice_policy     = \"Mobile\"\n}"))
	voice = append(voice, "\nvoice_policy \"Mobile\" {\n  allow_simul_ring = true\n}\n"...)
	if bytes.Equal(voice, b) {
		tb.Fatal("no user was made a voice user")
	}
	if err := os.WriteFile(p, voice, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// The benchmarks evaluate as the CLI does (internal/cli setMemoryLimit).
func init() {
	memlimit.SetEvalGC(400)
	memlimit.SetLargeHeapGC(60)
}

// cpu reports the process's CPU seconds per op beside the wall time: on a
// shared machine the steadier figure. Call it after setup, as
// defer cpu(b)().
func cpu(b *testing.B) func() {
	b.ResetTimer()
	start := cpuTime()
	return func() { b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op") }
}

func cpuTime() time.Duration { return testtool.CPUTime() }

func load(b *testing.B, dir string) *loader.Checked {
	b.Helper()
	c, err := loader.Load(dir, loader.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if c.Diagnostics.HasErrors() {
		b.Fatalf("generated topology has errors: %v", c.Diagnostics[0])
	}
	return c
}

// BenchmarkValidate validates generated topologies: read, schema, every
// rule.
func BenchmarkValidate(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			dir := bs.write(b)
			defer cpu(b)()
			for i := 0; i < b.N; i++ {
				load(b, dir)
			}
		})
	}
}

// BenchmarkPlan derives the plan and renders every artifact (validation
// excluded; private keys are created before timing starts and reused, as
// on every apply after the first).
func BenchmarkPlan(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			dir := bs.write(b)
			m, err := load(b, dir).Result.Model()
			if err != nil {
				b.Fatal(err)
			}
			keys := certs.NewKeyStore(benchKeys(b, dir, bs.name), true)
			opts := render.Options{ArtifactsDir: filepath.Join(dir, "artifacts"), Keys: keys, ToolVersion: "bench"}
			if _, err := render.Render(planner.New(m), generators.All(), opts); err != nil {
				b.Fatal(err)
			}
			if err := keys.Commit(); err != nil {
				b.Fatal(err)
			}
			// Rendered as `plan` renders: each file kept as its digest.
			opts.DigestsOnly = true
			defer cpu(b)()
			for i := 0; i < b.N; i++ {
				if _, err := render.Render(planner.New(m), generators.All(), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchKeysEnv names a folder where BenchmarkPlan keeps each size's keys
// between runs: making a large deployment's keys takes minutes, which
// would otherwise dominate a profile of planning.
const benchKeysEnv = "MOBPLAN_BENCH_KEYS"

// seedKeys copies the keys BenchmarkPlan kept for size (benchKeysEnv)
// into the key store of the topology in dir, so a benchmark of the whole
// pipeline makes none.
func seedKeys(b *testing.B, dir, size string) {
	from := os.Getenv(benchKeysEnv)
	if from == "" {
		return
	}
	if err := os.CopyFS(pipeline.KeyDir(dir), os.DirFS(filepath.Join(from, size))); err != nil && !os.IsNotExist(err) {
		b.Fatal(err)
	}
}

func benchKeys(b *testing.B, dir, size string) string {
	if k := os.Getenv(benchKeysEnv); k != "" {
		return filepath.Join(k, size)
	}
	return filepath.Join(dir, "keys")
}

// BenchmarkNoChangePlan is the CI check: the whole of `plan` (read,
// validate, derive, render, compare) against artifacts an apply wrote.
func BenchmarkNoChangePlan(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			dir, o := applied(b, bs)
			defer cpu(b)()
			for i := 0; i < b.N; i++ {
				r, err := pipeline.Run(dir, o)
				if err != nil {
					b.Fatal(err)
				}
				if artifacts.Summarize(r.Changes).Pending() {
					b.Fatalf("plan after apply has changes: %+v", artifacts.Pending(r.Changes)[0])
				}
			}
		})
	}
}

// applied writes a topology of size, applies it (keys seeded) and
// returns its folder and the options of a plan over it.
func applied(b *testing.B, bs benchSize) (string, pipeline.Options) {
	dir := bs.write(b)
	seedKeys(b, dir, bs.name)
	o := pipeline.Options{ToolVersion: "bench", MakeKeys: true}
	r, err := pipeline.Run(dir, o)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := artifacts.Apply(r.ArtifactsDir, r.Set, false); err != nil {
		b.Fatal(err)
	}
	// As `plan` runs: no keys made, each file kept as its digest.
	o.MakeKeys, o.DigestsOnly = false, true
	return dir, o
}

// BenchmarkNoChangePlanCached is the same check on the machine that
// planned before: the plan cache (internal/plancache) vouches for the
// artifacts, so the plan validates and hashes them without rendering.
func BenchmarkNoChangePlanCached(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			dir, o := applied(b, bs)
			o.Cache = plancache.Cache{Dir: b.TempDir()}
			if _, err := pipeline.Run(dir, o); err != nil { // the full plan that records
				b.Fatal(err)
			}
			defer cpu(b)()
			for i := 0; i < b.N; i++ {
				r, err := pipeline.Run(dir, o)
				if err != nil {
					b.Fatal(err)
				}
				if !r.Reused {
					b.Fatal("the plan rendered again")
				}
			}
		})
	}
}

// BenchmarkCUEStringList measures CUE itself, with no rule: a plain JSON
// list of n strings against [...string]. In cuelang.org/go v0.17.1 it
// grows quadratically (0.38 s at 10,000, 4.2 s at 30,000 on the reference
// machine), which is why the rules never look into an N-wide node N
// times; re-run it after upgrading cuelang.org/go.
func BenchmarkCUEStringList(b *testing.B) {
	for _, n := range []int{1000, 10000, 30000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			list := make([]string, n)
			for i := range list {
				list[i] = fmt.Sprintf("d%05d.example.com", i)
			}
			data, err := json.Marshal(list)
			if err != nil {
				b.Fatal(err)
			}
			defer cpu(b)()
			for i := 0; i < b.N; i++ {
				ctx := cuecontext.New()
				schema := ctx.CompileString("[...string]")
				expr, err := cuejson.Extract("list.json", data)
				if err != nil {
					b.Fatal(err)
				}
				v := schema.Unify(ctx.BuildExpr(expr))
				if err := v.Validate(cue.Concrete(true)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
