package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/savedplan"
)

func newApplyCmd(env Env) *cobra.Command {
	var f pipelineFlags
	var force, andServe bool
	var sf serveFlags
	cmd := &cobra.Command{
		Use:   "apply [PATH | PLANFILE]",
		Short: "Write the artifacts: atomically, deterministically, refusing drift",
		Long: `Apply writes every artifact of the topology at PATH (or exactly those of a plan saved
with 'plan --out PLANFILE') into the artifacts directory. Files are written atomically,
unchanged files are not touched, files no longer planned are removed, and a lock keeps
two applies apart. Generated files edited by hand, and files at planned paths that mobplan
did not write, are not overwritten without --force. An apply stopped midway (a crash, a
kill) is rolled back by the next one.
Validation errors stop apply unless --allow-errors (recorded in the manifest).

A saved plan records what apply will write, not the files: apply renders the plan's
topology again and refuses unless every file is exactly what the plan recorded, the
artifacts are as they were, and the artifacts folder is the one this apply would use.

Exit status: 0 when the artifacts are written or already match, 1 on an error (then
nothing is written).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := topologyPath(args)
			sp, err := savedplan.Read(path)
			switch {
			case errors.Is(err, savedplan.ErrNotPlan):
				sp = nil
			case err != nil:
				return err
			}
			topology := path
			if sp != nil {
				topology = sp.TopologyPath(path)
			}
			o := f.options(env)
			o.MakeKeys = true
			o.Lock = true
			prog := startProgress(env)
			defer prog.Done()
			o.Progress = prog.Stage
			r, err := pipeline.Run(topology, o)
			if err != nil {
				prog.Done() // before any message
			}
			if r != nil {
				defer r.Lock.Unlock()
			}
			var problems *pipeline.Problems
			if sp != nil {
				if why := sp.Stale(path, version(), r, err); len(why) > 0 {
					prog.Done()
					for _, w := range why {
						fmt.Fprintf(env.Stderr, "  - %s\n", w)
					}
					return fmt.Errorf("the saved plan %s is stale; run 'mobplan plan --out' again", path)
				}
			}
			if errors.As(err, &problems) {
				return reportProblems(env, "text", problems)
			}
			if err != nil {
				return err
			}
			prog.Stage("writing the artifacts")
			res, err := r.Lock.Apply(r.Set, force)
			prog.Done()
			var ue *artifacts.UnmanagedError
			if errors.As(err, &ue) {
				for _, p := range ue.Paths {
					fmt.Fprintf(env.Stderr, "  ! %s  (not written by mobplan)\n", p)
				}
			}
			var de *artifacts.DriftError
			if errors.As(err, &de) {
				for _, p := range de.Paths {
					fmt.Fprintf(env.Stderr, "  ! %s\n", p)
				}
			}
			if err != nil {
				return err
			}
			e := &errWriter{w: env.Stdout}
			if len(res.Written)+len(res.Deleted) == 0 {
				e.printf("No changes: the artifacts in %s already match; nothing written.\n", r.ArtifactsDir)
			} else {
				for _, p := range res.Written {
					e.printf("  wrote   %s\n", p)
				}
				for _, p := range res.Deleted {
					e.printf("  deleted %s\n", p)
				}
				e.printf("Apply complete: %d written, %d deleted in %s.\n", len(res.Written), len(res.Deleted), r.ArtifactsDir)
			}
			if e.err != nil {
				return e.err
			}
			v := planView{Warnings: r.Warnings(), Acknowledged: r.Acknowledged(), Sources: r.Checked.Doc.Sources, Color: useColor(env, env.Stdout)}
			if err := v.findingsText(env.Stdout); err != nil || !andServe {
				return err
			}
			r.Lock.Unlock()
			return serve(cmd.Context(), env, topology, false, &f, &sf)
		},
	}
	f.add(cmd, env)
	cmd.Flags().BoolVar(&force, "force", false, "overwrite generated files edited by hand")
	cmd.Flags().BoolVar(&f.allowErrors, "allow-errors", false, "write artifacts despite validation errors (recorded in the manifest)")
	cmd.Flags().BoolVar(&andServe, "serve", false, "then serve the applied plan in the lab (see 'mobplan serve')")
	sf.add(cmd)
	return cmd
}

func newShowCmd(env Env) *cobra.Command {
	var f pipelineFlags
	format := newFormatFlag("text", "text", "json", "markdown")
	cmd := &cobra.Command{
		Use:   "show PLANFILE",
		Short: "Render a saved plan, and say whether it is stale",
		Long: `Show renders a plan saved with 'plan --out PLANFILE' as plan did (--format text, json
or markdown), then says whether it is still current: apply refuses a stale plan.

Exit status: 0 when the plan is shown, current or stale; 1 when PLANFILE is not a saved
plan or cannot be read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			sp, err := savedplan.Read(file)
			if errors.Is(err, savedplan.ErrNotPlan) {
				return fmt.Errorf("%s is not a plan saved with 'mobplan plan --out'", file)
			}
			if err != nil {
				return err
			}
			prog := startProgress(env)
			o := f.options(env)
			o.Progress = prog.Stage
			r, runErr := pipeline.Run(sp.TopologyPath(file), o)
			prog.Done()
			why := sp.Stale(file, version(), r, runErr)
			v := planView{ArtifactsDir: sp.ArtifactsPath(file), Summary: sp.Summary, Changes: sp.Changes, Differences: sp.Differences,
				Warnings: sp.Warnings, Acknowledged: sp.Acknowledged, Color: useColor(env, env.Stdout)}
			switch format.value {
			case "json":
				out := struct {
					planJSONOut
					Topology string   `json:"topology"`
					Stale    []string `json:"stale"`
				}{v.json(), sp.TopologyPath(file), append([]string{}, why...)}
				return writeJSON(env, out)
			case "markdown":
				if err := v.markdown(env.Stdout); err != nil {
					return err
				}
			default:
				if err := v.text(env.Stdout, false); err != nil {
					return err
				}
			}
			e := &errWriter{w: env.Stdout}
			if len(why) > 0 {
				e.printf("\nThis plan is stale; apply will refuse it:\n")
				for _, w := range why {
					e.printf("  - %s\n", w)
				}
			} else {
				e.printf("\nThis plan is current: 'mobplan apply %s' applies exactly it.\n", file)
			}
			return e.err
		},
	}
	f.add(cmd, env)
	addFormatFlag(cmd, format)
	return cmd
}
