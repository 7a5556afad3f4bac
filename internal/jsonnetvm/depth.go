package jsonnetvm

import (
	"bytes"

	"github.com/mobplan/mobplan/internal/canon"
)

// CheckDepth returns the byte offset at which the Jsonnet source src
// first nests more than canon.MaxNesting levels (canon.Nesting), and
// false; or true when it nests no deeper. go-jsonnet's parser, desugarer
// and evaluator recurse once per level, and 40 KB of '[' crashed the
// process with a fatal stack overflow, as 1 MB of "+1" or of ".a" did;
// so this scan runs before go-jsonnet sees a file.
//
// It reads strings, verbatim strings, text blocks and comments as
// go-jsonnet's lexer does, so brackets in them do not count; where the
// lexer would fail (an unterminated string) it stops, since go-jsonnet
// then parses nothing. Besides brackets, a level is each operator in a
// frame (a+b+c is ((a+b)+c)), each index, call or object extension after
// a term, and each local, assert, if, function, error or comprehension
// clause (for), whose body is
// the rest of the expression: up to the next ',' in the frame, or for a
// local or assert up to the ',' after the ';' that ends its bindings.
func CheckDepth(src []byte) (int, bool) {
	var n canon.Nesting
	type frame struct {
		kind byte
		// pending counts the locals and asserts of the frame still in
		// their bindings (before their ';'), where a ',' separates
		// bindings rather than ending the expression.
		pending int
	}
	frames := []frame{{kind: '('}}
	n.Open()
	fieldStart := false // after '{' or ',' in an object: an object local
	term := false       // the last token ended a term
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		top := &frames[len(frames)-1]
		wasFieldStart, wasTerm := fieldStart, term
		fieldStart, term = false, false
		ok := true
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			fieldStart, term = wasFieldStart, wasTerm
			i++
		case c == '#' || c == '/' && i+1 < len(src) && src[i+1] == '/':
			fieldStart, term = wasFieldStart, wasTerm
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			fieldStart, term = wasFieldStart, wasTerm
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return 0, true // go-jsonnet refuses the file
			}
			i += 2 + end + 2
		case c == '|' && bytes.HasPrefix(src[i:], []byte("|||")):
			var closed bool
			if i, closed = textBlockEnd(src, i); !closed {
				return 0, true
			}
			term = true
		case c == '"' || c == '\'':
			var closed bool
			if i, closed = stringEnd(src, i+1, c); !closed {
				return 0, true
			}
			term = true
		case c == '@':
			if i+1 >= len(src) || src[i+1] != '"' && src[i+1] != '\'' {
				return 0, true // go-jsonnet refuses the file
			}
			var closed bool
			if i, closed = verbatimEnd(src, i+2, src[i+1]); !closed {
				return 0, true
			}
			term = true
		case c >= '0' && c <= '9':
			for i++; i < len(src); i++ {
				d := src[i]
				if (d == 'e' || d == 'E') && i+1 < len(src) && (src[i+1] == '+' || src[i+1] == '-') {
					i++
				} else if !(d >= '0' && d <= '9' || d == '.' || d == 'e' || d == 'E') {
					break
				}
			}
			term = true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			for i++; i < len(src) && (src[i] == '_' || src[i] >= 'a' && src[i] <= 'z' || src[i] >= 'A' && src[i] <= 'Z' || src[i] >= '0' && src[i] <= '9'); i++ {
			}
			switch string(src[start:i]) {
			case "local", "assert":
				ok = n.Nest()
				if !(wasFieldStart && top.kind == '{') {
					top.pending++ // an expression's: bindings up to ';'
				}
			case "if", "function", "error", "for":
				ok = n.Nest() // a comprehension's clauses nest each other
			case "then", "else", "in":
				n.EndOperand()
			case "import", "importstr", "importbin", "tailstrict":
			default:
				term = true // a name, self, super, true, false, null
			}
		case c == '{' || c == '[' || c == '(':
			if wasTerm {
				ok = n.Op() // x[0], f(x), base {override} nest what they follow
			}
			ok = ok && n.Open()
			frames = append(frames, frame{kind: c})
			fieldStart = c == '{'
			i++
		case c == '}' || c == ']' || c == ')':
			open := map[byte]byte{'}': '{', ']': '[', ')': '('}[c]
			if len(frames) > 1 && top.kind == open {
				n.Close()
				frames = frames[:len(frames)-1]
			}
			term = true
			i++
		case c == ',':
			if top.pending == 0 {
				n.Reset()
			} else {
				n.EndOperand()
			}
			fieldStart = top.kind == '{'
			i++
		case c == ';':
			if top.pending > 0 {
				top.pending--
			}
			n.EndOperand()
			i++
		case c == '.':
			ok = n.Op()
			i++
		case isSymbol(c):
			j := i
			for j < len(src) && isSymbol(src[j]) && !bytes.HasPrefix(src[j:], []byte("//")) &&
				!bytes.HasPrefix(src[j:], []byte("/*")) && !bytes.HasPrefix(src[j:], []byte("||")) {
				j++
			}
			if j == i {
				j = i + 1 // a lone '|' before "||": an operator of its own
			}
			switch string(src[i:j]) {
			case "=", ":", "::", ":::", "+:", "+::", "+:::":
				// A binding's or a field's value: not nested in its name.
				n.EndOperand()
			case "$":
				term = true
			default:
				for k := i; k < j && ok; k++ {
					ok = n.Op()
				}
			}
			i = j
		default:
			i++ // go-jsonnet refuses the character; nothing to count
		}
		if !ok {
			return start, false
		}
	}
	return 0, true
}

