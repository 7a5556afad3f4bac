package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema"
)

func newRulesCmd(env Env) *cobra.Command {
	format := newFormatFlag("text", "text", "json")
	var all bool
	cmd := &cobra.Command{
		Use:   "rules [ID]",
		Short: "List the rules, or explain one",
		Long: `Without an ID, rules lists every rule validate checks: ID, severity and a one-line
summary (--all adds catalogue rules validate does not check, and why). With an ID it
explains that rule: what must hold, the fix, and the documentation it comes from.

Exit status: 0, or 1 when no rule has the ID.`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			s, err := schema.Load()
			if err != nil || len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var ids []string
			for _, r := range s.Rules() {
				ids = append(ids, r.ID+"\t"+r.Summary)
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := schema.Load()
			if err != nil {
				return err
			}
			type entry struct {
				diag.RuleInfo
				Checked bool   `json:"checked"`
				Note    string `json:"note,omitempty"`
			}
			mk := func(r diag.RuleInfo) entry {
				if s.Validated(r.ID) {
					return entry{RuleInfo: r, Checked: true}
				}
				return entry{RuleInfo: r, Note: notValidated(s.CheckedBy(r.ID))}
			}
			if len(args) == 1 {
				r, ok := s.Rule(args[0])
				if !ok {
					return fmt.Errorf("no rule %q; run 'mobplan rules' for the list", args[0])
				}
				if format.value == "json" {
					return writeJSON(env, mk(r))
				}
				e := mk(r)
				explainRule(env, e.RuleInfo, e.Checked, e.Note)
				return nil
			}
			var list []entry
			for _, r := range s.Rules() {
				if s.Validated(r.ID) || all {
					list = append(list, mk(r))
				}
			}
			if format.value == "json" {
				return writeJSON(env, struct {
					FormatVersion string  `json:"format_version"`
					Rules         []entry `json:"rules"`
				}{"1", list})
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tSUMMARY")
			for _, e := range list {
				sum := e.Summary
				if !e.Checked {
					sum += " (not checked by validate)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.ID, e.Severity, sum)
			}
			return tw.Flush()
		},
	}
	addFormatFlag(cmd, format)
	cmd.Flags().BoolVar(&all, "all", false, "include catalogue rules that validate does not check")
	return cmd
}

// notValidated says who decides a rule validate does not check, from its
// catalogue checked_by.
func notValidated(checkedBy []string) string {
	if slices.Contains(checkedBy, schema.CheckedByGenerator) {
		return "plan and apply report it, as they run the custom generators."
	}
	return ""
}

func explainRule(env Env, r diag.RuleInfo, checked bool, note string) {
	w := env.Stdout
	fmt.Fprintf(w, "%s (%s, %s)\n%s\n\n", r.ID, r.Severity, r.Category, r.Summary)
	fmt.Fprintf(w, "What must hold:\n%s\n\n", indent(r.Requirement))
	fmt.Fprintf(w, "Fix:\n%s\n\n", indent(r.Hint))
	fmt.Fprintf(w, "Sources:\n")
	for _, s := range r.Sources {
		fmt.Fprintf(w, "  %s\n", s)
	}
	if !checked {
		fmt.Fprintf(w, "\nNot checked by validate: %s\n", note)
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}

func writeJSON(env Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
