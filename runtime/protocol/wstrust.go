package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// The few WS-Trust and metadata-exchange messages of the web-ticket flow
// (MS-OCAUTHWS), as a libpurple plug-in and an enumeration tool use them:
//
//	GET  <X-MS-WebTicketURL>/mex        → WSDL naming the WebTicketServiceWinNegotiate port
//	POST <that port's location>         RequestSecurityToken, HTTP Basic credentials
//	POST <X-MS-WebTicketURL>/Auth       RequestSecurityToken with a wsse:UsernameToken
//	                                    → RequestSecurityTokenResponse with Lifetime and a
//	                                      saml:Assertion, or a SOAP fault
//	GET  the user resource, X-MS-WebTicket: opaque=<base64 of the saml:Assertion element>

// Namespaces of the web-ticket messages.
const (
	NSSoap11    = "http://schemas.xmlsoap.org/soap/envelope/"
	NSWSTrust13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
	NSWSSE      = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	NSWSU       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	NSSAML      = "urn:oasis:names:tc:SAML:1.0:assertion"
	nsWSDL      = "http://schemas.xmlsoap.org/wsdl/"
	nsWSDLSoap  = "http://schemas.xmlsoap.org/wsdl/soap/"
	nsAuthWS    = "http://schemas.microsoft.com/OCS/AuthWebServices/"
)

// Values of the web-ticket messages.
const (
	ActionIssue          = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"
	RequestTypeIssue     = "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue"
	TokenTypeSAML11      = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1"
	PasswordTypeText     = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	PortWinNegotiate     = "WebTicketServiceWinNegotiate"
	FaultNoValidToken    = "No valid security token."
	FaultCodeFailedAuthn = "wsse:FailedAuthentication"
)

// WebTicketHeader is the request header carrying a web ticket.
const WebTicketHeader = "X-MS-WebTicket"

// WebTicketURLHeader is the 401 header naming the web-ticket service.
const WebTicketURLHeader = "X-MS-WebTicketURL"

// IssueRequest is a WS-Trust RequestSecurityToken as the web-ticket
// service reads it.
type IssueRequest struct {
	// HasUsernameToken reports a wsse:UsernameToken in the SOAP header;
	// Username and Password are its contents, as sent (an enumeration tool
	// base64-encodes both; the server decides how to read them).
	HasUsernameToken bool
	Username         string
	Password         string
	PasswordType     string

	Context     string
	TokenType   string
	RequestType string
	AppliesTo   string
	// Claims are the claim values (auth:Value), such as "sip:alice@contoso.com".
	Claims []string
}

// Bounds of the WS-Trust parsers.
const (
	maxFieldBytes = 4 << 10
	maxClaims     = 16
)

// ParseIssueRequest reads a SOAP envelope holding a RequestSecurityToken,
// element names in any case and namespace.
func ParseIssueRequest(body []byte) (IssueRequest, error) {
	if len(body) > MaxBody {
		return IssueRequest{}, fmt.Errorf("issue request of %d bytes, more than %d", len(body), MaxBody)
	}
	x := newXMLReader(body)
	var r IssueRequest
	var path []string
	var text strings.Builder
	sawRST := false
	for {
		tok, depth, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return IssueRequest{}, fmt.Errorf("parse issue request: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if depth == 1 && name != "envelope" {
				return IssueRequest{}, fmt.Errorf("parse issue request: root element is %q, not Envelope", t.Name.Local)
			}
			path = append(path[:depth-1], name)
			text.Reset()
			switch name {
			case "usernametoken":
				r.HasUsernameToken = true
			case "password":
				r.PasswordType, _ = attrValue(t, "Type")
			case "requestsecuritytoken":
				sawRST = true
				r.Context, _ = attrValue(t, "Context")
			}
		case xml.CharData:
			if text.Len()+len(t) > maxFieldBytes {
				return IssueRequest{}, errors.New("parse issue request: element text too long")
			}
			text.Write(t)
		case xml.EndElement:
			if depth > len(path) {
				continue
			}
			v := strings.TrimSpace(text.String())
			text.Reset()
			name, parent := path[depth-1], ""
			if depth >= 2 {
				parent = path[depth-2]
			}
			switch {
			case name == "username" && parent == "usernametoken":
				r.Username = v
			case name == "password" && parent == "usernametoken":
				r.Password = v
			case name == "tokentype" && parent == "requestsecuritytoken":
				r.TokenType = v
			case name == "requesttype" && parent == "requestsecuritytoken":
				r.RequestType = v
			case name == "address" && inPath(path[:depth], "appliesto"):
				r.AppliesTo = v
			case name == "value" && inPath(path[:depth], "claims"):
				if len(r.Claims) == maxClaims {
					return IssueRequest{}, errors.New("parse issue request: too many claims")
				}
				r.Claims = append(r.Claims, v)
			}
			path = path[:depth-1]
		}
	}
	if !sawRST {
		return IssueRequest{}, errors.New("parse issue request: no RequestSecurityToken")
	}
	return r, nil
}

