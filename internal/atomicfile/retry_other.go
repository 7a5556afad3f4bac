//go:build !windows

package atomicfile

// Elsewhere a rename over an open file succeeds at once (the reader
// keeps the old file), so there is nothing to retry.
func retry(op func() error) error { return op() }
