package datatopo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/mobplan/mobplan/internal/canon"
)

// parseJSON reads the file as strict JSON through the token stream, so
// each value's byte offsets are known and duplicate keys are caught
// (encoding/json alone would keep the last one silently).
func (p *parsed) parseJSON() any {
	if off, ok := jsonDepth(p.src); !ok {
		// Each level's path is copied for every level below it: 80 KB of
		// '[' cost more than 12 GB before this check.
		at := p.rangeAt(off, off)
		p.ds = append(p.ds, canon.TooDeepValue(at, nil))
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(p.src))
	dec.UseNumber()
	v, ok := p.jsonValue(dec, canon.Path{}, -1)
	if !ok {
		return nil
	}
	if start := skipSpace(p.src, int(dec.InputOffset())); start < len(p.src) {
		p.errorf(canon.RuleSyntax, p.rangeAt(start, start+1), "Invalid JSON", "unexpected data after the topology object")
		return nil
	}
	return v
}

// jsonDepth finds the first '[' or '{' (outside strings) that nests more
// than canon.MaxDepth levels deep; ok is false when there is one.
func jsonDepth(src []byte) (off int, ok bool) {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '"':
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > canon.MaxDepth() {
				return i, false
			}
		case ']', '}':
			depth--
		}
	}
	return 0, true
}

// skipSpace returns the offset of the next token at or after off.
func skipSpace(src []byte, off int) int {
	for off < len(src) {
		switch src[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func (p *parsed) syntaxError(err error, at int) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		at = int(se.Offset)
		if at > 0 {
			at-- // the offset is just past the offending byte
		}
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		at = len(p.src)
		err = errors.New("unexpected end of file")
	}
	p.errorf(canon.RuleSyntax, p.rangeAt(at, at), "Invalid JSON", "%v", err)
}

// jsonValue reads one value at path; keyStart is the offset of its key,
// or -1, so a field's range runs from its key to its value.
func (p *parsed) jsonValue(dec *json.Decoder, path canon.Path, keyStart int) (any, bool) {
	start := skipSpace(p.src, int(dec.InputOffset()))
	tok, err := dec.Token()
	if err != nil {
		p.syntaxError(err, start)
		return nil, false
	}
	from := start
	if keyStart >= 0 {
		from = keyStart
	}
	switch t := tok.(type) {
	case json.Delim:
		// A composite's range is its header: key to opening bracket.
		p.ranges[path.Key()] = p.rangeAt(from, start+1)
		if t == '{' {
			obj := map[string]any{}
			for dec.More() {
				ks := skipSpace(p.src, int(dec.InputOffset()))
				kt, err := dec.Token()
				if err != nil {
					p.syntaxError(err, ks)
					return nil, false
				}
				k, _ := kt.(string)
				_, dup := obj[k]
				v, ok := p.jsonValue(dec, path.Append(k), ks)
				if !ok {
					return nil, false
				}
				if dup {
					p.errorf(canon.RuleDuplicate, p.rangeAt(ks, int(dec.InputOffset())), "Duplicate key", "%q appears twice in %s; keep one", k, path.Describe())
					continue
				}
				if v != nil {
					obj[k] = v
				}
			}
			if _, err := dec.Token(); err != nil {
				p.syntaxError(err, int(dec.InputOffset()))
				return nil, false
			}
			return obj, true
		}
		list := []any{}
		for i := 0; dec.More(); i++ {
			v, ok := p.jsonValue(dec, path.Append(i), -1)
			if !ok {
				return nil, false
			}
			list = append(list, v)
		}
		if _, err := dec.Token(); err != nil {
			p.syntaxError(err, int(dec.InputOffset()))
			return nil, false
		}
		return list, true
	case nil:
		r := p.rangeAt(from, int(dec.InputOffset()))
		p.ranges[path.Key()] = r
		p.errorf(canon.RuleStructure, r, "Null value", "%s is null; leave the field out instead (mobplan applies its documented default)", path.Describe())
		p.failed = append(p.failed, path)
		return nil, true
	default:
		p.ranges[path.Key()] = p.rangeAt(from, int(dec.InputOffset()))
		return canon.FromJSON(t), true
	}
}
