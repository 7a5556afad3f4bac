// Package canon holds the canonical topology document every front-end
// produces: a JSON-shaped value plus the source range of each of its parts,
// so diagnostics about the value can point at the user's own lines.
package canon

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mobplan/mobplan/internal/diag"
)

// Path addresses a part of the value: map keys (string) and list indices (int).
type Path []any

// Key is the lookup key of a path in a position index.
func (p Path) Key() string {
	var b strings.Builder
	for i, e := range p {
		if i > 0 {
			b.WriteByte(0x1f)
		}
		switch v := e.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteByte('#')
			b.WriteString(strconv.Itoa(v))
		}
	}
	return b.String()
}

// String renders the path for people: pools.pool01.servers["fe01.contoso.net"].
func (p Path) String() string {
	var b strings.Builder
	for i, e := range p {
		switch v := e.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		case string:
			if isIdent(v) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(v)
			} else {
				b.WriteString("[" + strconv.Quote(v) + "]")
			}
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

// Describe is String for messages: the empty path is "the topology".
func (p Path) Describe() string {
	if len(p) == 0 {
		return "the topology"
	}
	return p.String()
}

// Kind names the kind of a canonical value for messages: "a list", ...
func Kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case nil:
		return "null"
	}
	return "a value"
}

// Append returns a new path with e added (never sharing p's backing array).
func (p Path) Append(e ...any) Path {
	q := make(Path, 0, len(p)+len(e))
	return append(append(q, p...), e...)
}

// Document is one topology as a front-end read it.
type Document struct {
	// Syntax names the front-end: "hcl", "cue", "jsonnet", "json".
	Syntax string
	// Root is the folder the topology was read from; file references
	// (certificate PEMs, generator programs) are confined to it.
	Root string
	// Value is the canonical value: map[string]any, []any, string, bool,
	// int64, float64.
	Value map[string]any
	// Ranges maps Path.Key() to the source range of that part: the
	// expression of an attribute, the header of a block.
	Ranges map[string]diag.Range
	// Sources holds each file's bytes for snippets.
	Sources map[string][]byte
	// Failed marks paths whose value the front-end could not evaluate (it
	// reported why), so the schema does not report them again as missing.
	Failed map[string]bool
	// Sensitive marks paths (Path.Key) whose value came from an HCL
	// variable declared sensitive: never digested, written or shown,
	// like the secret fields (SecretField).
	Sensitive map[string]bool
}

// NewDocument returns an empty document.
func NewDocument(syntax, root string) *Document {
	return &Document{Syntax: syntax, Root: root, Value: map[string]any{}, Ranges: map[string]diag.Range{}, Sources: map[string][]byte{}, Failed: map[string]bool{}, Sensitive: map[string]bool{}}
}

// SetRange records where path p came from.
func (d *Document) SetRange(p Path, r diag.Range) { d.Ranges[p.Key()] = r }

// RangeOf returns the range of p or of its nearest ancestor that has one.
func (d *Document) RangeOf(p Path) (diag.Range, bool) {
	for n := len(p); n >= 0; n-- {
		if r, ok := d.Ranges[p[:n].Key()]; ok {
			return r, true
		}
	}
	return diag.Range{}, false
}

// HasFailed reports whether p or one of its ancestors failed to evaluate.
func (d *Document) HasFailed(p Path) bool {
	for n := len(p); n > 0; n-- {
		if d.Failed[p[:n].Key()] {
			return true
		}
	}
	return false
}

// Lookup returns the part of v at p, or nil.
func Lookup(v any, p Path) any {
	for _, e := range p {
		switch k := e.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k < 0 || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// The IDs of the catalogue rules Go code raises: the one place Go spells
// a rule ID (plan explanations in planner cite rules too). Every other
// fact of a rule (severity, summary, hint, sources, what checks it) is in
// the CUE catalogue beside its check, schema/structure.cue and
// schema/rules_*.cue; a test in package schema ties the two together.
const (
	RuleSyntax    = "SYNTAX-001" // the file does not parse, evaluate, or cannot be read
	RuleStructure = "SCHEMA-001" // unknown field, wrong type or shape
	RuleReference = "SCHEMA-002" // unknown or cyclic reference
	RuleDuplicate = "SCHEMA-003" // the same name declared twice
	RuleFile      = "SCHEMA-004" // a file the topology refers to is missing, outside the folder or invalid
	RuleGenerator = "GEN-001"    // a custom generator program fails or returns what cannot be written

	// Rules of the declared DNS records, evaluated in Go
	// (schema/gorules*.go) because in CUE they cost O(N²) in the domains.
	RuleDNS001  = "DNS-001"  // public lyncdiscover record
	RuleDNS002  = "DNS-002"  // internal lyncdiscoverinternal record
	RuleDNS003  = "DNS-003"  // lyncdiscoverinternal not in public DNS
	RuleDNS004  = "DNS-004"  // lyncdiscover CNAME within its domain over HTTPS
	RuleDNS005  = "DNS-005"  // external web FQDNs resolve publicly to the reverse proxy
	RuleDNS006  = "DNS-006"  // external web FQDNs resolve internally to the reverse proxy
	RuleDNS007  = "DNS-007"  // internal web FQDNs resolve to the pool, internally only
	RuleDNS008  = "DNS-008"  // DNS load-balanced pools' records
	RuleDNS009  = "DNS-009"  // simple URL hosts in both views
	RuleDNS010  = "DNS-010"  // hybrid records point on-premises
	RulePUSH007 = "PUSH-007" // federation SRV record for push
)

// MaxFileSize bounds each topology file a front-end reads, so a huge or
// runaway input gets a clear error instead of exhausting memory.
const MaxFileSize = 16 << 20

// FromJSON turns a value decoded by encoding/json with UseNumber into the
// canonical form: json.Number becomes int64 when it is integral and fits,
// float64 otherwise; maps and lists are converted in place.
func FromJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = FromJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = FromJSON(e)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// Offset returns the byte offset of line:column (both 1-based, columns
// counted in runes) in src, clamped to the line's end.
func Offset(src []byte, line, column int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	for c := 1; c < column && off < len(src) && src[off] != '\n'; c++ {
		_, n := utf8.DecodeRune(src[off:])
		off += n
	}
	return off
}

// PosAt returns the line:column (columns in runes) of byte offset off in src.
func PosAt(src []byte, off int) diag.Pos {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	return diag.Pos{Line: line, Column: 1 + utf8.RuneCount(src[lineStart:off]), Byte: off}
}
