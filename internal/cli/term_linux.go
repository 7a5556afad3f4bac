package cli

import "golang.org/x/sys/unix"

// ttyFD reports whether fd is a terminal: a character device such as
// /dev/null is not, and cannot answer a prompt.
func ttyFD(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}
