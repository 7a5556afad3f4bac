package hcltopo

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// checkDepth reports the first place src nests more than canon.MaxNesting
// levels (canon.Nesting), before the parser, which recurses once per
// level, sees it: brackets, braces, parentheses, strings and their
// interpolations, and the operators chained inside each. Brackets inside
// strings and comments do not count.
//
// Files of plain ASCII outside strings and comments, with no heredoc,
// are scanned by hand in one pass; any other file (a heredoc, a Unicode
// identifier) is read through HCL's own lexer, which is exact but costs
// as much as parsing, so that a scanner that read a string differently
// from HCL can never let a file through.
func checkDepth(name string, src []byte, config bool) *diag.Diagnostic {
	m := newDepthMeter(config)
	off, ok, exact := scanASCII(src, m)
	if !exact {
		m = newDepthMeter(config)
		off, ok = lexedDepth(name, src, config, m)
	}
	if ok {
		return nil
	}
	d := canon.TooDeep(name, src, off)
	return &d
}

// lexedDepth feeds HCL's own tokens to m.
func lexedDepth(name string, src []byte, config bool, m *depthMeter) (int, bool) {
	var toks hclsyntax.Tokens
	if config {
		toks, _ = hclsyntax.LexConfig(src, name, hcl.InitialPos)
	} else {
		toks, _ = hclsyntax.LexExpression(src, name, hcl.InitialPos)
	}
	for _, t := range toks {
		typ := t.Type
		if typ == hclsyntax.TokenEOF {
			break
		}
		if typ == hclsyntax.TokenComment {
			// The parser reads a line comment as the newline it ends with.
			if !bytes.HasSuffix(t.Bytes, []byte("\n")) {
				continue
			}
			typ = hclsyntax.TokenNewline
		}
		if !m.feed(typ, t.Bytes) {
			return t.Range.Start.Byte, false
		}
	}
	return 0, true
}

// depthMeter turns HCL tokens into a canon.Nesting.
type depthMeter struct {
	n canon.Nesting
	// kinds parallels the open frames: newlines end an expression in a
	// block body or object and at the top ('{'), not inside (), [],
	// ${}, or a {for ...} expression.
	kinds []hclsyntax.TokenType
	prev  hclsyntax.TokenType
	// afterBrace: a '{' was just opened, and its first token tells an
	// object (or body) from a for expression. afterControl: a %{ was
	// just read, and its keyword tells whether it nests the template.
	afterBrace, afterControl bool
}

// forBrace marks a {for ...} frame, where newlines do not end anything.
const forBrace hclsyntax.TokenType = 'F'

func newDepthMeter(config bool) *depthMeter {
	m := &depthMeter{prev: hclsyntax.TokenNil}
	m.n.Open()
	kind := hclsyntax.TokenOBrace
	if !config {
		kind = hclsyntax.TokenOParen // an expression alone ignores newlines
	}
	m.kinds = []hclsyntax.TokenType{kind}
	return m
}

func (m *depthMeter) open(kind hclsyntax.TokenType) bool {
	m.kinds = append(m.kinds, kind)
	return m.n.Open()
}

func (m *depthMeter) close(kinds ...hclsyntax.TokenType) {
	if len(m.kinds) < 2 {
		return
	}
	top := m.kinds[len(m.kinds)-1]
	for _, k := range kinds {
		if top == k {
			m.n.Close()
			m.kinds = m.kinds[:len(m.kinds)-1]
			return
		}
	}
	// A closer that does not match is the parser's to report; counting
	// it as closing nothing can only overestimate.
}

