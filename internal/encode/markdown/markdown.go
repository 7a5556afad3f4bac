// Package markdown writes text into the Markdown files mobplan generates
// (REPORT.md, firewall/rules.md) so that no value can add HTML, a link,
// an image, a code span, a table cell or a block (a heading, a list, a
// quote, a rule) to the document. Markdown can show any text, so nothing
// is refused:
//
//   - line breaks (CR, LF, U+2028, U+2029) become spaces, and other
//     control and bidirectional formatting characters become U+FFFD, so
//     a value is one line that reads as it is parsed;
//   - '\', '`', '<', '>', '&', '[', ']' and '|' are escaped with '\'
//     (CommonMark's backslash escapes): no raw HTML or autolink, no
//     entity reference, no code span, no link or image, no cell break;
//   - at the start of a block (Block), a character that would open one
//     is escaped: '#' before a space (a heading), '-', '+', '*', '_',
//     '=' or '~' before a space or alone in a run (a list item, a
//     thematic break, a setext underline, a fence), and the '.' or ')'
//     of an ordered list marker.
//
// Emphasis markers ('*', '_', '~' inside text) are left as they are:
// they change type faces, not structure, and escaping them would make
// DNS names such as _sip._tls unreadable in the file.
package markdown

import (
	"strings"
	"unicode/utf8"

	"github.com/mobplan/mobplan/internal/encode"
)

// Inline returns s as inline text on one line.
func Inline(s string) string {
	if plain(s) {
		return strings.TrimSpace(s)
	}
	return inline(s)
}

// inline is Inline rune by rune.
func inline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r' && strings.HasPrefix(s[i:], "\n"):
			// CRLF is one line break: the LF makes the space.
		case r == '\r' || r == '\n' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r == utf8.RuneError && n == 1, encode.Refused(r) != "":
			b.WriteRune(utf8.RuneError)
		case strings.ContainsRune("\\`<>&[]|", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// Block returns s as inline text that starts a block (a paragraph, a
// list item's text, a line of its own).
func Block(s string) string {
	t := Inline(s)
	if t == "" {
		return t
	}
	switch c := t[0]; {
	case c == '#':
		run := len(t) - len(strings.TrimLeft(t, "#"))
		if run <= 6 && (run == len(t) || t[run] == ' ') {
			return `\` + t
		}
	case strings.IndexByte("-+*_=~", c) >= 0:
		if len(t) == 1 || t[1] == ' ' || strings.Trim(t, string(c)+" ") == "" {
			return `\` + t
		}
	case c >= '0' && c <= '9':
		digits := len(t) - len(strings.TrimLeft(t, "0123456789"))
		if digits <= 9 && digits < len(t) && (t[digits] == '.' || t[digits] == ')') && (digits+1 == len(t) || t[digits+1] == ' ') {
			return t[:digits] + `\` + t[digits:]
		}
	}
	return t
}

// Heading returns s as a heading's text: a trailing run of '#' would be
// read as the heading's closing sequence.
func Heading(s string) string {
	t := Inline(s)
	if strings.HasSuffix(t, "#") {
		return strings.TrimSuffix(t, "#") + `\#`
	}
	return t
}

// Cell returns s as the text of a table cell; an empty cell is "-".
func Cell(s string) string {
	if t := Inline(s); t != "" {
		return t
	}
	return "-"
}

// Code returns s as a code span: between backtick runs longer than any
// in s, padded with a space where s starts or ends with a backtick.
// Nothing in a code span is Markdown or HTML.
func Code(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r' || r == '\n' || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r == utf8.RuneError && n == 1, encode.Refused(r) != "":
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	longest, run := 0, 0
	for _, c := range []byte(t) {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	switch {
	case t == "":
		t = " " // a code span has content; "``" would be two backticks
	case strings.HasPrefix(t, "`") || strings.HasSuffix(t, "`") || strings.Trim(t, " ") == "":
		t = " " + t + " "
	}
	return fence + t + fence
}

// plain reports whether Inline would leave s as it is, but for the
// spaces it trims: printable ASCII with nothing to escape. Most values
// (DNS names, addresses, cmdlet names) are; a large deployment's report
// holds hundreds of thousands of them.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
		switch c {
		case '\\', '`', '<', '>', '&', '[', ']', '|':
			return false
		}
	}
	return true
}
