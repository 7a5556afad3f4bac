package protocol

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is which Autodiscover resource a document is.
type Kind int

const (
	// KindRoot is the Root resource (…/root, and "/" on lyncdiscover hosts).
	KindRoot Kind = iota + 1
	// KindUser is the User resource (…/root/user, …/root/oauth/user).
	KindUser
	// KindDomain is the anonymous Domain resource (…/root/domain).
	KindDomain
)

func (k Kind) String() string {
	switch k {
	case KindRoot:
		return "Root"
	case KindUser:
		return "User"
	case KindDomain:
		return "Domain"
	}
	return "unknown"
}

// rel is the kind's name in the UCWA forms.
func (k Kind) rel() string { return strings.ToLower(k.String()) }

// Location is the AccessLocation attribute: where the server sees the
// client, decided by the listener it came in on.
type Location string

const (
	LocationInternal Location = "Internal"
	LocationExternal Location = "External"
)

// Link is one MS-OCDISCWS link: a token and an absolute URL.
type Link struct {
	Token string
	Href  string
}

// SipAccess is one of the Sip{Server,Client}{Internal,External}Access
// elements: where a SIP client or server connects.
type SipAccess struct {
	FQDN string
	Port int
}

// Document is one Autodiscover resource, independent of representation.
//
// Root, User and Domain documents differ by Kind; a Redirect is a Root or
// User document whose only link is TokenRedirect (NewRedirect). Links hold
// the MS-OCDISCWS vocabulary in order; the UCWA forms are derived from them
// (see Encode). The SIP access elements belong to User (and Domain)
// documents.
//
// A Root may carry Self and XFrame links: they exist for the UCWA forms
// (_links.self, _links.xframe), which a vnd Root does not have, so the vnd
// encoders leave them out of a Root.
type Document struct {
	Kind           Kind
	AccessLocation Location

	SipServerInternalAccess *SipAccess
	SipClientInternalAccess *SipAccess
	SipServerExternalAccess *SipAccess
	SipClientExternalAccess *SipAccess

	Links []Link
}

// NewRedirect is a Root or User document that sends the client to href: the
// in-band redirect (200 with a single Redirect link, never an HTTP 3xx).
func NewRedirect(kind Kind, loc Location, href string) *Document {
	return &Document{Kind: kind, AccessLocation: loc, Links: []Link{{Token: TokenRedirect, Href: href}}}
}

// Link returns the href of the first link with the token, compared
// case-insensitively.
func (d *Document) Link(token string) (string, bool) {
	for _, l := range d.Links {
		if strings.EqualFold(l.Token, token) {
			return l.Href, true
		}
	}
	return "", false
}

// Redirect returns the Redirect link's href, if the document has one.
func (d *Document) Redirect() (string, bool) { return d.Link(TokenRedirect) }

// ClientAccess is the SIP access a client at the document's AccessLocation
// uses: SipClientInternalAccess when Internal, SipClientExternalAccess when
// External or absent (as a libpurple plug-in reads it).
func (d *Document) ClientAccess() *SipAccess {
	if d.AccessLocation == LocationInternal && d.SipClientInternalAccess != nil {
		return d.SipClientInternalAccess
	}
	return d.SipClientExternalAccess
}

// Encode renders the document in a representation.
func (d *Document) Encode(r Representation) ([]byte, error) {
	if d.Kind < KindRoot || d.Kind > KindDomain {
		return nil, fmt.Errorf("encode autodiscover document: unknown kind %d", d.Kind)
	}
	switch r {
	case VndXML:
		return d.encodeVndXML(), nil
	case VndJSON:
		return d.encodeVndJSON(), nil
	case UCWAJSON:
		return d.encodeUCWAJSON(), nil
	case UCWAXML:
		return d.encodeUCWAXML(), nil
	}
	return nil, fmt.Errorf("encode autodiscover document: unknown representation %d", r)
}

// Decode reads a document in a representation. The vnd forms say their
// kind; the UCWA forms carry it in a "rel" property when present, and
// otherwise it is inferred: an applications link makes a User (so a UCWA
// JSON Domain reads as a User), anything else a Root (a bare
// _links.redirect reads as a Root redirect).
func Decode(r Representation, body []byte) (*Document, error) {
	if len(body) > MaxBody {
		return nil, fmt.Errorf("decode autodiscover document: %d bytes, more than %d", len(body), MaxBody)
	}
	var d *Document
	var err error
	switch r {
	case VndXML:
		d, err = decodeVndXML(body)
	case VndJSON:
		d, err = decodeVndJSON(body)
	case UCWAJSON:
		d, err = decodeUCWAJSON(body)
	case UCWAXML:
		d, err = decodeUCWAXML(body)
	default:
		return nil, fmt.Errorf("decode autodiscover document: unknown representation %d", r)
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s autodiscover document: %w", r, err)
	}
	return d, nil
}

var errTooManyLinks = errors.New("too many links")

