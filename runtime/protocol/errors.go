package protocol

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// UCWA error codes: each maps one-to-one to an HTTP status
// (ErrorsAndInformationalMessages.md).
const (
	CodeBadRequest           = "BadRequest"           // 400
	CodeForbidden            = "Forbidden"            // 403
	CodeNotFound             = "NotFound"             // 404
	CodeMethodNotAllowed     = "MethodNotAllowed"     // 405
	CodeEntityTooLarge       = "EntityTooLarge"       // 413
	CodeUnsupportedMediaType = "UnsupportedMediaType" // 415
	CodeServiceFailure       = "ServiceFailure"       // 500
)

// UCWA subcodes the web services use.
const (
	// SubcodeMobileApplicationNoLongerAllowed: "User is no longer
	// authorized for mobile applications" — the refusal of a user whose
	// mobility policy has EnableMobility = False.
	SubcodeMobileApplicationNoLongerAllowed = "MobileApplicationNoLongerAllowed"
	SubcodeParameterValidationFailure       = "ParameterValidationFailure"
	SubcodeDeserializationFailure           = "DeserializationFailure"
)

// Error is the UCWA error body {"code","subcode","message"}; only code is
// required.
type Error struct {
	Code    string `json:"code"`
	Subcode string `json:"subcode,omitempty"`
	Message string `json:"message,omitempty"`
}

func (e Error) Error() string {
	s := e.Code
	if e.Subcode != "" {
		s += "/" + e.Subcode
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Encode renders the error as JSON, or as the UCWA XML <reason> element
// for the XML representations.
func (e Error) Encode(r Representation) []byte {
	if r == UCWAXML || r == VndXML {
		var b bytes.Buffer
		b.WriteString(xmlHeader)
		b.WriteString(`<reason`)
		attr(&b, "xmlns:xsd", nsXSD)
		attr(&b, "xmlns:xsi", nsXSI)
		attr(&b, "xmlns", NSUCWA)
		b.WriteString(`><code>`)
		_ = xml.EscapeText(&b, []byte(e.Code))
		b.WriteString(`</code>`)
		if e.Subcode != "" {
			b.WriteString(`<subcode>`)
			_ = xml.EscapeText(&b, []byte(e.Subcode))
			b.WriteString(`</subcode>`)
		}
		if e.Message != "" {
			b.WriteString(`<message>`)
			_ = xml.EscapeText(&b, []byte(e.Message))
			b.WriteString(`</message>`)
		}
		b.WriteString(`</reason>`)
		return b.Bytes()
	}
	out, _ := json.Marshal(e)
	return out
}

// ErrorContentType is the Content-Type of Error.Encode(r).
func ErrorContentType(r Representation) string {
	if r == UCWAXML || r == VndXML {
		return MediaXML
	}
	return MediaJSON
}

// DecodeError reads a UCWA error body in JSON or XML (member names in any
// case).
func DecodeError(body []byte) (Error, error) {
	if len(body) > MaxBody {
		return Error{}, fmt.Errorf("error body of %d bytes, more than %d", len(body), MaxBody)
	}
	body = bytes.TrimSpace(body)
	var e Error
	if len(body) > 0 && body[0] == '<' {
		x := newXMLReader(body)
		field := ""
		for {
			tok, depth, err := x.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return Error{}, fmt.Errorf("decode error body: %w", err)
			}
			switch t := tok.(type) {
			case xml.StartElement:
				field = ""
				if depth == 2 {
					field = strings.ToLower(t.Name.Local)
				}
			case xml.CharData:
				switch field {
				case "code":
					e.Code += string(t)
				case "subcode":
					e.Subcode += string(t)
				case "message":
					e.Message += string(t)
				}
			case xml.EndElement:
				field = ""
			}
		}
	} else {
		o, err := decodeObject(body)
		if err != nil {
			return Error{}, fmt.Errorf("decode error body: %w", err)
		}
		for name, p := range map[string]*string{"code": &e.Code, "subcode": &e.Subcode, "message": &e.Message} {
			s, _, err := o.str(name)
			if err != nil {
				return Error{}, fmt.Errorf("decode error body: %w", err)
			}
			*p = s
		}
	}
	e.Code, e.Subcode, e.Message = strings.TrimSpace(e.Code), strings.TrimSpace(e.Subcode), strings.TrimSpace(e.Message)
	if e.Code == "" {
		return Error{}, errors.New("decode error body: no code")
	}
	return e, nil
}

// X-Ms-diagnostics codes. The first four are documented (AuthenticationInUCWA.md
// and issues on public clients); the lab's own are marked so and lie outside
// the 28000 range real servers use, so nobody mistakes them for Microsoft's.
const (
	DiagNoValidSecurityToken      = 28020 // "No valid security token."
	DiagAuthenticationNotAllowed  = 28029 // "Authentication type not allowed."
	DiagWebTicketInvalid          = 28032 // "The web ticket is invalid."
	DiagOAuthTokenInvalid         = 28055 // "The OAuth token is invalid."
	DiagLabMalformedRequest       = 90001 // lab: a request the service cannot read
	DiagLabMobilityDisabled       = 90002 // lab: refused by the user's mobility policy
	DiagLabHTTPSRequired          = 90003 // lab: credentials sent over plain HTTP
	DiagLabUnknownHomePool        = 90004 // lab: the user's home is not in the plan's directory
	DiagLabTokenStoreFull         = 90005 // lab: too many live tokens
	DiagLabRequestTooLarge        = 90006 // lab: headers or body over the limit
	DiagLabUnsupportedContentType = 90007 // lab: a body type the endpoint does not read
)

// Diagnostics is the X-Ms-diagnostics header: `<id>;source="<fqdn>";reason="…"`
// with optional further parameters.
type Diagnostics struct {
	ID     int
	Source string
	Reason string
	// Extra holds other parameters (faultcode=…), in order.
	Extra []Param
}

// String renders the header value, parameters quoted.
func (d Diagnostics) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(d.ID))
	if d.Source != "" {
		b.WriteString(`;source=`)
		b.WriteString(quote(d.Source))
	}
	if d.Reason != "" {
		b.WriteString(`;reason=`)
		b.WriteString(quote(d.Reason))
	}
	for _, p := range d.Extra {
		b.WriteByte(';')
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(quote(p.Value))
	}
	return b.String()
}

