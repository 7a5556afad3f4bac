package sfb

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mobplan/mobplan/internal/pwsh"
)

// A small PowerShell scanner, enough for the text this package writes
// and the planner's lines: strings (single-quoted with every quote
// character doubled inside, double-quoted with backtick escapes),
// comments, variables, brackets and bare words. The generator uses it
// to find the change in a guarded line and to tell a changing line from
// a read; the tests use it to list every command and parameter a script
// calls and to check that each change is under ShouldProcess.

type tokKind int

const (
	tWord    tokKind = iota // bare word: a command, -Parameter, keyword, number, operator
	tString                 // a quoted string
	tVar                    // $name, $_.Prop, $PSCmdlet.ShouldProcess
	tPunct                  // ( ) { } [ ] | ; , = @( @{
	tNewline                // end of a line (not after a backtick)
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset
	line int
}

// scan splits src into tokens; comments are dropped. It fails on an
// unterminated string or comment.
func scan(src string) ([]token, error) {
	// About a token per 16 bytes: a certificate's line is a list of
	// quoted names, hundreds of KB.
	out := make([]token, 0, len(src)/16)
	line := 1
	isDouble := func(r rune) bool { return r == '"' || r == '\u201C' || r == '\u201D' || r == '\u201E' }
	// at is the rune at byte offset i and its width, 0 past the end. The
	// source is walked in place: a script is megabytes at scale, and a
	// rune slice of it four times that.
	at := func(i int) (rune, int) {
		if i >= len(src) {
			return 0, 0
		}
		if c := src[i]; c < utf8.RuneSelf {
			return rune(c), 1
		}
		return utf8.DecodeRuneInString(src[i:])
	}
	wordChar := func(r rune) bool {
		return r == '-' || r == '_' || r == '.' || r == ':' || r == '\\' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r > 0x7f && !pwsh.IsQuote(r) && !isDouble(r)
	}
	for i := 0; i < len(src); {
		r, w := at(i)
		next := i + w
		switch {
		case r == '\n':
			out = append(out, token{tNewline, "\n", i, line})
			line++
		case r == ' ' || r == '\t' || r == '\r' || r == '\uFEFF':
		case r == '`':
			// an escaped character; a backtick before a line break
			// continues the line
			if c, cw := at(next); cw > 0 {
				if c == '\n' {
					line++
				}
				next += cw
			}
		case r == '<' && strings.HasPrefix(src[next:], "#"):
			end := strings.Index(src[i+2:], "#>")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated block comment", line)
			}
			line += strings.Count(src[i+2:i+2+end], "\n")
			next = i + 2 + end + 2
		case r == '#':
			if k := strings.IndexByte(src[i:], '\n'); k >= 0 {
				next = i + k
			} else {
				next = len(src)
			}
		case pwsh.IsQuote(r) || isDouble(r):
			same := pwsh.IsQuote
			if isDouble(r) {
				same = isDouble
			}
			startLine := line
			for closed := false; !closed; {
				// A run of plain ASCII that neither ends the string nor
				// escapes is skipped whole (the certificate lines are
				// hundreds of KB of quoted names).
				for next < len(src) && plainInString(src[next], isDouble(r)) {
					next++
				}
				c, cw := at(next)
				if cw == 0 {
					return nil, fmt.Errorf("line %d: unterminated string", startLine)
				}
				next += cw
				switch {
				case c == '\n':
					line++
				case c == '`' && isDouble(r):
					_, ew := at(next) // escapes exist in double-quoted strings only
					next += ew
				case same(c):
					if d, dw := at(next); dw > 0 && same(d) {
						next += dw // a doubled quote stands for itself
					} else {
						closed = true
					}
				}
			}
			out = append(out, token{tString, src[i:next], i, startLine})
		case r == '$':
			for {
				c, cw := at(next)
				if cw == 0 || !(wordChar(c) && c != '-' && c != '\\' || c == '?') {
					break
				}
				next += cw
			}
			out = append(out, token{tVar, src[i:next], i, line})
		case r == '@' && (strings.HasPrefix(src[next:], "(") || strings.HasPrefix(src[next:], "{")):
			next++
			out = append(out, token{tPunct, src[i:next], i, line})
		case r == '(' || r == ')' || r == '{' || r == '}' || r == '[' || r == ']' || r == '|' || r == ';' || r == ',' || r == '=' || r == '!':
			out = append(out, token{tPunct, src[i:next], i, line})
		default:
			for {
				c, cw := at(next)
				if cw == 0 || !wordChar(c) {
					break
				}
				next += cw
			}
			out = append(out, token{tWord, src[i:next], i, line})
		}
		i = next
	}
	return out, nil
}

