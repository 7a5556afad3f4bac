// Package pwsh writes text into the PowerShell scripts mobplan generates
// (dns/windows-dns.ps1, sfb/configure-mobility.ps1), so that no value
// from a topology can change what a script does.
//
// Strings are single-quoted literals, the only PowerShell string with no
// expansion and no escape character. PowerShell's tokenizer ends such a
// string at any of five single quote characters — ' and the typographic
// ‘ ’ ‚ ‛ (U+2018, U+2019, U+201A, U+201B) — and reads two in a row as
// the second one; Literal doubles each of them, so a value holding
// `’; Start-Process calc; ’` stays one string.
//
// A script line carries no control character (CR and LF included, and
// the Unicode line and paragraph separators), no bidirectional
// formatting character and no invalid UTF-8: a line break would move
// what follows it onto a line of its own (out of a comment, into code),
// turning it into a space would silently change the value, and a
// direction override makes the script read differently from how it
// runs, for the administrator who reviews it. Check and Quote refuse
// such text with an error; nothing is replaced.
//
// Encoding: scripts are written as UTF-8 with a byte order mark (Script),
// always. Windows PowerShell 5.1 reads a script without one in the
// system's ANSI code page, where UTF-8's continuation bytes are other
// characters — in Windows-1252, 0x82, 0x91 and 0x92 are ‚, ‘ and ’ — so "đ" (C4 91)
// would be read as "Ä‘", and the quote that appears would end the string:
// without the mark, a value's bytes could become code. The alternative,
// escaping non-ASCII characters, works only outside literals
// (('caf' + [char]0xE9)), which would make names unreadable in the
// script and in -WhatIf output; PowerShell 7 reads UTF-8 with or without
// the mark. It is written whatever the content, so a script's encoding
// does not depend on what the topology holds, and an administrator who
// adds a non-ASCII comment by hand cannot make the file change meaning.
package pwsh

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// BOM is the UTF-8 byte order mark every script starts with.
const BOM = "\uFEFF"

// Script is a script's text as the bytes of its file.
func Script(text string) []byte { return []byte(BOM + text) }

// IsQuote reports whether PowerShell reads r as a single quote.
func IsQuote(r rune) bool {
	switch r {
	case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
		return true
	}
	return false
}

// refused tells why a character may not appear on a script line ("" if
// it may).
func refused(r rune) string {
	switch {
	case r < 0x20 || r >= 0x7F && r <= 0x9F:
		return "a control character"
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	case r == '\u061C' || r == '\u200E' || r == '\u200F' || r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069':
		return "a bidirectional formatting character"
	}
	return ""
}

// Check refuses text that cannot be written on one script line: control
// characters (line breaks included), line and paragraph separators,
// bidirectional formatting characters and invalid UTF-8.
func Check(s string) error {
	// Printable ASCII passes as it is; the rest is looked at rune by rune.
	start := 0
	for start < len(s) && s[start] >= 0x20 && s[start] < 0x7F {
		start++
	}
	for i, r := range s[start:] {
		i += start
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("%q is not valid UTF-8 (byte %d); a PowerShell script cannot carry it", s, i)
			}
		}
		if why := refused(r); why != "" {
			return fmt.Errorf("%q holds %U, %s; a PowerShell script line cannot carry it", s, r, why)
		}
	}
	return nil
}

// Quote returns s as a single-quoted PowerShell string literal, or an
// error when Check refuses s.
func Quote(s string) (string, error) {
	if err := Check(s); err != nil {
		return "", err
	}
	return Literal(s), nil
}

// Literal returns s as a single-quoted literal, every quote character
// doubled, and refuses nothing: PowerShell reads the result as s even
// across lines. It is for text that is checked as a whole before it is
// written (the planner's Management Shell lines, which the sfb
// generator passes through Check); anything else uses Quote.
func Literal(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	WriteLiteral(&b, s)
	return b.String()
}

// WriteLiteral writes Literal(s) to b: the runs between quote
// characters are copied whole (a SAN list of a large deployment is
// millions of names, nearly all plain ASCII).
func WriteLiteral(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for {
		i, n := nextQuote(s)
		if i < 0 {
			break
		}
		b.WriteString(s[:i+n])
		b.WriteString(s[i : i+n])
		s = s[i+n:]
	}
	b.WriteString(s) // bytes as they are, valid or not
	b.WriteByte('\'')
}

// nextQuote is the offset and length of the first quote character in s,
// or -1.
func nextQuote(s string) (int, int) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '\'' {
				return i, 1
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if IsQuote(r) {
			return i, n
		}
		i += n
	}
	return -1, 0
}
