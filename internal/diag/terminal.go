package diag

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text output goes to a terminal, and what a diagnostic says comes from
// the user: names, values, whole source lines. A terminal acts on control
// characters (ESC starts sequences that move the cursor, clear the
// screen, set the window title or, in some terminals, answer back; CR
// and BS overwrite what was written; C1 characters such as U+009B are
// CSI of their own) and bidirectional formatting characters make text
// read in another order than it was written. Every such character, and
// every byte of invalid UTF-8, is written as a visible escape instead:
// \x1b, \r, \u009b, \u202e, \xff. A summary, a file name and a rule are
// one line, so a line break in them is escaped too; details and hints
// keep theirs. Tabs stay (source lines expand them).

// termEscape returns the escape that shows r (or the invalid byte b when
// r is utf8.RuneError of size 1), or "" when r is written as it is.
func termEscape(r rune, b byte, size int, keepNewline bool) string {
	switch {
	case r == utf8.RuneError && size == 1:
		return fmt.Sprintf(`\x%02x`, b)
	case r == '\t' || r == '\n' && keepNewline:
		return ""
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r)
	case r >= 0x80 && r <= 0x9f || r == '\u2028' || r == '\u2029' || isBidi(r):
		return fmt.Sprintf(`\u%04x`, r)
	}
	return ""
}

func isBidi(r rune) bool {
	return r == '\u061C' || r == '\u200E' || r == '\u200F' || r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// terminalSafe returns s with every character a terminal would act on
// escaped; line breaks are kept when keepNewlines.
func terminalSafe(s string, keepNewlines bool) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if termEscape(r, s[i], n, keepNewlines) != "" {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if e := termEscape(r, s[i], n, keepNewlines); e != "" {
			b.WriteString(e)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
