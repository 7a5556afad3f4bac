// Package custom runs a topology's custom generators: Jsonnet programs
// that receive the plan and return files. Their files land under
// artifacts/custom/<name>/ and are treated like every built-in artifact
// (manifest, drift, plan diff, atomic apply).
//
// The contract, for the program author:
//
//   - the plan (the JSON plan.json holds) is the top-level argument plan
//     when the program is a function, and std.extVar('plan') always;
//   - the program returns an object { "<relative path>": "<content>" };
//     every value is a string, written byte for byte (no newline added);
//   - the program and its imports stay inside the topology folder, and
//     its evaluation is bounded in stack depth and time.
//
// Every problem is a GEN-001 diagnostic at the program's file:line:col.
package custom

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mobplan/mobplan/generators/artifact"
	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/jsonnetvm"
	"github.com/mobplan/mobplan/planner/plan"
)

// Rule is the catalogue ID of every custom generator problem.
const Rule = canon.RuleGenerator

// Dir is the folder of the artifacts directory custom generators write
// into, one subfolder per generator.
const Dir = "custom"

// Options say where the programs live.
type Options struct {
	// Root is the topology folder: sources and their imports stay in it.
	Root string
	// SourceRange returns where the topology sets a generator's source,
	// for problems with the file itself (missing, outside the folder).
	// It may be nil, or return nil.
	SourceRange func(name string) *diag.Range
	// Timeout and MaxStack bound each program; zero means the jsonnetvm
	// defaults.
	Timeout  time.Duration
	MaxStack int
}

// Generators returns one generator per custom generator of the topology,
// in name order. sources maps each generator's name to its program's path,
// relative to Options.Root.
func Generators(sources map[string]string, o Options) []artifact.Generator {
	// Every program gets the same plan; encode it once.
	enc := &planJSON{}
	var out []artifact.Generator
	for _, name := range slices.Sorted(maps.Keys(sources)) {
		source := sources[name]
		out = append(out, artifact.Generator{
			Name: Dir + "/" + name,
			Generate: func(ctx *artifact.Context) ([]artifact.File, error) {
				plan, err := enc.get(ctx.Plan)
				if err != nil {
					return nil, err
				}
				return run(name, source, plan, ctx.Inputs, o)
			},
		})
	}
	return out
}

// planJSON is the plan as every program reads it, encoded once; the
// generators may run at once.
type planJSON struct {
	mu   sync.Mutex
	plan *plan.Plan
	text string
}

func (e *planJSON) get(p *plan.Plan) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.plan != p || e.text == "" {
		b, err := json.Marshal(p)
		if err != nil {
			return "", err
		}
		e.plan, e.text = p, string(b)
	}
	return e.text, nil
}

// run evaluates one program and checks its output.
func run(name, source, plan string, inputs map[string]string, o Options) ([]artifact.File, error) {
	file, src, d := load(name, source, o)
	if d != nil {
		return nil, &artifact.DiagnosticsError{Diagnostics: diag.Diagnostics{*d}}
	}
	sources := map[string][]byte{}
	out, jerr := jsonnetvm.Evaluate(file, src, jsonnetvm.Options{
		Root:     o.Root,
		ExtCode:  map[string]string{"plan": plan},
		TLACode:  map[string]string{"plan": plan},
		Timeout:  o.Timeout,
		MaxStack: o.MaxStack,
	}, sources)
	if jerr != nil {
		d := jerr.Diagnostic(Rule, fmt.Sprintf("Custom generator %q failed", name))
		if d.Range == nil {
			d.Range = diag.FileStart(file)
		}
		if jerr.Summary != "" {
			d.Summary = fmt.Sprintf("Custom generator %q stopped: %s", name, strings.ToLower(jerr.Summary[:1])+jerr.Summary[1:])
		} else {
			d.Hint = "Fix the program at this position. It gets the plan as the top-level argument plan (function(plan) { ... }) and as std.extVar('plan')."
		}
		return nil, &artifact.DiagnosticsError{Diagnostics: diag.Diagnostics{d}, Sources: sources}
	}
	files, ds := decode(name, out, &locator{file: file, src: src, sources: sources})
	if len(ds) > 0 {
		return nil, &artifact.DiagnosticsError{Diagnostics: ds, Sources: sources}
	}
	if inputs != nil {
		for p, b := range sources {
			sum := sha256.Sum256(b)
			inputs[p] = hex.EncodeToString(sum[:])
		}
	}
	return files, nil
}

// load resolves and reads a generator's source inside the topology folder.
func load(name, source string, o Options) (string, []byte, *diag.Diagnostic) {
	fail := func(summary, detail string) (string, []byte, *diag.Diagnostic) {
		d := &diag.Diagnostic{Severity: diag.Error, Rule: Rule, Summary: summary, Detail: detail,
			Hint: "Set source to the path of a Jsonnet program inside the topology folder, relative to it (for example \"generators/" + name + ".jsonnet\")."}
		if o.SourceRange != nil {
			d.Range = o.SourceRange(name)
		}
		return "", nil, d
	}
	if strings.TrimSpace(source) == "" {
		return fail(fmt.Sprintf("Custom generator %q has no source", name), "source is empty.")
	}
	if filepath.IsAbs(source) || strings.HasPrefix(source, "/") {
		return fail(fmt.Sprintf("Custom generator %q: source outside the topology folder", name),
			fmt.Sprintf("%s is an absolute path; give a path relative to the topology folder %s.", source, o.Root))
	}
	file := filepath.Join(o.Root, filepath.FromSlash(source))
	if err := canon.Confine(o.Root, file); err != nil {
		return fail(fmt.Sprintf("Custom generator %q: source outside the topology folder", name), err.Error()+".")
	}
	src, err := canon.ReadFile(o.Root, file)
	if errors.Is(err, fs.ErrNotExist) {
		return fail(fmt.Sprintf("Custom generator %q: source file not found", name),
			fmt.Sprintf("%s does not exist (source = %q, relative to the topology folder %s).", file, source, o.Root))
	}
	if err != nil {
		return fail(fmt.Sprintf("Custom generator %q: cannot read the source file", name), err.Error()+".")
	}
	return file, src, nil
}

