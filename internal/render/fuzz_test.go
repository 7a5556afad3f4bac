package render_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mobplan/mobplan/generators"
	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/certs"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/render"
	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner"
)

// fuzzExamples are the topologies FuzzPipeline mutates.
var fuzzExamples = []string{"contoso", "standard-edition", "multisite"}

// FuzzPipeline runs the whole pipeline past the front-end: load (the
// schema and every rule), decode, plan, render. Byte-level fuzzing of a
// front-end rarely gets past the schema, so this one edits the canonical
// value of a valid example (set, tweak, copy, rename or delete values)
// and writes it as a JSON topology. What fails validation is done with;
// what validates must decode, plan and render without a panic or an
// error.
//
//	go test ./internal/render -run '^$' -fuzz '^FuzzPipeline$' -fuzztime 15s
func FuzzPipeline(f *testing.F) {
	var bases [][]byte
	for _, ex := range fuzzExamples {
		c, _ := testtool.LoadModel(f, testtool.ExampleDir(ex))
		b, err := json.Marshal(c.Doc.Value)
		if err != nil {
			f.Fatal(err)
		}
		bases = append(bases, b)
	}
	// Keys are copied once per worker and kept (new ones too): a fresh
	// RSA key per input would leave little time for anything else.
	keys := f.TempDir()
	for _, ex := range fuzzExamples {
		copyTree(f, filepath.Join("testdata", "keys", ex), filepath.Join(keys, ex))
	}
	for i := range fuzzExamples {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), []byte{opDelete, 0, 30, opRename, 0, 2, 3, 'x', 'y', 'z', opTweak, 0, 7, 3, '9'})
	}
	// Single edits that still validate (found by fuzzing), so the seed
	// run renders edited topologies too.
	f.Add(uint8(0), []byte{95, 15, 154, 98, 29})
	f.Add(uint8(0), []byte{37, 63, 236, 115, 141})
	f.Add(uint8(1), []byte{241, 122, 76, 114, 21})
	f.Add(uint8(2), []byte{139, 233, 145, 78, 183})
	f.Add(uint8(2), []byte{57, 52, 191, 80, 162})
	f.Fuzz(func(t *testing.T, example uint8, prog []byte) {
		i := int(example) % len(bases)
		var v map[string]any
		if err := json.Unmarshal(bases[i], &v); err != nil {
			t.Fatal(err)
		}
		mutate(v, prog)
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "topology.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := loader.Load(dir, loader.Options{})
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if c.Diagnostics.HasErrors() {
			if len(prog) == 0 {
				// Unedited, the example must get through, or this
				// target would test nothing past validation.
				t.Fatalf("%s as JSON does not validate: %v", fuzzExamples[i], c.Diagnostics)
			}
			return
		}
		m, err := c.Result.Model()
		if err != nil {
			t.Fatalf("a validated topology does not decode: %v\n%s", err, b)
		}
		p := planner.New(m)
		_, err = render.Render(p, generators.All(), render.Options{ArtifactsDir: t.TempDir(), Keys: certs.NewKeyStore(filepath.Join(keys, fuzzExamples[i]), false), ToolVersion: "fuzz", InputDigest: c.InputDigest()})
		var de *artifact.DiagnosticsError
		if errors.As(err, &de) && len(m.Generators) > 0 {
			return // the user's own generator programs failed: reported as such
		}
		if err != nil {
			t.Fatalf("a validated topology does not render: %v\n%s", err, b)
		}
	})
}

// The edits of a mutation program. Each starts with its op byte and a
// two-byte node selector (modulo the number of nodes, in a walk of the
// value with object keys sorted); some take more bytes after it.
const (
	opString    byte = iota // n, n bytes: the node becomes that string
	opNumber                // 2 bytes: the node becomes that number
	opBool                  // 1 byte: the node becomes true or false
	opTweak                 // pos, c: one character of a string changes, or a number moves by c-128
	opCopy                  // 2 bytes: the node becomes a copy of another node
	opDelete                // the node goes (object member or list element)
	opRename                // n, n bytes: the member's key changes
	opDuplicate             // a list element is appended again
	numOps
)

// maxEdits bounds the edits of one input, so one input stays quick.
const maxEdits = 8

// tweakChars are what a tweak writes: enough to turn names, addresses
// and versions into other plausible ones.
const tweakChars = "0123456789abcdefz.-_:/@ "

// node is one value inside the document, with what holds it: an object
// member, or a list element (setList re-sets the whole list in its
// holder, for deletes and appends).
type node struct {
	obj     map[string]any
	key     string
	list    []any
	idx     int
	setList func([]any)
}

func (n node) get() any {
	if n.obj != nil {
		return n.obj[n.key]
	}
	return n.list[n.idx]
}

func (n node) set(v any) {
	if n.obj != nil {
		n.obj[n.key] = v
	} else {
		n.list[n.idx] = v
	}
}

// nodes lists every value below the root object, depth first.
func nodes(root map[string]any) []node {
	var out []node
	var walk func(v any, setList func([]any))
	walk = func(v any, setList func([]any)) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				out = append(out, node{obj: x, key: k})
				walk(x[k], func(l []any) { x[k] = l })
			}
		case []any:
			for i := range x {
				out = append(out, node{list: x, idx: i, setList: setList})
				walk(x[i], func(l []any) { x[i] = l })
			}
		}
	}
	walk(root, nil)
	return out
}

// clone is a deep copy of a JSON value.
func clone(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

// mutate applies the edits of prog to the document.
func mutate(doc map[string]any, prog []byte) {
	r := reader{b: prog}
	for edit := 0; edit < maxEdits && r.more(); edit++ {
		op := r.byte() % numOps
		ns := nodes(doc)
		if len(ns) == 0 {
			return
		}
		n := ns[int(r.uint16())%len(ns)]
		switch op {
		case opString:
			n.set(string(r.bytes(int(r.byte() % 40))))
		case opNumber:
			n.set(float64(int16(r.uint16())))
		case opBool:
			n.set(r.byte()&1 == 1)
		case opTweak:
			pos, c := int(r.byte()), r.byte()
			switch x := n.get().(type) {
			case string:
				if len(x) > 0 {
					s := []byte(x)
					s[pos%len(s)] = tweakChars[int(c)%len(tweakChars)]
					n.set(string(s))
				}
			case float64:
				n.set(x + float64(int(c)-128))
			}
		case opCopy:
			n.set(clone(ns[int(r.uint16())%len(ns)].get()))
		case opDelete:
			if n.obj != nil {
				delete(n.obj, n.key)
			} else {
				n.setList(append(n.list[:n.idx:n.idx], n.list[n.idx+1:]...))
			}
		case opRename:
			name := string(r.bytes(int(r.byte() % 24)))
			if _, taken := n.obj[name]; n.obj != nil && !taken {
				n.obj[name] = n.obj[n.key]
				delete(n.obj, n.key)
			}
		case opDuplicate:
			if n.obj == nil {
				n.setList(append(append([]any(nil), n.list...), clone(n.get())))
			}
		}
	}
}

type reader struct {
	b []byte
	i int
}

func (r *reader) more() bool { return r.i < len(r.b) }

func (r *reader) byte() byte {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *reader) uint16() uint16 {
	return binary.BigEndian.Uint16([]byte{r.byte(), r.byte()})
}

func (r *reader) bytes(n int) []byte {
	end := min(r.i+n, len(r.b))
	out := r.b[r.i:end]
	r.i = end
	return out
}

// copyTree copies the files under src into dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
