package testtool

import (
	"fmt"
	"strings"
)

// Parsers of the generated formats for the generators' fuzz tests: each
// reads a file as the real tool's tokenizer does, cheaply, and returns
// its shape, what no value written into the file may change. A test
// compares the shape of a file rendered with a hostile value to the
// shape of the file rendered from the plan as it is.

// NginxShape reads an nginx configuration as nginx's tokenizer does
// (ngx_conf_read_token): words end at whitespace, ';', '{' and '}'; '#'
// at the start of a word comments to the end of the line; a quote at
// the start of a word runs to the same quote, '\' escaping the next
// character. The shape is every directive with its depth, its name and
// its number of arguments, and which arguments hold a variable ('$'):
// what a value may not change.
func NginxShape(conf string) (string, error) {
	var out []string
	var words []string
	depth := 0
	var w strings.Builder
	inWord := false
	end := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	directive := func(term string) error {
		end()
		if len(words) == 0 {
			if term == "{" {
				return fmt.Errorf("a block without a name")
			}
			if term == ";" {
				return fmt.Errorf("an empty directive")
			}
			return nil
		}
		vars := ""
		for _, a := range words[1:] {
			if strings.Contains(a, "$") {
				vars += "$"
			} else {
				vars += "."
			}
		}
		out = append(out, fmt.Sprintf("%d %s %d %s %s", depth, words[0], len(words)-1, vars, term))
		words = nil
		return nil
	}
	rs := []rune(conf)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case !inWord && (c == '"' || c == '\''):
			q := c
			inWord = true
			for i++; ; i++ {
				if i >= len(rs) {
					return "", fmt.Errorf("unterminated quote")
				}
				if rs[i] == '\\' && i+1 < len(rs) {
					i++
					w.WriteRune(rs[i])
					continue
				}
				if rs[i] == q {
					break
				}
				w.WriteRune(rs[i])
			}
			end()
		case !inWord && c == '#':
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			end()
		case c == ';':
			if err := directive(";"); err != nil {
				return "", err
			}
		case c == '{':
			if err := directive("{"); err != nil {
				return "", err
			}
			depth++
		case c == '}':
			if err := directive(""); err != nil {
				return "", err
			}
			if len(out) > 0 && strings.HasSuffix(out[len(out)-1], " ") {
				return "", fmt.Errorf("a directive without ';'")
			}
			depth--
			if depth < 0 {
				return "", fmt.Errorf("unbalanced '}'")
			}
			out = append(out, fmt.Sprintf("%d }", depth))
		case c == '\\' && i+1 < len(rs):
			inWord = true
			i++
			w.WriteRune(rs[i])
		default:
			inWord = true
			w.WriteRune(c)
		}
	}
	end()
	if len(words) > 0 || depth != 0 {
		return "", fmt.Errorf("unterminated directive or block")
	}
	return strings.Join(out, "\n"), nil
}

// HAProxyShape reads an HAProxy configuration line by line as HAProxy
// does: words split at spaces and tabs, '#' at the start of a word
// comments to the end of the line, '\' escapes, single and double quotes
// group. The shape is each line's first word (the section keyword or
// the directive) and its number of words, and which words hold '$'
// (environment variables).
func HAProxyShape(cfg string) (string, error) {
	var out []string
	for n, line := range strings.FieldsFunc(cfg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		var words []string
		var w strings.Builder
		in := false
		rs := []rune(line)
	scan:
		for i := 0; i < len(rs); i++ {
			switch c := rs[i]; {
			case c == ' ' || c == '\t':
				if in {
					words, in = append(words, w.String()), false
					w.Reset()
				}
			case c == '#' && !in:
				break scan
			case c == '\\' && i+1 < len(rs):
				i++
				w.WriteRune(rs[i])
				in = true
			case c == '"' || c == '\'':
				in = true
				for i++; i < len(rs) && rs[i] != c; i++ {
					w.WriteRune(rs[i])
				}
				if i >= len(rs) {
					return "", fmt.Errorf("line %d: unterminated quote", n+1)
				}
			default:
				w.WriteRune(c)
				in = true
			}
		}
		if in {
			words = append(words, w.String())
		}
		if len(words) == 0 {
			continue
		}
		vars := ""
		for _, x := range words {
			if strings.Contains(x, "$") {
				vars += "$"
			} else {
				vars += "."
			}
		}
		indent := !strings.HasPrefix(line, words[0])
		out = append(out, fmt.Sprintf("%v %s %d %s", indent, words[0], len(words), vars))
	}
	return strings.Join(out, "\n"), nil
}

