//go:build !windows

package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	err = d.Sync()
	d.Close()
	// Some file systems (and macOS's F_FULLFSYNC on some volumes) refuse
	// to sync a directory: there is nothing more to be done there.
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) && !errors.Is(err, syscall.EOPNOTSUPP) {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	return nil
}
