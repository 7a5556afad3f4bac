//go:build unix && !aix

package atomicfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// flock locks belong to the open file description, so a second Lock in
// the same process conflicts with the first, as another process would.
func lockFile(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}

func unlockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}
