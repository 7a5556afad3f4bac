// Package datatopo reads a topology written as plain data, JSON or YAML,
// usually produced by another tool. The files hold the canonical value
// directly (the shape `mobplan schema --format jsonschema` describes);
// every key and element keeps its exact source range.
//
// A folder may hold several files; their top-level keys are merged, and a
// key declared in two files is an error rather than a silent override.
package datatopo

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/schema/frontend"
)

var (
	jsonExtensions = []string{".json"}
	yamlExtensions = []string{".yaml", ".yml"}
)

// JSON and YAML are the data syntaxes as the loader and fmt see them.
// Neither has a canonical layout of its own: fmt leaves them as they are.
var (
	JSON = dataSyntax("json", "JSON", jsonExtensions)
	YAML = dataSyntax("yaml", "YAML", yamlExtensions)
)

func dataSyntax(name, title string, exts []string) frontend.Syntax {
	return frontend.Syntax{Name: name, Title: title, Extensions: exts,
		Load: func(path string, _ frontend.Options) (*canon.Document, diag.Diagnostics) { return load(path, exts) }}
}

// Files returns the data files of a path: the file itself, or the JSON
// and YAML files of a folder in name order (frontend.Ignored ones left
// out).
func Files(path string) ([]string, error) {
	return frontend.Files(path, slices.Concat(jsonExtensions, yamlExtensions)...)
}

// syntaxOf tells a data file's syntax by its name.
func syntaxOf(file string) string {
	if slices.Contains(jsonExtensions, strings.ToLower(filepath.Ext(file))) {
		return "json"
	}
	return "yaml"
}

// Load reads the topology at path (a folder or one .json/.yaml/.yml
// file); a folder's JSON and YAML files are read together.
func Load(path string) (*canon.Document, diag.Diagnostics) {
	return load(path, slices.Concat(jsonExtensions, yamlExtensions))
}

// patterns are file name endings as "*.json".
func patterns(exts []string) []string {
	out := make([]string, len(exts))
	for i, e := range exts {
		out[i] = "*" + e
	}
	return out
}

// load reads the files with the given endings at path.
func load(path string, exts []string) (*canon.Document, diag.Diagnostics) {
	root := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		root = filepath.Dir(path)
	}
	files, err := frontend.Files(path, exts...)
	syntax := "json"
	if len(files) > 0 {
		syntax = syntaxOf(files[0])
	}
	doc := canon.NewDocument(syntax, root)
	if err != nil {
		return doc, diag.Diagnostics{{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Cannot read topology", Detail: err.Error(), Range: &diag.Range{Filename: path}}}
	}
	if len(files) == 0 {
		return doc, diag.Diagnostics{{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "No topology files", Detail: fmt.Sprintf("%s holds no %s file", path, frontend.Join(patterns(exts), "or")), Range: &diag.Range{Filename: path}}}
	}
	var ds diag.Diagnostics
	owner := map[string]string{} // top-level key → file that declared it
	for _, f := range files {
		src, err := canon.ReadFile(root, f)
		if err != nil {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleSyntax, Summary: "Cannot read topology file", Detail: err.Error(), Range: &diag.Range{Filename: f}})
			continue
		}
		doc.Sources[f] = src
		p := &parsed{file: f, src: src, ranges: map[string]diag.Range{}}
		var v any
		if syntaxOf(f) == "json" {
			v = p.parseJSON()
		} else {
			v = p.parseYAML()
		}
		ds = append(ds, p.ds...)
		for _, fp := range p.failed {
			doc.Failed[fp.Key()] = true
		}
		if v == nil {
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			r := p.ranges[canon.Path{}.Key()]
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: "Topology must be an object",
				Detail: fmt.Sprintf("%s holds %s at the top; a topology file holds an object of topology fields (version, sip_domains, pools, ...)", f, canon.Kind(v)), Range: &r})
			continue
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "$schema" {
				// Editors find the JSON Schema through this key; it is
				// not part of the topology.
				continue
			}
			if prev, dup := owner[k]; dup {
				r := p.ranges[canon.Path{k}.Key()]
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleDuplicate, Summary: "Duplicate declaration",
					Detail: fmt.Sprintf("%q is declared in %s already; a folder's files are merged at the top level, so each field may appear in one file only", k, prev), Range: &r})
				continue
			}
			owner[k] = f
			doc.Value[k] = obj[k]
		}
		for key, r := range p.ranges {
			if key != "" {
				doc.Ranges[key] = r
			}
		}
	}
	return doc, ds
}

// parsed collects one file's value, ranges and problems.
type parsed struct {
	file   string
	src    []byte
	ranges map[string]diag.Range
	ds     diag.Diagnostics
	// failed lists paths left out because their value was refused.
	failed []canon.Path
	lines  []int // byte offset of each line's start, built on first use
}

func (p *parsed) rangeAt(start, end int) diag.Range {
	return diag.Range{Filename: p.file, Start: p.pos(start), End: p.pos(end)}
}

func (p *parsed) indexLines() {
	if p.lines != nil {
		return
	}
	p.lines = []int{0}
	for i, b := range p.src {
		if b == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
}

// pos is canon.PosAt through the line index.
func (p *parsed) pos(off int) diag.Pos {
	p.indexLines()
	off = min(max(off, 0), len(p.src))
	line := sort.Search(len(p.lines), func(i int) bool { return p.lines[i] > off }) // first line starting after off
	start := p.lines[line-1]
	pos := canon.PosAt(p.src[start:], off-start)
	return diag.Pos{Line: line, Column: pos.Column, Byte: off}
}

func (p *parsed) errorf(rule string, r diag.Range, summary, format string, args ...any) {
	p.ds = append(p.ds, diag.Diagnostic{Severity: diag.Error, Rule: rule, Summary: summary, Detail: fmt.Sprintf(format, args...), Range: &r})
}