// ParseDiagnostics reads an X-Ms-diagnostics value, tolerant of spaces,
// unquoted values and parameter names in any case.
func ParseDiagnostics(v string) (Diagnostics, error) {
	if len(v) > maxChallengeBytes {
		return Diagnostics{}, fmt.Errorf("X-Ms-diagnostics of %d bytes, more than %d", len(v), maxChallengeBytes)
	}
	sc := &scanner{s: strings.TrimSpace(v)}
	start := sc.i
	for !sc.done() && sc.peek() >= '0' && sc.peek() <= '9' {
		sc.i++
	}
	id, err := strconv.Atoi(sc.s[start:sc.i])
	if err != nil {
		return Diagnostics{}, fmt.Errorf("X-Ms-diagnostics %q: no numeric id", v)
	}
	d := Diagnostics{ID: id}
	for {
		sc.skipSpace()
		if sc.done() {
			return d, nil
		}
		if sc.peek() != ';' {
			return Diagnostics{}, fmt.Errorf("X-Ms-diagnostics %q: unexpected %q", v, sc.peek())
		}
		sc.i++
		sc.skipSpace()
		name := sc.token()
		if name == "" {
			return Diagnostics{}, fmt.Errorf("X-Ms-diagnostics %q: empty parameter name", v)
		}
		sc.skipSpace()
		if sc.peek() != '=' {
			return Diagnostics{}, fmt.Errorf("X-Ms-diagnostics %q: %s without a value", v, name)
		}
		sc.i++
		sc.skipSpace()
		var val string
		if sc.peek() == '"' {
			if val, err = sc.quoted(); err != nil {
				return Diagnostics{}, fmt.Errorf("X-Ms-diagnostics %q: %w", v, err)
			}
		} else {
			s := sc.i
			for !sc.done() && sc.peek() != ';' {
				sc.i++
			}
			val = strings.TrimSpace(sc.s[s:sc.i])
		}
		switch strings.ToLower(name) {
		case "source":
			d.Source = val
		case "reason":
			d.Reason = val
		default:
			if len(d.Extra) == maxParams {
				return Diagnostics{}, fmt.Errorf("X-Ms-diagnostics %q: more than %d parameters", v, maxParams)
			}
			d.Extra = append(d.Extra, Param{Name: name, Value: val})
		}
	}
}
