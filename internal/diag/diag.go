// Package diag is the one diagnostic type every front-end, the schema
// checks and (later) the planner report with.
package diag

import (
	"fmt"
	"sort"
)

// Severity orders from least to most serious.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// ParseSeverity reads "error", "warning" or "info".
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "error":
		return Error, nil
	case "warning":
		return Warning, nil
	case "info":
		return Info, nil
	}
	return Info, fmt.Errorf("unknown severity %q", s)
}

// MarshalText makes severities read as words in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Pos is a position in a source file: 1-based line and column (in
// characters), 0-based byte offset.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// Range is a span in one file. End is exclusive.
type Range struct {
	Filename string `json:"filename"`
	Start    Pos    `json:"start"`
	End      Pos    `json:"end"`
}

// Valid reports whether the range names a file.
func (r Range) Valid() bool { return r.Filename != "" }

// FileStart is the start of a file: where a finding about the file as a
// whole points.
func FileStart(file string) *Range {
	return &Range{Filename: file, Start: Pos{Line: 1, Column: 1}, End: Pos{Line: 1, Column: 1}}
}

func (r Range) String() string {
	if !r.Valid() {
		return ""
	}
	if r.Start.Line == 0 {
		return r.Filename
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// Diagnostic is one problem, tied to the user's source where possible.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	// Rule is the catalogue ID (DNS-001) or a structural ID (SCHEMA-001).
	Rule    string `json:"rule"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
	Hint    string `json:"hint,omitempty"`
	Range   *Range `json:"range,omitempty"`
}

func (d Diagnostic) String() string {
	loc := ""
	if d.Range != nil && d.Range.Valid() {
		loc = d.Range.String() + ": "
	}
	s := fmt.Sprintf("%s%s[%s]: %s", loc, d.Severity, d.Rule, d.Summary)
	if d.Detail != "" {
		s += ": " + d.Detail
	}
	// String ends up in error messages printed on a terminal.
	return terminalSafe(s, false)
}

// Diagnostics is a list with helpers for counting and ordering.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool { return ds.Count(Error) > 0 }

// Count returns how many diagnostics have severity s.
func (ds Diagnostics) Count(s Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders diagnostics by file, position, rule and detail, so output
// is the same on every run whatever order the checks ran in.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		af, bf := "", ""
		var ab, bb int
		if a.Range != nil {
			af, ab = a.Range.Filename, a.Range.Start.Byte
		}
		if b.Range != nil {
			bf, bb = b.Range.Filename, b.Range.Start.Byte
		}
		if af != bf {
			return af < bf
		}
		if ab != bb {
			return ab < bb
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Summary != b.Summary {
			return a.Summary < b.Summary
		}
		return a.Detail < b.Detail
	})
}
