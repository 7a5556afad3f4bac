package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeT records failures instead of ending the test, so Check's own
// failures can be inspected.
type fakeT struct {
	testing.TB
	msgs   []string
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

// Fatalf records the failure and stops the calling goroutine, as
// testing.T's does.
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	panic(fatal{})
}

type fatal struct{}

func run(t *testing.T, fn func(tb testing.TB)) *fakeT {
	f := &fakeT{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(fatal); !ok {
					panic(r)
				}
			}
		}()
		fn(f)
	}()
	return f
}

func TestCheck(t *testing.T) {
	t.Setenv(EnvVar, "")
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	cmd := Command("./x", "TestX")

	// Missing: fails with the command, creates nothing.
	f := run(t, func(tb testing.TB) { Check(tb, path, []byte("a\n"), cmd) })
	if !f.failed || !strings.Contains(strings.Join(f.msgs, ""), "MOBPLAN_UPDATE_GOLDEN=1 go test ./x -run 'TestX'") {
		t.Errorf("missing golden: failed=%v %q", f.failed, f.msgs)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a missing golden was created without MOBPLAN_UPDATE_GOLDEN=1")
	}

	// Update writes it.
	t.Setenv(EnvVar, "1")
	if f := run(t, func(tb testing.TB) { Check(tb, path, []byte("a\nb\n"), cmd) }); f.failed {
		t.Fatalf("update: %q", f.msgs)
	}
	t.Setenv(EnvVar, "")

	// Equal passes; a difference fails with a unified diff.
	if f := run(t, func(tb testing.TB) { Check(tb, path, []byte("a\nb\n"), cmd) }); f.failed {
		t.Errorf("equal: %q", f.msgs)
	}
	f = run(t, func(tb testing.TB) { Check(tb, path, []byte("a\nc\n"), cmd) })
	msg := strings.Join(f.msgs, "")
	if !f.failed || !strings.Contains(msg, "\n-b\n+c\n") || !strings.Contains(msg, "--- "+path) || !strings.Contains(msg, cmd) {
		t.Errorf("difference: failed=%v\n%s", f.failed, msg)
	}
}
