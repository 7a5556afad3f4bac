// Command mobplan validates, plans, generates and serves a Skype for
// Business Server / Lync Server 2013 Mobility deployment.
package main

import (
	"os"

	"github.com/mobplan/mobplan/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}))
}
