//go:build !(unix && !aix) && !windows

package atomicfile

import (
	"fmt"
	"os"
	"runtime"
)

// No advisory file lock here that a crash releases: refuse rather than
// let two writers interleave.
func lockFile(*os.File) error {
	return fmt.Errorf("file locks are not supported on %s", runtime.GOOS)
}

func unlockFile(*os.File) error { return nil }
