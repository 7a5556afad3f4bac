package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/jsonnetvm"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/internal/memlimit"
	"github.com/mobplan/mobplan/schema"
	"github.com/mobplan/mobplan/schema/hcltopo"
)

// topologyFlags are the flags every command that reads a topology takes.
type topologyFlags struct {
	vars      []string
	varFiles  []string
	extStr    []string
	tlaStr    []string
	timeout   time.Duration
	maxMemory string
}

func (t *topologyFlags) add(cmd *cobra.Command, env Env) {
	cmd.Flags().StringArrayVar(&t.vars, "var", nil, "set an HCL topology variable (name=value); repeatable")
	cmd.Flags().StringArrayVar(&t.varFiles, "var-file", nil, "read HCL topology variables from an HCL file; repeatable")
	cmd.Flags().StringArrayVar(&t.extStr, "ext-str", nil, "set a Jsonnet external variable, std.extVar(name) (name=value); repeatable")
	cmd.Flags().StringArrayVar(&t.tlaStr, "tla-str", nil, "set a Jsonnet top-level argument (name=value); repeatable")
	cmd.Flags().DurationVar(&t.timeout, "eval-timeout", jsonnetvm.DefaultTimeout, "bound on evaluating a topology (HCL, CUE, Jsonnet) or a custom generator")
	cmd.Flags().StringVar(&t.maxMemory, "max-memory", "", fmt.Sprintf("ceiling on mobplan's memory while it evaluates and checks: an evaluation that needs more is stopped with an error (e.g. 512MiB; 0 for none; default $%s, else %s, or %d bytes per byte of topology source up to %s)", memlimit.EnvVar, memlimit.Format(memlimit.Default), memlimit.PerSourceByte, memlimit.Format(memlimit.MaxAuto)))
	// The ceiling is the process's: set it before the command runs.
	cmd.PreRunE = func(*cobra.Command, []string) error { return t.setMemoryLimit(env) }
}

// gogcGiven reports whether the environment sets GOGC (the Go runtime
// takes an empty one as unset), which then decides the collector's pace.
func gogcGiven(env Env) bool { return env.getenv("GOGC") != "" }

// setMemoryLimit makes --max-memory, else $MOBPLAN_MAX_MEMORY, else the
// automatic ceiling (memlimit.Default, raised for a large topology) the
// process's memory ceiling.
func (t *topologyFlags) setMemoryLimit(env Env) error {
	if err := setEvalLimits(env); err != nil {
		return err
	}
	// While a topology is evaluated and checked, the collector runs at
	// five times the live heap rather than twice: a third of validate's
	// CPU at 1,000 SIP domains becomes a tenth, and planning, whose live
	// heap is the artifacts themselves, keeps the default, or 60 after
	// an evaluation that left a large heap (memlimit.SetLargeHeapGC).
	// GOGC, when set, decides.
	if !gogcGiven(env) {
		memlimit.SetEvalGC(400)
		memlimit.SetLargeHeapGC(60)
	}
	s, from := t.maxMemory, "--max-memory"
	if s == "" {
		s, from = env.getenv(memlimit.EnvVar), memlimit.EnvVar
	}
	if s == "" {
		memlimit.SetAuto() // raised for a large topology when it is read
		return nil
	}
	n, err := memlimit.Parse(s)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	memlimit.Set(n)
	return nil
}

func (t *topologyFlags) options(env Env) loader.Options {
	return loader.Options{Vars: t.vars, VarFiles: t.varFiles, Env: env.Environ, ExtStr: t.extStr, TLAStr: t.tlaStr, Timeout: t.timeout, Now: clock(env)}
}

// clock is the time acknowledgements expire by: SOURCE_DATE_EPOCH (Unix
// seconds) when set, so a run can be reproduced on another day (and
// tested), else the system's clock.
func clock(env Env) func() time.Time {
	if s, ok := lookupEnv(env, "SOURCE_DATE_EPOCH"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return func() time.Time { return time.Unix(n, 0).UTC() }
		}
	}
	return time.Now
}

