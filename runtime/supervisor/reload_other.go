//go:build !unix

package supervisor

import "os"

// reloadSignal: products run only where sockets can be handed to a child
// (Unix); elsewhere serve refuses --proxy/--hlb before any reload.
func reloadSignal(string) os.Signal { return os.Interrupt }
