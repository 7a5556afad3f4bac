package atomicfile

import (
	"errors"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
)

// A reader (an editor, a virus scanner, the web server that serves the
// artifacts) that opened a file without FILE_SHARE_DELETE makes a rename
// over it, or its removal, fail until it closes the file. Such readers
// hold files for milliseconds, so a few tries over about a second are
// enough; a file held longer is reported.
const (
	retries    = 8
	firstDelay = 10 * time.Millisecond
)

func retry(op func() error) error {
	delay := firstDelay
	for i := 0; ; i++ {
		err := op()
		if err == nil || i == retries || !transient(err) {
			return err
		}
		time.Sleep(delay)
		delay = min(2*delay, 250*time.Millisecond)
	}
}

func transient(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	return errno == windows.ERROR_SHARING_VIOLATION || errno == windows.ERROR_ACCESS_DENIED || errno == windows.ERROR_LOCK_VIOLATION
}
