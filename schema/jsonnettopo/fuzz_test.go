package jsonnettopo

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary bytes to the front-end as an entry file: it
// may report any diagnostics, but must never panic or hang, and the range
// walk must cope with every program that evaluates.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../../examples/*/*.jsonnet")
	libs, _ := filepath.Glob("../../examples/*/*.libsonnet")
	for _, s := range append(seeds, libs...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("local base = { kind: 'fe-ee' };\n{ pools: { p: base { fqdn: 'p.contoso.net' } } }\n"))
	f.Add([]byte("local u(n) = { name: n };\n{ users: [u('a'), { name: 'b' }], ips: ['a'] + ['b', 'c'] }\n"))
	f.Add([]byte("function(x='y') if x == 'y' then { a: x } else { b: [x] }\n"))
	f.Add([]byte("{ local l = self.a, a: 1, b: l, ['c' + 'd']: { e: importstr 'main.jsonnet' }, h:: 2, assert true }\n"))
	f.Add([]byte("local f(x) = f(x + 1); f(0)\n"))
	f.Add([]byte("[x for x in [1, 2]] + (import 'main.jsonnet')\n"))
	recoverMapping = false
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 4096 {
			return
		}
		if err := os.WriteFile(filepath.Join(dir, "main.jsonnet"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		doc, _ := Load(dir, Options{Timeout: 2 * time.Second, MaxStack: 50})
		if doc == nil {
			t.Fatal("nil document")
		}
		for k, r := range doc.Ranges {
			if r.Start.Byte > r.End.Byte || r.End.Byte > len(doc.Sources[r.Filename]) {
				t.Fatalf("range of %q out of its file: %+v", k, r)
			}
		}
	})
}
