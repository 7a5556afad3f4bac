package datatopo

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: no JSON or YAML input makes the data front-end panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version": "sfb2019", "pools": {"p": {"fqdn": "p.contoso.net"}}, "sip_domains": ["a.com"]}`), true)
	f.Add([]byte("version: sfb2019\nusers:\n  a@a.com: {pool: p, port: 5061}\nlist: [1, 2.5, true]\n"), false)
	f.Add([]byte("a: &x [1]\nb: *x\n"), false)
	f.Fuzz(func(t *testing.T, src []byte, json bool) {
		dir := t.TempDir()
		name := "t.yaml"
		if json {
			name = "t.json"
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		Load(dir)
	})
}
