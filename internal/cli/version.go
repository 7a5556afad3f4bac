package cli

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCmd(env Env) *cobra.Command {
	format := newFormatFlag("text", "text", "json")
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print mobplan's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format.value == "json" {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Version string `json:"version"`
					Go      string `json:"go"`
				}{version(), runtime.Version()})
			}
			_, err := fmt.Fprintf(env.Stdout, "mobplan %s (%s)\n", version(), runtime.Version())
			return err
		},
	}
	addFormatFlag(cmd, format)
	return cmd
}