// addLink appends a decoded link, canonicalising its token.
func (d *Document) addLink(token, href string) error {
	if len(d.Links) >= MaxLinks {
		return errTooManyLinks
	}
	t, _ := CanonicalToken(token)
	d.Links = append(d.Links, Link{Token: t, Href: strings.TrimSpace(href)})
	return nil
}

// sizeHint estimates an encoding's length, so the buffer grows once.
func (d *Document) sizeHint() int {
	n := 256
	for _, l := range d.Links {
		n += len(l.Href) + len(l.Token) + 40
	}
	return n
}

// vndLinks are the links the vnd forms carry: a Root leaves out the
// UCWA-only Self and XFrame.
func (d *Document) vndLinks() []Link {
	if d.Kind != KindRoot {
		return d.Links
	}
	var out []Link
	for _, l := range d.Links {
		if strings.EqualFold(l.Token, TokenSelf) || strings.EqualFold(l.Token, TokenXFrame) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// sipAccesses lists the SIP access elements in document order.
func (d *Document) sipAccesses() []struct {
	name string
	a    *SipAccess
} {
	return []struct {
		name string
		a    *SipAccess
	}{
		{"SipServerInternalAccess", d.SipServerInternalAccess},
		{"SipClientInternalAccess", d.SipClientInternalAccess},
		{"SipServerExternalAccess", d.SipServerExternalAccess},
		{"SipClientExternalAccess", d.SipClientExternalAccess},
	}
}

// setSipAccess stores a decoded SIP access element by its name, in any case.
func (d *Document) setSipAccess(name string, a *SipAccess) bool {
	switch strings.ToLower(name) {
	case "sipserverinternalaccess":
		d.SipServerInternalAccess = a
	case "sipclientinternalaccess":
		d.SipClientInternalAccess = a
	case "sipserverexternalaccess":
		d.SipServerExternalAccess = a
	case "sipclientexternalaccess":
		d.SipClientExternalAccess = a
	default:
		return false
	}
	return true
}

// ucwaRel is one _links entry of the UCWA forms.
type ucwaRel struct{ rel, href string }

// ucwaLinks derives the UCWA links from the MS-OCDISCWS ones, in the order
// the UCWA documentation shows them:
//
//	Root:        self ← Self, user ← OAuth (else User), xframe ← XFrame
//	User/Domain: self ← Self, applications ← Ucwa (else the AccessLocation's
//	             Internal/Ucwa or External/Ucwa), xframe ← XFrame (likewise)
//
// and redirect ← Redirect for every kind.
func (d *Document) ucwaLinks() []ucwaRel {
	var out []ucwaRel
	add := func(rel string, tokens ...string) {
		for _, t := range tokens {
			if h, ok := d.Link(t); ok {
				out = append(out, ucwaRel{rel, h})
				return
			}
		}
	}
	add("self", TokenSelf)
	if d.Kind == KindRoot {
		add("user", TokenOAuth, TokenUser)
	} else {
		ucwa, xframe := TokenInternalUcwa, TokenInternalXFrame
		if d.AccessLocation != LocationInternal {
			ucwa, xframe = TokenExternalUcwa, TokenExternalXFrame
		}
		add("applications", TokenUcwa, ucwa)
		add("xframe", TokenXFrame, xframe)
		add("redirect", TokenRedirect)
		return out
	}
	add("xframe", TokenXFrame)
	add("redirect", TokenRedirect)
	return out
}

// addUCWALink maps a decoded UCWA rel back to the MS-OCDISCWS vocabulary.
func (d *Document) addUCWALink(rel, href string) error {
	switch strings.ToLower(rel) {
	case "self":
		return d.addLink(TokenSelf, href)
	case "user":
		if strings.Contains(strings.ToLower(href), "/oauth/") {
			return d.addLink(TokenOAuth, href)
		}
		return d.addLink(TokenUser, href)
	case "applications":
		return d.addLink(TokenUcwa, href)
	case "xframe":
		return d.addLink(TokenXFrame, href)
	case "redirect":
		return d.addLink(TokenRedirect, href)
	}
	return d.addLink(rel, href)
}

// kindOfRel reads a UCWA "rel" property.
func kindOfRel(rel string) (Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(rel)) {
	case "root":
		return KindRoot, true
	case "user":
		return KindUser, true
	case "domain":
		return KindDomain, true
	}
	return 0, false
}

// inferKind fills in a UCWA document's kind when no rel property said it.
func (d *Document) inferKind() {
	if d.Kind != 0 {
		return
	}
	d.Kind = KindRoot
	if _, ok := d.Link(TokenUcwa); ok {
		d.Kind = KindUser
	}
}

// canonicalLocation reads an AccessLocation value in any case.
func canonicalLocation(s string) Location {
	s = strings.TrimSpace(s)
	switch {
	case strings.EqualFold(s, string(LocationInternal)):
		return LocationInternal
	case strings.EqualFold(s, string(LocationExternal)):
		return LocationExternal
	}
	return Location(s)
}
