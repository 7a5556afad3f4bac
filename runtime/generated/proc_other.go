//go:build !unix

package generated

import "syscall"

// Handing listening sockets to a child needs a Unix system; exec then
// refuses Files, and serve says so.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(pid int) {}

// Supported: listening sockets can be handed to a child.
const Supported = false
