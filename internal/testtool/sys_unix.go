//go:build unix

package testtool

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// CPUTime is the process's user and system time so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PeakRSS is a finished child's peak resident memory in bytes, or
// false where the system does not say.
func PeakRSS(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	// Maxrss is in KiB on Linux, in bytes on macOS.
	if maxrssInBytes {
		return int64(ru.Maxrss), true
	}
	return int64(ru.Maxrss) << 10, true
}

// Mkfifo makes a named pipe at path.
func Mkfifo(t testing.TB, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}
