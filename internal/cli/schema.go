package cli

import (
	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/schema"
)

func newSchemaCmd(env Env) *cobra.Command {
	format := newFormatFlag("cue", "cue", "jsonschema")
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the topology schema, for editors",
		Long: `Schema prints the schema of a topology: every block, attribute, type, enum and
documented default.

  --format cue         the CUE definition #Topology (the default); a CUE topology
                       imports it as "github.com/mobplan/mobplan/schema"
  --format jsonschema  JSON Schema (draft 2020-12) generated from it, for editors of
                       JSON and YAML topologies (yaml-language-server, VS Code, ...)

The JSON Schema checks structure: names, types, enums, required attributes. Rules
that tie parts of the topology together are checked by 'mobplan validate'.`,
		Example: `  mobplan schema > topology.schema.cue
  mobplan schema --format jsonschema > topology.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := schema.CUESource()
			if format.value == "jsonschema" {
				var err error
				if out, err = schema.JSONSchema(); err != nil {
					return err
				}
			}
			_, err := env.Stdout.Write(out)
			return err
		},
	}
	addFormatFlag(cmd, format)
	return cmd
}
