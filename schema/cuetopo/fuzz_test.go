package cuetopo

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: no input makes the CUE front-end panic or hang.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("version: \"sfb2019\"\n"))
	f.Add([]byte("import \"github.com/mobplan/mobplan/schema\"\nschema.#Topology\nversion: \"sfb2019\"\npools: p: {kind: \"fe-se\", fqdn: \"p.contoso.net\"}\n"))
	f.Add([]byte("import \"strings\"\nsip_domains: [strings.ToLower(\"A.COM\")]\nusers: [_]: pool: \"p\"\nusers: \"a@a.com\": {}\n"))
	f.Add([]byte("x: [for i in [1, 2] {i}]\ny: x[5]\n"))
	f.Add([]byte("a: b\nb: a\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "t.cue"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		Load(dir)
	})
}