func topologyPath(args []string) string {
	if len(args) == 0 {
		return "."
	}
	return args[0]
}

func newValidateCmd(env Env) *cobra.Command {
	var tf topologyFlags
	format := newFormatFlag("text", "text", "json", "sarif")
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Check a topology against the schema and every rule",
		Long: `Validate reads the topology at PATH (a folder or one file; default the current
folder), written in HCL (*.hcl), CUE (*.cue), Jsonnet (*.jsonnet), JSON or YAML (one
syntax per folder), checks it against the embedded schema and every rule of the
catalogue, and reports every problem at once with its rule ID, file:line:col and a fix.

Exit status: 0 when there is no error (warnings allowed, unless --strict), 1 otherwise.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := topologyPath(args)
			prog := startProgress(env)
			prog.Stage("reading and checking the topology")
			c, err := loader.Load(path, tf.options(env))
			prog.Done()
			if err != nil {
				return err
			}
			if err := writeDiagnostics(env, format.value, c.Diagnostics, c.Acknowledged, c.Doc.Sources); err != nil {
				return err
			}
			failed := c.Diagnostics.HasErrors() || strict && c.Diagnostics.Count(diag.Warning) > 0
			if format.value == "text" {
				switch {
				case failed:
				case len(c.Diagnostics) == 0:
					fmt.Fprintf(env.Stdout, "The topology at %s is valid.\n", path)
				default:
					fmt.Fprintf(env.Stdout, "The topology at %s is valid, with the warnings and notes above.\n", path)
				}
			}
			if failed {
				return exitError{ExitError}
			}
			return nil
		},
	}
	tf.add(cmd, env)
	addFormatFlag(cmd, format)
	cmd.Flags().BoolVar(&strict, "strict", false, "treat warnings as errors")
	return cmd
}

func writeDiagnostics(env Env, format string, ds diag.Diagnostics, acks []diag.Acknowledged, sources map[string][]byte) error {
	switch format {
	case "json":
		return writeJSON(env, diag.NewJSONReport(ds, sources).WithAcknowledged(acks, sources))
	case "sarif":
		s, err := schema.Load()
		if err != nil {
			return err
		}
		return diag.WriteSARIFAcknowledged(env.Stdout, ds, acks, s.Rules(), "mobplan", version(), "https://github.com/mobplan/mobplan")
	}
	if err := diag.WriteText(env.Stdout, ds, sources, useColor(env, env.Stdout)); err != nil {
		return err
	}
	if len(acks) > 0 && len(ds) > 0 {
		if _, err := io.WriteString(env.Stdout, "\n"); err != nil {
			return err
		}
	}
	return diag.WriteAcknowledgedText(env.Stdout, acks)
}

// The environment variables that raise (or lower) the front-ends'
// bounds, for a topology that really needs more; unset, the defaults.
const (
	envMaxNesting    = "MOBPLAN_MAX_NESTING"
	envMaxValueDepth = "MOBPLAN_MAX_VALUE_DEPTH"
	envMaxElements   = "MOBPLAN_MAX_ELEMENTS"
)

// setEvalLimits applies MOBPLAN_MAX_NESTING, MOBPLAN_MAX_VALUE_DEPTH and
// MOBPLAN_MAX_ELEMENTS, or the defaults where they are unset.
func setEvalLimits(env Env) error {
	var n [3]int
	for i, name := range []string{envMaxNesting, envMaxValueDepth, envMaxElements} {
		v := strings.TrimSpace(env.getenv(name))
		if v == "" {
			continue
		}
		x, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
		if err != nil || x < 1 {
			return fmt.Errorf("%s: %q is not a positive whole number", name, v)
		}
		n[i] = x
	}
	if err := canon.SetLimits(n[0], n[1]); err != nil {
		return fmt.Errorf("%s / %s: %w", envMaxNesting, envMaxValueDepth, err)
	}
	if err := hcltopo.SetMaxElements(n[2]); err != nil {
		return fmt.Errorf("%s: %w", envMaxElements, err)
	}
	return nil
}
