package servertest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Server is a server process of a test, stopped when the test ends (its
// output logged if the test failed).
type Server struct {
	cmd  *exec.Cmd
	name string
	out  *syncBuffer
	done chan struct{}
	err  error // how it ended, once done is closed
}

// Start runs cmd as a server, handing it the sockets of ls (when not
// nil) as descriptors 3, 4, … (see Listeners.FD and NginxEnv). cmd must
// not have ExtraFiles of its own.
func Start(t testing.TB, cmd *exec.Cmd, ls *Listeners) *Server {
	t.Helper()
	s := &Server{cmd: cmd, name: filepath.Base(cmd.Path), out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	files := handOver(t, cmd, ls)
	err := cmd.Start()
	if ls != nil {
		ls.release(files)
	}
	if err != nil {
		t.Fatalf("servertest: start %s: %v", s.name, err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", s.name, s.out.String())
		}
	})
	return s
}

// Run runs cmd to its end (a configuration check such as nginx -t, which
// binds every listen address), handing it the sockets of ls, and returns
// its combined output.
func Run(t testing.TB, cmd *exec.Cmd, ls *Listeners) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	files := handOver(t, cmd, ls)
	err := cmd.Start()
	if ls != nil {
		ls.release(files)
	}
	if err == nil {
		err = cmd.Wait()
	}
	return out.Bytes(), err
}

func handOver(t testing.TB, cmd *exec.Cmd, ls *Listeners) []*os.File {
	t.Helper()
	if ls == nil {
		return nil
	}
	if !canHandOver {
		t.Skip("servertest: handing listening sockets to a process needs Unix")
	}
	if len(cmd.ExtraFiles) > 0 {
		t.Fatal("servertest: the command has ExtraFiles of its own; the sockets' descriptor numbers would be wrong")
	}
	files := ls.files()
	cmd.ExtraFiles = files
	return files
}

// stopGrace is how long Stop waits after asking a server to end before
// it kills it.
const stopGrace = 10 * time.Second

// Stop asks the server to end (SIGTERM where there are signals: a
// server with worker processes, such as nginx, stops them too, where a
// kill would leave them running) and waits until it has; after
// stopGrace it kills it.
func (s *Server) Stop() {
	if ended, _ := s.Exited(); ended {
		return
	}
	if terminate(s.cmd.Process) != nil {
		s.cmd.Process.Kill()
	}
	select {
	case <-s.done:
	case <-time.After(stopGrace):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Output is what the server wrote so far, standard output and error.
func (s *Server) Output() string { return s.out.String() }

// Exited reports whether the server has ended, and how.
func (s *Server) Exited() (bool, error) {
	select {
	case <-s.done:
		return true, s.err
	default:
		return false, nil
	}
}

// Ready polls probe until it succeeds; it fails the test when the server
// ends first, or after timeout.
func (s *Server) Ready(t testing.TB, timeout time.Duration, probe func() error) {
	t.Helper()
	err := poll(timeout, func() (bool, error) {
		if ended, err := s.Exited(); ended {
			return true, fmt.Errorf("%s ended (%v) before it was ready:\n%s", s.name, err, s.Output())
		}
		return false, probe()
	})
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
}

// WaitListening waits until something accepts connections on addr, for
// a server that opens its own sockets (a handed-over socket listens from
// the start: use Server.Ready there). It fails the test after timeout.
func WaitListening(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	err := poll(timeout, func() (bool, error) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return false, err
	})
	if err != nil {
		t.Fatalf("servertest: nothing listens on %s: %v", addr, err)
	}
}

// poll calls try every 20 ms until it returns a nil error or stop, or
// until timeout; it returns the last error.
func poll(timeout time.Duration, try func() (stop bool, err error)) error {
	deadline := time.Now().Add(timeout)
	for {
		stop, err := try()
		if err == nil || stop {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
