package canon

import (
	"fmt"
	"sync/atomic"

	"github.com/mobplan/mobplan/internal/diag"
)

// MaxNesting bounds how deeply the expressions of an HCL, CUE or Jsonnet
// file may nest, as each front-end's scan measures it (Nesting) before
// the parser sees the file. Parsers, desugarers and evaluators recurse
// once per level, and a Go stack overflow is fatal, not an error: 200 KB
// of '[' crashed the HCL parser, 40 KB the Jsonnet one (about 25 KB of
// stack per level), 2 MB of "+1" the CUE evaluator. The examples nest 6
// levels in HCL and CUE and up to 52 in Jsonnet, whose every top-level
// local nests the rest of the file; 500 leaves room for programs ten
// times that size and stops the attacks within a few kilobytes, with
// some 12 MB of stack at most.
const DefaultMaxNesting = 500

// MaxDepth bounds how deeply a topology's value may nest: a JSON or YAML
// file's structure, a CUE value (references nest values deeper than the
// files do), the canonical value (ValueDepth). Walking a value copies
// each level's path for each level below it, so 80 KB of nested JSON
// cost more than 12 GB. A topology nests six levels
// (pools.pool01.servers.fe01.ips[0]); 200 is far more than any needs.
const DefaultMaxDepth = 200

// The bounds in force: the defaults unless SetLimits changed them (the
// CLI does, from MOBPLAN_MAX_NESTING and MOBPLAN_MAX_VALUE_DEPTH, for a
// topology that really needs more).
var maxNesting, maxDepth atomic.Int64

func init() {
	maxNesting.Store(DefaultMaxNesting)
	maxDepth.Store(DefaultMaxDepth)
}

// MaxNesting is the nesting bound in force (DefaultMaxNesting).
func MaxNesting() int { return int(maxNesting.Load()) }

// MaxDepth is the value depth bound in force (DefaultMaxDepth).
func MaxDepth() int { return int(maxDepth.Load()) }

// LimitCeiling is the most either bound may be raised to: past it, the
// recursion a bound protects could exhaust the stack (a Go stack
// overflow is fatal, not an error).
const LimitCeiling = 10_000

// SetLimits sets the nesting and value depth bounds; 0 restores a
// default. A bound outside 1..LimitCeiling is refused.
func SetLimits(nesting, depth int) error {
	for _, b := range []struct {
		name string
		n    *int
		def  int
	}{{"nesting", &nesting, DefaultMaxNesting}, {"value depth", &depth, DefaultMaxDepth}} {
		if *b.n == 0 {
			*b.n = b.def
		}
		if *b.n < 1 || *b.n > LimitCeiling {
			return fmt.Errorf("%s bound %d is outside 1..%d", b.name, *b.n, LimitCeiling)
		}
	}
	maxNesting.Store(int64(nesting))
	maxDepth.Store(int64(depth))
	return nil
}

// Nesting measures, against MaxNesting, how deeply a source file nests while a front-end's
// pre-scan reads its tokens, before any parser recurses into them. Its
// depth is the number of open frames (brackets, braces, parentheses,
// string interpolations) plus, in each frame, the operators and the
// constructs that nest what follows them (a conditional, a local, an
// operator: a+b+c is ((a+b)+c) to the parser) since the frame's last
// separator.
type Nesting struct {
	frames  []nestFrame
	depth   int
	deepest int
}

type nestFrame struct{ ops, nest int }

// Depth is the current depth.
func (n *Nesting) Depth() int { return n.depth }

// Deepest is the greatest depth reached so far.
func (n *Nesting) Deepest() int { return n.deepest }

func (n *Nesting) ok() bool {
	n.deepest = max(n.deepest, n.depth)
	return n.depth <= MaxNesting()
}

// Open enters a frame; it reports whether the depth is still allowed.
func (n *Nesting) Open() bool {
	n.frames = append(n.frames, nestFrame{})
	n.depth++
	return n.ok()
}

// Close leaves the innermost frame (unbalanced closers are the parser's
// to report).
func (n *Nesting) Close() {
	if len(n.frames) == 0 {
		return
	}
	f := n.frames[len(n.frames)-1]
	n.frames = n.frames[:len(n.frames)-1]
	n.depth -= 1 + f.ops + f.nest
}

