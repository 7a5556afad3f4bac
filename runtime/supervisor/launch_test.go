//go:build unix

package supervisor

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	return &Runtime{o: Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, products: products,
		errc: make(chan error, 1), launched: make(chan struct{})}
}

func (p *product) started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.child != nil
}

// alive reports whether the process a pid file names runs.
func alive(t *testing.T, pidFile string) bool {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return syscall.Kill(pid, 0) == nil
}

// A reload cannot come between two products' starts: it would rewrite
// the configuration of a child started but not yet recorded without
// signalling it. It waits until every child is recorded.
func TestReloadWaitsForTheProductsStart(t *testing.T) {
	r := quietRuntime(slowProduct(t, "first", "0.3"), slowProduct(t, "second", "0.3"))
	done := make(chan error, 1)
	go func() { done <- r.launchProducts() }()
	defer r.stopProducts()
	time.Sleep(100 * time.Millisecond)
	if err := r.awaitLaunch(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range r.products {
		if !p.started() {
			t.Errorf("a reload went ahead before %s was recorded", p.kind)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A reload's own context still bounds the wait.
	r2 := quietRuntime()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r2.awaitLaunch(ctx); err == nil {
		t.Error("the wait did not end with its context")
	}
}

// A stop while the products start ends the start in flight and starts
// no other: the child that was starting is stopped, the next never runs.
func TestStopDuringTheProductsStart(t *testing.T) {
	first, second := slowProduct(t, "first", "0.3"), slowProduct(t, "second", "0")
	r := quietRuntime(first, second)
	done := make(chan error, 1)
	go func() { done <- r.launchProducts() }()
	time.Sleep(100 * time.Millisecond)
	stopped := time.Now()
	r.stopProducts()
	if d := time.Since(stopped); d > 200*time.Millisecond {
		t.Errorf("the stop waited %s for the start", d)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if first.started() || second.started() {
		t.Error("a product is recorded after the stop")
	}
	if alive(t, first.cmd.PidFile) {
		t.Error("the product that was starting runs on")
	}
	if _, err := os.Stat(second.cmd.PidFile); err == nil {
		t.Error("the next product was started after the stop")
	}
}

// Once serve is stopping, the start starts nothing.
func TestNoProductStartsOnceStopped(t *testing.T) {
	r := quietRuntime(slowProduct(t, "first", "0"))
	r.stopProducts()
	if err := r.launchProducts(); err != nil {
		t.Fatal(err)
	}
	if r.products[0].started() {
		r.stopProducts()
		t.Fatal("a product started after the stop")
	}
}