// feed reads one token; it reports whether the depth is still allowed.
func (m *depthMeter) feed(t hclsyntax.TokenType, text []byte) bool {
	if t == hclsyntax.TokenNewline && (m.afterBrace || m.afterControl) {
		return true
	}
	if m.afterBrace {
		m.afterBrace = false
		if t == hclsyntax.TokenIdent && string(text) == "for" {
			m.kinds[len(m.kinds)-1] = forBrace
		}
	}
	ok := true
	if m.afterControl {
		m.afterControl = false
		// %{ if } and %{ for } nest the template up to their end.
		if t == hclsyntax.TokenIdent {
			switch string(text) {
			case "if", "for":
				ok = m.n.Nest()
			case "endif", "endfor":
				m.n.Unnest()
			}
		}
		ok = ok && m.open(hclsyntax.TokenTemplateControl)
	}
	switch t {
	case hclsyntax.TokenOBrack:
		if termEnd(m.prev) {
			ok = ok && m.n.Op() // an index nests what it indexes: x[0][0]
		}
		ok = ok && m.open(t)
	case hclsyntax.TokenOBrace:
		ok = ok && m.open(t)
		m.afterBrace = true
	case hclsyntax.TokenTemplateControl:
		m.afterControl = true
	case hclsyntax.TokenOParen, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp:
		ok = ok && m.open(t)
	case hclsyntax.TokenCBrace:
		m.close(hclsyntax.TokenOBrace, forBrace)
	case hclsyntax.TokenCBrack:
		m.close(hclsyntax.TokenOBrack)
	case hclsyntax.TokenCParen:
		m.close(hclsyntax.TokenOParen)
	case hclsyntax.TokenCQuote:
		m.close(hclsyntax.TokenOQuote)
	case hclsyntax.TokenCHeredoc:
		m.close(hclsyntax.TokenOHeredoc)
	case hclsyntax.TokenTemplateSeqEnd:
		m.close(hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl, hclsyntax.TokenOBrace, forBrace)
	case hclsyntax.TokenPlus, hclsyntax.TokenMinus, hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent,
		hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
		hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenAnd, hclsyntax.TokenOr,
		hclsyntax.TokenBang, hclsyntax.TokenQuestion, hclsyntax.TokenDot:
		ok = ok && m.n.Op()
	case hclsyntax.TokenComma:
		m.n.Reset()
	case hclsyntax.TokenNewline:
		if m.kinds[len(m.kinds)-1] == hclsyntax.TokenOBrace {
			m.n.Reset()
		}
	case hclsyntax.TokenEqual, hclsyntax.TokenFatArrow:
		m.n.EndOperand()
	}
	m.prev = t
	return ok
}

// termEnd reports whether a token ends a term, so that a '[' after it
// is an index rather than a list.
func termEnd(t hclsyntax.TokenType) bool {
	switch t {
	case hclsyntax.TokenIdent, hclsyntax.TokenCParen, hclsyntax.TokenCBrack, hclsyntax.TokenCBrace,
		hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenNumberLit:
		return true
	}
	return false
}

// scanASCII feeds m the tokens of src as HCL's lexer would read them,
// for the files it can read exactly: it gives up (exact false) on a
// heredoc, and on a byte outside printable ASCII anywhere but inside a
// string or a comment, where HCL's lexer too takes any byte as text.
func scanASCII(src []byte, m *depthMeter) (off int, ok, exact bool) {
	const (
		code = iota
		str
	)
	// modes is HCL's lexer's call stack: code inside a string's ${ }
	// returns to the string at the brace that closes the ${.
	modes := []int{code}
	braces := 0
	var retBraces []int
	i := 0
	lastClose := bytes.LastIndex(src, []byte("*/")) // one search, not one per "/*"
	emit := func(t hclsyntax.TokenType, text []byte) bool { return m.feed(t, text) }
	for i < len(src) {
		c := src[i]
		start := i
		if modes[len(modes)-1] == str {
			switch {
			case c == '\\' && i+1 < len(src) && src[i+1] != '\n' && src[i+1] != '\r':
				i += 2
			case c == '"':
				modes = modes[:len(modes)-1]
				i++
				if !emit(hclsyntax.TokenCQuote, nil) {
					return start, false, true
				}
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				t := hclsyntax.TokenTemplateInterp
				if c == '%' {
					t = hclsyntax.TokenTemplateControl
				}
				braces++
				retBraces = append(retBraces, braces)
				modes = append(modes, code)
				i += 2
				if i < len(src) && src[i] == '~' {
					i++ // ${~ and %{~: part of the opening token
				}
				if !emit(t, nil) {
					return start, false, true
				}
			case (c == '$' || c == '%') && i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
				i += 3 // $${ and %%{ are literal
			default:
				i++
			}
			continue
		}
		var t hclsyntax.TokenType
		var text []byte
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case c == '\n':
			t = hclsyntax.TokenNewline
			i++
		case c == '#' || c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			if i == len(src) {
				continue
			}
			i++
			t = hclsyntax.TokenNewline // as the parser reads a line comment
		case c == '/' && i+1 < len(src) && src[i+1] == '*' && lastClose >= i+2:
			// Unterminated, it is no comment: HCL reads '/' and '*'.
			i += 2 + bytes.Index(src[i+2:], []byte("*/")) + 2
			continue
		case c == '<' && i+1 < len(src) && src[i+1] == '<':
			return 0, false, false // a heredoc, perhaps: HCL's lexer decides
		case c >= 0x80 || c < 0x20 || c == 0x7f:
			return 0, false, false
		case c == '"':
			modes = append(modes, str)
			t = hclsyntax.TokenOQuote
			i++
		case c == '{':
			braces++
			t = hclsyntax.TokenOBrace
			i++
		case c == '}' || c == '~' && i+1 < len(src) && src[i+1] == '}':
			if c == '~' {
				i++
			}
			i++
			t = hclsyntax.TokenCBrace
			if len(retBraces) > 0 && retBraces[len(retBraces)-1] == braces {
				retBraces = retBraces[:len(retBraces)-1]
				modes = modes[:len(modes)-1]
				t = hclsyntax.TokenTemplateSeqEnd
			}
			braces--
		case isIdentStart(c):
			for i++; i < len(src) && isIdentPart(src[i]); i++ {
			}
			t, text = hclsyntax.TokenIdent, src[start:i]
		case isDigit(c):
			i = numberEnd(src, i)
			t = hclsyntax.TokenNumberLit
		default:
			t, i = asciiToken(src, i)
		}
		if !emit(t, text) {
			return start, false, true
		}
	}
	return 0, true, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// numberEnd is where HCL's number literal starting at src[i] ends: digits,
