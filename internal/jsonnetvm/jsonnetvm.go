// Package jsonnetvm runs Jsonnet programs the way mobplan needs them run,
// for topologies and custom generators alike: imports confined to one
// folder, a stack bound against runaway recursion, a time bound against
// everything else, and errors that keep their file:line:col.
package jsonnetvm

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/toolutils"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/memlimit"
)

// DefaultTimeout bounds one evaluation when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// DefaultMaxStack is the deepest call stack a program may build.
const DefaultMaxStack = 500

// Options configure one evaluation.
type Options struct {
	// Root is the folder imports are confined to.
	Root string
	// ExtStr and ExtCode are std.extVar values; TLAStr and TLACode are
	// top-level arguments (used when the program is a function).
	ExtStr, ExtCode, TLAStr, TLACode map[string]string
	// MaxStack and Timeout bound the evaluation; zero means the default.
	MaxStack int
	Timeout  time.Duration
}

// Error is an evaluation failure with the place it happened.
type Error struct {
	// Summary, when set, is what stopped the evaluation from outside the
	// program (a bound on nesting, memory or time); the files were not
	// all read, and are not to be read again to explain it.
	Summary string
	Hint    string
	Message string
	// Range is where the error was raised, in the user's files; nil
	// when go-jsonnet gave no location.
	Range *diag.Range
	// Trace lists the calls that led there, innermost first.
	Trace []string
}

func (e *Error) Error() string { return e.Message }

// Diagnostic turns the error into a diagnostic of the given rule.
func (e *Error) Diagnostic(rule, summary string) diag.Diagnostic {
	detail := e.Message
	if len(e.Trace) > 0 {
		detail += "\n\nCalled from:\n  " + strings.Join(e.Trace, "\n  ")
	}
	return diag.Diagnostic{Severity: diag.Error, Rule: rule, Summary: summary, Detail: detail, Hint: e.Hint, Range: e.Range}
}

// limitError reports a bound the evaluation ran into, as d says it.
func limitError(d diag.Diagnostic) *Error {
	return &Error{Summary: d.Summary, Hint: d.Hint, Message: d.Detail, Range: d.Range}
}

// Evaluate runs the program in file (whose bytes are src) and returns its
// JSON output. Sources of the program and of every file it imported are
// added to sources (for diagnostics snippets) when sources is not nil.
func Evaluate(file string, src []byte, opts Options, sources map[string][]byte) (string, *Error) {
	vm := jsonnet.MakeVM()
	vm.MaxStack = opts.MaxStack
	if vm.MaxStack <= 0 {
		vm.MaxStack = DefaultMaxStack
	}
	imp := &confinedImporter{root: opts.Root, entryDir: filepath.Dir(file), cache: map[string]jsonnet.Contents{}, text: map[string]bool{}}
	if off, ok := CheckDepth(src); !ok {
		return "", limitError(canon.TooDeep(file, src, off))
	}
	vm.Importer(imp)
	capture := &capturingFormatter{}
	vm.ErrorFormatter = capture
	for k, v := range opts.ExtStr {
		vm.ExtVar(k, v)
	}
	for k, v := range opts.ExtCode {
		vm.ExtCode(k, v)
	}
	for k, v := range opts.TLAStr {
		vm.TLAVar(k, v)
	}
	for k, v := range opts.TLACode {
		vm.TLACode(k, v)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}

	var r struct {
		out string
		err error
		lim *Error
	}
	// go-jsonnet cannot be interrupted: past the memory ceiling or the
	// time bound the evaluation is abandoned (the CLI exits right after
	// reporting it), so nothing it uses is read here after that.
	err := memlimit.Run(timeout, func() {
		if e := imp.checkImports(file, src); e != nil {
			r.lim = e
			return
		}
		r.out, r.err = vm.EvaluateAnonymousSnippet(file, string(src))
	})
	var ee *memlimit.ExceededError
	switch {
	case errors.As(err, &ee):
		return "", limitError(canon.LimitDiagnostic(diag.FileStart(file), ee))
	case err != nil:
		return "", &Error{Message: err.Error(), Range: diag.FileStart(file)}
	case r.lim != nil:
		return "", r.lim
	}
	if sources != nil {
		sources[file] = src
		imp.mu.Lock()
		for p, c := range imp.cache {
			sources[p] = []byte(c.String())
		}
		imp.mu.Unlock()
	}
	if r.err == nil {
		return r.out, nil
	}
	e := convert(capture.last(), r.err, sources)
	if e.Range == nil {
		// Errors about the program as a whole (a missing top-level
		// argument) have no location: point at the program.
		e.Range = diag.FileStart(file)
	}
	return "", e
}

