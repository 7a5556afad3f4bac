package jsonnetvm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvaluate(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "topo")
	write(t, root, "lib/base.libsonnet", "{ a: 1 }")
	write(t, dir, "secret.libsonnet", `{ password: "x" }`)
	main := "local base = import 'lib/base.libsonnet';\nfunction(name='n') base + { name: name, env: std.extVar('env') }\n"
	p := write(t, root, "main.jsonnet", main)
	srcs := map[string][]byte{}
	out, err := Evaluate(p, []byte(main), Options{Root: root, ExtStr: map[string]string{"env": "lab"}, TLAStr: map[string]string{"name": "x"}}, srcs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(strings.Fields(out), "") != `{"a":1,"env":"lab","name":"x"}` {
		t.Errorf("output %s", out)
	}
	if _, ok := srcs[filepath.Join(root, "lib/base.libsonnet")]; !ok {
		t.Errorf("imported source not recorded: %v", srcs)
	}

	cases := []struct {
		name, src, want string
		line            int
	}{
		{"escape", "import '../secret.libsonnet'\n", "outside the topology folder", 1},
		{"absolute", "import '/etc/passwd'\n", "absolute paths are not allowed", 1},
		{"runtime", "{\n  a: error 'boom',\n}\n", "boom", 2},
		{"parse", "{\n  a: ,\n}\n", "", 2},
		{"recursion", "local f(x) = 1 + f(x + 1);\nf(0)\n", "max stack frames exceeded", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := write(t, root, c.name+".jsonnet", c.src)
			_, err := Evaluate(p, []byte(c.src), Options{Root: root}, map[string][]byte{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Message, c.want) {
				t.Errorf("message %q lacks %q", err.Message, c.want)
			}
			if err.Range == nil || err.Range.Filename != p || err.Range.Start.Line != c.line {
				t.Errorf("range %+v, want %s line %d", err.Range, p, c.line)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	root := t.TempDir()
	src := "std.foldl(function(a, b) a + b, std.range(1, 100000000), 0)\n"
	p := write(t, root, "slow.jsonnet", src)
	_, err := Evaluate(p, []byte(src), Options{Root: root, Timeout: 50 * time.Millisecond}, nil)
	if err == nil || !strings.Contains(err.Message, "did not finish within 50ms") {
		t.Fatalf("got %v", err)
	}
}

func TestImportedErrorRange(t *testing.T) {
	root := t.TempDir()
	lib := write(t, root, "lib/l.libsonnet", "{\n  x: error 'in lib',\n}\n")
	src := "(import 'lib/l.libsonnet').x\n"
	p := write(t, root, "main.jsonnet", src)
	_, err := Evaluate(p, []byte(src), Options{Root: root}, map[string][]byte{})
	if err == nil || err.Range == nil || err.Range.Filename != lib || err.Range.Start.Line != 2 {
		t.Fatalf("got %+v %+v", err, err.Range)
	}
}

// A program below the root imports relative to its own folder, and
// still not outside the root.
func TestImportRelativeToEntry(t *testing.T) {
	root := t.TempDir()
	write(t, root, "generators/lib.libsonnet", "{ x: 1 }")
	src := "(import 'lib.libsonnet').x\n"
	p := write(t, root, "generators/main.jsonnet", src)
	out, err := Evaluate(p, []byte(src), Options{Root: root}, nil)
	if err != nil || strings.TrimSpace(out) != "1" {
		t.Fatalf("got %q, %v", out, err)
	}
	src = "import '../../x.libsonnet'\n"
	p = write(t, root, "generators/escape.jsonnet", src)
	if _, err := Evaluate(p, []byte(src), Options{Root: root}, nil); err == nil || !strings.Contains(err.Message, "outside the topology folder") {
		t.Fatalf("got %v", err)
	}
}
