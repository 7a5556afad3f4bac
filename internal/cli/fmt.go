package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	cueformat "cuelang.org/go/cue/format"
	cueparser "cuelang.org/go/cue/parser"
	jsonnetast "github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/formatter"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/atomicfile"
	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// formatters maps the file name endings fmt rewrites to their formatter;
// JSON and YAML have no canonical layout of their own and are left alone.
var formatters = map[string]func(name string, src []byte) ([]byte, diag.Diagnostics){
	".hcl":       formatHCL,
	".cue":       formatCUE,
	".jsonnet":   formatJsonnet,
	".libsonnet": formatJsonnet,
}

// untouched are the topology syntaxes fmt leaves alone.
var untouched = map[string]bool{".json": true, ".yaml": true, ".yml": true}

func newFmtCmd(env Env) *cobra.Command {
	var check, showDiff bool
	cmd := &cobra.Command{
		Use:   "fmt [PATH]",
		Short: "Rewrite topology files in the canonical format",
		Long: `Fmt rewrites the topology files at PATH (a folder or one file; default the current
folder) in their syntax's canonical format: *.hcl as HCL's own formatter does, *.cue
as 'cue fmt', *.jsonnet and *.libsonnet as 'jsonnetfmt'. JSON and YAML files are left
as they are. It prints the path of every file it changed; files already canonical
are not touched, and a file is replaced whole (written beside it, then renamed).

A file that does not parse is reported (SYNTAX-001, with its line and column) and
left as it is; the other files are still formatted.

With --check nothing is written: fmt lists the files that are not canonical.

Exit status: 0 on success (with --check: every file is canonical), 1 when a file
does not parse or cannot be written, or with --check when a file would change.`,
		Example: `  mobplan fmt                     # format the topology in the current folder
  mobplan fmt --check --diff site # in CI: fail, and show how, if a file is not canonical`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := topologyPath(args)
			files, err := fmtFiles(path)
			if err != nil {
				return err
			}
			var ds diag.Diagnostics
			sources := map[string][]byte{}
			failed := false
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Cannot read topology file",
						Detail: err.Error(), Range: &diag.Range{Filename: f}})
					continue
				}
				out, fds := formatters[strings.ToLower(filepath.Ext(f))](f, src)
				if len(fds) > 0 {
					ds = append(ds, fds...)
					sources[f] = src
					continue
				}
				if bytes.Equal(out, src) {
					continue
				}
				if !check {
					if err := writeFileAtomic(f, out); err != nil {
						fmt.Fprintf(env.Stderr, "Error: %s\n", err)
						failed = true
						continue
					}
				}
				fmt.Fprintln(env.Stdout, f)
				if showDiff {
					env.Stdout.Write(diff.Diff("a/"+filepath.ToSlash(f), src, "b/"+filepath.ToSlash(f), out))
				}
				if check {
					failed = true
				}
			}
			if len(ds) > 0 {
				ds.Sort()
				writeDiagnostics(Env{Stdout: env.Stderr, Environ: env.Environ}, "text", ds, sources)
				failed = true
			}
			if failed {
				return exitError{ExitError}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; list the files that are not canonical and exit 1 if any")
	cmd.Flags().BoolVar(&showDiff, "diff", false, "show each change as a unified diff")
	return cmd
}

// fmtFiles lists the files fmt formats at path: the file itself, or the
// formattable files of the folder (not its subfolders, nor hidden files:
// a topology is one folder, as for validate).
func fmtFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or folder", path)
		}
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(path))
	if !st.IsDir() {
		switch {
		case formatters[ext] != nil:
			return []string{path}, nil
		case untouched[ext]:
			return nil, fmt.Errorf("%s: fmt formats *.hcl, *.cue, *.jsonnet and *.libsonnet files; JSON and YAML are left as they are", path)
		}
		return nil, fmt.Errorf("%s: not a topology file (expected .hcl, .cue, .jsonnet or .libsonnet)", path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	others := false
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		ext := strings.ToLower(filepath.Ext(e.Name()))
		switch {
		case formatters[ext] != nil:
			files = append(files, filepath.Join(path, e.Name()))
		case untouched[ext]:
			others = true
		}
	}
	if len(files) == 0 && !others {
		return nil, fmt.Errorf("%s holds no topology file (*.hcl, *.cue, *.jsonnet, *.libsonnet, *.json, *.yaml)", path)
	}
	return files, nil
}

