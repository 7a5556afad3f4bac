package protocol

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Namespaces of the XML forms.
const (
	nsXSD  = "http://www.w3.org/2001/XMLSchema"
	nsXSI  = "http://www.w3.org/2001/XMLSchema-instance"
	NSUCWA = "http://schemas.microsoft.com/rtc/2012/03/ucwa"
)

const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>`

// attr writes ` name="value"` with the value escaped.
func attr(b *bytes.Buffer, name, value string) {
	b.WriteByte(' ')
	b.WriteString(name)
	b.WriteString(`="`)
	_ = xml.EscapeText(b, []byte(value))
	b.WriteByte('"')
}

// encodeVndXML writes the AutodiscoverResponse: only the xsi and xsd
// namespace declarations, no default namespace (a client selects
// AutodiscoverResponse/Root/Link with a namespace-less XPath), the SIP
// access elements, then the links.
func (d *Document) encodeVndXML() []byte {
	var b bytes.Buffer
	b.Grow(d.sizeHint())
	b.WriteString(xmlHeader)
	b.WriteString(`<AutodiscoverResponse`)
	attr(&b, "xmlns:xsd", nsXSD)
	attr(&b, "xmlns:xsi", nsXSI)
	if d.AccessLocation != "" {
		attr(&b, "AccessLocation", string(d.AccessLocation))
	}
	b.WriteString(`><`)
	b.WriteString(d.Kind.String())
	b.WriteByte('>')
	for _, s := range d.sipAccesses() {
		if s.a == nil {
			continue
		}
		b.WriteByte('<')
		b.WriteString(s.name)
		attr(&b, "fqdn", s.a.FQDN)
		attr(&b, "port", strconv.Itoa(s.a.Port))
		b.WriteString(`/>`)
	}
	for _, l := range d.vndLinks() {
		b.WriteString(`<Link`)
		attr(&b, "token", l.Token)
		attr(&b, "href", l.Href)
		b.WriteString(`/>`)
	}
	b.WriteString(`</`)
	b.WriteString(d.Kind.String())
	b.WriteString(`></AutodiscoverResponse>`)
	return b.Bytes()
}

// encodeUCWAXML writes the UCWA <resource> form: self as the resource's
// href, the other links as <link rel= href=/>, and the rel property.
func (d *Document) encodeUCWAXML() []byte {
	var b bytes.Buffer
	b.Grow(d.sizeHint())
	b.WriteString(xmlHeader)
	b.WriteString(`<resource`)
	attr(&b, "rel", d.Kind.rel())
	links := d.ucwaLinks()
	for _, l := range links {
		if l.rel == "self" {
			attr(&b, "href", l.href)
		}
	}
	attr(&b, "xmlns", NSUCWA)
	b.WriteByte('>')
	for _, l := range links {
		if l.rel == "self" {
			continue
		}
		b.WriteString(`<link`)
		attr(&b, "rel", l.rel)
		attr(&b, "href", l.href)
		b.WriteString(`/>`)
	}
	b.WriteString(`<property name="rel">`)
	b.WriteString(d.Kind.rel())
	b.WriteString(`</property></resource>`)
	return b.Bytes()
}

// xmlReader walks an XML document with the bounds this package applies.
type xmlReader struct {
	dec   *xml.Decoder
	depth int
	// offset is where the token next returned last begins in the input.
	offset int64
}

func newXMLReader(body []byte) *xmlReader {
	dec := xml.NewDecoder(bytes.NewReader(body))
	// Tolerant of sloppy markup, like the clients that read these
	// documents; entities are never expanded by encoding/xml.
	dec.Strict = false
	dec.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	return &xmlReader{dec: dec}
}

var errTooDeep = errors.New("nested too deeply")

// next returns the next start or end element (other tokens skipped), with
// the depth of the element it opens or closes; io.EOF at the end.
func (x *xmlReader) next() (xml.Token, int, error) {
	for {
		x.offset = x.dec.InputOffset()
		tok, err := x.dec.Token()
		if err != nil {
			return nil, 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			x.depth++
			if x.depth > maxDepth {
				return nil, 0, errTooDeep
			}
			return t, x.depth, nil
		case xml.EndElement:
			x.depth--
			if x.depth < 0 {
				return nil, 0, errors.New("unbalanced end element")
			}
			return t, x.depth + 1, nil
		case xml.CharData:
			return t.Copy(), x.depth, nil
		}
	}
}

// attrValue returns an attribute by local name, in any case.
func attrValue(e xml.StartElement, name string) (string, bool) {
	for _, a := range e.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value, true
		}
	}
	return "", false
}

func isElement(e xml.StartElement, name string) bool { return strings.EqualFold(e.Name.Local, name) }

func decodeVndXML(body []byte) (*Document, error) {
	x := newXMLReader(body)
	d := &Document{}
	inKind := false // inside the first Root, User or Domain element
	for {
		tok, depth, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if depth == 2 {
				inKind = false
			}
		case xml.StartElement:
			switch depth {
			case 1:
				if !isElement(t, "AutodiscoverResponse") {
					return nil, fmt.Errorf("root element is %q, not AutodiscoverResponse", t.Name.Local)
				}
				if v, ok := attrValue(t, "AccessLocation"); ok {
					d.AccessLocation = canonicalLocation(v)
				}
			case 2:
				for k := KindRoot; k <= KindDomain && d.Kind == 0; k++ {
					if isElement(t, k.String()) {
						d.Kind, inKind = k, true
					}
				}
			case 3:
				if !inKind {
					continue
				}
				if isElement(t, "Link") {
					token, _ := attrValue(t, "token")
					href, _ := attrValue(t, "href")
					if err := d.addLink(token, href); err != nil {
						return nil, err
					}
					continue
				}
				fqdn, _ := attrValue(t, "fqdn")
				port, _ := attrValue(t, "port")
				p, _ := strconv.Atoi(strings.TrimSpace(port))
				d.setSipAccess(t.Name.Local, &SipAccess{FQDN: strings.TrimSpace(fqdn), Port: p})
			}
		}
	}
	if d.Kind == 0 {
		return nil, errors.New("no Root, User or Domain element")
	}
	return d, nil
}

func decodeUCWAXML(body []byte) (*Document, error) {
	x := newXMLReader(body)
	d := &Document{}
	inRel := false
	var relProp strings.Builder
	for {
		tok, depth, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case depth == 1:
				if !isElement(t, "resource") {
					return nil, fmt.Errorf("root element is %q, not resource", t.Name.Local)
				}
				if rel, ok := attrValue(t, "rel"); ok {
					if k, ok := kindOfRel(rel); ok {
						d.Kind = k
					}
				}
				if href, ok := attrValue(t, "href"); ok && href != "" {
					if err := d.addLink(TokenSelf, href); err != nil {
						return nil, err
					}
				}
			case depth == 2 && isElement(t, "link"):
				rel, _ := attrValue(t, "rel")
				href, _ := attrValue(t, "href")
				if err := d.addUCWALink(rel, href); err != nil {
					return nil, err
				}
			case depth == 2 && isElement(t, "property"):
				name, _ := attrValue(t, "name")
				inRel = strings.EqualFold(name, "rel")
			}
		case xml.CharData:
			if inRel && relProp.Len() < 64 {
				relProp.Write(t)
			}
		case xml.EndElement:
			inRel = false
		}
	}
	if d.Kind == 0 {
		if k, ok := kindOfRel(relProp.String()); ok {
			d.Kind = k
		}
	}
	d.inferKind()
	return d, nil
}
