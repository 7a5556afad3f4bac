package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/generators"
	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/generators/custom"
	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/model"
	"github.com/mobplan/mobplan/internal/render"
	"github.com/mobplan/mobplan/planner"
	"github.com/mobplan/mobplan/schema"
)

// planned is a topology carried through the whole pipeline.
type planned struct {
	Checked      *loader.Checked
	Plan         *planner.Plan
	Set          *artifacts.Set
	Changes      []artifacts.Change
	Differences  []planner.Difference
	ArtifactsDir string
	InputDigest  string
	// Inputs are the custom generator programs (and their imports) the
	// rendering read, path to sha256.
	Inputs map[string]string
}

// pipelineFlags are shared by plan and apply.
type pipelineFlags struct {
	topologyFlags
	artifactsDir string
	allowErrors  bool
}

func (f *pipelineFlags) add(cmd *cobra.Command) {
	f.topologyFlags.add(cmd)
	cmd.Flags().StringVar(&f.artifactsDir, "artifacts", "", "artifacts directory (default: artifacts/ beside the topology)")
}

// runPipeline validates, plans and renders; validation errors stop it
// unless allowErrors.
func runPipeline(env Env, path string, f *pipelineFlags) (*planned, error) {
	c, err := loader.Load(path, f.options(env))
	if err != nil {
		return nil, err
	}
	if c.Diagnostics.HasErrors() && (!f.allowErrors || c.Result.Topology.Err() != nil || hasStructural(c)) {
		writeDiagnostics(Env{Stdout: env.Stderr, Environ: env.Environ}, "text", c.Diagnostics, c.Doc.Sources)
		return nil, exitError{ExitError}
	}
	m, err := model.Decode(c.Result.Topology)
	if err != nil {
		return nil, err
	}
	dir := f.artifactsDir
	if dir == "" {
		dir = filepath.Join(c.Doc.Root, "artifacts")
	}
	p := planner.New(m)
	digest := c.InputDigest()
	inputs := map[string]string{}
	set, err := render.Render(p, generatorList(c, m, f.timeout), render.Options{
		ArtifactsDir: dir,
		KeyDir:       filepath.Join(c.Doc.Root, ".mobplan", "keys"),
		ToolVersion:  version(),
		InputDigest:  digest,
		AllowErrors:  c.Diagnostics.HasErrors(),
		Inputs:       inputs,
	})
	var de *artifact.DiagnosticsError
	if errors.As(err, &de) {
		// A broken custom generator is the user's to fix, like a
		// validation error: same rendering, nothing written.
		sources := maps.Clone(c.Doc.Sources)
		if sources == nil {
			sources = map[string][]byte{}
		}
		maps.Copy(sources, de.Sources)
		writeDiagnostics(Env{Stdout: env.Stderr, Environ: env.Environ}, "text", de.Diagnostics, sources)
		return nil, exitError{ExitError}
	}
	if err != nil {
		return nil, err
	}
	changes, _, err := artifacts.Diff(dir, set)
	if err != nil {
		return nil, err
	}
	return &planned{Checked: c, Plan: p, Set: set, Changes: changes, Differences: planner.Compare(render.PreviousPlan(dir), p), ArtifactsDir: dir, InputDigest: digest, Inputs: inputs}, nil
}

// generatorList is the built-in generators followed by the topology's
// custom ones, each bounded by the --eval-timeout the topology was read with.
func generatorList(c *loader.Checked, m *model.Topology, timeout time.Duration) []artifact.Generator {
	gens := generators.All()
	return append(gens, custom.Generators(m.Generators, custom.Options{
		Root:    c.Doc.Root,
		Timeout: timeout,
		SourceRange: func(name string) *diag.Range {
			if r, ok := c.Doc.RangeOf(canon.Path{"generators", name, "source"}); ok {
				return &r
			}
			return nil
		},
	})...)
}

func hasStructural(c *loader.Checked) bool {
	for _, d := range c.Diagnostics {
		if strings.HasPrefix(d.Rule, "SCHEMA-") || strings.HasPrefix(d.Rule, "SYNTAX-") {
			return true
		}
	}
	return false
}

// schemaDigest fingerprints the embedded schema and rules.
func schemaDigest() string {
	files := schema.Files()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", n, files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// summary counts the changes.
type summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Drift  int `json:"drift"`
	// Unmanaged counts files at planned paths that mobplan never wrote.
	Unmanaged int `json:"unmanaged,omitempty"`
}

func summarize(cs []artifacts.Change) summary {
	var s summary
	for _, c := range cs {
		switch c.Action {
		case artifacts.Create:
			s.Create++
		case artifacts.Update:
			s.Update++
		case artifacts.Delete:
			s.Delete++
		}
		if c.Drift {
			s.Drift++
		}
		if c.Unmanaged {
			s.Unmanaged++
		}
	}
	return s
}

