package plancache

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

func TestExecutable(t *testing.T) {
	a, err := Executable()
	if err != nil || !strings.HasPrefix(a, "go build ID ") {
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

// The build ID read is the one `go tool buildid` reports.
func TestBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goTool, "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	if got, want := goBuildID(exe), strings.TrimSpace(string(out)); got != want {
		t.Errorf("build ID %q, go tool buildid says %q", got, want)
	}
	marked := []byte("junk\xff Go build ID: \"" + strings.TrimSpace(string(out)) + "\"\n \xffmore")
	if markedBuildID(marked) != strings.TrimSpace(string(out)) {
		t.Error("the marked form is not read")
	}
	for _, id := range []string{"redacted", "", "a/b", "x"} {
		f := filepath.Join(t.TempDir(), "exe")
		if err := os.WriteFile(f, []byte("\xff Go build ID: \""+id+"\"\n \xff"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := goBuildID(f); got != "" {
			t.Errorf("build ID %q taken from %q", got, id)
		}
	}
}
