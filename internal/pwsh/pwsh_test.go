package pwsh

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// quotes are PowerShell's single quote characters (CharExtensions
// .IsSingleQuote), written here apart from IsQuote so the tokenizer
// does not share a mistake with the encoder.
const quotes = "'\u2018\u2019\u201A\u201B"

func isQuote(r rune) bool { return strings.ContainsRune(quotes, r) }

// token is one token of a script line as tokenize reads it.
type token struct {
	kind string // "word", "string", "comment", "newline"
	text string // a string's value
}

// tokenize reads a line of PowerShell command syntax as far as quoting
// goes, as PowerShell's tokenizer does (tokenizer.cs, ScanStringLiteral):
// a single-quoted string opens with any of the five single quote
// characters; inside it, a quote character followed by another stands
// for the second, any other quote character ends the string, and
// nothing else is special (line breaks included). Outside strings, "#"
// starts a comment to the end of the line, line breaks are tokens of
// their own and other text splits into words at spaces.
func tokenize(src string) ([]token, error) {
	rs := []rune(src)
	var out []token
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == ' ' || r == '\t':
			i++
		case r == '\r' || r == '\n':
			out = append(out, token{"newline", string(r)})
			i++
		case r == '#':
			j := i
			for j < len(rs) && rs[j] != '\r' && rs[j] != '\n' {
				j++
			}
			out = append(out, token{"comment", string(rs[i:j])})
			i = j
		case isQuote(r):
			var b strings.Builder
			i++
			for {
				if i >= len(rs) {
					return out, fmt.Errorf("unterminated string in %q", src)
				}
				c := rs[i]
				i++
				if isQuote(c) {
					if i >= len(rs) || !isQuote(rs[i]) {
						break
					}
					c = rs[i]
					i++
				}
				b.WriteRune(c)
			}
			out = append(out, token{"string", b.String()})
		default:
			j := i
			for j < len(rs) && !strings.ContainsRune(" \t\r\n#", rs[j]) && !isQuote(rs[j]) {
				j++
			}
			out = append(out, token{"word", string(rs[i:j])})
			i = j
		}
	}
	return out, nil
}

func TestTokenize(t *testing.T) {
	toks, err := tokenize("Set-X -A 'it''s' ‘a’’b‛ '' # note\nGet-Y")
	if err != nil {
		t.Fatal(err)
	}
	want := []token{{"word", "Set-X"}, {"word", "-A"}, {"string", "it's"}, {"string", "a’b"}, {"string", ""},
		{"comment", "# note"}, {"newline", "\n"}, {"word", "Get-Y"}}
	if fmt.Sprint(toks) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", toks, want)
	}
	// The attack this package stops: a typographic quote left single
	// ends the string, and what follows is code.
	toks, _ = tokenize("Add-PlannedA 'x’; Start-Process calc; ’'")
	if len(toks) < 3 || toks[2] != (token{"word", ";"}) {
		t.Errorf("an undoubled ’ did not end the string: %q", toks)
	}
	if _, err := tokenize("'open"); err == nil {
		t.Error("unterminated string not reported")
	}
}

// shouldRefuse is what Check refuses, written independently of it.
func shouldRefuse(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.ContainsFunc(s, func(r rune) bool {
		return r < ' ' || r >= 0x7F && r <= 0x9F || // C0, DEL, C1
			r == 0x2028 || r == 0x2029 || // line and paragraph separators
			r == 0x061C || r == 0x200E || r == 0x200F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) // bidi
	})
}

// checkQuote is the property: Quote(s) is refused exactly when s holds
// what a line cannot carry; otherwise, written in a command line, it is
// exactly one string token equal to s, and the rest of the line is
// untouched. Literal(s) reads back as s whatever s holds (valid UTF-8).
func checkQuote(t *testing.T, s string) {
	q, err := Quote(s)
	if refuse := shouldRefuse(s); refuse != (err != nil) {
		t.Fatalf("Quote(%q): error %v, want refused %v", s, err, refuse)
	}
	if err == nil {
		toks, terr := tokenize("Add-PlannedA " + q + " 300 # end")
		want := []token{{"word", "Add-PlannedA"}, {"string", s}, {"word", "300"}, {"comment", "# end"}}
		if terr != nil || fmt.Sprint(toks) != fmt.Sprint(want) {
			t.Fatalf("Quote(%q) = %q reads as %q (%v)", s, q, toks, terr)
		}
		if Check(q) != nil {
			t.Fatalf("Quote(%q) = %q is refused by Check", s, q)
		}
	}
	if got, want := Literal(s), literalByRune(s); got != want {
		t.Fatalf("Literal(%q) = %q, want %q", s, got, want)
	}
	if utf8.ValidString(s) {
		toks, terr := tokenize(Literal(s))
		if terr != nil || len(toks) != 1 || toks[0] != (token{"string", s}) {
			t.Fatalf("Literal(%q) = %q reads as %q (%v)", s, Literal(s), toks, terr)
		}
	}
}

var seeds = []string{
	"", "contoso.com", "O'Brien", "'", "''", "’; Start-Process calc; ’", "‘‚‛’", "'’‘‚‛",
	"a\nb", "a\r\nb", "\r", "\x00", "\x1b[31m", "\u0085", "\u2028", "\u202Eevil", "\xff", "caf\xc3",
	"é", "đ", "日本", "😀'", "# not a comment", "$env:PATH", "`n", "@'", "\"x\"",
}

func TestQuote(t *testing.T) {
	for _, s := range seeds {
		checkQuote(t, s)
	}
	for s, want := range map[string]string{
		"":          "''",
		"O'Brien":   "'O''Brien'",
		"it’s ‘x’":  "'it’’s ‘‘x’’'",
		"‚a‛":       "'‚‚a‛‛'",
		"$x `n \"y": "'$x `n \"y'",
	} {
		if got, err := Quote(s); err != nil || got != want {
			t.Errorf("Quote(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, s := range []string{"a\nb", "a\rb", "tab\there", "\x00", "\u2028", "\u202E", "\xff"} {
		if _, err := Quote(s); err == nil {
			t.Errorf("Quote(%q) not refused", s)
		}
	}
	if err := Check("line one\nline two"); err == nil || !strings.Contains(err.Error(), `U+000A, a control character`) {
		t.Errorf("Check: %v", err)
	}
}

// literalByRune is Literal's definition, one rune at a time: every quote
// character doubled, every other byte as it is (invalid UTF-8 included).
func literalByRune(s string) string {
	out := "'"
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if IsQuote(r) {
			out += s[i : i+n]
		}
		out += s[i : i+n]
		i += n
	}
	return out + "'"
}

func FuzzQuote(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkQuote)
}

// TestScript: a script starts with the UTF-8 byte order mark. Without it
// Windows PowerShell 5.1 reads the ANSI code page, and in Windows-1252
// the second byte of "đ" (C4 91) is ‘, a quote that would end a string.
func TestScript(t *testing.T) {
	b := Script("Write-Host 'đ'\n")
	if !bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) || string(b[3:]) != "Write-Host 'đ'\n" {
		t.Errorf("Script: % x", b)
	}
	if !bytes.Contains([]byte("đ"), []byte{0x91}) {
		t.Error("đ has no 0x91 byte")
	}
	if !IsQuote('\u2018') { // what Windows-1252 makes of 0x91
		t.Error("‘ is not a quote")
	}
}