// ZoneShape reads a DNS master file as RFC 1035 (section 5.1) and BIND
// read one: an entry runs to the end of its line, or across lines inside
// parentheses; ';' comments to the end of the line; '"' quotes; '\'
// escapes the next character; an entry whose line starts with '$' is a
// directive, one whose line starts with a blank repeats the previous
// owner. The shape is every directive with its number of arguments and
// every record with whether it names its owner, its type and its number
// of data fields. CR ends a line here, as the stricter reading.
func ZoneShape(zone string) (string, error) {
	var out []string
	var tokens []string
	var tok strings.Builder
	inTok, depth, lineStart, blankStart := false, 0, true, false
	flush := func() {
		if inTok {
			tokens = append(tokens, tok.String())
			tok.Reset()
			inTok = false
		}
	}
	entry := func() error {
		flush()
		if len(tokens) == 0 {
			return nil
		}
		defer func() { tokens = nil }()
		if !blankStart && strings.HasPrefix(tokens[0], "$") {
			out = append(out, fmt.Sprintf("%s %d", tokens[0], len(tokens)-1))
			return nil
		}
		rest := tokens
		owner := "-"
		if !blankStart {
			owner, rest = "owner", tokens[1:]
		}
		for i := 0; i < 2 && len(rest) > 0; i++ {
			if strings.Trim(rest[0], "0123456789") == "" || rest[0] == "IN" || rest[0] == "CH" || rest[0] == "HS" {
				rest = rest[1:]
			}
		}
		if len(rest) == 0 {
			return fmt.Errorf("a record without a type")
		}
		out = append(out, fmt.Sprintf("%s %s %d", owner, rest[0], len(rest)-1))
		return nil
	}
	rs := []rune(zone)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if lineStart && depth == 0 {
			blankStart = c == ' ' || c == '\t'
		}
		lineStart = false
		switch {
		case c == '\n' || c == '\r':
			lineStart = true
			if depth == 0 {
				if err := entry(); err != nil {
					return "", err
				}
			} else {
				flush()
			}
		case c == ';':
			for i+1 < len(rs) && rs[i+1] != '\n' && rs[i+1] != '\r' {
				i++
			}
		case c == ' ' || c == '\t':
			flush()
		case c == '(':
			flush()
			depth++
		case c == ')':
			flush()
			if depth--; depth < 0 {
				return "", fmt.Errorf("unbalanced ')'")
			}
		case c == '"':
			inTok = true
			for i++; ; i++ {
				if i >= len(rs) {
					return "", fmt.Errorf("unterminated quote")
				}
				if rs[i] == '\\' && i+1 < len(rs) {
					i++
				} else if rs[i] == '"' {
					break
				}
				tok.WriteRune(rs[i])
			}
		case c == '\\' && i+1 < len(rs):
			inTok = true
			i++
			tok.WriteRune(rs[i])
		default:
			inTok = true
			tok.WriteRune(c)
		}
	}
	if depth != 0 {
		return "", fmt.Errorf("unbalanced '('")
	}
	if err := entry(); err != nil {
		return "", err
	}
	return strings.Join(out, "\n"), nil
}

