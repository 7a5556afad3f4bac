package datatopo

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/mobplan/mobplan/internal/canon"
	"github.com/mobplan/mobplan/internal/diag"
)

// maxYAMLNodes bounds how many nodes a YAML file may expand to through
// aliases, against "billion laughs" inputs.
const maxYAMLNodes = 1_000_000

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseYAML reads one YAML document. Only the core types are accepted
// (strings, integers, floats, booleans, maps with string keys, lists).
func (p *parsed) parseYAML() any {
	dec := yaml.NewDecoder(bytes.NewReader(p.src))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(canon.RuleSyntax, p.rangeAt(0, 0), "Empty topology file", "%s holds no YAML document", p.file)
			return nil
		}
		p.yamlError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(canon.RuleSyntax, p.nodeRange(&extra, nil), "Several YAML documents", "a topology file holds one document; split the others into files of their own")
		return nil
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(err)
		return nil
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 {
		p.errorf(canon.RuleSyntax, p.rangeAt(0, 0), "Empty topology file", "%s holds no YAML value", p.file)
		return nil
	}
	budget := maxYAMLNodes
	v, ok := p.yamlValue(n.Content[0], canon.Path{}, nil, &budget)
	if !ok {
		return nil
	}
	return v
}

func (p *parsed) yamlError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	at := p.offset(line, 1)
	p.errorf(canon.RuleSyntax, p.rangeAt(at, at), "Invalid YAML", "%s", msg)
}

// nodeRange is a node's range; key, when set, is where a field starts.
// YAML nodes carry a start only; a scalar ends after its text.
func (p *parsed) nodeRange(n, key *yaml.Node) diag.Range {
	first := n
	if key != nil {
		first = key
	}
	start := p.offset(first.Line, first.Column)
	vstart := p.offset(n.Line, n.Column)
	end := vstart + 1
	if n.Kind == yaml.ScalarNode {
		end = vstart + len(n.Value)
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			end += 2
		}
	}
	end = min(max(end, vstart), len(p.src))
	// Keep the range on the value's first line.
	if i := bytes.IndexByte(p.src[vstart:end], '\n'); i >= 0 {
		end = vstart + i
	}
	return p.rangeAt(start, end)
}

func (p *parsed) yamlValue(n *yaml.Node, path canon.Path, key *yaml.Node, budget *int) (any, bool) {
	if len(path) > canon.MaxDepth() {
		// yaml.v3 parses up to 10,000 levels; walking each level's path
		// for every level below it would cost the square of that.
		r := p.nodeRange(n, key)
		p.ds = append(p.ds, canon.TooDeepValue(r, path))
		return nil, false
	}
	if *budget--; *budget < 0 {
		p.errorf(canon.RuleStructure, p.nodeRange(n, key), "YAML too large", "the document expands to more than %d values (aliases?)", maxYAMLNodes)
		return nil, false
	}
	r := p.nodeRange(n, key)
	p.ranges[path.Key()] = r
	switch n.Kind {
	case yaml.AliasNode:
		return p.yamlValue(n.Alias, path, key, budget)
	case yaml.MappingNode:
		obj := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || (k.Tag != "!!str" && k.Tag != "") {
				p.errorf(canon.RuleStructure, p.nodeRange(k, nil), "Unsupported key", "keys must be plain strings (no merge keys, no %s keys)", k.ShortTag())
				return nil, false
			}
			_, dup := obj[k.Value]
			val, ok := p.yamlValue(v, path.Append(k.Value), k, budget)
			if !ok {
				return nil, false
			}
			if dup {
				p.errorf(canon.RuleDuplicate, p.nodeRange(v, k), "Duplicate key", "%q appears twice in %s; keep one", k.Value, path.Describe())
				continue
			}
			if val != nil {
				obj[k.Value] = val
			}
		}
		return obj, true
	case yaml.SequenceNode:
		list := []any{}
		for i, e := range n.Content {
			v, ok := p.yamlValue(e, path.Append(i), nil, budget)
			if !ok {
				return nil, false
			}
			list = append(list, v)
		}
		return list, true
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return n.Value, true
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, true
			}
		case "!!int":
			var i int64
			if err := n.Decode(&i); err == nil {
				return i, true
			}
		case "!!float":
			var f float64
			if err := n.Decode(&f); err == nil {
				return f, true
			}
		case "!!null":
			p.errorf(canon.RuleStructure, r, "Null value", "%s is null; leave the field out instead (mobplan applies its documented default)", path.Describe())
			p.failed = append(p.failed, path)
			return nil, true
		}
		p.errorf(canon.RuleStructure, r, "Unsupported value", "%s: %s values are not supported; use a string, number, boolean, list or map", path.Describe(), n.ShortTag())
		return nil, false
	}
	p.errorf(canon.RuleStructure, r, "Unsupported value", "%s cannot be read", path.Describe())
	return nil, false
}

// offset is canon.Offset with the line starts computed once: a big file
// has many nodes, and scanning from the top for each would be quadratic.
func (p *parsed) offset(line, column int) int {
	p.indexLines()
	if line < 1 {
		return 0
	}
	if line > len(p.lines) {
		return len(p.src)
	}
	start := p.lines[line-1]
	return start + canon.Offset(p.src[start:], 1, column)
}
