package diag

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The attack of issue 9 on the terminal: escape sequences in names
// reached it raw through diagnostics. Nothing user-derived is written as
// a control character, whatever part of the diagnostic carries it.
func TestWriteTextEscapesControls(t *testing.T) {
	const (
		title = "\x1b]0;pwned\x07"   // sets the terminal's title
		clear = "\x1b[2J\x1b[H"      // clears the screen
		csi   = "\u009b31m"          // CSI as one C1 character
		back  = "Error\rWarning\b\b" // overwrites what was written
		bidi  = "ab\u202ecd"         // shows "abdc"
	)
	file := "topo" + clear + ".hcl"
	src := "pool \"se01" + title + csi + "\" {\n  fqdn = \"" + back + bidi + "\"\x7f\n"
	d := Diagnostic{Severity: Error, Rule: "X-1" + clear, Summary: "Invalid " + title + "\nForged: line",
		Detail: "detail " + clear + csi + "\nsecond line\r" + bidi, Hint: "hint " + back + "\xff",
		Range: &Range{Filename: file, Start: Pos{Line: 2, Column: 3}, End: Pos{Line: 2, Column: 40}}}
	second := d
	second.Range = &Range{Filename: file, Start: Pos{Line: 1, Column: 1}, End: Pos{Line: 1, Column: 30}}
	for _, color := range []bool{false, true} {
		var b strings.Builder
		if err := WriteText(&b, Diagnostics{d, second}, map[string][]byte{file: []byte(src)}, color); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if color {
			for _, sgr := range []string{sgrReset, sgrBoldRed} {
				out = strings.ReplaceAll(out, sgr, "")
			}
		}
		if !utf8.ValidString(out) {
			t.Errorf("color %v: invalid UTF-8 reaches the terminal: %q", color, out)
		}
		for _, r := range out {
			if r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e) {
				t.Fatalf("color %v: %U reaches the terminal:\n%q", color, r, out)
			}
		}
		if strings.Contains(out, "\nForged: line") {
			t.Errorf("a line break in a summary starts a line of its own:\n%s", out)
		}
		if !strings.Contains(out, "\nsecond line") {
			t.Errorf("the detail's own line break is lost:\n%s", out)
		}
	}
	if s := d.String(); strings.ContainsAny(s, "\x1b\x07\r\n") {
		t.Errorf("String() holds a control character: %q", s)
	}
}

// The caret still points at the span when a character before it is
// written escaped.
func TestSnippetCaretAfterEscapes(t *testing.T) {
	file := "t.hcl"
	src := "a\x1bb = \"x\"\n"
	var b strings.Builder
	d := Diagnostic{Severity: Error, Rule: "X-1", Summary: "s", Range: &Range{Filename: file, Start: Pos{Line: 1, Column: 7}, End: Pos{Line: 1, Column: 10}}}
	if err := WriteText(&b, Diagnostics{d}, map[string][]byte{file: []byte(src)}, false); err != nil {
		t.Fatal(err)
	}
	want := "  1: a\\x1bb = \"x\"\n" +
		"              ^^^\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("snippet:\n%s\nwant\n%s", b.String(), want)
	}
}