// signature keeps, in order, the characters of s that are in specials.
func signature(s, specials string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(specials, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// logicalLines splits text at line ends (LF, and CR as the stricter
// reading) and joins a line ending in a single '\' to the next.
func logicalLines(text string) []string {
	var out []string
	cur := ""
	for _, l := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.HasSuffix(l, `\`) && !strings.HasSuffix(l, `\\`) {
			cur += strings.TrimSuffix(l, `\`)
			continue
		}
		out = append(out, cur+l)
		cur = ""
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// CNFShape reads an OpenSSL configuration as NCONF does: lines joined at
// a single trailing '\'; '#' outside quotes comments to the end of the
// line, '\' escaping; "[ name ]" opens a section; other lines are
// "name = value". The shape is every section and key, each key with the
// characters of its value OpenSSL reads specially ('$' expands, '@'
// names a section, quotes, escapes, separators).
func CNFShape(cnf string) (string, error) {
	var out []string
	for _, l := range logicalLines(cnf) {
		var b strings.Builder
		var q rune
		rs := []rune(l)
	scan:
		for i := 0; i < len(rs); i++ {
			c := rs[i]
			switch {
			case c == '\\' && i+1 < len(rs):
				b.WriteRune(c)
				i++
				b.WriteRune(rs[i])
			case q != 0:
				if c == q {
					q = 0
				}
				b.WriteRune(c)
			case c == '"' || c == '\'':
				q = c
				b.WriteRune(c)
			case c == '#':
				break scan
			default:
				b.WriteRune(c)
			}
		}
		line := strings.TrimSpace(b.String())
		switch {
		case line == "":
		case strings.HasPrefix(line, "["):
			end := strings.Index(line, "]")
			if end < 0 {
				return "", fmt.Errorf("a section header without ']': %q", line)
			}
			out = append(out, "["+strings.TrimSpace(line[1:end])+"]"+line[end+1:])
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return "", fmt.Errorf("a line that is neither a section nor name = value: %q", line)
			}
			out = append(out, strings.TrimSpace(k)+" "+signature(v, `$@\"',:;=&`))
		}
	}
	return strings.Join(out, "\n"), nil
}

// INFShape reads a certreq INF file: lines (joined at a trailing '\',
// the stricter reading); ';' outside double quotes comments to the end
// of the line, a doubled quote standing for one inside them; "[Name]"
// opens a section; other lines are "Key = value". The shape is every
// section and key, each key with the characters of its value certreq
// reads specially (quotes, '%' substitution, the '&' between
// subject alternative names, '=' and ',' of names).
func INFShape(inf string) (string, error) {
	var out []string
	for _, l := range logicalLines(inf) {
		var b strings.Builder
		in := false
		for _, c := range l {
			if c == '"' {
				in = !in
			}
			if c == ';' && !in {
				break
			}
			b.WriteRune(c)
		}
		if in {
			return "", fmt.Errorf("an unterminated quote: %q", l)
		}
		line := strings.TrimSpace(b.String())
		switch {
		case line == "":
		case strings.HasPrefix(line, "["):
			if !strings.HasSuffix(line, "]") {
				return "", fmt.Errorf("a section header without ']': %q", line)
			}
			out = append(out, line)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return "", fmt.Errorf("a line that is neither a section nor key = value: %q", line)
			}
			out = append(out, strings.TrimSpace(k)+" "+signature(v, `"%&=,+<>#\`))
		}
	}
	return strings.Join(out, "\n"), nil
}

// MarkdownShape reads a Markdown document line by line, as CommonMark
// with GitHub's tables does as far as structure goes: each line's block
// (blank, heading and its level, bullet item and the block its text
// would open, quote, fence, thematic break or setext underline, HTML,
// table row and its number of cells, paragraph) and what its inline text
// holds outside backslash escapes and code spans (raw HTML or autolinks
// '<', entity references '&', link brackets, code spans). A numbered
// item inside a bullet item (the report's step numbers) is read as a
// bullet item.
func MarkdownShape(md string) string {
	var out []string
	for _, l := range strings.Split(md, "\n") {
		out = append(out, mdBlock(l)+" "+mdInline(l))
	}
	return strings.Join(out, "\n")
}

func mdBlock(l string) string {
	t := strings.TrimLeft(l, " ")
	indent := len(l) - len(t)
	switch {
	case strings.TrimSpace(l) == "":
		return "blank"
	case indent >= 4:
		return "code"
	case strings.HasPrefix(t, "|"):
		return fmt.Sprintf("row%d", mdPipes(t)-1)
	case strings.HasPrefix(t, "<"):
		return "html"
	case strings.HasPrefix(t, ">"):
		return "quote"
	case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
		return "fence"
	case mdRule(t):
		return "rule"
	}
	if n := len(t) - len(strings.TrimLeft(t, "#")); n >= 1 && n <= 6 && (n == len(t) || t[n] == ' ') {
		return fmt.Sprintf("h%d", n)
	}
	if len(t) >= 2 && strings.IndexByte("-+*", t[0]) >= 0 && t[1] == ' ' {
		inner := mdBlock(t[2:])
		if inner == "p" || inner == "blank" || strings.HasPrefix(inner, "ol") {
			return "item"
		}
		return "item>" + inner
	}
	if d := len(t) - len(strings.TrimLeft(t, "0123456789")); d >= 1 && d <= 9 && d < len(t) && (t[d] == '.' || t[d] == ')') && (d+1 == len(t) || t[d+1] == ' ') {
		return "ol"
	}
	return "p"
}

// mdRule: a thematic break (three or more of one of '-', '*', '_'
// and spaces) or a setext underline ('=' or '-').
func mdRule(t string) bool {
	for _, c := range "-*_=" {
		if strings.Trim(t, string(c)+" ") == "" && strings.Count(t, string(c)) >= 3 || c == '=' && strings.Trim(t, "= ") == "" {
			return true
		}
	}
	return false
}

// mdPipes counts the '|' of a table row that are not escaped (GitHub
// splits cells at those, inside code spans too).
func mdPipes(l string) int {
	n := 0
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func mdInline(l string) string {
	var lt, amp, br, code int
	for i := 0; i < len(l); i++ {
		switch c := l[i]; c {
		case '\\':
			if i+1 < len(l) && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", l[i+1]) >= 0 {
				i++
			}
		case '`':
			run := 1
			for i+run < len(l) && l[i+run] == '`' {
				run++
			}
			end := -1
			for j := i + run; j < len(l); j++ {
				if l[j] != '`' {
					continue
				}
				k := j
				for k < len(l) && l[k] == '`' {
					k++
				}
				if k-j == run {
					end = k
					break
				}
				j = k
			}
			if end < 0 {
				i += run - 1 // literal backticks
				code += 100
				continue
			}
			code++
			i = end - 1
		case '<':
			lt++
		case '&':
			amp++
		case '[', ']':
			br++
		}
	}
	return fmt.Sprintf("<%d &%d [%d `%d", lt, amp, br, code)
}
