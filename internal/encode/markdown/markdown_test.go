package markdown

import "testing"

func TestInline(t *testing.T) {
	for in, want := range map[string]string{
		"pool01":                    "pool01",
		"_sip._tls":                 "_sip._tls",
		"/*":                        "/*",
		"a | b":                     `a \| b`,
		`a\b`:                       `a\\b`,
		"<img src=x>":               `\<img src=x\>`,
		"[x](javascript:alert(1))":  `\[x\](javascript:alert(1))`,
		"&lt;":                      `\&lt;`,
		"`code`":                    "\\`code\\`",
		"line one\nline two\r\nend": "line one line two end",
		"  padded  ":                "padded",
		"a\x1b[31mb":                "a\uFFFD\\[31mb",
		"a\u202eb":                  "a\uFFFDb",
		"a\u2028b":                  "a b",
		"\xff":                      "\uFFFD",
	} {
		if got := Inline(in); got != want {
			t.Errorf("Inline(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBlock(t *testing.T) {
	for in, want := range map[string]string{
		"# heading":   `\# heading`,
		"#":           `\#`,
		"#hashtag":    "#hashtag",
		"####### x":   "####### x",
		"- item":      `\- item`,
		"-":           `\-`,
		"---":         `\---`,
		"- - -":       `\- - -`,
		"-x":          "-x",
		"+ item":      `\+ item`,
		"* item":      `\* item`,
		"***":         `\***`,
		"___":         `\___`,
		"_sip._tls":   "_sip._tls",
		"===":         `\===`,
		"~~~":         `\~~~`,
		"1. item":     `1\. item`,
		"12) item":    `12\) item`,
		"1.":          `1\.`,
		"192.168.1.5": "192.168.1.5",
		"> quote":     `\> quote`,
		"<div>":       `\<div\>`,
		"    code":    "code",
	} {
		if got := Block(in); got != want {
			t.Errorf("Block(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeadingCellCode(t *testing.T) {
	if got := Heading("rp ##"); got != `rp #\#` {
		t.Errorf("Heading: %q", got)
	}
	if got := Cell(""); got != "-" {
		t.Errorf("Cell: %q", got)
	}
	for in, want := range map[string]string{
		"sfb2019": "`sfb2019`",
		"a`b":     "``a`b``",
		"`a":      "`` `a ``",
		"a``b":    "```a``b```",
		"a\nb":    "`a b`",
		"<b>":     "`<b>`",
		"":        "` `",
	} {
		if got := Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}

// Inline's fast path for plain text says what the rune-by-rune encoder
// says: every string of up to two bytes, and the fuzzer's.
func TestInlinePlainIsInline(t *testing.T) {
	var b [2]byte
	for i := range 256 {
		b[0] = byte(i)
		if got, want := Inline(string(b[:1])), inline(string(b[:1])); got != want {
			t.Fatalf("Inline(%q) = %q, want %q", b[:1], got, want)
		}
		for j := range 256 {
			b[1] = byte(j)
			if got, want := Inline(string(b[:])), inline(string(b[:])); got != want {
				t.Fatalf("Inline(%q) = %q, want %q", b[:], got, want)
			}
		}
	}
}

func FuzzInline(f *testing.F) {
	for _, s := range []string{"", " sip.contoso.com ", "a|b", "_sipfederationtls._tcp", "x\ny", "é", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Inline(s), inline(s); got != want {
			t.Fatalf("Inline(%q) = %q, want %q", s, got, want)
		}
	})
}
