//go:build !unix

package servertest

import "os"

// canHandOver: exec.Cmd.ExtraFiles is not supported here.
const canHandOver = false

func restoreNonblock(*os.File) {}

// terminate ends a process: there are no signals to ask with.
func terminate(p *os.Process) error { return p.Kill() }
