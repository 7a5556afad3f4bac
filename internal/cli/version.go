package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version and Commit are set by the release build (cmd/release) with
// -ldflags "-X github.com/mobplan/mobplan/internal/cli.Version=v1.2.3
// -X github.com/mobplan/mobplan/internal/cli.Commit=<sha>".
var (
	Version = ""
	Commit  = ""
)

// pseudoVersionRev matches the commit at the end of a Go module
// pseudo-version such as v0.0.0-20261201120000-0123456789ab.
var pseudoVersionRev = regexp.MustCompile(`[.-]\d{14}-([0-9a-f]{12})(\+incompatible)?$`)

// buildInfo is what `mobplan version` reports.
type buildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// readBuildInfo prefers what the release build stamped; a binary built by
// `go install …@latest` carries its module version and, built from a
// checkout, the VCS revision in its build information instead.
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: Version, Commit: Commit, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		if bi.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			bi.Version = info.Main.Version
		}
		if bi.Commit == "" {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					bi.Commit = s.Value
				}
			}
		}
	}
	if bi.Version == "" {
		bi.Version = "dev"
	}
	if m := pseudoVersionRev.FindStringSubmatch(bi.Version); bi.Commit == "" && m != nil {
		bi.Commit = m[1] // go install …@<commit> or @main: a pseudo-version names the commit
	}
	if bi.Commit == "" {
		bi.Commit = "unknown"
	}
	return bi
}

// version is the tool version recorded in saved plans and SARIF logs.
func version() string { return readBuildInfo().Version }

func newVersionCmd(env Env) *cobra.Command {
	format := newFormatFlag("text", "text", "json")
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print mobplan's version, commit and Go version",
		Long: `Version prints the version mobplan was built as, the commit it was built from and
the Go version and platform of the build. A release binary carries what the release
build stamped; 'go install ...@latest' gives the module version.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bi := readBuildInfo()
			if format.value == "json" {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(bi)
			}
			_, err := fmt.Fprintf(env.Stdout, "mobplan %s (commit %s, %s, %s)\n", bi.Version, bi.Commit, bi.Go, bi.Platform)
			return err
		},
	}
	addFormatFlag(cmd, format)
	return cmd
}
