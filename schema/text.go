package schema

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// What the user writes ends up in generated files (zone files, proxy
// configurations, certificate requests, scripts, reports) and on
// terminals. The schema refuses, as structure errors (SCHEMA-001) at the
// user's own line:
//
//   - in every string and every name (block label, object key): control
//     characters (C0 with tab and line breaks, DEL, C1), the Unicode line
//     and paragraph separators, bidirectional formatting characters and
//     invalid UTF-8 (checkText);
//   - in the labels that become names in generated files: anything but
//     a name (labelRules);
//   - in values: what their type's grammar does not allow (#FQDN, #IP,
//     #Host, #Mailbox, #CookieName and record data by type in
//     topology.cue), explained in words by grammarPhrases.
//
// The generators' encoders refuse the same values again, so that one
// that slips past the schema still cannot change a file's structure.

// refusedChar says what r is when no string of a topology may hold it,
// or "" when it may.
func refusedChar(r rune) string {
	switch {
	case r == '\n':
		return "a line break"
	case r == '\r':
		return "a carriage return"
	case r == '\t':
		return "a tab"
	case r == 0x1b:
		return "an escape character"
	case r < 0x20 || r >= 0x7f && r <= 0x9f:
		return "a control character"
	case r == '\u2028':
		return "a line separator"
	case r == '\u2029':
		return "a paragraph separator"
	case r == '\u061C' || r == '\u200E' || r == '\u200F' || r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069':
		return "a bidirectional formatting character"
	}
	return ""
}

// badChar describes the first refused character of s and where it is
// (1-based, in characters), or "".
func badChar(s string) string {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		n++
		if r == utf8.RuneError && size == 1 {
			return fmt.Sprintf("a byte that is not UTF-8 (0x%02X) at character %d", s[i], n)
		}
		if what := refusedChar(r); what != "" {
			return fmt.Sprintf("%s (%U) at character %d", what, r, n)
		}
		i += size
	}
	return ""
}

const textRule = "names and values are written on one line, without control characters, line or paragraph separators or bidirectional formatting characters, so that they cannot add a line to a generated file or show differently from what they are"

// checkText walks every name and string of the document. It returns the
// diagnostics and the keys of the paths it reported, whose CUE errors
// are then left out (the one problem is reported once); what lies under
// a reported name is still checked.
func checkText(doc *canon.Document) (diag.Diagnostics, map[string]bool) {
	var ds diag.Diagnostics
	reported := map[string]bool{}
	report := func(p canon.Path, summary, detail string) {
		d := diag.Diagnostic{Severity: diag.Error, Rule: canon.RuleStructure, Summary: summary, Detail: detail}
		if r, ok := doc.RangeOf(p); ok {
			d.Range = &r
		}
		ds = append(ds, d)
		reported[p.Key()] = true
	}
	var walk func(p canon.Path, v any)
	walk = func(p canon.Path, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				cp := p.Append(k)
				rule, isLabel := labelRuleAt(cp)
				switch bad := badChar(k); {
				case bad != "" && isLabel:
					report(cp, fmt.Sprintf("Invalid character in a %s label", rule.block),
						fmt.Sprintf("The label %s of %s block %s holds %s: %s.", strconv.Quote(k), rule.block, cp.Describe(), bad, textRule))
				case bad != "":
					report(cp, "Invalid character in a name",
						fmt.Sprintf("The name %s in %s holds %s: %s.", strconv.Quote(k), p.Describe(), bad, textRule))
				case isLabel:
					if why := rule.check(k); why != "" {
						report(cp, fmt.Sprintf("Invalid %s label", rule.block),
							fmt.Sprintf("The label %s of %s block %s %s.", strconv.Quote(k), rule.block, cp.Describe(), why))
					}
				}
				walk(cp, x[k])
			}
		case []any:
			for i, e := range x {
				walk(p.Append(i), e)
			}
		case string:
			if bad := badChar(x); bad != "" {
				// Never the value itself: it may be a password.
				report(p, "Invalid character in a value", fmt.Sprintf("%s holds %s: %s.", p.Describe(), bad, textRule))
			}
		}
	}
	walk(canon.Path{}, doc.Value)
	return ds, reported
}

// reportedAt tells whether checkText reported p, or the name p's last
// field is filled from (pools.<name>.name, which the user did not write).
func reportedAt(reported map[string]bool, doc *canon.Document, p canon.Path) bool {
	if reported[p.Key()] {
		return true
	}
	return len(p) > 0 && reported[p[:len(p)-1].Key()] && canon.Lookup(doc.Value, p) == nil
}

// labelRule is the grammar of the labels at one place of the topology.
type labelRule struct {
	at    []string // keys, "*" for any label
	block string   // the HCL block the label belongs to
	check func(string) string
}

