package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mobplan/mobplan/generators"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/render"
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

func TestSizeLimits(t *testing.T) {
	for _, s := range []Size{{0, 1, 1, 0}, {1, 0, 1, 0}, {1, 1, 2, 0}, {1, 300, 1, 0}, {1, 1, 1, -1}} {
		if s.check() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// BenchmarkValidate validates generated topologies of 10, 100 and 1,000
// SIP domains with 50 pools: read, schema, every rule.
func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("domains=%d/pools=50", n), func(b *testing.B) {
			dir := writeTopology(b, Size{Domains: n, Pools: 50, Sites: 5, UsersPerPool: 2})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c, err := loader.Load(dir, loader.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if c.Diagnostics.HasErrors() {
					b.Fatalf("generated topology has errors: %v", c.Diagnostics[0])
				}
			}
		})
	}
}

// BenchmarkPlanGenerate derives the plan and renders every artifact for
// 10, 100 and 1,000 SIP domains (validation excluded; private keys are
// created before timing starts and reused, as on every apply after the
// first).
func BenchmarkPlanGenerate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("domains=%d/pools=10", n), func(b *testing.B) {
			dir := writeTopology(b, Size{Domains: n, Pools: 10, Sites: 2, UsersPerPool: 2})
			c, err := loader.Load(dir, loader.Options{})
			if err != nil || c.Diagnostics.HasErrors() {
				b.Fatal(err, c.Diagnostics)
			}
			m, err := c.Result.Model()
			if err != nil {
				b.Fatal(err)
			}
			keys := certs.NewKeyStore(filepath.Join(dir, "keys"), true)
			opts := render.Options{ArtifactsDir: filepath.Join(dir, "artifacts"), Keys: keys, ToolVersion: "bench"}
			if _, err := render.Render(planner.New(m), generators.All(), opts); err != nil {
				b.Fatal(err)
			}
			if err := keys.Commit(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := render.Render(planner.New(m), generators.All(), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
