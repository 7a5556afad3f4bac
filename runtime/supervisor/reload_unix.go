//go:build unix

package supervisor

import (
	"os"
	"syscall"
)

// reloadSignal makes a product re-read its file: SIGHUP for nginx,
// SIGUSR2 for HAProxy's master.
func reloadSignal(kind string) os.Signal {
	if kind == HAProxy {
		return syscall.SIGUSR2
	}
	return syscall.SIGHUP
}
