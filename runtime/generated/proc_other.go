//go:build !unix

package generated

import (
	"os"
	"syscall"
)

// Handing listening sockets to a child needs a Unix system; exec then
// refuses Files, and serve says so.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(pid int) {}

// Supported: listening sockets can be handed to a child.
const Supported = false

// HandOver: no socket is handed to a child here (Supported is false).
func HandOver(f *os.File) (*os.File, error) { return f, nil }
