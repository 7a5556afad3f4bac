//go:build unix

package canon

import "syscall"

// openFlags open a topology file without following a link (its path is
// resolved already) and without blocking on a FIFO.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
