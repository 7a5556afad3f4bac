package protocol

import (
	"strconv"
	"strings"
)

// Representation is one of the four forms an Autodiscover resource is
// served in: the two MS-OCDISCWS media types and the two UCWA-style ones.
type Representation int

const (
	// VndXML is application/vnd.microsoft.rtc.autodiscover+xml: an
	// AutodiscoverResponse element with Link token= href= children.
	VndXML Representation = iota + 1
	// VndJSON is application/vnd.microsoft.rtc.autodiscover+json: the same
	// document as {"AccessLocation", "Root"|"User"|"Domain": {"Links": [...]}}.
	VndJSON
	// UCWAJSON is application/json: {"_links": {"self", "user", ...}}.
	UCWAJSON
	// UCWAXML is application/xml: <resource rel= href=><link rel= href=/>.
	UCWAXML
)

// Media types, without parameters, as clients send them in Accept.
const (
	MediaVndXML   = "application/vnd.microsoft.rtc.autodiscover+xml"
	MediaVndJSON  = "application/vnd.microsoft.rtc.autodiscover+json"
	MediaJSON     = "application/json"
	MediaUCWAJSON = "application/vnd.microsoft.com.ucwa+json"
	MediaXML      = "application/xml"
	MediaUCWAXML  = "application/vnd.microsoft.com.ucwa+xml"
)

// ContentType is the Content-Type a server answers the representation with.
// The vnd types carry "; v=1" (a libpurple plug-in sends "v=1" without the
// space and accepts either, matching on the type's prefix).
func (r Representation) ContentType() string {
	switch r {
	case VndXML:
		return MediaVndXML + "; v=1"
	case VndJSON:
		return MediaVndJSON + "; v=1"
	case UCWAJSON:
		return MediaJSON
	case UCWAXML:
		return MediaXML
	}
	return ""
}

func (r Representation) String() string {
	switch r {
	case VndXML:
		return "vnd+xml"
	case VndJSON:
		return "vnd+json"
	case UCWAJSON:
		return "ucwa+json"
	case UCWAXML:
		return "ucwa+xml"
	}
	return "unknown"
}

// Valid reports whether r is one of the four representations.
func (r Representation) Valid() bool { return r >= VndXML && r <= UCWAXML }

// RepresentationOf classifies a response's Content-Type, as a client reads
// it: by media type, parameters ignored, case-insensitive.
func RepresentationOf(contentType string) (Representation, bool) {
	switch mediaType(contentType) {
	case MediaVndXML:
		return VndXML, true
	case MediaVndJSON:
		return VndJSON, true
	case MediaJSON, MediaUCWAJSON:
		return UCWAJSON, true
	case MediaXML, MediaUCWAXML, "text/xml":
		return UCWAXML, true
	}
	return 0, false
}

// DefaultRepresentation is the representation a server of the product
// version answers when the request names none (§3.1 step 5, a
// recommendation: the Lync 2013 documentation says its default is the vnd
// JSON, while clients written against SfB 2015/2019 expect _links JSON).
func DefaultRepresentation(product string) Representation {
	if strings.EqualFold(product, "lync2013") {
		return VndJSON
	}
	return UCWAJSON
}

// maxAcceptRanges bounds the work Negotiate does on a hostile header.
const maxAcceptRanges = 64

// Negotiate picks the representation of a response from the request's
// Accept and Content-Type headers, following the recommended negotiation of
// the protocol notes (§3.1):
//
//  1. Accept names the vnd XML type → VndXML;
//  2. Accept names the vnd JSON type → VndJSON;
//  3. Accept names application/json or the UCWA JSON type → UCWAJSON;
//  4. Accept names application/xml or the UCWA XML type → UCWAXML;
//  5. otherwise a request Content-Type of application/json (the trick
//     pentest tools and bots use on a GET) → UCWAJSON; else def.
//
// "Names" means the media type appears in Accept, case-insensitively, with
// any parameters, unless its q is 0 (not acceptable). Wildcards (*/*,
// application/*) name nothing and fall through to step 5. The steps go in
// order whatever the q-values, as servers do: a client that lists the vnd
// XML type gets it even if it prefers another.
func Negotiate(accept, contentType string, def Representation) Representation {
	var named [UCWAXML + 1]bool
	n := 0
	eachListItem(accept, func(r string) bool {
		mt, params, _ := strings.Cut(r, ";")
		if acceptable(params) {
			mt = strings.TrimSpace(mt)
			switch {
			case strings.EqualFold(mt, MediaVndXML):
				named[VndXML] = true
			case strings.EqualFold(mt, MediaVndJSON):
				named[VndJSON] = true
			case strings.EqualFold(mt, MediaJSON), strings.EqualFold(mt, MediaUCWAJSON):
				named[UCWAJSON] = true
			case strings.EqualFold(mt, MediaXML), strings.EqualFold(mt, MediaUCWAXML):
				named[UCWAXML] = true
			}
		}
		n++
		return n < maxAcceptRanges
	})
	for r := VndXML; r <= UCWAXML; r++ {
		if named[r] {
			return r
		}
	}
	if mt, _, _ := strings.Cut(contentType, ";"); strings.EqualFold(strings.TrimSpace(mt), MediaJSON) {
		return UCWAJSON
	}
	if !def.Valid() {
		return UCWAJSON
	}
	return def
}

// acceptable reads the q parameter of a media range: false only for q=0.
func acceptable(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err == nil && q <= 0 {
			return false
		}
	}
	return true
}

// mediaType is the lower-case type/subtype of a Content-Type value.
func mediaType(v string) string {
	mt, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// eachListItem calls f on each element of a comma-separated header value,
// keeping commas inside quoted strings (a parameter value may be quoted),
// until f returns false.
func eachListItem(v string, f func(string) bool) {
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				if !f(v[start:i]) {
					return
				}
				start = i + 1
			}
		}
	}
	if start <= len(v) {
		f(v[start:])
	}
}