func inPath(path []string, name string) bool {
	for _, p := range path {
		if p == name {
			return true
		}
	}
	return false
}

// EncodeIssueRequest writes the request as a SOAP 1.1 envelope, the
// UsernameToken in the header when the request has one.
func EncodeIssueRequest(r IssueRequest) []byte {
	var b bytes.Buffer
	b.WriteString(`<s:Envelope`)
	attr(&b, "xmlns:s", NSSoap11)
	b.WriteString(`><s:Header>`)
	if r.HasUsernameToken {
		b.WriteString(`<Security s:mustUnderstand="1"`)
		attr(&b, "xmlns", NSWSSE)
		b.WriteString(`><UsernameToken><Username>`)
		_ = xml.EscapeText(&b, []byte(r.Username))
		b.WriteString(`</Username><Password`)
		pt := r.PasswordType
		if pt == "" {
			pt = PasswordTypeText
		}
		attr(&b, "Type", pt)
		b.WriteByte('>')
		_ = xml.EscapeText(&b, []byte(r.Password))
		b.WriteString(`</Password></UsernameToken></Security>`)
	}
	b.WriteString(`</s:Header><s:Body><RequestSecurityToken`)
	if r.Context != "" {
		attr(&b, "Context", r.Context)
	}
	attr(&b, "xmlns", NSWSTrust13)
	b.WriteString(`><TokenType>`)
	tt := r.TokenType
	if tt == "" {
		tt = TokenTypeSAML11
	}
	_ = xml.EscapeText(&b, []byte(tt))
	b.WriteString(`</TokenType><RequestType>`)
	rt := r.RequestType
	if rt == "" {
		rt = RequestTypeIssue
	}
	_ = xml.EscapeText(&b, []byte(rt))
	b.WriteString(`</RequestType>`)
	if r.AppliesTo != "" {
		b.WriteString(`<AppliesTo xmlns="http://schemas.xmlsoap.org/ws/2004/09/policy"><EndpointReference xmlns="http://www.w3.org/2005/08/addressing"><Address>`)
		_ = xml.EscapeText(&b, []byte(r.AppliesTo))
		b.WriteString(`</Address></EndpointReference></AppliesTo>`)
	}
	if len(r.Claims) > 0 {
		b.WriteString(`<Claims Dialect="urn:component:Microsoft.Rtc.WebAuthentication.2010:authclaims"><ClaimType xmlns="http://schemas.xmlsoap.org/ws/2006/12/authorization" Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/uri" Optional="false">`)
		for _, c := range r.Claims {
			b.WriteString(`<Value>`)
			_ = xml.EscapeText(&b, []byte(c))
			b.WriteString(`</Value>`)
		}
		b.WriteString(`</ClaimType></Claims>`)
	}
	b.WriteString(`</RequestSecurityToken></s:Body></s:Envelope>`)
	return b.Bytes()
}

// Ticket is an issued web ticket: an opaque SAML 1.1 assertion whose
// AssertionID the issuing pool remembers. It is not signed; the lab's
// services accept only IDs they issued.
type Ticket struct {
	AssertionID string
	Issuer      string // the web-ticket service URL
	Subject     string // sip:user@domain
	Created     time.Time
	Expires     time.Time
}

