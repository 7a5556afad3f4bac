//go:build unix

package generated

import "syscall"

// killGroup kills a child and what it started (its process group).
func killGroup(pid int) {
	syscall.Kill(-pid, syscall.SIGKILL)
}

// Supported: listening sockets can be handed to a child.
const Supported = true