// capturingFormatter keeps the structured error go-jsonnet would
// otherwise only hand back as text.
type capturingFormatter struct {
	mu  sync.Mutex
	err error
}

func (f *capturingFormatter) Format(err error) string {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
	return err.Error()
}

func (f *capturingFormatter) SetMaxStackTraceSize(int)                 {}
func (f *capturingFormatter) SetColorFormatter(jsonnet.ColorFormatter) {}

func (f *capturingFormatter) last() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// located is what go-jsonnet's static (parse) errors offer.
type located interface{ Loc() ast.LocationRange }

func convert(raw, formatted error, sources map[string][]byte) *Error {
	if raw == nil {
		raw = formatted
	}
	var rt jsonnet.RuntimeError
	if errors.As(raw, &rt) {
		e := &Error{Message: strings.TrimSpace(rt.Msg)}
		// go-jsonnet lists frames outermost first.
		for i := len(rt.StackTrace) - 1; i >= 0; i-- {
			fr := rt.StackTrace[i]
			if !fr.Loc.IsSet() {
				continue
			}
			if e.Range == nil {
				e.Range = Range(fr.Loc, sources)
				continue
			}
			t := fr.Loc.String()
			if fr.Name != "" {
				t += " (" + fr.Name + ")"
			}
			e.Trace = append(e.Trace, t)
		}
		e.Trace = shortTrace(e.Trace)
		return e
	}
	if l, ok := raw.(located); ok {
		if loc := l.Loc(); loc.IsSet() {
			msg := raw.Error()
			// The static error text starts with its location; the range
			// carries that already.
			if at := loc.String(); strings.HasPrefix(msg, at) {
				msg = strings.TrimSpace(strings.TrimPrefix(msg, at))
			}
			return &Error{Message: msg, Range: Range(loc, sources)}
		}
	}
	return &Error{Message: strings.TrimSpace(raw.Error())}
}

// Range converts a go-jsonnet location into a diagnostic range; byte
// offsets are computed from sources when the file is there.
func Range(l ast.LocationRange, sources map[string][]byte) *diag.Range {
	name := l.FileName
	if name == "" && l.File != nil {
		// Anonymous snippets (the entry file) name themselves here.
		name = string(l.File.DiagnosticFileName)
	}
	r := &diag.Range{Filename: name,
		Start: diag.Pos{Line: l.Begin.Line, Column: l.Begin.Column},
		End:   diag.Pos{Line: l.End.Line, Column: l.End.Column}}
	if src, ok := sources[name]; ok {
		r.Start = bytePos(src, r.Start)
		r.End = bytePos(src, r.End)
	}
	return r
}

// confinedImporter reads imports relative to the importing file, and
// only inside root (symbolic links resolved), so a topology cannot read
// the rest of the machine.
type confinedImporter struct {
	root string
	// entryDir is the evaluated file's folder: go-jsonnet names no
	// importer for an anonymous snippet, and Jsonnet resolves imports
	// relative to the importing file.
	entryDir string
	mu       sync.Mutex
	cache    map[string]jsonnet.Contents
	// checked are the files read for import, whose nesting was checked
	// before go-jsonnet parses them; text are those read by importstr
	// or importbin, never parsed.
	checked, text map[string]bool
}

