// Package frontend is what every topology syntax declares about itself —
// its name, the file names it reads, how it loads a topology and how it
// formats a file — and the one rule deciding which files of a folder
// form a topology, whatever the syntax.
//
// Each front-end package (schema/hcltopo, schema/cuetopo,
// schema/jsonnettopo, schema/datatopo) declares its Syntax values;
// internal/loader holds the table of them, picks one for a path, and
// `mobplan fmt` asks it for the formatter. This package knows no
// front-end and no generator: it depends on the canonical document and
// the diagnostic type only.
package frontend

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// Options are the user's settings for reading a topology. A syntax reads
// the ones its Flags name; the loader refuses the others rather than
// ignoring them.
type Options struct {
	// Vars and VarFiles set HCL variables (--var, --var-file); Env
	// supplies MOBPLAN_VAR_*.
	Vars     []string
	VarFiles []string
	Env      []string
	// ExtStr and TLAStr are Jsonnet external variables and top-level
	// arguments (--ext-str, --tla-str), as name=value.
	ExtStr []string
	TLAStr []string
	// Timeout bounds the evaluation of an HCL, CUE or Jsonnet topology
	// (0: none for HCL and CUE, jsonnetvm.DefaultTimeout for Jsonnet).
	Timeout time.Duration
	// Now is the clock acknowledgements expire by (nil: the system's).
	Now func() time.Time
}

// Flags lists the command-line options that are set, by flag name.
func (o Options) Flags() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"--var", len(o.Vars) > 0},
		{"--var-file", len(o.VarFiles) > 0},
		{"--ext-str", len(o.ExtStr) > 0},
		{"--tla-str", len(o.TLAStr) > 0},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// Syntax is one topology syntax as the loader and fmt see it.
type Syntax struct {
	// Name is the short name Detect reports and canon.Document.Syntax
	// holds ("hcl").
	Name string
	// Title names the syntax in messages ("HCL").
	Title string
	// Extensions are the file name endings read as this syntax, in
	// lower case, the usual one first.
	Extensions []string
	// Libraries are the endings among Extensions of files that belong
	// to a topology folder but are not a topology on their own
	// (Jsonnet's .libsonnet).
	Libraries []string
	// Flags are the Options (by flag name) the syntax reads.
	Flags []string
	// Load reads the topology at path, a folder or one file. Its files
	// are those Files selects.
	Load func(path string, opts Options) (*canon.Document, diag.Diagnostics)
	// Format returns a file's source in the syntax's canonical layout,
	// or the file's syntax errors (SYNTAX-001) at their positions. Nil
	// when the syntax has no canonical layout of its own (JSON and YAML
	// are left as they are written).
	Format func(name string, src []byte) ([]byte, diag.Diagnostics)
}

// Reads reports whether a file name has one of the syntax's endings.
func (s Syntax) Reads(name string) bool {
	return slices.Contains(s.Extensions, strings.ToLower(filepath.Ext(name)))
}

// IsLibrary reports whether a file name has one of the syntax's library
// endings.
func (s Syntax) IsLibrary(name string) bool {
	return slices.Contains(s.Libraries, strings.ToLower(filepath.Ext(name)))
}

// Files returns the syntax's files at a topology path (see Files).
func (s Syntax) Files(path string) ([]string, error) { return Files(path, s.Extensions...) }

// Ignored reports whether a file in a topology folder is left out of the
// topology whatever its syntax: hidden files (a leading ".") and files
// starting with "_". Editors keep lock and backup files beside the ones
// being edited (Emacs's .#topology.hcl, a dangling link while the file is
// open; Vim's .topology.hcl.swp), and a user sets a file aside by hiding
// it (.old.hcl) or prefixing it (_draft.cue, as the cue tool ignores it);
// none of them is part of the topology. A file named explicitly is read
// whatever its name.
func Ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// Files returns the files of a topology path with one of the given
// endings (compared in lower case): the file itself when path is a file,
// or the files of a folder (not its subfolders, and not the Ignored ones)
// in name order.
func Files(path string, exts ...string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || Ignored(name) || !slices.Contains(exts, strings.ToLower(filepath.Ext(name))) {
			continue
		}
		out = append(out, filepath.Join(path, name))
	}
	sort.Strings(out)
	return out, nil
}

// Join lists words for a message: "a, b, c or d" with conj "or".
func Join(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// Pairs parses name=value settings given with flag.
func Pairs(flag string, list []string) (map[string]string, diag.Diagnostics) {
	out := map[string]string{}
	var ds diag.Diagnostics
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Invalid " + flag,
				Detail: fmt.Sprintf("%s %q: expected name=value", flag, s)})
			continue
		}
		out[k] = v
	}
	return out, ds
}
