package schema

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/mobplan/mobplan/schema/frontend"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// BenchmarkRuleCost times the rules on a topology of any size, family by
// family: each family's files are evaluated with the schema and the
// shared helpers (rules.cue, structure.cue) and nothing else, on a fresh
// value, as Check evaluates them. It runs only with
// MOBPLAN_BENCH_TOPOLOGY set to an HCL topology folder, such as one
// examples/scale writes:
//
//	go run ./examples/scale -domains 3000 -pools 50 -sites 5 -out /tmp/t3000
//	MOBPLAN_BENCH_TOPOLOGY=/tmp/t3000 go test -timeout 0 -run '^$' -bench RuleCost -benchtime 1x ./schema
//
// "schema" is the unification with #Topology alone (topology.cue);
// "all+go" adds the Go rules (gorules*.go) to "all";
// "shared" adds the shared helpers and SCHEMA-002; a family's own cost is
// its time less "shared" (less "family=DNS" for PUSH, whose DNS-record
// rule reads the DNS helpers, and less "deps=VER" for POL). "all" is every
// file, as validate runs them. cpu-s/op is the steadier figure on a
// shared machine.
func BenchmarkRuleCost(b *testing.B) {
	dir := os.Getenv("MOBPLAN_BENCH_TOPOLOGY")
	if dir == "" {
		b.Skip("set MOBPLAN_BENCH_TOPOLOGY to an HCL topology folder")
	}
	doc, ds := hcltopo.Syntax.Load(dir, frontend.Options{})
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	srcs := Files()
	shared := []string{"topology.cue", "catalogue.cue", "rules.cue", "structure.cue", "rules_dns.cue"}
	var all []string
	for n := range srcs {
		all = append(all, n)
	}
	slices.Sort(all)
	run := func(name string, files []string, alone bool, withGo ...bool) {
		b.Run(name, func(b *testing.B) {
			ctx := cuecontext.New()
			inst := build.NewContext().NewInstance("schema", nil)
			for _, n := range files {
				f, err := parser.ParseFile(n, srcs[n])
				if err != nil {
					b.Fatal(err)
				}
				if err := inst.AddSyntax(f); err != nil {
					b.Fatal(err)
				}
			}
			if alone {
				f, err := parser.ParseFile("alone.cue", "package schema\ninput: {...}\ntopology: #Topology & input\ninput_users: [string]: {...}\nuser_buckets: [string]: [SIP=string]: #User & {sip: SIP}\nuser_buckets: input_users\n")
				if err != nil {
					b.Fatal(err)
				}
				if err := inst.AddSyntax(f); err != nil {
					b.Fatal(err)
				}
			}
			root := ctx.BuildInstance(inst)
			if err := root.Err(); err != nil {
				b.Fatal(err)
			}
			start := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rest, buckets := bucketUsers(doc.Value)
				// The zones with the rest, as cue vet has them: the cost of
				// each rule file over the whole topology.
				v := root.Unify(inputs(ctx, rest, buckets, false))
				for _, p := range []string{"topology", "user_buckets"} {
					if err := v.LookupPath(cue.ParsePath(p)).Validate(cue.Concrete(true)); err != nil {
						b.Fatal(err)
					}
				}
				if !alone {
					if err := v.LookupPath(cue.ParsePath("violations")).Validate(cue.Concrete(true)); err != nil {
						b.Fatal(err)
					}
				}
				if len(withGo) > 0 {
					// The Go rules, on the topology exported as Check exports it.
					top, err := exportTopology(v.LookupPath(cue.ParsePath("topology")))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := goFindings(top, rest); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
	run("schema", []string{"topology.cue"}, true)
	run("shared", shared, false)
	family := map[string][]string{
		"DNS": {"rules_dns.cue"}, "CERT": {"rules_cert.cue"}, "HLB": {"rules_hlb.cue"},
		"RP": {"rules_rp.cue"}, "PORT": {"rules_port.cue"}, "TOPO": {"rules_topology.cue"},
		"VER": {"rules_version.cue"}, "GEN": {"rules_generators.cue"},
		"PUSH": {"rules_push.cue", "rules_push_dns.cue", "rules_dns.cue"},
		"POL":  {"rules_policy.cue", "rules_version.cue"},
	}
	for _, f := range []string{"DNS", "CERT", "HLB", "RP", "PORT", "PUSH", "POL", "TOPO", "VER", "GEN"} {
		run("family="+f, append(slices.Clone(shared), family[f]...), false)
	}
	var rest []string
	for _, n := range all {
		if strings.HasSuffix(n, ".cue") {
			rest = append(rest, n)
		}
	}
	run("all", rest, false)
	// What validate evaluates: every file and the Go rules (gorules*.go).
	run("all+go", rest, false, true)
}

// cpuTime is the process's user and system time so far.

// BenchmarkRuleCostByRule times single rules: every file with every
// helper, and of the violations only the rules named in
// MOBPLAN_BENCH_RULES (comma separated; "none" for the helpers alone,
// which Check evaluates whether a rule reads them or not; "-_a+_b" for
// the helpers with _a and _b emptied). A rule's own cost,
// helpers it reads included, is its time less "none". MOBPLAN_BENCH_TOPOLOGY
// as for BenchmarkRuleCost:
//
//	MOBPLAN_BENCH_TOPOLOGY=/tmp/t3000 MOBPLAN_BENCH_RULES=none,DNS-001,DNS-009 go test -timeout 0 -run '^$' -bench RuleCostByRule -benchtime 1x ./schema
func BenchmarkRuleCostByRule(b *testing.B) {
	dir, rules := os.Getenv("MOBPLAN_BENCH_TOPOLOGY"), os.Getenv("MOBPLAN_BENCH_RULES")
	if dir == "" || rules == "" {
		b.Skip("set MOBPLAN_BENCH_TOPOLOGY to an HCL topology folder and MOBPLAN_BENCH_RULES to rule IDs")
	}
	doc, ds := hcltopo.Syntax.Load(dir, frontend.Options{})
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	srcs := Files()
	var names []string
	for n := range srcs {
		if strings.HasSuffix(n, ".cue") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, id := range strings.Split(rules, ",") {
		b.Run(id, func(b *testing.B) {
			ctx := cuecontext.New()
			inst := build.NewContext().NewInstance("schema", nil)
			for _, n := range names {
				f, err := parser.ParseFile(n, srcs[n])
				if err != nil {
					b.Fatal(err)
				}
				// Rules left out are dropped, and the file's imports used
				// by a hidden field, so the file still builds.
				keep := f.Decls[:0]
				for _, d := range f.Decls {
					fd, ok := d.(*ast.Field)
					var rf *ast.Field
					if ok {
						l, _ := label(fd)
						st, _ := fd.Value.(*ast.StructLit)
						if l != nil && l.Name == "violations" && st != nil && len(st.Elts) == 1 {
							rf, _ = st.Elts[0].(*ast.Field)
						}
					}
					if rf == nil {
						// "-_a+_b": the helpers alone, _a and _b emptied.
						if l, _ := label(fd); l != nil && strings.HasPrefix(id, "-") && slices.Contains(strings.Split(id[1:], "+"), l.Name) {
							switch fd.Value.(type) {
							case *ast.ListLit, *ast.Comprehension:
								fd.Value = ast.NewList()
							default:
								fd.Value = ast.NewStruct()
							}
						}
						keep = append(keep, d)
						continue
					}
					if l, ok := rf.Label.(*ast.BasicLit); ok && l.Value != strconv.Quote(id) {
						continue
					}
					keep = append(keep, d)
				}
				f.Decls = keep
				member := map[string]string{"list": "Sort", "net": "IP", "strconv": "Atoi", "strings": "Join"}
				var uses []ast.Expr
				for im := range f.ImportSpecs() {
					p, _ := strconv.Unquote(im.Path.Value)
					uses = append(uses, ast.NewSel(ast.NewIdent(p), member[p]))
				}
				if len(uses) > 0 {
					f.Decls = append(f.Decls, &ast.Field{Label: ast.NewIdent("_benchImports_" + strings.TrimSuffix(n, ".cue")), Value: ast.NewList(uses...)})
				}
				if err := inst.AddSyntax(f); err != nil {
					b.Fatal(err)
				}
			}
			root := ctx.BuildInstance(inst)
			if err := root.Err(); err != nil {
				b.Fatal(err)
			}
			start := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rest, buckets := bucketUsers(doc.Value)
				// The zones with the rest, as in the benchmark above.
				v := root.Unify(inputs(ctx, rest, buckets, false))
				for _, p := range []string{"topology", "user_buckets", "violations"} {
					if err := v.LookupPath(cue.ParsePath(p)).Validate(cue.Concrete(true)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

func label(f *ast.Field) (*ast.Ident, bool) {
	if f == nil {
		return nil, false
	}
	l, ok := f.Label.(*ast.Ident)
	return l, ok
}
