//go:build unix && !darwin

package testtool

const maxrssInBytes = false
