package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/artifacts"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/planner"
)

// savedPlan is what plan --out writes: the rendered files themselves and
// digests of everything they were made from, so apply can refuse a plan
// whose inputs or artifacts moved.
type savedPlan struct {
	Kind          string `json:"kind"`
	FormatVersion string `json:"format_version"`
	ToolVersion   string `json:"tool_version"`
	SchemaDigest  string `json:"schema_digest"`
	InputDigest   string `json:"input_digest"`
	// Inputs are the custom generator programs and their imports, path
	// to sha256: the canonical topology names a program, not its text.
	Inputs       map[string]string `json:"inputs,omitempty"`
	Topology     string            `json:"topology"`
	ArtifactsDir string            `json:"artifacts_dir"`
	// ArtifactsState is the sha256 of each relevant file on disk when the
	// plan was made ("" for absent).
	ArtifactsState map[string]string    `json:"artifacts_state"`
	Manifest       artifacts.Manifest   `json:"manifest"`
	Files          []savedFile          `json:"files"`
	Summary        summary              `json:"summary"`
	Changes        []artifacts.Change   `json:"changes"`
	Differences    []planner.Difference `json:"differences"`
}

type savedFile struct {
	Path string `json:"path"`
	Data []byte `json:"data"`
	Mode uint32 `json:"mode"`
}

const savedPlanKind = "mobplan-plan"

func saveSavedPlan(file, topology string, p *planned) error {
	state, err := artifactsState(p.ArtifactsDir, p.Set)
	if err != nil {
		return err
	}
	sp := savedPlan{Kind: savedPlanKind, FormatVersion: "1", ToolVersion: version(), SchemaDigest: schemaDigest(), InputDigest: p.InputDigest, Inputs: p.Inputs,
		Topology: topology, ArtifactsDir: p.ArtifactsDir, ArtifactsState: state, Manifest: p.Set.Manifest,
		Summary: summarize(p.Changes), Changes: planJSON(p, summarize(p.Changes)).Changes, Differences: p.Differences}
	for _, f := range p.Set.Files {
		sp.Files = append(sp.Files, savedFile{Path: f.Path, Data: f.Data, Mode: uint32(f.Mode)})
	}
	b, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// artifactsState digests the files a plan depends on: every planned path,
// every path the current manifest lists, and the manifest itself.
func artifactsState(dir string, set *artifacts.Set) (map[string]string, error) {
	paths := map[string]bool{artifacts.ManifestName: true}
	for _, f := range set.Files {
		paths[f.Path] = true
	}
	if m, err := artifacts.ReadManifest(dir); err == nil && m != nil {
		for p := range m.Files {
			paths[p] = true
		}
	}
	state := map[string]string{}
	for p := range paths {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			state[p] = ""
		case err != nil:
			return nil, err
		default:
			state[p] = artifacts.Digest(b)
		}
	}
	return state, nil
}