// formatHCL parses first: hclwrite.Format works on tokens and would
// happily "format" a file that does not parse.
func formatHCL(name string, src []byte) ([]byte, diag.Diagnostics) {
	if _, hd := hclsyntax.ParseConfig(src, name, hcl.InitialPos); hd.HasErrors() {
		var ds diag.Diagnostics
		for _, d := range hd {
			if d.Severity != hcl.DiagError {
				continue
			}
			r := &diag.Range{Filename: name}
			if s := d.Subject; s != nil {
				r.Start = diag.Pos{Line: s.Start.Line, Column: s.Start.Column, Byte: s.Start.Byte}
				r.End = diag.Pos{Line: s.End.Line, Column: s.End.Column, Byte: s.End.Byte}
			}
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: d.Summary, Detail: d.Detail, Range: r})
		}
		return nil, ds
	}
	return hclwrite.Format(src), nil
}

// formatCUE does what 'cue fmt' does: parse with comments, print.
func formatCUE(name string, src []byte) ([]byte, diag.Diagnostics) {
	f, err := cueparser.ParseFile(name, src, cueparser.ParseComments)
	if err != nil {
		var ds diag.Diagnostics
		for _, e := range cueerrors.Errors(err) {
			format, args := e.Msg()
			r := &diag.Range{Filename: name}
			if p := e.Position(); p.IsValid() {
				r.Start = canon.PosAt(src, p.Offset())
				r.End = r.Start
			}
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Invalid CUE",
				Detail: fmt.Sprintf(format, args...), Range: r})
		}
		return nil, ds
	}
	out, err := cueformat.Node(f)
	if err != nil {
		return nil, diag.Diagnostics{{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Invalid CUE",
			Detail: err.Error(), Range: &diag.Range{Filename: name}}}
	}
	return out, nil
}

// formatJsonnet does what 'jsonnetfmt' does with its default options.
func formatJsonnet(name string, src []byte) ([]byte, diag.Diagnostics) {
	out, err := formatter.Format(name, string(src), formatter.DefaultOptions())
	if err == nil {
		return []byte(out), nil
	}
	d := diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Invalid Jsonnet",
		Detail: strings.TrimSpace(err.Error()), Range: &diag.Range{Filename: name}}
	// Lexer and parser errors carry their place; the message starts with
	// it, which the range says already.
	if l, ok := err.(interface {
		Loc() jsonnetast.LocationRange
	}); ok {
		loc := l.Loc()
		if !loc.IsSet() {
			return nil, diag.Diagnostics{d}
		}
		d.Range.Start = jsonnetPos(src, loc.Begin)
		d.Range.End = jsonnetPos(src, loc.End)
		d.Detail = strings.TrimSpace(strings.TrimPrefix(d.Detail, loc.String()))
	}
	return nil, diag.Diagnostics{d}
}

// jsonnetPos converts go-jsonnet's line and byte column (both from 1)
// into a position whose column counts characters.
func jsonnetPos(src []byte, l jsonnetast.Location) diag.Pos {
	off := 0
	for line := 1; line < l.Line; line++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return canon.PosAt(src, len(src))
		}
		off += i + 1
	}
	return canon.PosAt(src, min(off+max(l.Column-1, 0), len(src)))
}

// writeFileAtomic replaces name with data, keeping the file's mode: a
// reader or a crash sees the old file or the new one, never half of each.
func writeFileAtomic(name string, data []byte) error {
	// Through a symbolic link, replace the file it points at, not the link.
	if target, err := filepath.EvalSymlinks(name); err == nil {
		name = target
	}
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(name, data, st.Mode().Perm())
}
