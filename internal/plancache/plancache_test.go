package plancache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mobplan/mobplan/internal/artifacts"
)

func inputs() Inputs {
	return Inputs{Tool: "v1 exe", Schema: "s", Topology: "t", Findings: []byte(`[]`), Keys: "k",
		Artifacts: &artifacts.State{Manifest: []byte(`{}`), Files: map[string]string{"a": "1", "b/c": "2"}}}
}

// Every input moves the key, and no two inputs can be confused by
// shifting bytes from one into the next.
func TestKeyFollowsEveryInput(t *testing.T) {
	base := inputs().Key()
	changes := map[string]func(*Inputs){
		"tool":          func(in *Inputs) { in.Tool = "v2 exe" },
		"schema":        func(in *Inputs) { in.Schema = "s2" },
		"topology":      func(in *Inputs) { in.Topology = "t2" },
		"findings":      func(in *Inputs) { in.Findings = []byte(`[{}]`) },
		"keys":          func(in *Inputs) { in.Keys = "k2" },
		"manifest":      func(in *Inputs) { in.Artifacts.Manifest = []byte(`{} `) },
		"a file":        func(in *Inputs) { in.Artifacts.Files["a"] = "3" },
		"a file gone":   func(in *Inputs) { delete(in.Artifacts.Files, "a") },
		"a file added":  func(in *Inputs) { in.Artifacts.Files["d"] = "" },
		"bytes shifted": func(in *Inputs) { in.Schema, in.Topology = "st", "" },
	}
	for name, change := range changes {
		in := inputs()
		change(&in)
		if in.Key() == base {
			t.Errorf("%s: the key did not change", name)
		}
	}
	if inputs().Key() != base {
		t.Error("the key is not deterministic")
	}
}

func TestRecord(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	art := t.TempDir()
	if c.Unchanged(art, "k1") {
		t.Fatal("nothing recorded, yet unchanged")
	}
	if err := c.Record(art, "k1"); err != nil {
		t.Fatal(err)
	}
	if !c.Unchanged(art, "k1") || c.Unchanged(art, "k2") || c.Unchanged(t.TempDir(), "k1") {
		t.Error("a record answers for its folder and key only")
	}
	// The same folder named another way is the same record.
	if rel, err := filepath.Rel(mustGetwd(t), art); err == nil && !c.Unchanged(rel, "k1") {
		t.Error("a relative name of the folder misses its record")
	}
	if err := c.Record(art, "k2"); err != nil || c.Unchanged(art, "k1") || !c.Unchanged(art, "k2") {
		t.Error("a new record does not replace the old one")
	}
	// No folder: nothing kept, nothing vouched for.
	none := Cache{}
	if err := none.Record(art, "k1"); err != nil || none.Unchanged(art, "k1") {
		t.Error("a cache without a folder kept a record")
	}
	// An unwritable cache is an error for Record and a miss for Unchanged.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := Cache{Dir: file}
	if bad.Record(art, "k1") == nil || bad.Unchanged(art, "k1") {
		t.Error("a cache folder that is a file")
	}
}

func TestKeysDigest(t *testing.T) {
	dir := t.TempDir()
	empty, err := KeysDigest(filepath.Join(dir, "missing"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.key"), []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	one, err := KeysDigest(dir)
	if err != nil || one == empty {
		t.Fatal(one, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.key"), []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if two, _ := KeysDigest(dir); two == one {
		t.Error("a key's bytes do not move the digest")
	}
	if err := os.Rename(filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key")); err != nil {
		t.Fatal(err)
	}
	if renamed, _ := KeysDigest(dir); renamed == one {
		t.Error("a key's name does not move the digest")
	}
}

func TestExecutable(t *testing.T) {
	a, err := Executable()
	if err != nil || len(a) != 64 {
		t.Fatal(a, err)
	}
	if b, _ := Executable(); a != b {
		t.Error("the executable's digest moved")
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
