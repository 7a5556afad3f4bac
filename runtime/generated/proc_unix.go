//go:build unix

package generated

import (
	"fmt"
	"os"
	"syscall"
)

// killGroup kills a child and what it started (its process group).
func killGroup(pid int) {
	syscall.Kill(-pid, syscall.SIGKILL)
}

// Supported: listening sockets can be handed to a child.
const Supported = true

// HandOver is a copy of a listening socket to give a child as one of
// Command.Files, in non-blocking mode and kept so. Starting a process
// puts each of its files in blocking mode (os.File.Fd), and the mode is
// the socket's, shared by every copy: a product already running on it
// (a reload's check, haproxy -c or nginx -t, starts another process on
// the same sockets) would then block in accept() once the queue is
// empty, with every other connection it carries stalled until a new
// one arrives. A file made while the socket is in blocking mode is one
// os.File leaves alone; the socket is then put back in non-blocking
// mode, as every holder expects.
func HandOver(f *os.File) (*os.File, error) {
	fd, err := syscall.Dup(int(f.Fd())) // Fd: blocking mode, for now
	if err != nil {
		return nil, fmt.Errorf("duplicating %s: %w", f.Name(), err)
	}
	syscall.CloseOnExec(fd)
	out := os.NewFile(uintptr(fd), f.Name())
	if err := syscall.SetNonblock(fd, true); err != nil {
		out.Close()
		return nil, fmt.Errorf("%s: non-blocking mode: %w", f.Name(), err)
	}
	return out, nil
}
