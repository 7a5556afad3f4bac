//go:build !unix

package canon

// openFlags: elsewhere the checks before opening must do.
const openFlags = 0