// xsdTime is an xsd:dateTime in UTC.
func xsdTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Assertion is the saml:Assertion element, namespace declared on itself so
// it stands alone once a client cuts it out (as a libpurple plug-in does,
// by searching for "<saml:Assertion").
func (t Ticket) Assertion() string {
	var b bytes.Buffer
	b.WriteString(`<saml:Assertion`)
	attr(&b, "xmlns:saml", NSSAML)
	attr(&b, "MajorVersion", "1")
	attr(&b, "MinorVersion", "1")
	attr(&b, "AssertionID", t.AssertionID)
	attr(&b, "Issuer", t.Issuer)
	attr(&b, "IssueInstant", xsdTime(t.Created))
	b.WriteString(`><saml:Conditions`)
	attr(&b, "NotBefore", xsdTime(t.Created))
	attr(&b, "NotOnOrAfter", xsdTime(t.Expires))
	b.WriteString(`/><saml:AuthenticationStatement AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password"`)
	attr(&b, "AuthenticationInstant", xsdTime(t.Created))
	b.WriteString(`><saml:Subject><saml:NameIdentifier Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">`)
	_ = xml.EscapeText(&b, []byte(t.Subject))
	b.WriteString(`</saml:NameIdentifier></saml:Subject></saml:AuthenticationStatement></saml:Assertion>`)
	return b.String()
}

// EncodeRSTR writes the RequestSecurityTokenResponse carrying the ticket.
// Lifetime is in the WS-Trust default namespace without a prefix, the
// assertion prefixed saml: — a libpurple plug-in finds both by searching
// for the literal "<Lifetime" and "<saml:Assertion".
func EncodeRSTR(t Ticket, context string) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.WriteString(`<s:Envelope`)
	attr(&b, "xmlns:s", NSSoap11)
	b.WriteString(`><s:Body><RequestSecurityTokenResponseCollection`)
	attr(&b, "xmlns", NSWSTrust13)
	b.WriteString(`><RequestSecurityTokenResponse`)
	if context != "" {
		attr(&b, "Context", context)
	}
	b.WriteString(`><TokenType>`)
	b.WriteString(TokenTypeSAML11)
	b.WriteString(`</TokenType><RequestedSecurityToken>`)
	b.WriteString(t.Assertion())
	b.WriteString(`</RequestedSecurityToken><Lifetime><wsu:Created`)
	attr(&b, "xmlns:wsu", NSWSU)
	b.WriteByte('>')
	b.WriteString(xsdTime(t.Created))
	b.WriteString(`</wsu:Created><wsu:Expires`)
	attr(&b, "xmlns:wsu", NSWSU)
	b.WriteByte('>')
	b.WriteString(xsdTime(t.Expires))
	b.WriteString(`</wsu:Expires></Lifetime><KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</KeyType></RequestSecurityTokenResponse></RequestSecurityTokenResponseCollection></s:Body></s:Envelope>`)
	return b.Bytes()
}

// RSTR is what a client takes from a RequestSecurityTokenResponse.
type RSTR struct {
	// Assertion is the raw saml:Assertion element, byte for byte.
	Assertion []byte
	Created   time.Time
	Expires   time.Time
}

