// Package servertest runs servers for tests: real ones (nginx, HAProxy,
// later the lab runtime) in front of stand-in back ends, on this
// machine's loopback only.
//
// Listening sockets are opened by the test and handed to the server,
// never opened, closed and their port left for the server to bind:
// another process may take a port in between, and a test would then talk
// to the wrong server. A handed-over socket listens from the start, so a
// client may connect at once; Server.Ready waits, bounded, until the
// server answers.
package servertest

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Listeners are the loopback sockets of one server, one per planned
// address (what the configuration names, such as 203.0.113.10:443).
type Listeners struct {
	t      testing.TB
	mu     sync.Mutex
	byAddr map[string]int     // planned address → index in ls
	ls     []*net.TCPListener // nil once handed over
	addrs  []string           // the local address of each
	handed bool
}

// NewListeners returns an empty set; what is not handed over is closed
// when the test ends.
func NewListeners(t testing.TB) *Listeners {
	ls := &Listeners{t: t, byAddr: map[string]int{}}
	t.Cleanup(func() {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		for _, l := range ls.ls {
			if l != nil {
				l.Close()
			}
		}
	})
	return ls
}

// index opens the socket for a planned address the first time it is
// asked for.
func (ls *Listeners) index(ip string, port int) int {
	ls.t.Helper()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	k := net.JoinHostPort(ip, strconv.Itoa(port))
	if i, ok := ls.byAddr[k]; ok {
		return i
	}
	if ls.handed {
		ls.t.Fatalf("servertest: a socket for %s was asked for after the others were handed over", k)
	}
	l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		ls.t.Fatalf("servertest: listen for %s: %v", k, err)
	}
	ls.byAddr[k] = len(ls.ls)
	ls.ls = append(ls.ls, l)
	ls.addrs = append(ls.addrs, l.Addr().String())
	return len(ls.ls) - 1
}

// Addr is the local address (127.0.0.1:port) that stands for the planned
// address ip:port. Its signature fits generators' Listen options.
func (ls *Listeners) Addr(ip string, port int) string {
	ls.t.Helper()
	i := ls.index(ip, port)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.addrs[i]
}

// FD names the descriptor the server process inherits the socket of
// ip:port as, in HAProxy's bind syntax: fd@3, fd@4, … in the order the
// sockets were first asked for.
func (ls *Listeners) FD(ip string, port int) string {
	ls.t.Helper()
	return fmt.Sprintf("fd@%d", 3+ls.index(ip, port))
}

// NginxEnv is the environment entry through which nginx adopts inherited
// sockets: it uses them for the listen directives of their addresses
// (Addr) instead of binding again.
func (ls *Listeners) NginxEnv() string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var fds []string
	for i := range ls.ls {
		fds = append(fds, strconv.Itoa(3+i))
	}
	return "NGINX=" + strings.Join(fds, ";") + ";"
}

// Take hands the socket of ip:port to an in-process server, which then
// owns it (and closes it).
func (ls *Listeners) Take(ip string, port int) net.Listener {
	ls.t.Helper()
	i := ls.index(ip, port)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l := ls.ls[i]
	if l == nil {
		ls.t.Fatalf("servertest: the socket for %s:%d was already handed over", ip, port)
	}
	ls.ls[i] = nil
	return l
}

// files are the sockets for a server process, in descriptor order from 3;
// no more can be opened after this.
func (ls *Listeners) files() []*os.File {
	ls.t.Helper()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.handed = true
	var out []*os.File
	for i, l := range ls.ls {
		if l == nil {
			ls.t.Fatalf("servertest: socket %d was taken by an in-process server; a process cannot share it", i)
		}
		f, err := l.File()
		if err != nil {
			ls.t.Fatalf("servertest: %v", err)
		}
		out = append(out, f)
	}
	return out
}

// release closes the test's copies once the server process holds the
// sockets: when the server ends, connections are refused, not queued for
// nobody.
func (ls *Listeners) release(files []*os.File) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, f := range files {
		restoreNonblock(f)
		f.Close()
	}
	for i, l := range ls.ls {
		if l != nil {
			l.Close()
		}
		ls.ls[i] = nil
	}
}
