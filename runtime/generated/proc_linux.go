//go:build linux

package generated

import "syscall"

// sysProcAttr puts the child in its own process group, so that a Ctrl-C
// at the terminal reaches serve, which stops it in order, and not the
// child directly; and asks the kernel to stop the child if serve dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