func (s summary) pending() bool { return s.Create+s.Update+s.Delete > 0 }

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
			p, err := runPipeline(env, path, &f)
			if err != nil {
				return err
			}
			s := summarize(p.Changes)
			switch format.value {
			case "json":
				err = writeJSON(env, planJSON(p, s))
			case "markdown":
				writePlanMarkdown(env.Stdout, p, s)
			default:
				writePlanText(env.Stdout, p, s, detail)
			}
			if err != nil {
				return err
			}
			if out != "" {
				if err := saveSavedPlan(out, path, p); err != nil {
					return err
				}
				fmt.Fprintf(env.Stderr, "Saved the plan to %s; run 'mobplan apply %s' to apply exactly it.\n", out, out)
			}
			if detailedExit && (s.pending() || s.Drift > 0) {
				return exitError{ExitChanges}
			}
			return nil
		},
	}
	f.add(cmd)
	addFormatFlag(cmd, format)
	cmd.Flags().BoolVar(&detail, "detail", false, "add unified diffs of changed files")
	cmd.Flags().BoolVar(&detailedExit, "detailed-exitcode", false, "exit 2 when changes are pending")
	cmd.Flags().StringVar(&out, "out", "", "save the plan to FILE for a later 'apply FILE'")
	return cmd
}

func writePlanText(w io.Writer, p *planned, s summary, detail bool) {
	if !s.pending() && s.Drift == 0 {
		fmt.Fprintf(w, "No changes. The artifacts in %s match the topology.\n", p.ArtifactsDir)
		return
	}
	fmt.Fprintf(w, "mobplan would make these changes in %s:\n\n", p.ArtifactsDir)
	for _, c := range p.Changes {
		if c.Action == artifacts.Unchanged && !c.Drift {
			continue
		}
		sym, note := symbols[c.Action], ""
		if c.Drift {
			note = "  (edited by hand: drift)"
			if c.Action == artifacts.Unchanged {
				sym = "!"
			}
		}
		if c.Unmanaged {
			note = "  (not written by mobplan)"
		}
		fmt.Fprintf(w, "  %s %s%s\n", sym, c.Path, note)
		if detail && c.Action != artifacts.Unchanged {
			d := diff.Diff("a/"+c.Path, c.Old, "b/"+c.Path, c.New)
			for _, line := range strings.Split(strings.TrimRight(string(d), "\n"), "\n") {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
	if len(p.Differences) > 0 {
		fmt.Fprintf(w, "\nIn deployment terms:\n")
		for _, d := range p.Differences {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
	fmt.Fprintf(w, "\nPlan: %d to create, %d to update, %d to delete.", s.Create, s.Update, s.Delete)
	if s.Drift > 0 {
		fmt.Fprintf(w, " %d generated file(s) edited by hand: apply refuses to overwrite them without --force.", s.Drift)
	}
	if s.Unmanaged > 0 {
		fmt.Fprintf(w, " %d file(s) not written by mobplan: apply refuses to overwrite them without --force.", s.Unmanaged)
	}
	fmt.Fprintf(w, "\n%s\n", legend)
}

type planJSONOut struct {
	FormatVersion string               `json:"format_version"`
	ArtifactsDir  string               `json:"artifacts_dir"`
	Summary       summary              `json:"summary"`
	Changes       []artifacts.Change   `json:"changes"`
	Differences   []planner.Difference `json:"differences"`
	Warnings      int                  `json:"warnings"`
}

func planJSON(p *planned, s summary) planJSONOut {
	out := planJSONOut{FormatVersion: "1", ArtifactsDir: p.ArtifactsDir, Summary: s, Changes: []artifacts.Change{}, Differences: p.Differences}
	for _, c := range p.Changes {
		if c.Action != artifacts.Unchanged || c.Drift {
			out.Changes = append(out.Changes, c)
		}
	}
	if out.Differences == nil {
		out.Differences = []planner.Difference{}
	}
	return out
}

func writePlanMarkdown(w io.Writer, p *planned, s summary) {
	fmt.Fprintf(w, "### mobplan plan\n\n")
	if !s.pending() && s.Drift == 0 {
		fmt.Fprintf(w, "No changes: the artifacts match the topology.\n")
		return
	}
	fmt.Fprintf(w, "**Plan:** %d to create, %d to update, %d to delete", s.Create, s.Update, s.Delete)
	if s.Drift > 0 {
		fmt.Fprintf(w, "; **%d file(s) edited by hand** (apply refuses them without `--force`)", s.Drift)
	}
	if s.Unmanaged > 0 {
		fmt.Fprintf(w, "; **%d file(s) not written by mobplan** (apply refuses them without `--force`)", s.Unmanaged)
	}
	fmt.Fprintf(w, ".\n\n| | File | Action |\n|---|---|---|\n")
	for _, c := range p.Changes {
		if c.Action == artifacts.Unchanged && !c.Drift {
			continue
		}
		action := string(c.Action)
		if c.Drift {
			action += ", edited by hand"
		}
		if c.Unmanaged {
			action += ", not written by mobplan"
		}
		fmt.Fprintf(w, "| `%s` | `%s` | %s |\n", symbols[c.Action], c.Path, action)
	}
	if len(p.Differences) > 0 {
		fmt.Fprintf(w, "\n<details><summary>In deployment terms (%d)</summary>\n\n", len(p.Differences))
		for _, d := range p.Differences {
			fmt.Fprintf(w, "- `%s` %s: %s\n", d.Symbol, d.Subject, d.Text)
		}
		fmt.Fprintf(w, "\n</details>\n")
	}
	fmt.Fprintf(w, "\n%s\n", legend)
}
