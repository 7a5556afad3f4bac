package cli

import "golang.org/x/sys/windows"

// ttyFD reports whether fd is a console: NUL and pipes are not, and
// cannot answer a prompt.
func ttyFD(fd uintptr) bool {
	var mode uint32
	return windows.GetConsoleMode(windows.Handle(fd), &mode) == nil
}