// readSavedPlan returns the saved plan in file, or nil if file is not one.
func readSavedPlan(file string) (*savedPlan, error) {
	st, err := os.Stat(file)
	if err != nil || st.IsDir() {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var sp savedPlan
	if json.Unmarshal(b, &sp) != nil || sp.Kind != savedPlanKind {
		return nil, nil
	}
	return &sp, nil
}

// staleness lists why a saved plan no longer matches; empty when current.
func staleness(env Env, sp *savedPlan, tf topologyFlags) []string {
	var why []string
	if sp.ToolVersion != version() {
		why = append(why, fmt.Sprintf("it was made by mobplan %s, this is %s", sp.ToolVersion, version()))
	}
	if sp.SchemaDigest != schemaDigest() {
		why = append(why, "the schema and rules changed")
	}
	if c, err := loader.Load(sp.Topology, tf.options(env)); err != nil || c.InputDigest() != sp.InputDigest {
		why = append(why, fmt.Sprintf("the topology at %s changed (or different variables were given)", sp.Topology))
	}
	var programs []string
	for p, d := range sp.Inputs {
		if b, err := os.ReadFile(p); err != nil || artifacts.Digest(b) != d {
			programs = append(programs, p)
		}
	}
	if len(programs) > 0 {
		sort.Strings(programs)
		why = append(why, fmt.Sprintf("custom generator programs changed: %v", programs))
	}
	set := &artifacts.Set{}
	for _, f := range sp.Files {
		set.Files = append(set.Files, artifacts.File{Path: f.Path})
	}
	now, err := artifactsState(sp.ArtifactsDir, set)
	if err != nil {
		why = append(why, err.Error())
		return why
	}
	var moved []string
	for p, d := range sp.ArtifactsState {
		if now[p] != d {
			moved = append(moved, p)
		}
	}
	for p := range now {
		if _, ok := sp.ArtifactsState[p]; !ok {
			moved = append(moved, p)
		}
	}
	sort.Strings(moved)
	if len(moved) > 0 {
		why = append(why, fmt.Sprintf("artifacts in %s changed since: %v", sp.ArtifactsDir, moved))
	}
	return why
}

func newApplyCmd(env Env) *cobra.Command {
	var f pipelineFlags
	var force bool
	cmd := &cobra.Command{
		Use:   "apply [PATH | PLANFILE]",
		Short: "Write the artifacts: atomically, deterministically, refusing drift",
		Long: `Apply writes every artifact of the topology at PATH (or exactly those of a plan saved
with 'plan --out PLANFILE') into the artifacts directory. Files are written atomically,
unchanged files are not touched, files no longer planned are removed, and a lock keeps
two applies apart. Generated files edited by hand, and files at planned paths that mobplan
did not write, are not overwritten without --force. An apply stopped midway (a crash, a
kill) is rolled back by the next one.
Validation errors stop apply unless --allow-errors (recorded in the manifest).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := topologyPath(args)
			var set *artifacts.Set
			var dir string
			sp, err := readSavedPlan(path)
			if err != nil {
				return err
			}
			if sp != nil {
				if why := staleness(env, sp, f.topologyFlags); len(why) > 0 {
					for _, w := range why {
						fmt.Fprintf(env.Stderr, "  - %s\n", w)
					}
					return fmt.Errorf("the saved plan %s is stale; run 'mobplan plan --out' again", path)
				}
				dir = sp.ArtifactsDir
				var files []artifacts.File
				for _, sf := range sp.Files {
					files = append(files, artifacts.File{Path: sf.Path, Data: sf.Data, Mode: os.FileMode(sf.Mode)})
				}
				m := sp.Manifest
				m.Files = nil
				if set, err = artifacts.NewSet(files, m); err != nil {
					return err
				}
			} else {
				p, err := runPipeline(env, path, &f)
				if err != nil {
					return err
				}
				set, dir = p.Set, p.ArtifactsDir
			}
			res, err := artifacts.Apply(dir, set, force)
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
			if len(res.Written)+len(res.Deleted) == 0 {
				fmt.Fprintf(env.Stdout, "No changes: the artifacts in %s already match; nothing written.\n", dir)
				return nil
			}
			for _, p := range res.Written {
				fmt.Fprintf(env.Stdout, "  wrote   %s\n", p)
			}
			for _, p := range res.Deleted {
				fmt.Fprintf(env.Stdout, "  deleted %s\n", p)
			}
			fmt.Fprintf(env.Stdout, "Apply complete: %d written, %d deleted in %s.\n", len(res.Written), len(res.Deleted), dir)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "overwrite generated files edited by hand, and files at planned paths that mobplan did not write")
	cmd.Flags().BoolVar(&f.allowErrors, "allow-errors", false, "write artifacts despite validation errors (recorded in the manifest)")
	return cmd
}

func newShowCmd(env Env) *cobra.Command {
	var tf topologyFlags
	format := newFormatFlag("text", "text", "json")
	cmd := &cobra.Command{
		Use:   "show PLANFILE",
		Short: "Render a saved plan, and say whether it is stale",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sp, err := readSavedPlan(args[0])
			if err != nil {
				return err
			}
			if sp == nil {
				return fmt.Errorf("%s is not a plan saved with 'mobplan plan --out'", args[0])
			}
			why := staleness(env, sp, tf)
			if format.value == "json" {
				return writeJSON(env, struct {
					FormatVersion string               `json:"format_version"`
					Topology      string               `json:"topology"`
					ArtifactsDir  string               `json:"artifacts_dir"`
					Stale         []string             `json:"stale"`
					Summary       summary              `json:"summary"`
					Changes       []artifacts.Change   `json:"changes"`
					Differences   []planner.Difference `json:"differences"`
				}{"1", sp.Topology, sp.ArtifactsDir, append([]string{}, why...), sp.Summary, sp.Changes, sp.Differences})
			}
			p := &planned{Changes: sp.Changes, Differences: sp.Differences, ArtifactsDir: sp.ArtifactsDir}
			writePlanText(env.Stdout, p, sp.Summary, false)
			if len(why) > 0 {
				fmt.Fprintf(env.Stdout, "\nThis plan is stale; apply will refuse it:\n")
				for _, w := range why {
					fmt.Fprintf(env.Stdout, "  - %s\n", w)
				}
			} else {
				fmt.Fprintf(env.Stdout, "\nThis plan is current: 'mobplan apply %s' applies exactly it.\n", args[0])
			}
			return nil
		},
	}
	tf.add(cmd)
	addFormatFlag(cmd, format)
	return cmd
}
