//go:build !linux && !darwin && !windows

package cli

// ttyFD leaves the decision to isTerminal's character-device test where
// mobplan does not ship.
func ttyFD(fd uintptr) bool { return true }