// decode checks the program's output and turns it into files.
func decode(name, out string, loc *locator) ([]artifact.File, diag.Diagnostics) {
	var v any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		// Jsonnet always outputs JSON; this is not the user's doing.
		return nil, diag.Diagnostics{{Severity: diag.Error, Rule: Rule, Summary: fmt.Sprintf("Custom generator %q returned unreadable output", name),
			Detail: err.Error(), Range: loc.result()}}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, diag.Diagnostics{{Severity: diag.Error, Rule: Rule,
			Summary: fmt.Sprintf("Custom generator %q must return an object of files", name),
			Detail:  fmt.Sprintf("The program returned %s; it must return an object mapping relative file paths to their contents, such as { 'f5/web.tmsh': '...' }.", describe(v)),
			Hint:    "Make the program's result an object whose fields are file paths and whose values are the files' contents as strings.",
			Range:   loc.result()}}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ds diag.Diagnostics
	bad := func(key, summary, detail, hint string) {
		ds = append(ds, diag.Diagnostic{Severity: diag.Error, Rule: Rule, Summary: fmt.Sprintf(summary, name), Detail: detail, Hint: hint, Range: loc.field(key)})
	}
	var files []artifact.File
	valid := map[string]bool{}
	for _, k := range keys {
		if why := checkPath(k); why != "" {
			bad(k, "Custom generator %q returned an invalid file path", fmt.Sprintf("The path %q %s.", k, why),
				fmt.Sprintf("Use a relative path with '/' between folders, such as \"f5/web.tmsh\"; it is written under artifacts/%s/%s/.", Dir, name))
			continue
		}
		valid[k] = true
		s, ok := obj[k].(string)
		if !ok {
			bad(k, "Custom generator %q returned a file whose content is not a string",
				fmt.Sprintf("The content of %q is %s; file contents are strings.", k, describe(obj[k])),
				"Render structured data as text: std.manifestJsonEx(value, '  ') for JSON, std.manifestYamlDoc(value) for YAML, std.manifestIni(ini) for INI.")
			continue
		}
		files = append(files, artifact.File{Path: Dir + "/" + name + "/" + k, Data: []byte(s)})
	}
	for _, c := range collisions(keys, valid) {
		bad(c.second, "Custom generator %q returned colliding file paths", c.why,
			"Give every file its own path, distinct from the others also when letter case is ignored, and no file the name of another's folder.")
	}
	if len(ds) > 0 {
		return nil, ds
	}
	return files, nil
}

// checkPath says what is wrong with a relative file path, or "".
func checkPath(p string) string {
	switch {
	case p == "":
		return "is empty"
	case strings.IndexByte(p, 0) >= 0:
		return "contains a NUL byte"
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "contains a control character"
	case strings.Contains(p, `\`):
		return `contains a backslash; separate folders with "/"`
	case strings.HasPrefix(p, "/") || len(p) >= 2 && p[1] == ':' && isLetter(p[0]):
		return "is absolute; paths are relative to the generator's folder"
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "..":
			return `contains a ".." segment; files stay inside the generator's folder`
		case "", ".":
			return `has an empty or "." segment (or ends with "/"); write each folder once, without "./"`
		}
	}
	return ""
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

type collision struct{ second, why string }

// collisions finds paths that cannot all be files: one the folder of
// another, or two equal but for letter case (the same file on Windows
// and macOS). Keys are sorted; each collision is reported at the later
// path.
func collisions(keys []string, valid map[string]bool) []collision {
	seen := map[string]string{}
	for _, k := range keys {
		if valid[k] {
			if _, dup := seen[strings.ToLower(k)]; !dup {
				seen[strings.ToLower(k)] = k
			}
		}
	}
	var out []collision
	for _, k := range keys {
		if !valid[k] {
			continue
		}
		if first := seen[strings.ToLower(k)]; first != k {
			out = append(out, collision{k, fmt.Sprintf("%q and %q differ only in letter case: on a case-insensitive file system they are one file.", first, k)})
			continue
		}
		for i := strings.LastIndexByte(k, '/'); i > 0; i = strings.LastIndexByte(k[:i], '/') {
			if dir, ok := seen[strings.ToLower(k[:i])]; ok {
				out = append(out, collision{k, fmt.Sprintf("%q is a file, but %q needs a folder of that name.", dir, k)})
				break
			}
		}
	}
	return out
}

// describe names a JSON value's kind for messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("a boolean (%t)", x)
	case json.Number:
		return fmt.Sprintf("a number (%s)", x)
	case string:
		return "a string"
	case []any:
		return fmt.Sprintf("an array of %d element(s)", len(x))
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
