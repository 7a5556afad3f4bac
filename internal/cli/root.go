// Package cli is mobplan's command line: one constructor per command, no
// package-level flag state, data on stdout and logs on stderr.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Env is what a run of the CLI sees of the outside world.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string
}

func (e Env) getenv(k string) string {
	for _, kv := range e.Environ {
		if name, v, ok := strings.Cut(kv, "="); ok && name == k {
			return v
		}
	}
	return ""
}

// Exit codes shared by every command.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2
)

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs the CLI and returns the process exit code.
func Main(args []string, env Env) int {
	return MainContext(context.Background(), args, env)
}

// MainContext is Main under a context: when it ends, a running serve
// stops as on SIGINT.
func MainContext(ctx context.Context, args []string, env Env) int {
	root := NewRootCmd(env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(env.Stderr, "Error: %s\n", err)
	// Asked for JSON, a failure is JSON too, so a pipeline reading stdout
	// gets a document, not nothing.
	if cmd, _, ferr := root.Find(args); ferr == nil {
		if f := cmd.Flags().Lookup("format"); f != nil && f.Value.String() == "json" {
			writeJSON(env, struct {
				FormatVersion string `json:"format_version"`
				OK            bool   `json:"ok"`
				Error         string `json:"error"`
			}{"1", false, err.Error()})
		}
	}
	return ExitError
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "mobplan",
		Short: "Plan, validate, generate and serve a Skype for Business Mobility deployment",
		Long: `mobplan checks a Skype for Business Server / Lync Server 2013 Mobility topology
(Autodiscover, UCWA, MCX, push notifications) against every documented requirement,
shows what would change in the deployment's artifacts, writes them, and serves the
plan in a lab so mobile-client flows can be traced before go-live.

Start with 'mobplan init --sip-domain contoso.com DIR' (a starter topology that
validates), then 'mobplan validate DIR' and 'mobplan plan DIR'. 'mobplan schema
--format markdown' prints every attribute of the topology language.

Exit status: 0 success, 1 error or invalid input; 'plan --detailed-exitcode' exits 2
when changes are pending.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.AddCommand(newInitCmd(env), newValidateCmd(env), newPlanCmd(env), newApplyCmd(env), newShowCmd(env), newRulesCmd(env), newSchemaCmd(env), newFmtCmd(env), newServeCmd(env), newTraceCmd(env), newVersionCmd(env))
	return root
}

// useColor follows NO_COLOR (https://no-color.org) and colours only terminals.
func useColor(env Env, w io.Writer) bool {
	if _, set := lookupEnv(env, "NO_COLOR"); set {
		return false
	}
	if env.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func lookupEnv(env Env, k string) (string, bool) {
	for _, kv := range env.Environ {
		if name, v, ok := strings.Cut(kv, "="); ok && name == k {
			return v, true
		}
	}
	return "", false
}

// formatFlag validates --format against the allowed values.
type formatFlag struct {
	value   string
	allowed []string
}

func newFormatFlag(def string, allowed ...string) *formatFlag {
	return &formatFlag{value: def, allowed: allowed}
}

func (f *formatFlag) String() string { return f.value }
func (f *formatFlag) Type() string   { return "format" }
func (f *formatFlag) Set(s string) error {
	for _, a := range f.allowed {
		if s == a {
			f.value = s
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(f.allowed, ", "))
}

func addFormatFlag(cmd *cobra.Command, f *formatFlag) {
	cmd.Flags().Var(f, "format", "output format: "+strings.Join(f.allowed, ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return f.allowed, cobra.ShellCompDirectiveNoFileComp
	})
}

// isTerminal reports whether r is a terminal (a prompt can be answered).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
