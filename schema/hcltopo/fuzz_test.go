package hcltopo

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the front-end: it may report any
// diagnostics, but must never panic or hang.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../../examples/*/*.hcl")
	more, _ := filepath.Glob("../../examples/invalid/*/*.hcl")
	for _, s := range append(seeds, more...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("locals {\n a = local.b\n b = local.a\n}\n"))
	f.Add([]byte("pool \"x\" { server \"y\" { ips = [cidrhost(\"10.0.0.0/8\", 1)] } }\n"))
	f.Add([]byte("dns_zone \"internal\" \"a\" { record \"@\" { values = [pool.x.fqdn] } }\npool \"x\" { fqdn = dns_zone.internal }\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		p := filepath.Join(dir, "t.hcl")
		if err := os.WriteFile(p, src, 0o644); err != nil {
			t.Fatal(err)
		}
		doc, _ := Load(p, Options{})
		if doc == nil {
			t.Fatal("nil document")
		}
	})
}
