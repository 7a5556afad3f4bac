package schema

import (
	"fmt"
	"regexp"
	"strings"

	"cuelang.org/go/cue"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/suggest"
)

var (
	reConflict   = regexp.MustCompile(`^conflicting values (.+) and (.+) \(mismatched types (\w+) and (\w+)\)$`)
	reNotAllowed = regexp.MustCompile(`^field not allowed$`)
	reRequired   = regexp.MustCompile(`field is required but not present`)
)

// explain turns one CUE error message about path into a summary and a
// detail in the topology's own terms.
// grammar, when not "", is the grammar definition the value fails.
func (s *Schema) explain(path canon.Path, msg string, value any, grammar string) (string, string) {
	got := ""
	switch value.(type) {
	case string, int64, float64, bool:
		got = fmt.Sprintf(", not %s", quoteValue(value))
	}
	where := path.Describe()
	switch {
	case reNotAllowed.MatchString(msg):
		name := ""
		if len(path) > 0 {
			name = fmt.Sprint(path[len(path)-1])
		}
		detail := fmt.Sprintf("%s is not part of the topology language here.", where)
		if known := s.knownFields(path[:max(0, len(path)-1)]); len(known) > 0 {
			if sug := suggest.Closest(name, known); sug != "" {
				detail += fmt.Sprintf(" Did you mean %q?", sug)
			} else {
				detail += " Known here: " + strings.Join(known, ", ") + "."
			}
		}
		return fmt.Sprintf("Unknown attribute %q", name), detail
	case reRequired.MatchString(msg), strings.HasPrefix(msg, "incomplete value"), strings.HasPrefix(msg, "non-concrete value"):
		want := s.expected(path)
		return fmt.Sprintf("Missing required value %s", where), fmt.Sprintf("%s must be set%s.", where, want)
	case reConflict.MatchString(msg):
		m := reConflict.FindStringSubmatch(msg)
		// CUE names the operands in the order it unified them, which
		// is not always the document's value first: the document tells.
		have, want := m[3], m[4]
		if kindOf(value) == want && kindOf(value) != have {
			have, want = want, have
		}
		return fmt.Sprintf("Wrong type for %s", where), fmt.Sprintf("%s must be %s, not %s.", where, article(want), article(have))
	case strings.Contains(msg, "empty disjunction") || strings.HasPrefix(msg, "conflicting values"):
		return fmt.Sprintf("Invalid value for %s", where), fmt.Sprintf("%s%s%s.", where, s.expectedOrEmpty(path), got)
	case grammar != "":
		return fmt.Sprintf("Invalid value for %s", where), fmt.Sprintf("%s must be %s%s.", where, grammarPhrases[grammar], got)
	case strings.HasPrefix(msg, "invalid value") || strings.Contains(msg, "out of bound"):
		return fmt.Sprintf("Invalid value for %s", where), fmt.Sprintf("%s%s: %s.", where, s.expectedOrEmpty(path), msg)
	case strings.Contains(msg, "incompatible list lengths") || strings.Contains(msg, "list"):
		return fmt.Sprintf("Invalid list %s", where), msg
	}
	return fmt.Sprintf("Invalid %s", where), msg
}

// kindOf is the CUE kind name of a document value, as CUE's messages
// spell it; "" when it has none.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case int, int64:
		return "int"
	case float64:
		return "float"
	case []any:
		return "list"
	case map[string]any:
		return "struct"
	}
	return ""
}

func article(t string) string {
	switch t {
	case "int", "float", "number":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "list":
		return "a list"
	case "struct":
		return "a block or object"
	}
	return t
}

// schemaAt finds the schema of the value at path inside #Topology.
func (s *Schema) schemaAt(path canon.Path) cue.Value {
	v := s.root.LookupPath(cue.MakePath(cue.Def("Topology")))
	for _, e := range path {
		switch x := e.(type) {
		case int:
			v = v.LookupPath(cue.MakePath(cue.AnyIndex))
		default:
			sel := cue.Str(fmt.Sprint(x))
			next := v.LookupPath(cue.MakePath(sel))
			if !next.Exists() {
				next = v.LookupPath(cue.MakePath(sel.Optional()))
			}
			if !next.Exists() {
				next = v.LookupPath(cue.MakePath(cue.AnyString))
			}
			v = next
		}
	}
	return v
}

func (s *Schema) knownFields(path canon.Path) []string {
	v := s.schemaAt(path)
	var out []string
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	return out
}

func (s *Schema) expected(path canon.Path) string {
	v := s.schemaAt(path)
	if !v.Exists() {
		return ""
	}
	if e := describe(v); e != "" {
		return " (" + e + ")"
	}
	return ""
}

func (s *Schema) expectedOrEmpty(path canon.Path) string {
	v := s.schemaAt(path)
	if e := describe(v); e != "" && v.Exists() {
		return " must be " + e
	}
	return " is not valid"
}

// describe renders a schema value as a short phrase: an enum's members,
// or the kind.
func describe(v cue.Value) string {
	op, args := v.Expr()
	for i := 0; i < 8 && op != cue.OrOp; i++ {
		// Follow references such as #Version to their definition.
		ref, p := v.ReferencePath()
		if !ref.Exists() || len(p.Selectors()) == 0 {
			break
		}
		v = ref.LookupPath(p)
		op, args = v.Expr()
	}
	if op == cue.OrOp {
		var alts []string
		for _, a := range args {
			if a.IsConcrete() && a.Kind() == cue.StringKind {
				s, _ := a.String()
				alts = append(alts, fmt.Sprintf("%q", s))
			} else if a.IsConcrete() {
				alts = append(alts, fmt.Sprint(a))
			} else {
				alts = append(alts, article(a.IncompleteKind().String()))
			}
		}
		return "one of " + strings.Join(alts, ", ")
	}
	k := v.IncompleteKind()
	switch k {
	case cue.StringKind:
		return "a string"
	case cue.IntKind, cue.NumberKind:
		return "a number"
	case cue.BoolKind:
		return "true or false"
	case cue.ListKind:
		return "a list"
	case cue.StructKind:
		return "a block"
	}
	return ""
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