// plainInString: the ASCII byte c means only itself inside a string,
// single-quoted or (double) double-quoted.
func plainInString(c byte, double bool) bool {
	if c >= utf8.RuneSelf || c == '\n' {
		return false
	}
	if double {
		return c != '"' && c != '`'
	}
	return c != '\''
}

var opens = map[string]string{"(": ")", "{": "}", "[": "]", "@(": ")", "@{": "}"}

// balanced checks that every bracket closes in order.
func balanced(ts []token) error {
	var stack []token
	for _, t := range ts {
		if t.kind != tPunct {
			continue
		}
		if _, ok := opens[t.text]; ok {
			stack = append(stack, t)
			continue
		}
		if t.text == ")" || t.text == "}" || t.text == "]" {
			if len(stack) == 0 || opens[stack[len(stack)-1].text] != t.text {
				return fmt.Errorf("line %d: unbalanced %q", t.line, t.text)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		t := stack[len(stack)-1]
		return fmt.Errorf("line %d: %q never closed", t.line, t.text)
	}
	return nil
}

// closing is the index of the token closing the bracket at ts[i].
func closing(ts []token, i int) int {
	depth := 0
	for j := i; j < len(ts); j++ {
		if ts[j].kind != tPunct {
			continue
		}
		if _, ok := opens[ts[j].text]; ok {
			depth++
		} else if ts[j].text == ")" || ts[j].text == "}" || ts[j].text == "]" {
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// reCommand is a command name in Verb-Noun form.
var reCommand = regexp.MustCompile(`^[A-Z][A-Za-z]*-[A-Za-z][A-Za-z0-9]*$`)

// reParam is a parameter name as written (-Name, or -Name: with a value).
var reParam = regexp.MustCompile(`^-([A-Za-z][A-Za-z0-9]*):?$`)

// Call is one command a script calls, with the parameters named on it.
type Call struct {
	Name   string
	Params []string
	// Values are what follows each parameter: a token's text, "(" for a
	// bracketed expression, "" for nothing (another parameter or the end).
	Values []string
	// Colon: the parameter was written -Name:value.
	Colon   []bool
	Line    int
	Guarded bool // inside the body of if ($PSCmdlet.ShouldProcess(...))
}

// calls lists the commands src calls, in order, and the functions it
// defines (with the parameters of their param() blocks).
func calls(src string) ([]Call, map[string][]string, error) {
	ts, err := scan(src)
	if err != nil {
		return nil, nil, err
	}
	if err := balanced(ts); err != nil {
		return nil, nil, err
	}
	defined := map[string][]string{}
	var out []Call
	// guardedUntil holds the index of the closing brace of every open
	// ShouldProcess-guarded block.
	var guardedUntil []int
	for i := 0; i < len(ts); i++ {
		for len(guardedUntil) > 0 && i > guardedUntil[len(guardedUntil)-1] {
			guardedUntil = guardedUntil[:len(guardedUntil)-1]
		}
		t := ts[i]
		if t.kind == tWord && (strings.EqualFold(t.text, "if") || strings.EqualFold(t.text, "elseif")) && i+1 < len(ts) && ts[i+1].text == "(" {
			end := closing(ts, i+1)
			if end > 0 && end+1 < len(ts) && ts[end+1].text == "{" && guardsChange(ts[i+2:end]) {
				guardedUntil = append(guardedUntil, closing(ts, end+1))
			}
			continue
		}
		if t.kind == tWord && strings.EqualFold(t.text, "function") && i+1 < len(ts) {
			name := ts[i+1].text
			defined[name] = funcParams(ts, i+2)
			i++
			continue
		}
		if t.kind != tWord || !reCommand.MatchString(t.text) || !commandPosition(ts, i) {
			continue
		}
		c := Call{Name: t.text, Line: t.line, Guarded: len(guardedUntil) > 0}
		depth := 0
	args:
		for j := i + 1; j < len(ts); j++ {
			a := ts[j]
			switch {
			case a.kind == tNewline && depth == 0, a.kind == tPunct && (a.text == "|" || a.text == ";") && depth == 0:
				break args
			case a.kind == tPunct && opens[a.text] != "":
				depth++
			case a.kind == tPunct && (a.text == ")" || a.text == "}" || a.text == "]"):
				if depth == 0 {
					break args
				}
				depth--
			case a.kind == tWord && depth == 0:
				if m := reParam.FindStringSubmatch(a.text); m != nil {
					c.Params = append(c.Params, m[1])
					c.Values = append(c.Values, argValue(ts, j+1))
					c.Colon = append(c.Colon, strings.HasSuffix(a.text, ":"))
				}
			}
		}
		out = append(out, c)
	}
	return out, defined, nil
}

// argValue is what ts[i] gives a parameter before it (see Call.Values).
func argValue(ts []token, i int) string {
	if i >= len(ts) {
		return ""
	}
	v := ts[i]
	switch {
	case v.kind == tNewline, v.kind == tWord && reParam.MatchString(v.text):
		return ""
	case v.kind == tPunct && opens[v.text] != "":
		return "("
	case v.kind == tPunct:
		return ""
	}
	return v.text
}

// guardsChange: the condition is $PSCmdlet.ShouldProcess(...), alone.
func guardsChange(cond []token) bool {
	return len(cond) >= 3 && cond[0].kind == tVar && strings.EqualFold(cond[0].text, "$PSCmdlet.ShouldProcess") &&
		cond[1].text == "(" && closing(cond, 1) == len(cond)-1
}

// commandPosition: the word starts a pipeline element (after the start,
// a line break, ( { | ; = or @().
func commandPosition(ts []token, i int) bool {
	if i == 0 {
		return true
	}
	p := ts[i-1]
	return p.kind == tNewline || p.kind == tPunct && strings.Contains("( { | ; = @( !", p.text)
}

// funcParams are the parameter names of the param() block that opens a
// function body at ts[i] ("{ [CmdletBinding()] param(...)").
func funcParams(ts []token, i int) []string {
	if i >= len(ts) || ts[i].text != "{" {
		return nil
	}
	for j := i + 1; j < len(ts) && j < i+40; j++ {
		if ts[j].kind == tWord && strings.EqualFold(ts[j].text, "param") && j+1 < len(ts) && ts[j+1].text == "(" {
			end := closing(ts, j+1)
			var out []string
			depth := 0
			for k := j + 2; k < end; k++ {
				switch {
				case ts[k].kind == tPunct && opens[ts[k].text] != "":
					depth++
				case ts[k].kind == tPunct && (ts[k].text == ")" || ts[k].text == "}" || ts[k].text == "]"):
					depth--
				case ts[k].kind == tVar && depth == 0:
					out = append(out, strings.TrimPrefix(ts[k].text, "$"))
				}
			}
			return out
		}
	}
	return nil
}

// guarded splits "if (cond) { body }" and "if (cond) { a } else { b }"
// (the planner's guarded lines) into the condition and the bodies; ok is
// false for any other line.
func guarded(line string) (cond string, bodies []string, ok bool) {
	ts, err := scan(line)
	if err != nil || len(ts) < 5 || ts[0].kind != tWord || ts[0].text != "if" || ts[1].text != "(" {
		return "", nil, false
	}
	end := closing(ts, 1)
	if end < 0 {
		return "", nil, false
	}
	cond = strings.TrimSpace(line[ts[1].pos+1 : ts[end].pos])
	i := end + 1
	for {
		if i >= len(ts) || ts[i].text != "{" {
			return "", nil, false
		}
		close := closing(ts, i)
		if close < 0 {
			return "", nil, false
		}
		bodies = append(bodies, strings.TrimSpace(line[ts[i].pos+1:ts[close].pos]))
		i = close + 1
		if i == len(ts) {
			return cond, bodies, len(bodies) <= 2
		}
		if len(bodies) == 2 || ts[i].kind != tWord || ts[i].text != "else" {
			return "", nil, false
		}
		i++
	}
}
