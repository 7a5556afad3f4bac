package custom

import (
	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/jsonnetvm"
)

// locator finds where in the program a piece of its output comes from.
// The output itself carries no positions, so this reads the program:
// a field written literally in the object the program returns is found
// at its line; anything else (a comprehension, a library call) is
// reported at the expression that makes the result.
type locator struct {
	file    string
	src     []byte
	sources map[string][]byte

	parsed  bool
	results []ast.Node
}

func (l *locator) parse() {
	if l.parsed {
		return
	}
	l.parsed = true
	n, err := jsonnet.SnippetToAST(l.file, string(l.src))
	if err != nil {
		return
	}
	collectResults(n, &l.results, 0)
}

// collectResults lists the expressions whose value is (part of) the
// program's result: through locals, the top-level function, '+' and
// both branches of a conditional.
func collectResults(n ast.Node, out *[]ast.Node, depth int) {
	if n == nil || depth > 100 {
		return
	}
	switch x := n.(type) {
	case *ast.Local:
		collectResults(x.Body, out, depth+1)
		return
	case *ast.Function:
		collectResults(x.Body, out, depth+1)
		return
	case *ast.Conditional:
		collectResults(x.BranchTrue, out, depth+1)
		collectResults(x.BranchFalse, out, depth+1)
		return
	case *ast.Binary:
		if x.Op == ast.BopPlus {
			collectResults(x.Left, out, depth+1)
			collectResults(x.Right, out, depth+1)
			return
		}
	}
	*out = append(*out, n)
}

// result is where the program makes its result.
func (l *locator) result() *diag.Range {
	l.parse()
	for _, n := range l.results {
		if loc := n.Loc(); loc != nil && loc.IsSet() {
			return l.rangeOf(*loc)
		}
	}
	return diag.FileStart(l.file)
}

// field is where the program writes the output field key, or result().
func (l *locator) field(key string) *diag.Range {
	l.parse()
	// With '+', the right-hand object wins: search from the end.
	for i := len(l.results) - 1; i >= 0; i-- {
		obj, ok := l.results[i].(*ast.DesugaredObject)
		if !ok {
			continue
		}
		for _, f := range obj.Fields {
			name, ok := f.Name.(*ast.LiteralString)
			if !ok || name.Value != key {
				continue
			}
			if f.LocRange.IsSet() {
				return l.rangeOf(f.LocRange)
			}
			if loc := f.Name.Loc(); loc != nil && loc.IsSet() {
				return l.rangeOf(*loc)
			}
		}
	}
	return l.result()
}

func (l *locator) rangeOf(loc ast.LocationRange) *diag.Range {
	// Name the entry file as the evaluation did, so the snippet is found.
	loc.FileName = l.file
	return jsonnetvm.Range(loc, l.sources)
}
