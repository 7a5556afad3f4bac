//go:build unix

package generated

import (
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
)

// The product's own check is what refuses a file, its message quoted.
func TestCheckConfigQuotesTheProduct(t *testing.T) {
	nginx := testtool.Require(t, "nginx")
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte("pid "+dir+"/nginx.pid;\nevents {}\nnot_a_directive on;\n"), 0o600)
	c := &Command{Name: "nginx for a test", Path: nginx, Check: []string{"-t", "-q", "-p", dir + "/", "-e", dir + "/error.log", "-c", conf}}
	err := c.CheckConfig(t.Context())
	if err == nil || !strings.Contains(err.Error(), `unknown directive "not_a_directive"`) || !strings.Contains(err.Error(), "nginx for a test") {
		t.Fatalf("check: %v", err)
	}
}

// A child that exits on its own is reported once, with its last output;
// one stopped is not; Stop ends one that runs.
func TestChildExitAndStop(t *testing.T) {
	sh := testtool.Require(t, "sh")
	log := slog.New(slog.DiscardHandler)
	exited := make(chan error, 2)
	ch, err := Start(&Command{Name: "a failing child", Path: sh, Run: []string{"-c", "echo going away >&2; exit 3"}}, log, func(err error) { exited <- err })
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if !strings.Contains(err.Error(), "a failing child stopped unexpectedly (exit status 3)") || !strings.Contains(err.Error(), "going away") {
			t.Errorf("reported %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the exit was not reported")
	}
	<-ch.Done()
	if err := ch.Stop(); err != nil {
		t.Errorf("stopping an exited child: %v", err)
	}

	ch, err = Start(&Command{Name: "a long child", Path: sh, Run: []string{"-c", "exec sleep 60"}}, log, func(err error) { exited <- err })
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := ch.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("SIGTERM took %s", time.Since(start))
	}
	select {
	case err := <-exited:
		t.Errorf("a stopped child was reported as failed: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
}

// A socket handed over stays in non-blocking mode when a process starts
// on it, as the running product that shares it needs; one handed as
// os/exec would take it becomes blocking (the cause of products stuck in
// accept after a reload's check).
func TestHandOverKeepsNonblocking(t *testing.T) {
	sh := testtool.Require(t, "sh")
	// The mode is the socket's: read it through the listener's own
	// descriptor, which os.File does not touch.
	nonblocking := func(ln net.Listener) bool {
		rc, err := ln.(*net.TCPListener).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var flags uintptr
		var errno syscall.Errno
		rc.Control(func(fd uintptr) {
			flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		})
		if errno != 0 {
			t.Fatal(errno)
		}
		return flags&syscall.O_NONBLOCK != 0
	}
	run := func(f *os.File) {
		x := exec.Command(sh, "-c", "exit 0")
		x.ExtraFiles = []*os.File{f}
		if err := x.Run(); err != nil {
			t.Fatal(err)
		}
	}
	for _, handOver := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f, err := ln.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		if handOver {
			h, err := HandOver(f)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			f = h
			if !nonblocking(ln) {
				t.Error("HandOver left the socket blocking")
			}
		}
		run(f)
		if got := nonblocking(ln); got != handOver {
			t.Errorf("handed over %v: non-blocking %v after a process started on it", handOver, got)
		}
		f.Close()
		ln.Close()
	}
}

// A product that notifies and exits before it says READY=1 fails Start,
// which names it; that exit is not reported again as a later failure.
func TestNotifyingChildThatNeverReadies(t *testing.T) {
	sh := testtool.Require(t, "sh")
	exited := make(chan error, 1)
	c := &Command{Name: "a child that never readies", Path: sh, Run: []string{"-c", `test -n "$NOTIFY_SOCKET" || exit 9; echo no ready >&2; exit 3`}, Notify: true}
	ch, err := Start(c, slog.New(slog.DiscardHandler), func(err error) { exited <- err })
	if err == nil || ch != nil || !strings.Contains(err.Error(), "a child that never readies: it exited before it was ready") || !strings.Contains(err.Error(), "no ready") {
		t.Fatalf("start: %v", err)
	}
	select {
	case err := <-exited:
		t.Errorf("reported as a failure of a running child: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
}

// A product with a pid file is started only once it has written it: a
// reload signal sent as soon as Start returns reaches a product that
// takes it. The child here takes SIGHUP only after a pause, as nginx
// does after reading its configuration; signalled during the pause, it
// would end.
func TestPidFileChildTakesAnEarlyReload(t *testing.T) {
	sh := testtool.Require(t, "sh")
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	script := `sleep 0.3; trap 'echo reloaded >&2' HUP; echo $$ >"$1"; while :; do sleep 0.05; done`
	exited := make(chan error, 1)
	c := &Command{Name: "a slow starter", Path: sh, Run: []string{"-c", script, "sh", pidFile}, PidFile: pidFile}
	var said testtool.SyncBuffer
	ch, err := Start(c, slog.New(slog.NewTextHandler(&said, nil)), func(err error) { exited <- err })
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Stop()
	if err := ch.Reload(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(said.String(), "reloaded"); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("the reload ended the child: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child never took the reload; it said %q", said.String())
		}
	}
}

// A product that exits before writing its pid file fails Start, with
// what it said.
func TestPidFileChildThatExits(t *testing.T) {
	sh := testtool.Require(t, "sh")
	c := &Command{Name: "a child without a pid file", Path: sh, Run: []string{"-c", "echo no pid >&2; exit 3"}, PidFile: filepath.Join(t.TempDir(), "child.pid")}
	ch, err := Start(c, slog.New(slog.DiscardHandler), func(error) {})
	if err == nil || ch != nil || !strings.Contains(err.Error(), "exited while starting") || !strings.Contains(err.Error(), "no pid") {
		t.Fatalf("start: %v", err)
	}
}

// Only a regular pid file holding the child's ID, and little else, says
// it is ready: not a link to one, not one padded past maxPidFile.
func TestPidFileOnlyAPlainSmallFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain.pid", "4242\n")
	padded := write("padded.pid", "4242"+strings.Repeat(" ", maxPidFile)+"\n")
	link := filepath.Join(dir, "link.pid")
	if err := os.Symlink(plain, link); err != nil {
		t.Fatal(err)
	}
	if err := waitPidFile(plain, 4242, nil, time.Second); err != nil {
		t.Errorf("a plain pid file: %v", err)
	}
	for _, p := range []string{padded, link} {
		if err := waitPidFile(p, 4242, nil, 50*time.Millisecond); err == nil {
			t.Errorf("%s was taken for the child's pid file", filepath.Base(p))
		}
	}
}
