package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/savedplan"
	"github.com/mobplan/mobplan/planner/plan"
)

// pipelineFlags are shared by plan and apply.
type pipelineFlags struct {
	topologyFlags
	artifactsDir string
	allowErrors  bool
}

func (f *pipelineFlags) add(cmd *cobra.Command, env Env) {
	f.topologyFlags.add(cmd, env)
	cmd.Flags().StringVar(&f.artifactsDir, "artifacts", "", "artifacts directory (default: artifacts/ beside the topology)")
}

func (f *pipelineFlags) options(env Env) pipeline.Options {
	return pipeline.Options{Load: f.topologyFlags.options(env), ArtifactsDir: f.artifactsDir, AllowErrors: f.allowErrors, ToolVersion: version()}
}

var symbols = map[artifacts.Action]string{artifacts.Create: "+", artifacts.Update: "~", artifacts.Delete: "-"}

const legend = "Legend: + create, ~ update, - delete, ! edited by hand (drift)"

func newPlanCmd(env Env) *cobra.Command {
	var f pipelineFlags
	format := newFormatFlag("text", "text", "json", "markdown")
	var detail, detailedExit bool
	var out string
	cmd := &cobra.Command{
		Use:   "plan [PATH]",
		Short: "Show what apply would change in the artifacts",
		Long: `Plan validates the topology, derives the plan, renders every artifact and compares
the result with the artifacts directory: files to create, update or delete, what that
means in deployment terms (record added, SAN removed, rule changed), and generated files
edited by hand (drift), which apply refuses to overwrite without --force.

With --detailed-exitcode: 0 no changes, 1 error, 2 changes pending.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := topologyPath(args)
			r, err := pipeline.Run(path, f.options(env))
			var problems *pipeline.Problems
			if errors.As(err, &problems) {
				return reportProblems(env, format.value, problems)
			}
			if err != nil {
				return err
			}
			v := newPlanView(r)
			switch format.value {
			case "json":
				err = writeJSON(env, v.json())
			case "markdown":
				err = v.markdown(env.Stdout)
			default:
				err = v.text(env.Stdout, detail)
			}
			if err != nil {
				return err
			}
			if out != "" {
				sp, err := savedplan.New(out, path, version(), r)
				if err != nil {
					return err
				}
				if err := savedplan.Write(out, sp); err != nil {
					return err
				}
				fmt.Fprintf(env.Stderr, "Saved the plan to %s; run 'mobplan apply %s' to apply exactly it.\n", out, out)
			}
			if detailedExit && (v.Summary.Pending() || v.Summary.Drift > 0) {
				return exitError{ExitChanges}
			}
			return nil
		},
	}
	f.add(cmd, env)
	addFormatFlag(cmd, format)
	cmd.Flags().BoolVar(&detail, "detail", false, "add unified diffs of changed files")
	cmd.Flags().BoolVar(&detailedExit, "detailed-exitcode", false, "exit 2 when changes are pending")
	cmd.Flags().StringVar(&out, "out", "", "save the plan to FILE for a later 'apply FILE'")
	return cmd
}

// reportProblems prints the user's errors in the format asked for (text
// goes to stderr, as a log; JSON to stdout, as data) and fails.
func reportProblems(env Env, format string, p *pipeline.Problems) error {
	switch format {
	case "json":
		if err := writeJSON(env, planJSONOut{FormatVersion: "1", Validation: diag.NewJSONReport(p.Diagnostics, p.Sources),
			Changes: []artifacts.Change{}, Differences: []plan.Difference{}}); err != nil {
			return err
		}
	default:
		if err := diag.WriteText(env.Stderr, p.Diagnostics, p.Sources, useColor(env, env.Stderr)); err != nil {
			return err
		}
	}
	return exitError{ExitError}
}

// planView is what plan and show render, in every format.
type planView struct {
	ArtifactsDir string
	Summary      artifacts.Summary
	Changes      []artifacts.Change // pending only
	Differences  []plan.Difference
	Warnings     diag.Diagnostics
	Sources      map[string][]byte
}

func newPlanView(r *pipeline.Result) planView {
	return planView{ArtifactsDir: r.ArtifactsDir, Summary: artifacts.Summarize(r.Changes), Changes: artifacts.Pending(r.Changes),
		Differences: r.Differences, Warnings: r.Warnings(), Sources: r.Checked.Doc.Sources}
}

// errWriter keeps the first write error, so a view checks once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

func (v planView) text(w io.Writer, detail bool) error {
	e := &errWriter{w: w}
	s := v.Summary
	if !s.Pending() && s.Drift == 0 {
		e.printf("No changes. The artifacts in %s match the topology.\n", v.ArtifactsDir)
		return e.err
	}
	e.printf("mobplan would make these changes in %s:\n\n", v.ArtifactsDir)
	for _, c := range v.Changes {
		sym, note := symbols[c.Action], ""
		if c.Pending != "" {
			note = "  (" + c.Pending + ")"
		}
		if c.Unmanaged {
			note = "  (not written by mobplan)"
		}
		if c.Drift {
			note = "  (edited by hand: drift)"
			if c.Action == artifacts.Unchanged {
				sym = "!"
			}
		}
		e.printf("  %s %s%s\n", sym, c.Path, note)
		if detail && c.Action != artifacts.Unchanged {
			d := diff.Diff("a/"+c.Path, c.Old, "b/"+c.Path, c.New)
			for _, line := range strings.Split(strings.TrimRight(string(d), "\n"), "\n") {
				e.printf("      %s\n", line)
			}
		}
	}
	if len(v.Differences) > 0 {
		e.printf("\nIn deployment terms:\n")
		for _, d := range v.Differences {
			e.printf("  %s\n", d)
		}
	}
	e.printf("\nPlan: %d to create, %d to update, %d to delete.", s.Create, s.Update, s.Delete)
	if s.Drift > 0 {
		e.printf(" %d generated file(s) edited by hand: apply refuses to overwrite them without --force.", s.Drift)
	}
	if s.Unmanaged > 0 {
		e.printf(" %d file(s) not written by mobplan: apply refuses to overwrite them without --force.", s.Unmanaged)
	}
	e.printf("\n%s\n", legend)
	return e.err
}

type planJSONOut struct {
	FormatVersion string             `json:"format_version"`
	ArtifactsDir  string             `json:"artifacts_dir"`
	Summary       artifacts.Summary  `json:"summary"`
	Changes       []artifacts.Change `json:"changes"`
	Differences   []plan.Difference  `json:"differences"`
	// Warnings counts the validation warnings and notes; Validation
	// holds them (and, when plan fails, the errors).
	Warnings   int             `json:"warnings"`
	Validation diag.JSONReport `json:"validation"`
}

func (v planView) json() planJSONOut {
	out := planJSONOut{FormatVersion: "1", ArtifactsDir: v.ArtifactsDir, Summary: v.Summary, Changes: v.Changes, Differences: v.Differences,
		Warnings: len(v.Warnings), Validation: diag.NewJSONReport(v.Warnings, v.Sources)}
	if out.Changes == nil {
		out.Changes = []artifacts.Change{}
	}
	if out.Differences == nil {
		out.Differences = []plan.Difference{}
	}
	return out
}

func (v planView) markdown(w io.Writer) error {
	e := &errWriter{w: w}
	s := v.Summary
	e.printf("### mobplan plan\n\n")
	if !s.Pending() && s.Drift == 0 {
		e.printf("No changes: the artifacts match the topology.\n")
		return e.err
	}
	e.printf("**Plan:** %d to create, %d to update, %d to delete", s.Create, s.Update, s.Delete)
	if s.Drift > 0 {
		e.printf("; **%d file(s) edited by hand** (apply refuses them without `--force`)", s.Drift)
	}
	if s.Unmanaged > 0 {
		e.printf("; **%d file(s) not written by mobplan** (apply refuses them without `--force`)", s.Unmanaged)
	}
	e.printf(".\n\n| | File | Action |\n|---|---|---|\n")
	for _, c := range v.Changes {
		action := string(c.Action)
		if c.Pending != "" {
			action += ", " + c.Pending
		}
		if c.Unmanaged {
			action += ", not written by mobplan"
		}
		if c.Drift {
			action += ", edited by hand"
		}
		e.printf("| `%s` | `%s` | %s |\n", symbols[c.Action], c.Path, action)
	}
	if len(v.Differences) > 0 {
		e.printf("\n<details><summary>In deployment terms (%d)</summary>\n\n", len(v.Differences))
		for _, d := range v.Differences {
			e.printf("- `%s` %s: %s\n", d.Symbol, d.Subject, d.Text)
		}
		e.printf("\n</details>\n")
	}
	e.printf("\n%s\n", legend)
	return e.err
}
