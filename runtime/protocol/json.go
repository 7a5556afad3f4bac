package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// writeJSONString writes s as a JSON string, byte for byte as json.Marshal
// would (HTML characters escaped too); only non-ASCII text goes through
// json.Marshal.
func writeJSONString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			m, _ := json.Marshal(s)
			b.Write(m)
			return
		}
	}
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// encodeVndJSON writes {"AccessLocation":…,"<Kind>":{<SIP access>,"Links":[{"href","token"}]}}
// as the Lync 2013 documentation shows it, '/' escaped as '\/' the way .NET
// serialises it (clients accept either). How real servers render the SIP
// access elements in JSON is not documented; they are written as objects
// {"fqdn","port"} with a numeric port (inference).
func (d *Document) encodeVndJSON() []byte {
	var b bytes.Buffer
	b.Grow(d.sizeHint())
	b.WriteByte('{')
	if d.AccessLocation != "" {
		b.WriteString(`"AccessLocation":`)
		writeJSONString(&b, string(d.AccessLocation))
		b.WriteByte(',')
	}
	writeJSONString(&b, d.Kind.String())
	b.WriteString(`:{`)
	for _, s := range d.sipAccesses() {
		if s.a == nil {
			continue
		}
		writeJSONString(&b, s.name)
		b.WriteString(`:{"fqdn":`)
		writeJSONString(&b, s.a.FQDN)
		b.WriteString(`,"port":`)
		b.WriteString(strconv.Itoa(s.a.Port))
		b.WriteString(`},`)
	}
	b.WriteString(`"Links":[`)
	for i, l := range d.vndLinks() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"href":`)
		writeJSONString(&b, l.Href)
		b.WriteString(`,"token":`)
		writeJSONString(&b, l.Token)
		b.WriteByte('}')
	}
	b.WriteString(`]}}`)
	// '/' occurs only inside strings in JSON, so escaping every one is safe.
	return bytes.ReplaceAll(b.Bytes(), []byte("/"), []byte(`\/`))
}

// encodeUCWAJSON writes {"_links":{"self":{"href"},…}} in the order the
// UCWA documentation shows (self, user or applications, xframe, redirect).
func (d *Document) encodeUCWAJSON() []byte {
	var b bytes.Buffer
	b.Grow(d.sizeHint())
	b.WriteString(`{"_links":{`)
	for i, l := range d.ucwaLinks() {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, l.rel)
		b.WriteString(`:{"href":`)
		writeJSONString(&b, l.href)
		b.WriteByte('}')
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// object is a JSON object whose members are looked up in any case.
type object map[string]json.RawMessage

func decodeObject(raw []byte) (object, error) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, errors.New("not an object")
	}
	return o, nil
}

// get returns the member called name, in any case (an exact match first).
func (o object) get(name string) (json.RawMessage, bool) {
	if v, ok := o[name]; ok {
		return v, true
	}
	for k, v := range o {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// str returns a string member; a member of another type is an error.
func (o object) str(name string) (string, bool, error) {
	raw, ok := o.get(name)
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, fmt.Errorf("%s: not a string", name)
	}
	return s, true, nil
}

func decodeVndJSON(body []byte) (*Document, error) {
	top, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	d := &Document{}
	loc, _, err := top.str("AccessLocation")
	if err != nil {
		return nil, err
	}
	d.AccessLocation = canonicalLocation(loc)
	var inner json.RawMessage
	for k := KindRoot; k <= KindDomain; k++ {
		if raw, ok := top.get(k.String()); ok {
			d.Kind, inner = k, raw
			break
		}
	}
	if d.Kind == 0 {
		return nil, errors.New("no Root, User or Domain member")
	}
	o, err := decodeObject(inner)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Kind, err)
	}
	for name, raw := range o {
		if strings.EqualFold(name, "Links") {
			if err := d.decodeVndLinks(raw); err != nil {
				return nil, err
			}
			continue
		}
		if !strings.HasPrefix(strings.ToLower(name), "sip") {
			continue
		}
		a, err := decodeSipAccess(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		d.setSipAccess(name, a)
	}
	return d, nil
}

// decodeVndLinks reads "Links": an array of {href, token}, or one object
// (as Exchange's parser also accepts).
func (d *Document) decodeVndLinks(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	var items []json.RawMessage
	switch {
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("the Links property: %w", err)
		}
	case len(raw) > 0 && raw[0] == '{':
		items = []json.RawMessage{raw}
	case string(raw) == "null":
		return nil
	default:
		return errors.New("the Links property is neither an array nor an object")
	}
	for _, it := range items {
		o, err := decodeObject(it)
		if err != nil {
			return fmt.Errorf("link: %w", err)
		}
		token, _, err := o.str("token")
		if err != nil {
			return err
		}
		href, _, err := o.str("href")
		if err != nil {
			return err
		}
		if err := d.addLink(token, href); err != nil {
			return err
		}
	}
	return nil
}

// decodeSipAccess reads {"fqdn", "port"}, the port a number or a string.
func decodeSipAccess(raw json.RawMessage) (*SipAccess, error) {
	o, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	fqdn, _, err := o.str("fqdn")
	if err != nil {
		return nil, err
	}
	a := &SipAccess{FQDN: strings.TrimSpace(fqdn)}
	if p, ok := o.get("port"); ok {
		port, err := decodeInt(p)
		if err != nil {
			return nil, fmt.Errorf("port: %w", err)
		}
		a.Port = port
	}
	return a, nil
}

// decodeInt reads an integer given as a JSON number or a numeric string.
func decodeInt(raw json.RawMessage) (int, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return strconv.Atoi(n.String())
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, errors.New("neither a number nor a string")
	}
	return strconv.Atoi(strings.TrimSpace(s))
}

func decodeUCWAJSON(body []byte) (*Document, error) {
	top, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	d := &Document{}
	if rel, ok, _ := top.str("rel"); ok {
		if k, ok := kindOfRel(rel); ok {
			d.Kind = k
		}
	}
	raw, ok := top.get("_links")
	if !ok {
		return nil, errors.New("no _links member")
	}
	links, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("_links: %w", err)
	}
	// Keep a stable order: the documented rels first, then the rest sorted.
	for _, rel := range orderedRels(links) {
		o, err := decodeObject(links[rel])
		if err != nil {
			return nil, fmt.Errorf("_links.%s: %w", rel, err)
		}
		href, _, err := o.str("href")
		if err != nil {
			return nil, fmt.Errorf("_links.%s: %w", rel, err)
		}
		if err := d.addUCWALink(rel, href); err != nil {
			return nil, err
		}
	}
	d.inferKind()
	return d, nil
}

// orderedRels lists the members of _links with the documented rels first.
func orderedRels(links object) []string {
	known := []string{"self", "user", "applications", "xframe", "redirect"}
	var out, rest []string
	seen := map[string]bool{}
	for _, k := range known {
		for name := range links {
			if strings.EqualFold(name, k) && !seen[name] {
				out = append(out, name)
				seen[name] = true
			}
		}
	}
	for name := range links {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}