func isSymbol(c byte) bool {
	switch c {
	case '!', '$', ':', '~', '+', '-', '&', '|', '^', '=', '<', '>', '*', '/', '%':
		return true
	}
	return false
}

// stringEnd is the offset after the quote closing a string whose
// contents start at i; closed is false when the string never ends.
func stringEnd(src []byte, i int, quote byte) (int, bool) {
	for ; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case quote:
			return i + 1, true
		}
	}
	return len(src), false
}

// verbatimEnd is stringEnd for @'...' and @"...", where a doubled quote
// stands for one and backslashes are text.
func verbatimEnd(src []byte, i int, quote byte) (int, bool) {
	for ; i < len(src); i++ {
		if src[i] == quote {
			if i+1 < len(src) && src[i+1] == quote {
				i++
				continue
			}
			return i + 1, true
		}
	}
	return len(src), false
}

// textBlockEnd is the offset after the ||| closing the text block that
// starts at src[i], read as go-jsonnet's lexer reads it: "|||" (or
// "|||-"), blanks, a newline; lines indented by the first non-blank
// line's indentation; then a line starting, after blanks, with "|||".
// closed is false where go-jsonnet would refuse the block.
func textBlockEnd(src []byte, i int) (int, bool) {
	i += 3
	if i < len(src) && src[i] == '-' {
		i++
	}
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r') {
		i++
	}
	if i >= len(src) || src[i] != '\n' {
		return len(src), false
	}
	i++
	for i < len(src) && src[i] == '\n' {
		i++
	}
	indent := 0
	for i+indent < len(src) && (src[i+indent] == ' ' || src[i+indent] == '\t') {
		indent++
	}
	if indent == 0 {
		return len(src), false
	}
	prefix := src[i : i+indent]
	for {
		i += indent
		nl := bytes.IndexByte(src[i:], '\n')
		if nl < 0 {
			return len(src), false
		}
		i += nl + 1
		for i < len(src) && src[i] == '\n' {
			i++
		}
		if !bytes.HasPrefix(src[i:], prefix) {
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
			if !bytes.HasPrefix(src[i:], []byte("|||")) {
				return len(src), false
			}
			return i + 3, true
		}
	}
}