// Labels of blocks that become names in generated files: file and folder
// names, nginx and HAProxy names, comments, cells.
var labelRules = []labelRule{
	{[]string{"sites", "*"}, "site", humanLabel},
	{[]string{"pools", "*"}, "pool", nameLabel},
	{[]string{"pools", "*", "servers", "*"}, "server", nameLabel},
	{[]string{"edge_pools", "*"}, "edge_pool", nameLabel},
	{[]string{"edge_pools", "*", "servers", "*"}, "server", nameLabel},
	{[]string{"sbas", "*"}, "sba", nameLabel},
	{[]string{"reverse_proxies", "*"}, "reverse_proxy", nameLabel},
	{[]string{"reverse_proxies", "*", "listeners", "*"}, "listener", nameLabel},
	{[]string{"reverse_proxies", "*", "rules", "*"}, "rule", nameLabel},
	{[]string{"load_balancers", "*"}, "load_balancer", nameLabel},
	{[]string{"load_balancers", "*", "vips", "*"}, "vip", nameLabel},
	{[]string{"certificates", "*"}, "certificate", nameLabel},
	{[]string{"firewall_rules", "*"}, "firewall_rule", humanLabel},
	{[]string{"dns", "*", "*"}, "dns_zone", dnsLabel(false)},
	{[]string{"dns", "*", "*", "records", "*"}, "record", dnsLabel(true)},
	{[]string{"name_servers", "*"}, "name_server", dnsLabel(false)},
}

func labelRuleAt(p canon.Path) (labelRule, bool) {
	for _, r := range labelRules {
		if len(r.at) != len(p) {
			continue
		}
		match := true
		for i, k := range r.at {
			s, ok := p[i].(string)
			if !ok || k != "*" && k != s {
				match = false
				break
			}
		}
		if match {
			return r, true
		}
	}
	return labelRule{}, false
}

var (
	reName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	reHuman = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._+ -]{0,61}[A-Za-z0-9])?$`)
)

func nameLabel(s string) string {
	if reName.MatchString(s) {
		return ""
	}
	return "is not a name: it names files and sections of the generated configurations, so use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters"
}

func humanLabel(s string) string {
	if reHuman.MatchString(s) {
		return ""
	}
	return "is not a name: use letters, digits, spaces, '.', '_', '+' and '-', starting and ending with a letter or digit, at most 63 characters (a name starting with '=', '+', '-' or '@' would be a formula in a spreadsheet)"
}

// dnsLabel checks a label that is a DNS name (a zone, a record's owner
// relative to its zone, a name server) as #FQDN checks values: the
// characters and lengths no DNS name can have; DNS-011 checks the rest.
func dnsLabel(record bool) func(string) string {
	return func(s string) string {
		if record && s == "@" {
			return ""
		}
		why := "is not a DNS name: use letters, digits and hyphens in labels of at most 63 characters, separated by dots, at most 253 characters in all"
		if record {
			why += ` ("@" for the zone's apex)`
		}
		name := strings.TrimSuffix(s, ".")
		if name == "" || len(name) > 253 {
			return why
		}
		for _, l := range strings.Split(name, ".") {
			if len(l) > 63 {
				return why
			}
			for _, c := range []byte(l) {
				if c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*') {
					return why
				}
			}
		}
		return ""
	}
}

// grammarPhrases say, in the topology's words, what the grammar
// definitions of topology.cue allow; explain uses them for a value that
// fails one, in place of CUE's regular expression.
var grammarPhrases = map[string]string{
	"#FQDN":       "a DNS name (letters, digits and hyphens in labels of at most 63 characters, separated by dots, at most 253 characters in all)",
	"#IP":         "an IP address (IPv4, or IPv6 without a zone)",
	"#IPv4":       "an IPv4 address",
	"#IPv6":       "an IPv6 address (without a zone)",
	"#Host":       "an IP address or a DNS name",
	"#Mailbox":    "a mailbox written as a DNS name (hostmaster.contoso.com for hostmaster@contoso.com: the first label is the local part)",
	"#CookieName": "a cookie name (letters, digits, '.', '_' and '-', at most 64 characters)",
}

// validatorGrammar names the definition a failing validator of CUE's
// standard library belongs to.
var validatorGrammar = map[string]string{"net.IP": "#IP", "net.IPv4": "#IPv4", "net.IPv6": "#IPv6"}

// definitionLines maps each line of topology.cue inside a top-level
// definition to the definition's name.
func definitionLines(f *ast.File) map[int]string {
	out := map[int]string{}
	for _, d := range f.Decls {
		fld, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		n, _, _ := ast.LabelName(fld.Label)
		if !strings.HasPrefix(n, "#") {
			continue
		}
		for l := fld.Pos().Line(); l <= fld.End().Line(); l++ {
			out[l] = n
		}
	}
	return out
}

// grammarOf names the grammar definition a CUE error is about, or "".
func (s *Schema) grammarOf(msg string, positions []token.Pos) string {
	if i := strings.Index(msg, "does not satisfy "); i >= 0 {
		v := strings.TrimSuffix(msg[i+len("does not satisfy "):], ")")
		if g := validatorGrammar[v]; g != "" {
			return g
		}
	}
	if !strings.Contains(msg, "out of bound") {
		return ""
	}
	for _, p := range positions {
		if p.Filename() != topologyFile {
			continue
		}
		if g := s.defLines[p.Line()]; grammarPhrases[g] != "" {
			return g
		}
	}
	return ""
}
