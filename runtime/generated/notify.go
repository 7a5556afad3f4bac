package generated

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ReadyTimeout bounds how long a start or a reload waits for the
// product to say it is ready.
const ReadyTimeout = 30 * time.Second

// notifier receives a child's readiness messages (the systemd notify
// protocol: HAProxy's master with -Ws sends READY=1 once its worker
// serves, RELOADING=1 when a reload begins, READY=1 again once the new
// worker serves). It is how the lab knows the product has installed its
// signal handlers and runs the file: a reload signal sent before that
// kills it, and one sent while a reload is under way is folded into it.
type notifier struct {
	dir  string
	conn *net.UnixConn
	mu   sync.Mutex
	// ready is closed and replaced by wait's caller on each READY=1.
	ready chan struct{}
	seen  int // READY=1 messages received
	done  chan struct{}
}

// newNotifier listens on a datagram socket in a fresh folder of its own
// (a socket's path is limited to about 100 bytes: the state folder may be
// deeper).
func newNotifier() (*notifier, error) {
	dir, err := os.MkdirTemp("", "mobplan-notify-")
	if err != nil {
		return nil, fmt.Errorf("readiness socket: %w", err)
	}
	addr := &net.UnixAddr{Name: filepath.Join(dir, "n"), Net: "unixgram"}
	conn, err := net.ListenUnixgram("unixgram", addr)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("readiness socket: %w", err)
	}
	n := &notifier{dir: dir, conn: conn, ready: make(chan struct{}), done: make(chan struct{})}
	go n.read()
	return n, nil
}

func (n *notifier) path() string { return n.conn.LocalAddr().String() }

func (n *notifier) read() {
	defer close(n.done)
	buf := make([]byte, 4096)
	for {
		k, _, err := n.conn.ReadFromUnix(buf)
		if err != nil {
			return
		}
		for _, line := range bytes.Split(buf[:k], []byte("\n")) {
			if string(line) == "READY=1" {
				n.mu.Lock()
				n.seen++
				close(n.ready)
				n.ready = make(chan struct{})
				n.mu.Unlock()
			}
		}
	}
}

// count is the number of READY=1 received so far, and a channel closed
// at the next.
func (n *notifier) count() (int, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.seen, n.ready
}

// waitPast waits for a READY=1 after the first `after` ones, until the
// child exits or timeout.
func (n *notifier) waitPast(after int, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		seen, next := n.count()
		if seen > after {
			return nil
		}
		select {
		case <-next:
		case <-exited:
			return fmt.Errorf("it exited before it was ready")
		case <-deadline:
			return fmt.Errorf("not ready within %s", timeout)
		}
	}
}

func (n *notifier) close() {
	n.conn.Close()
	<-n.done
	os.RemoveAll(n.dir)
}