// ParseRSTR reads a RequestSecurityTokenResponse, element names in any
// case and namespace.
func ParseRSTR(body []byte) (RSTR, error) {
	if len(body) > MaxBody {
		return RSTR{}, fmt.Errorf("RSTR of %d bytes, more than %d", len(body), MaxBody)
	}
	x := newXMLReader(body)
	var r RSTR
	var start int64 = -1
	startDepth := 0
	field := ""
	inLifetime := false
	for {
		tok, depth, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return RSTR{}, fmt.Errorf("parse RSTR: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			switch {
			case name == "assertion" && start < 0 && r.Assertion == nil:
				start, startDepth = x.offset, depth
			case name == "lifetime":
				inLifetime = true
			case inLifetime && (name == "created" || name == "expires"):
				field = name
			}
		case xml.CharData:
			if field == "" {
				continue
			}
			ts, err := time.Parse(time.RFC3339, strings.TrimSpace(string(t)))
			if err != nil {
				return RSTR{}, fmt.Errorf("parse RSTR: %s: %w", field, err)
			}
			if field == "created" {
				r.Created = ts
			} else {
				r.Expires = ts
			}
		case xml.EndElement:
			field = ""
			if strings.EqualFold(t.Name.Local, "lifetime") {
				inLifetime = false
			}
			if start >= 0 && depth == startDepth && strings.EqualFold(t.Name.Local, "assertion") {
				end := x.dec.InputOffset()
				if start <= end && end <= int64(len(body)) {
					r.Assertion = bytes.TrimSpace(body[start:end])
				}
				start = -1
			}
		}
	}
	if r.Assertion == nil {
		if f, ok := ParseFault(body); ok {
			return RSTR{}, fmt.Errorf("parse RSTR: SOAP fault %s: %s", f.Code, f.Reason)
		}
		return RSTR{}, errors.New("parse RSTR: no Assertion")
	}
	return r, nil
}

// Fault is a SOAP 1.1 fault.
type Fault struct {
	Code   string // faultcode, e.g. wsse:FailedAuthentication
	Reason string // faultstring
}

// EncodeFault writes a SOAP 1.1 fault, the reason repeated in the
// MS-OCAUTHWS detail (error/internalerror/text) that a libpurple plug-in
// shows.
func EncodeFault(f Fault) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.WriteString(`<s:Envelope`)
	attr(&b, "xmlns:s", NSSoap11)
	b.WriteString(`><s:Body><s:Fault><faultcode`)
	attr(&b, "xmlns:wsse", NSWSSE)
	b.WriteByte('>')
	_ = xml.EscapeText(&b, []byte(f.Code))
	b.WriteString(`</faultcode><faultstring xml:lang="en-US">`)
	_ = xml.EscapeText(&b, []byte(f.Reason))
	b.WriteString(`</faultstring><detail><error`)
	attr(&b, "xmlns", nsAuthWS)
	b.WriteString(`><internalerror><text>`)
	_ = xml.EscapeText(&b, []byte(f.Reason))
	b.WriteString(`</text></internalerror></error></detail></s:Fault></s:Body></s:Envelope>`)
	return b.Bytes()
}

// ParseFault reads a SOAP fault (1.1 faultcode/faultstring or 1.2
// Code/Value and Reason/Text), reporting whether body is one.
func ParseFault(body []byte) (Fault, bool) {
	if len(body) > MaxBody {
		return Fault{}, false
	}
	x := newXMLReader(body)
	var f Fault
	inFault, field := false, ""
	for {
		tok, _, err := x.next()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			switch {
			case name == "fault":
				inFault = true
			case inFault && (name == "faultcode" || name == "value") && f.Code == "":
				field = "code"
			case inFault && (name == "faultstring" || name == "text") && f.Reason == "":
				field = "reason"
			}
		case xml.CharData:
			s := strings.TrimSpace(string(t))
			switch {
			case field == "code" && s != "":
				f.Code = s
			case field == "reason" && s != "":
				f.Reason = s
			}
		case xml.EndElement:
			field = ""
		}
	}
	return f, inFault
}

