package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"

	"github.com/mobplan/mobplan/internal/atomicfile"
	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/loader"
	"github.com/mobplan/mobplan/schema/frontend"
)

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
			root := path
			if st, err := os.Stat(path); err == nil && !st.IsDir() {
				root = filepath.Dir(path)
			}
			for _, file := range files {
				f := file.name
				// Read as validate does: a link out of the folder, or a
				// FIFO, is refused, never formatted over its target.
				src, err := canon.ReadFile(root, f)
				if err != nil {
					ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Cannot read topology file",
						Detail: err.Error(), Range: &diag.Range{Filename: f}})
					continue
				}
				out, fds := file.format(f, src)
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
				writeDiagnostics(Env{Stdout: env.Stderr, Environ: env.Environ}, "text", ds, nil, sources)
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

// fmtFile is a file to format and its syntax's formatter.
type fmtFile struct {
	name   string
	format func(name string, src []byte) ([]byte, diag.Diagnostics)
}

// fmtFiles lists the files fmt formats at path: the file itself, or the
// files of the folder each syntax with a formatter takes as its
// topology's (not subfolders, nor hidden or "_" files: the files
// validate reads), in name order.
func fmtFiles(path string) ([]fmtFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or folder", path)
		}
		return nil, err
	}
	var formatted, patterns, untouched, all []string
	for _, s := range loader.Syntaxes {
		for _, e := range s.Extensions {
			all = append(all, "*"+e)
			if s.Format != nil {
				formatted = append(formatted, e)
				patterns = append(patterns, "*"+e)
			}
		}
		if s.Format == nil {
			untouched = append(untouched, s.Title)
		}
	}
	if !st.IsDir() {
		s, ok := loader.ForFile(path)
		switch {
		case ok && s.Format != nil:
			return []fmtFile{{path, s.Format}}, nil
		case ok:
			return nil, fmt.Errorf("%s: fmt formats %s files; %s are left as they are", path, frontend.Join(patterns, "and"), frontend.Join(untouched, "and"))
		}
		return nil, fmt.Errorf("%s: not a topology file (expected %s)", path, frontend.Join(formatted, "or"))
	}
	var files []fmtFile
	others := false
	for _, s := range loader.Syntaxes {
		found, err := s.Files(path)
		if err != nil {
			return nil, err
		}
		if s.Format == nil {
			others = others || len(found) > 0
			continue
		}
		for _, f := range found {
			files = append(files, fmtFile{f, s.Format})
		}
	}
	if len(files) == 0 && !others {
		return nil, fmt.Errorf("%s holds no topology file (%s)", path, strings.Join(all, ", "))
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// writeFileAtomic replaces name with data (internal/atomicfile: written
// and synced beside it, given the file's mode, then renamed over it), so
// a reader or a crash sees the old file or the new one, never half of
// each.
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
