//go:build !windows

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// hangups delivers SIGHUP, which reloads the lab.
func hangups() chan os.Signal {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGHUP)
	return c
}