// checkImports checks the nesting of every file the program imports, and
// of the files they import, before go-jsonnet parses any of them (it
// parses an import when the evaluation reaches it, recursing as deeply
// as the file nests). Import paths are literals, so the program's syntax
// names them all. A file that does not parse is left to go-jsonnet to
// report.
func (c *confinedImporter) checkImports(file string, src []byte) *Error {
	c.checked = map[string]bool{}
	var visit func(from, name string, src []byte) *Error
	visit = func(from, name string, src []byte) *Error {
		node, err := jsonnet.SnippetToAST(name, string(src))
		if err != nil {
			return nil
		}
		var code []string
		var walk func(n ast.Node)
		walk = func(n ast.Node) {
			switch x := n.(type) {
			case *ast.Import:
				code = append(code, x.File.Value)
			case *ast.ImportStr:
				c.markText(from, x.File.Value)
			case *ast.ImportBin:
				c.markText(from, x.File.Value)
			}
			for _, ch := range toolutils.Children(n) {
				walk(ch)
			}
		}
		walk(node)
		for _, path := range code {
			p, err := c.resolve(from, path)
			if err != nil || c.checked[p] {
				continue
			}
			c.checked[p] = true
			contents, at, err := c.Import(from, path)
			if err != nil {
				continue // a missing file: go-jsonnet reports it
			}
			b := []byte(contents.String())
			if off, ok := CheckDepth(b); !ok {
				return limitError(canon.TooDeep(at, b, off))
			}
			if e := visit(at, at, b); e != nil {
				return e
			}
		}
		return nil
	}
	return visit("", file, src)
}

// markText records that the file path names, imported from from, is read
// as text.
func (c *confinedImporter) markText(from, path string) {
	if p, err := c.resolve(from, path); err == nil {
		c.text[p] = true
	}
}

func (c *confinedImporter) resolve(importedFrom, importedPath string) (string, error) {
	if filepath.IsAbs(importedPath) {
		return "", fmt.Errorf("import %q: absolute paths are not allowed; import files of the topology folder by relative path", importedPath)
	}
	dir := filepath.Dir(importedFrom)
	if importedFrom == "" {
		dir = c.entryDir
	}
	return filepath.Join(dir, importedPath), nil
}

func (c *confinedImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	p, err := c.resolve(importedFrom, importedPath)
	if err != nil {
		return jsonnet.Contents{}, "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if got, ok := c.cache[p]; ok {
		return got, p, nil
	}
	b, err := canon.ReadFile(c.root, p)
	if err != nil {
		return jsonnet.Contents{}, "", fmt.Errorf("import %q: %w", importedPath, err)
	}
	if c.checked != nil && !c.checked[p] && !c.text[p] {
		// Not found by checkImports (a file it could not parse, say):
		// go-jsonnet may parse it, so it must not nest too deeply either.
		if _, ok := CheckDepth(b); !ok {
			return jsonnet.Contents{}, "", fmt.Errorf("import %q: the file nests more than %d levels deep", importedPath, canon.MaxNesting())
		}
	}
	contents := jsonnet.MakeContentsRaw(b)
	c.cache[p] = contents
	return contents, p, nil
}

// bytePos turns go-jsonnet's line and byte column into a position with a
// byte offset and a column in characters.
func bytePos(src []byte, p diag.Pos) diag.Pos {
	lineStart := canon.Offset(src, p.Line, 1)
	off := min(lineStart+max(p.Column-1, 0), len(src))
	return diag.Pos{Line: p.Line, Column: 1 + utf8.RuneCount(src[lineStart:off]), Byte: off}
}

// MaxTrace bounds the calls listed under an error: runaway recursion
// would otherwise list hundreds.
const MaxTrace = 20

// shortTrace folds repeated calls into one line and keeps the innermost
// MaxTrace lines.
func shortTrace(trace []string) []string {
	var out []string
	for i := 0; i < len(trace); {
		j := i + 1
		for j < len(trace) && trace[j] == trace[i] {
			j++
		}
		t := trace[i]
		if j-i > 1 {
			t += fmt.Sprintf(" (%d times)", j-i)
		}
		out = append(out, t)
		i = j
	}
	if len(out) > MaxTrace {
		out = append(out[:MaxTrace:MaxTrace], fmt.Sprintf("... and %d more", len(out)-MaxTrace))
	}
	return out
}