// EncodeMEX writes the web-ticket service's WSDL: one service whose only
// port is WebTicketServiceWinNegotiate at location (no WsFedBearer port, so
// a libpurple plug-in takes the Negotiate/Basic path).
func EncodeMEX(location string) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.WriteString(`<wsdl:definitions name="WebTicketService" targetNamespace="http://tempuri.org/"`)
	attr(&b, "xmlns:wsdl", nsWSDL)
	attr(&b, "xmlns:soap", nsWSDLSoap)
	attr(&b, "xmlns:wsaw", "http://www.w3.org/2006/05/addressing/wsdl")
	attr(&b, "xmlns:tns", "http://tempuri.org/")
	b.WriteString(`><wsdl:message name="IssueTokenRequest"/><wsdl:message name="IssueTokenResponse"/>`)
	b.WriteString(`<wsdl:portType name="IWebTicketService"><wsdl:operation name="IssueToken">`)
	b.WriteString(`<wsdl:input wsaw:Action="` + ActionIssue + `" message="tns:IssueTokenRequest"/>`)
	b.WriteString(`<wsdl:output wsaw:Action="http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Issue" message="tns:IssueTokenResponse"/>`)
	b.WriteString(`</wsdl:operation></wsdl:portType>`)
	b.WriteString(`<wsdl:binding name="` + PortWinNegotiate + `" type="tns:IWebTicketService"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>`)
	b.WriteString(`<wsdl:operation name="IssueToken"><soap:operation soapAction="` + ActionIssue + `" style="document"/>`)
	b.WriteString(`<wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation></wsdl:binding>`)
	b.WriteString(`<wsdl:service name="WebTicketService"><wsdl:port name="` + PortWinNegotiate + `" binding="tns:` + PortWinNegotiate + `"><soap:address`)
	attr(&b, "location", location)
	b.WriteString(`/></wsdl:port></wsdl:service></wsdl:definitions>`)
	return b.Bytes()
}

// Port is one wsdl:service/wsdl:port of a metadata document.
type Port struct {
	Name     string
	Location string
}

// ParseMEX lists the ports of a WSDL's services, as a client picks its
// authentication port from them.
func ParseMEX(body []byte) ([]Port, error) {
	if len(body) > MaxBody {
		return nil, fmt.Errorf("metadata of %d bytes, more than %d", len(body), MaxBody)
	}
	x := newXMLReader(body)
	var out []Port
	inService := false
	cur := -1
	for {
		tok, _, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse metadata: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch name := strings.ToLower(t.Name.Local); {
			case name == "service":
				inService = true
			case inService && name == "port":
				if len(out) == MaxLinks {
					return nil, errors.New("parse metadata: too many ports")
				}
				n, _ := attrValue(t, "name")
				out = append(out, Port{Name: n})
				cur = len(out) - 1
			case cur >= 0 && name == "address":
				out[cur].Location, _ = attrValue(t, "location")
			}
		case xml.EndElement:
			switch strings.ToLower(t.Name.Local) {
			case "service":
				inService = false
			case "port":
				cur = -1
			}
		}
	}
	return out, nil
}

// FormatWebTicket is the X-MS-WebTicket value for an assertion:
// "opaque=" and the assertion element in standard base64.
func FormatWebTicket(assertion []byte) string {
	return "opaque=" + base64.StdEncoding.EncodeToString(assertion)
}

// maxTicketBytes bounds a decoded web ticket.
const maxTicketBytes = 64 << 10

// ParseWebTicket reads an X-MS-WebTicket value ("opaque=<base64>", the key
// in any case, any base64 alphabet, padded or not) into the assertion.
func ParseWebTicket(v string) ([]byte, error) {
	k, b64, ok := strings.Cut(strings.TrimSpace(v), "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(k), "opaque") {
		return nil, errors.New(`web ticket: no "opaque=" value`)
	}
	b64 = strings.TrimSpace(b64)
	if base64.StdEncoding.DecodedLen(len(b64)) > maxTicketBytes {
		return nil, errors.New("web ticket: too long")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if out, err := enc.DecodeString(b64); err == nil {
			return out, nil
		}
	}
	return nil, errors.New("web ticket: not base64")
}

// AssertionID reads the AssertionID of a saml:Assertion element.
func AssertionID(assertion []byte) (string, error) {
	x := newXMLReader(assertion)
	tok, _, err := x.next()
	for err == nil {
		if e, ok := tok.(xml.StartElement); ok {
			if !strings.EqualFold(e.Name.Local, "Assertion") {
				return "", fmt.Errorf("web ticket: %q is not an Assertion", e.Name.Local)
			}
			id, ok := attrValue(e, "AssertionID")
			if !ok || id == "" {
				return "", errors.New("web ticket: Assertion without AssertionID")
			}
			return id, nil
		}
		tok, _, err = x.next()
	}
	return "", fmt.Errorf("web ticket: %w", err)
}
