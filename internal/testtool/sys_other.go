//go:build !unix

package testtool

import (
	"os"
	"testing"
	"time"
)

// CPUTime is not measured here: 0.
func CPUTime() time.Duration { return 0 }

// PeakRSS is not known here.
func PeakRSS(*os.ProcessState) (int64, bool) { return 0, false }

// Mkfifo skips: this system has no named pipes in the file system.
func Mkfifo(t testing.TB, path string) {
	t.Helper()
	t.Skip("no named pipes (FIFOs) on this system")
}
