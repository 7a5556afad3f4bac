//go:build unix && !linux

package generated

import "syscall"

// sysProcAttr puts the child in its own process group, so that a Ctrl-C
// at the terminal reaches serve, which stops it in order, and not the
// child directly.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
