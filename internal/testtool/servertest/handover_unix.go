//go:build unix

package servertest

import (
	"os"
	"syscall"
)

// canHandOver: a process inherits extra descriptors (exec.Cmd.ExtraFiles).
const canHandOver = true

// restoreNonblock puts a handed-over socket back in non-blocking mode:
// starting the process made it blocking (os.File.Fd), and the flag is
// shared with the server's copy, which expects what a listener it opened
// itself would have.
func restoreNonblock(f *os.File) {
	syscall.SetNonblock(int(f.Fd()), true)
}

// terminate asks a process to end.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