// Frames is how many frames are open.
func (n *Nesting) Frames() int { return len(n.frames) }

func (n *Nesting) top() *nestFrame {
	if len(n.frames) == 0 {
		n.frames = append(n.frames, nestFrame{})
		n.depth++ // the file's own frame
	}
	return &n.frames[len(n.frames)-1]
}

// Op counts an operator in the innermost frame: what follows it in the
// frame nests one level deeper, until the next separator.
func (n *Nesting) Op() bool {
	n.top().ops++
	n.depth++
	return n.ok()
}

// Nest counts a construct that nests the rest of its frame (a local, a
// conditional): until the frame closes or Reset.
func (n *Nesting) Nest() bool {
	n.top().nest++
	n.depth++
	return n.ok()
}

// Unnest ends one construct Nest counted (a template's endif).
func (n *Nesting) Unnest() {
	if f := n.top(); f.nest > 0 {
		f.nest--
		n.depth--
	}
}

// EndOperand is a separator that ends the operators of the innermost
// frame but not what Nest counted (the ';' after a local's binding).
func (n *Nesting) EndOperand() {
	f := n.top()
	n.depth -= f.ops
	f.ops = 0
}

// Reset is a separator that ends everything counted in the innermost
// frame (a ',' between list elements).
func (n *Nesting) Reset() {
	f := n.top()
	n.depth -= f.ops + f.nest
	f.ops, f.nest = 0, 0
}

// TooDeep is the diagnostic for a file whose expressions nest more than
// MaxNesting levels at byte offset off.
func TooDeep(file string, src []byte, off int) diag.Diagnostic {
	at := PosAt(src, off)
	r := diag.Range{Filename: file, Start: at, End: at}
	return diag.Diagnostic{Severity: diag.Error, Rule: RuleSyntax, Summary: "Nested too deeply",
		Detail: fmt.Sprintf("The file nests more than %d levels deep here; mobplan reads nothing nested deeper, so that no input can exhaust its parsers. "+
			"Each bracket, brace, parenthesis and string interpolation is a level, and so is each operator, conditional or local chained inside one.", MaxNesting()),
		Hint:  "No topology needs to nest so deeply: give the inner parts names of their own (locals), or split the expression.",
		Range: &r}
}

// TooDeepValue is the diagnostic for a value that nests more than
// MaxDepth levels, at r; at names where, if known.
func TooDeepValue(r diag.Range, at Path) diag.Diagnostic {
	where := ""
	if len(at) > 0 {
		where = " (at " + at[:min(len(at), 4)].String() + "...)"
	}
	return diag.Diagnostic{Severity: diag.Error, Rule: RuleSyntax, Summary: "Nested too deeply",
		Detail: fmt.Sprintf("The topology's value nests more than %d levels deep here%s; mobplan reads nothing nested deeper. A topology nests six levels.", MaxDepth(), where),
		Hint:   "Look for a list or object nested inside itself, or references that nest a value in itself over and over.",
		Range:  &r}
}

// ValueDepth returns how deeply v nests (a scalar is 0, [1] is 1) and,
// when it is more than MaxDepth, the path at which it exceeds it.
func ValueDepth(v any) (int, Path) {
	var walk func(v any, p Path) (int, Path)
	walk = func(v any, p Path) (int, Path) {
		if len(p) > MaxDepth() {
			return len(p), p
		}
		deepest := 0
		switch x := v.(type) {
		case map[string]any:
			deepest = 1
			for k, e := range x {
				d, at := walk(e, append(p, k))
				if at != nil {
					return d, at
				}
				deepest = max(deepest, d+1)
			}
		case []any:
			deepest = 1
			for i, e := range x {
				d, at := walk(e, append(p, i))
				if at != nil {
					return d, at
				}
				deepest = max(deepest, d+1)
			}
		}
		return deepest, nil
	}
	d, at := walk(v, Path{})
	if at != nil {
		at = append(Path(nil), at...)
	}
	return d, at
}
