package sfb

import (
	"strings"
	"testing"
)

// The scanner walks any text without a panic, and every token is the
// text at its offset, in order, on the line it says.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"Set-CsMcxConfiguration -Identity 'Global' -ExposedWebURL External # note\n",
		"if ($PSCmdlet.ShouldProcess(\"a`\"b\", 'c''d')) { @(1, 2) }\n<# block\n #>\n",
		"\u2018quoted\u2019 \u201Cdouble\u201D `\n$x.y -p:v",
		"\xff\xfe'unterminated", "<#", "\"open",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ts, err := scan(src)
		if err != nil {
			return
		}
		last := -1
		for _, tok := range ts {
			if tok.pos <= last || tok.pos+len(tok.text) > len(src) || src[tok.pos:tok.pos+len(tok.text)] != tok.text {
				t.Fatalf("token %+v is not the text at its offset (after %d) in %q", tok, last, src)
			}
			if want := 1 + strings.Count(src[:tok.pos], "\n"); tok.kind != tString && tok.line > want {
				t.Fatalf("token %+v on line %d, after %d line breaks", tok, tok.line, want-1)
			}
			last = tok.pos
		}
	})
}
