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
	"github.com/mobplan/mobplan/internal/encode/csv"
	"github.com/mobplan/mobplan/internal/encode/markdown"
	"github.com/mobplan/mobplan/internal/pipeline"
	"github.com/mobplan/mobplan/internal/plancache"
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
	format := newFormatFlag("text", "text", "json", "markdown", "csv")
	var detail, detailedExit bool
	var out string
	cmd := &cobra.Command{
		Use:   "plan [PATH]",
		Short: "Show what apply would change in the artifacts",
		Long: `Plan validates the topology, derives the plan, renders every artifact and compares
the result with the artifacts directory: files to create, update or delete, what that
means in deployment terms (record added, SAN removed, rule changed), and generated files
edited by hand (drift), which apply refuses to overwrite without --force.

A plan that finds nothing to change records a digest of what it read (this build of
mobplan, the topology, the findings, the keys, every artifact's sha256) in the user's cache
folder ($MOBPLAN_CACHE_DIR, "off" for none); the next plan over the same inputs then says
so without rendering. The record is never among the artifacts. --out always renders.

Exit status: 0 when the plan is made, changes pending or not; 1 on an error (an invalid
topology included). With --detailed-exitcode: 0 no changes, 1 error, 2 changes pending
(files edited by hand included), for CI.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := topologyPath(args)
			prog := startProgress(env)
			o := f.options(env)
			o.Progress = prog.Stage
			if out == "" {
				// A saved plan records every file, so it always renders.
				o.Cache = plancache.Cache{Dir: cacheDir(env)}
			}
			// The report and a saved plan need each file's digest, only
			// diffs its bytes.
			o.DigestsOnly = !detail
			r, err := pipeline.Run(path, o)
			prog.Done()
			var problems *pipeline.Problems
			if errors.As(err, &problems) {
				return reportProblems(env, format.value, problems)
			}
			if err != nil {
				return err
			}
			v := newPlanView(r)
			v.Color = useColor(env, env.Stdout)
			switch format.value {
			case "json":
				err = writeJSON(env, v.json())
			case "markdown":
				err = v.markdown(env.Stdout)
			case "csv":
				err = v.csv(env.Stdout)
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
		if err := writeJSON(env, planJSONOut{FormatVersion: "1", Validation: diag.NewJSONReport(p.Diagnostics, p.Sources).WithAcknowledged(p.Acknowledged, p.Sources),
			Changes: []artifacts.Change{}, Differences: []plan.Difference{}, Deployment: []plan.Tally{},
			Warnings: len(p.Diagnostics) - p.Diagnostics.Count(diag.Error), Acknowledged: len(p.Acknowledged)}); err != nil {
			return err
		}
	default:
		if err := diag.WriteText(env.Stderr, p.Diagnostics, p.Sources, useColor(env, env.Stderr)); err != nil {
			return err
		}
		if len(p.Acknowledged) > 0 {
			fmt.Fprintln(env.Stderr)
			if err := diag.WriteAcknowledgedText(env.Stderr, p.Acknowledged); err != nil {
				return err
			}
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
	// Warnings are the validation warnings and notes; Acknowledged the
	// ones the topology acknowledges, shown apart.
	Warnings     diag.Diagnostics
	Acknowledged []diag.Acknowledged
	Sources      map[string][]byte
	// Color paints the text view's symbols (a terminal, no NO_COLOR).
	Color bool
}

func newPlanView(r *pipeline.Result) planView {
	return planView{ArtifactsDir: r.ArtifactsDir, Summary: artifacts.Summarize(r.Changes), Changes: artifacts.Pending(r.Changes),
		Differences: r.Differences, Warnings: r.Warnings(), Acknowledged: r.Acknowledged(), Sources: r.Checked.Doc.Sources}
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

// fileSymbol is a changed file's symbol and note: "!" for a file edited
// by hand, whatever apply would do with it, as the legend says.
func fileSymbol(c artifacts.Change) (sym, note string) {
	sym = symbols[c.Action]
	if c.Pending != "" {
		note = c.Pending
	}
	if c.Unmanaged {
		note = "not written by mobplan"
	}
	if c.Drift {
		sym, note = "!", "edited by hand: drift"
	}
	return sym, note
}

var symbolColors = map[string]string{"+": diag.ColorGreen, "~": diag.ColorYellow, "-": diag.ColorRed, "!": diag.ColorMagenta}

// deploymentSummary says what the plan changes in the deployment, by
// unit: "1 DNS record to change, 2 firewall rows to add" ("" for
// nothing).
func deploymentSummary(ds []plan.Difference) string {
	var parts []string
	for _, t := range plan.Count(ds) {
		unit := t.Unit
		if unit == "" {
			unit = "other item"
		}
		var ns []string
		for _, c := range []struct {
			n    int
			verb string
		}{{t.Add, "to add"}, {t.Change, "to change"}, {t.Remove, "to remove"}} {
			if c.n == 0 {
				continue
			}
			if len(ns) == 0 {
				u := unit
				if c.n != 1 {
					u += "s"
				}
				ns = append(ns, fmt.Sprintf("%d %s %s", c.n, u, c.verb))
			} else {
				ns = append(ns, fmt.Sprintf("%d %s", c.n, c.verb))
			}
		}
		parts = append(parts, strings.Join(ns, ", "))
	}
	return strings.Join(parts, "; ")
}

func (v planView) text(w io.Writer, detail bool) error {
	e := &errWriter{w: w}
	s := v.Summary
	paint := func(sym string) string { return diag.Paint(v.Color, symbolColors[sym], sym) }
	if !s.Pending() && s.Drift == 0 {
		e.printf("No changes. The artifacts in %s match the topology.\n", v.ArtifactsDir)
	} else {
		e.printf("mobplan would make these changes in %s:\n\n", v.ArtifactsDir)
		for _, c := range v.Changes {
			sym, note := fileSymbol(c)
			if note != "" {
				note = "  (" + note + ")"
			}
			e.printf("  %s %s%s\n", paint(sym), diag.TerminalSafe(c.Path), note)
			if detail && c.Action != artifacts.Unchanged {
				d := diff.Diff("a/"+c.Path, c.Old, "b/"+c.Path, c.New)
				for _, line := range strings.Split(strings.TrimRight(string(d), "\n"), "\n") {
					e.printf("      %s\n", diag.TerminalSafe(line))
				}
			}
		}
		if len(v.Differences) > 0 {
			e.printf("\nIn deployment terms:\n")
			for _, d := range v.Differences {
				e.printf("  %s %s: %s\n", paint(d.Symbol), diag.TerminalSafe(d.Subject), diag.TerminalSafe(d.Text))
			}
		}
		if sum := deploymentSummary(v.Differences); sum != "" {
			e.printf("\nPlan: %s.\n", sum)
		} else {
			e.printf("\nPlan: nothing changes in the deployment itself, only in the files.\n")
		}
		e.printf("Files: %d to create, %d to update, %d to delete.", s.Create, s.Update, s.Delete)
		if s.Drift > 0 {
			e.printf(" %d generated file(s) edited by hand: apply refuses to overwrite them without --force.", s.Drift)
		}
		if s.Unmanaged > 0 {
			e.printf(" %d file(s) not written by mobplan: apply refuses to overwrite them without --force.", s.Unmanaged)
		}
		e.printf("\n%s\n", legend)
	}
	if e.err != nil {
		return e.err
	}
	return v.findingsText(w)
}

// findingsText writes the validation warnings and notes, then the
// acknowledged findings, after a blank line.
func (v planView) findingsText(w io.Writer) error {
	if len(v.Warnings) > 0 {
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		if err := diag.WriteText(w, v.Warnings, v.Sources, v.Color); err != nil {
			return err
		}
	}
	if len(v.Acknowledged) > 0 {
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		return diag.WriteAcknowledgedText(w, v.Acknowledged)
	}
	return nil
}

type planJSONOut struct {
	FormatVersion string             `json:"format_version"`
	ArtifactsDir  string             `json:"artifacts_dir"`
	Summary       artifacts.Summary  `json:"summary"`
	Changes       []artifacts.Change `json:"changes"`
	Differences   []plan.Difference  `json:"differences"`
	// Deployment counts the differences by what the administrator
	// changes (DNS records, SANs, firewall rows, ...).
	Deployment []plan.Tally `json:"deployment"`
	// Warnings counts the validation warnings and notes; Validation
	// holds them (and, when plan fails, the errors), and the
	// acknowledged findings apart.
	Warnings     int             `json:"warnings"`
	Acknowledged int             `json:"acknowledged"`
	Validation   diag.JSONReport `json:"validation"`
}

func (v planView) json() planJSONOut {
	out := planJSONOut{FormatVersion: "1", ArtifactsDir: v.ArtifactsDir, Summary: v.Summary, Changes: v.Changes, Differences: v.Differences,
		Deployment: plan.Count(v.Differences), Warnings: len(v.Warnings), Acknowledged: len(v.Acknowledged),
		Validation: diag.NewJSONReport(v.Warnings, v.Sources).WithAcknowledged(v.Acknowledged, v.Sources)}
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
	} else {
		if sum := deploymentSummary(v.Differences); sum != "" {
			e.printf("**Plan:** %s.\n\n", sum)
		} else {
			e.printf("**Plan:** nothing changes in the deployment itself, only in the files.\n\n")
		}
		e.printf("**Files:** %d to create, %d to update, %d to delete", s.Create, s.Update, s.Delete)
		if s.Drift > 0 {
			e.printf("; **%d file(s) edited by hand** (apply refuses them without `--force`)", s.Drift)
		}
		if s.Unmanaged > 0 {
			e.printf("; **%d file(s) not written by mobplan** (apply refuses them without `--force`)", s.Unmanaged)
		}
		e.printf(".\n\n| | File | Action |\n|---|---|---|\n")
		for _, c := range v.Changes {
			sym, note := fileSymbol(c)
			action := string(c.Action)
			if note != "" {
				action += ", " + note
			}
			e.printf("| %s | %s | %s |\n", markdown.Code(sym), markdown.Code(c.Path), markdown.Cell(action))
		}
		if len(v.Differences) > 0 {
			e.printf("\n<details><summary>In deployment terms (%d)</summary>\n\n", len(v.Differences))
			for _, d := range v.Differences {
				e.printf("- %s %s: %s\n", markdown.Code(d.Symbol), markdown.Inline(d.Subject), markdown.Inline(d.Text))
			}
			e.printf("\n</details>\n")
		}
		e.printf("\n%s\n", legend)
	}
	if len(v.Warnings) > 0 {
		e.printf("\n**Warnings and notes (%d):**\n\n", len(v.Warnings))
		for _, d := range v.Warnings {
			e.printf("- **%s** %s %s%s\n", severityWord(d.Severity), markdown.Code(d.Rule), markdown.Inline(d.Summary), mdWhere(d.Range))
		}
	}
	if len(v.Acknowledged) > 0 {
		e.printf("\n**Acknowledged (%d):**\n\n", len(v.Acknowledged))
		for _, a := range v.Acknowledged {
			until := ""
			if a.Expires != "" {
				until = " until " + a.Expires
			}
			e.printf("- %s %s%s: acknowledged%s: %s\n", markdown.Code(a.Rule), markdown.Inline(a.Summary), mdWhere(a.Range), until, markdown.Inline(a.Reason))
		}
	}
	return e.err
}

func severityWord(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "Error"
	case diag.Warning:
		return "Warning"
	}
	return "Note"
}

func mdWhere(r *diag.Range) string {
	if r == nil || !r.Valid() {
		return ""
	}
	return " (" + markdown.Code(r.String()) + ")"
}

// csvColumns are the columns of plan --format csv: one row per change in
// deployment terms, for a change ticket.
var csvColumns = []string{"action", "area", "unit", "subject", "change", "from", "to"}

var csvActions = map[string]string{"+": "add", "~": "change", "-": "remove"}

func (v planView) csv(w io.Writer) error {
	rows := make([][]string, 0, len(v.Differences))
	for _, d := range v.Differences {
		rows = append(rows, []string{csvActions[d.Symbol], d.Area, d.Unit, d.Subject, d.Text, d.From, d.To})
	}
	b, err := csv.Write(csvColumns, rows)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