// '.' and exponents (e, an optional sign, a digit), not ending in '.'.
func numberEnd(src []byte, i int) int {
	j := i + 1
	for j < len(src) {
		switch d := src[j]; {
		case isDigit(d) || d == '.':
			j++
		case (d == 'e' || d == 'E') && j+1 < len(src) && isDigit(src[j+1]):
			j += 2
		case (d == 'e' || d == 'E') && j+2 < len(src) && (src[j+1] == '+' || src[j+1] == '-') && isDigit(src[j+2]):
			j += 3
		default:
			for src[j-1] == '.' {
				j--
			}
			return j
		}
	}
	for src[j-1] == '.' {
		j--
	}
	return j
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c == '-' || isDigit(c) }

// asciiToken reads the punctuation token at src[i].
func asciiToken(src []byte, i int) (hclsyntax.TokenType, int) {
	two := ""
	if i+1 < len(src) {
		two = string(src[i : i+2])
	}
	switch two {
	case "==":
		return hclsyntax.TokenEqualOp, i + 2
	case "!=":
		return hclsyntax.TokenNotEqual, i + 2
	case "<=":
		return hclsyntax.TokenLessThanEq, i + 2
	case ">=":
		return hclsyntax.TokenGreaterThanEq, i + 2
	case "&&":
		return hclsyntax.TokenAnd, i + 2
	case "||":
		return hclsyntax.TokenOr, i + 2
	case "=>":
		return hclsyntax.TokenFatArrow, i + 2
	}
	switch src[i] {
	case '[':
		return hclsyntax.TokenOBrack, i + 1
	case ']':
		return hclsyntax.TokenCBrack, i + 1
	case '(':
		return hclsyntax.TokenOParen, i + 1
	case ')':
		return hclsyntax.TokenCParen, i + 1
	case '+':
		return hclsyntax.TokenPlus, i + 1
	case '-':
		return hclsyntax.TokenMinus, i + 1
	case '*':
		return hclsyntax.TokenStar, i + 1
	case '/':
		return hclsyntax.TokenSlash, i + 1
	case '%':
		return hclsyntax.TokenPercent, i + 1
	case '<':
		return hclsyntax.TokenLessThan, i + 1
	case '>':
		return hclsyntax.TokenGreaterThan, i + 1
	case '!':
		return hclsyntax.TokenBang, i + 1
	case '?':
		return hclsyntax.TokenQuestion, i + 1
	case '.':
		return hclsyntax.TokenDot, i + 1
	case ',':
		return hclsyntax.TokenComma, i + 1
	case '=':
		return hclsyntax.TokenEqual, i + 1
	case ':':
		return hclsyntax.TokenColon, i + 1
	}
	return hclsyntax.TokenInvalid, i + 1
}
