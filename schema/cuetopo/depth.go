package cuetopo

import (
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// checkDepth reports the first expression of f nested more than
// canon.MaxNesting expressions deep. CUE's parser bounds its own recursion
// (10,000 levels), but it reads a+b+c iteratively into ((a+b)+c), so
// 2 MB of "+1" makes a syntax tree a million levels deep, which the
// evaluator then recursed into until the stack overflowed, fatally. The
// walk stops at the limit, so it recurses no deeper itself.
func checkDepth(name string, src []byte, f *ast.File) *diag.Diagnostic {
	depth := 0
	var at token.Pos
	over := false
	ast.Walk(f, func(n ast.Node) bool {
		if over {
			return false
		}
		if _, ok := n.(ast.Expr); !ok {
			return true
		}
		if depth++; depth > canon.MaxNesting() {
			depth--
			over, at = true, n.Pos()
			return false
		}
		return true
	}, func(n ast.Node) {
		if _, ok := n.(ast.Expr); ok {
			depth--
		}
	})
	if !over {
		return nil
	}
	off := 0
	if at.IsValid() {
		off = at.Offset()
	}
	d := canon.TooDeep(name, src, off)
	return &d
}
