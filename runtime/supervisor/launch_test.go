//go:build unix

package supervisor

import (
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mobplan/mobplan/runtime/generated"
)

// slowProduct is a child that takes its signals only after a while:
// it writes its pid file after delay, as nginx does once its handlers
// are in place.
func slowProduct(t *testing.T, name, delay string) *product {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	pid := filepath.Join(t.TempDir(), name+".pid")
	return &product{kind: name, cmd: &generated.Command{
		Name:    name,
		Path:    sh,
		Run:     []string{"-c", "sleep " + delay + "; echo $$ > " + pid + "; exec sleep 30"},
		PidFile: pid,
	}}
}

func quietRuntime(products ...*product) *Runtime {
	return &Runtime{o: Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, products: products, errc: make(chan error, 1)}
}

// A reload (which holds r.mu) cannot come between two products' starts:
// it would rewrite the configuration of a child already started without
// signalling it. The start holds r.mu until every child runs.
func TestProductsStartUnderTheReloadLock(t *testing.T) {
	r := quietRuntime(slowProduct(t, "first", "0.3"), slowProduct(t, "second", "0.3"))
	done := make(chan error, 1)
	go func() { done <- r.launchProducts() }()
	defer r.stopProducts()
	allStarted := func() bool {
		for _, p := range r.products {
			p.mu.Lock()
			ch := p.child
			p.mu.Unlock()
			if ch == nil {
				return false
			}
		}
		return true
	}
	// The start takes the lock at once; from then on, as a reload
	// would, try it until the start returns.
	time.Sleep(100 * time.Millisecond)
	for tries := 0; ; tries++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if tries < 10 {
				t.Fatalf("the start returned after %d tries; the test did not watch it", tries)
			}
			if !allStarted() {
				t.Fatal("a product was not started")
			}
			return
		default:
		}
		if r.mu.TryLock() {
			started := allStarted()
			r.mu.Unlock()
			if !started {
				t.Fatal("a reload could take the lock before every product was started")
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Once serve is stopping, the start starts nothing more.
func TestNoProductStartsOnceStopped(t *testing.T) {
	r := quietRuntime(slowProduct(t, "first", "0"))
	r.stopProducts()
	if err := r.launchProducts(); err != nil {
		t.Fatal(err)
	}
	if r.products[0].child != nil {
		r.stopProducts()
		t.Fatal("a product started after the stop")
	}
}
