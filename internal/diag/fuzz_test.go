package diag

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzWriteText puts arbitrary text in one part of a diagnostic at a
// time (summary, rule, detail, hint, file name, the quoted source line):
// nothing a terminal acts on reaches it, and only a detail's or a hint's
// own line breaks start lines.
func FuzzWriteText(f *testing.F) {
	for i, s := range []string{"\x1b]0;pwned\x07", "\x1b[2J", "a\rb", "a\nError: forged [X-1]", "\u009b31m", "a\u202eb", "\xff\xfe", "\tx", "日本"} {
		f.Add(i, s)
	}
	f.Fuzz(func(t *testing.T, part int, s string) {
		file := "t.hcl"
		d := Diagnostic{Severity: Error, Rule: "X-1", Summary: "summary", Detail: "detail", Hint: "hint",
			Range: &Range{Filename: file, Start: Pos{Line: 1, Column: 2}, End: Pos{Line: 1, Column: 6}}}
		src := "x = \"value\"\n"
		switch (part%6 + 6) % 6 {
		case 0:
			d.Summary = s
		case 1:
			d.Rule = s
		case 2:
			d.Detail = s
		case 3:
			d.Hint = s
		case 4:
			file = s
			d.Range.Filename = s
		case 5:
			src = "x = \"" + strings.ReplaceAll(s, "\n", "") + "\"\n"
		}
		var b strings.Builder
		if err := WriteText(&b, Diagnostics{d}, map[string][]byte{file: []byte(src)}, part%2 == 0); err != nil {
			t.Fatal(err)
		}
		out := strings.NewReplacer(sgrReset, "", sgrBoldRed, "").Replace(b.String())
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 reaches the terminal: %q", out)
		}
		for _, r := range out {
			if r != '\n' && r != '\t' && (r < 0x20 || r >= 0x7f && r <= 0x9f || r == '\u2028' || r == '\u2029' || isBidi(r)) {
				t.Fatalf("%U reaches the terminal: %q", r, out)
			}
		}
		// A detail or hint is printed on lines of its own, so one that
		// itself starts with "Error: " is at a line start by design.
		own := strings.Contains(d.Detail+d.Hint, "\n") || strings.HasPrefix(d.Detail, "Error: ") || strings.HasPrefix(d.Hint, "Error: ")
		if !own && strings.Count(out, "\nError: ")+strings.Count(out[:min(len(out), 7)], "Error: ") != 1 {
			t.Fatalf("a line break outside a detail or hint starts a line: %q", out)
		}
	})
}
