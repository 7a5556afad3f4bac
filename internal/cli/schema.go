package cli

import (
	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/schema"
	"github.com/mobplan/mobplan/schema/reference"
)

func newSchemaCmd(env Env) *cobra.Command {
	format := newFormatFlag("cue", "cue", "jsonschema", "markdown")
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the topology schema: for editors, or as a reference for people",
		Long: `Schema prints the schema of a topology: every block, attribute, type, enum and
documented default.

  --format cue         the CUE definition #Topology (the default); a CUE topology
                       imports it as "github.com/mobplan/mobplan/schema"
  --format jsonschema  JSON Schema (draft 2020-12) generated from it, for editors of
                       JSON and YAML topologies (yaml-language-server, VS Code, ...)
  --format markdown    the attribute reference for people: every block and attribute
                       with its type, default, allowed values and the rules that read
                       it (the repository keeps it as docs/topology-reference.md)

The JSON Schema checks structure: names, types, enums, required attributes. Rules
that tie parts of the topology together are checked by 'mobplan validate'.`,
		Example: `  mobplan schema > topology.schema.cue
  mobplan schema --format jsonschema > topology.schema.json
  mobplan schema --format markdown > topology-reference.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := schema.CUESource()
			var err error
			switch format.value {
			case "jsonschema":
				out, err = schema.JSONSchema()
			case "markdown":
				out, err = reference.Markdown()
			}
			if err != nil {
				return err
			}
			_, err = env.Stdout.Write(out)
			return err
		},
	}
	addFormatFlag(cmd, format)
	return cmd
}
