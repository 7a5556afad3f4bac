//go:build windows

package cli

import "os"

// hangups: Windows has no SIGHUP; reload through the admin endpoint.
func hangups() chan os.Signal { return make(chan os.Signal) }
