package protocol

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestIssueRequestRoundTrip(t *testing.T) {
	r := IssueRequest{
		HasUsernameToken: true, Username: `CONTOSO\alice`, Password: "Passw0rd!<&>", PasswordType: PasswordTypeText,
		Context: "ctx-1", TokenType: TokenTypeSAML11, RequestType: RequestTypeIssue,
		AppliesTo: "https://webext.contoso.com/WebTicket/WebTicketService.svc/Auth", Claims: []string{"sip:alice@contoso.com"},
	}
	back, err := ParseIssueRequest(EncodeIssueRequest(r))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("got  %+v\nwant %+v", back, r)
	}
	// Without a UsernameToken (HTTP Basic carries the credentials).
	back, err = ParseIssueRequest(EncodeIssueRequest(IssueRequest{AppliesTo: "https://a/b"}))
	if err != nil || back.HasUsernameToken || back.AppliesTo != "https://a/b" || back.TokenType != TokenTypeSAML11 {
		t.Errorf("%+v, %v", back, err)
	}
}

// The shapes real clients send: an enumeration tool's (default namespaces,
// base64 credentials, user-cwt token type) and a libpurple plug-in's
// (prefixed, claims, entropy).
func TestParseIssueRequestClients(t *testing.T) {
	enum := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		`<Security s:mustUnderstand="1" xmlns="` + NSWSSE + `"><UsernameToken><Username>Q09OVE9TT1xhbGljZQ==</Username>` +
		`<Password Type="` + PasswordTypeText + `">UGFzc3cwcmQh</Password></UsernameToken></Security></s:Header>` +
		`<s:Body><RequestSecurityToken Context="ec86" xmlns="` + NSWSTrust13 + `"><TokenType>urn:component:Microsoft.Rtc.WebAuthentication.2010:user-cwt-1</TokenType>` +
		`<RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</RequestType>` +
		`<AppliesTo xmlns="http://schemas.xmlsoap.org/ws/2004/09/policy"><EndpointReference xmlns="http://www.w3.org/2005/08/addressing"><Address>https://fe/WebTicket/WebTicketService.svc/Auth</Address></EndpointReference></AppliesTo>` +
		`<Lifetime><Created xmlns="` + NSWSU + `">2016-06-07T02:23:36Z</Created></Lifetime></RequestSecurityToken></s:Body></s:Envelope>`
	r, err := ParseIssueRequest([]byte(enum))
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasUsernameToken || r.Username != "Q09OVE9TT1xhbGljZQ==" || r.Password != "UGFzc3cwcmQh" || r.Context != "ec86" ||
		r.AppliesTo != "https://fe/WebTicket/WebTicketService.svc/Auth" {
		t.Errorf("%+v", r)
	}
	purple := "<?xml version=\"1.0\"?>\r\n<soap:Envelope xmlns:saml=\"" + NSSAML + "\" xmlns:soap=\"" + NSSoap11 + "\" xmlns:wst=\"" + NSWSTrust13 + "\"" +
		` xmlns:auth="http://schemas.xmlsoap.org/ws/2006/12/authorization" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">` +
		` <soap:Body><wst:RequestSecurityToken Context="uuid"> <wst:TokenType>` + TokenTypeSAML11 + `</wst:TokenType>` +
		` <wst:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</wst:RequestType>` +
		` <wsp:AppliesTo> <wsa:EndpointReference> <wsa:Address>https://pool/Autodiscover/AutodiscoverService.svc/root/user</wsa:Address> </wsa:EndpointReference> </wsp:AppliesTo>` +
		` <wst:Claims Dialect="urn:component:Microsoft.Rtc.WebAuthentication.2010:authclaims"> <auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/uri" Optional="false"> <auth:Value>sip:alice@contoso.com</auth:Value> </auth:ClaimType> </wst:Claims>` +
		` <wst:Entropy> <wst:BinarySecret>AAAA</wst:BinarySecret> </wst:Entropy> </wst:RequestSecurityToken> </soap:Body></soap:Envelope>`
	r, err = ParseIssueRequest([]byte(purple))
	if err != nil {
		t.Fatal(err)
	}
	if r.HasUsernameToken || r.Context != "uuid" || !reflect.DeepEqual(r.Claims, []string{"sip:alice@contoso.com"}) ||
		r.AppliesTo != "https://pool/Autodiscover/AutodiscoverService.svc/root/user" {
		t.Errorf("%+v", r)
	}
	for _, bad := range []string{``, `<x/>`, `<Envelope><Body/></Envelope>`, `<Envelope><Body><RequestSecurityToken>`,
		`<Envelope>` + strings.Repeat("<a>", 40) + `</Envelope>`} {
		if _, err := ParseIssueRequest([]byte(bad)); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestRSTR(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tk := Ticket{AssertionID: "_abc", Issuer: "https://webext.contoso.com/WebTicket/WebTicketService.svc", Subject: "sip:alice@contoso.com",
		Created: created, Expires: created.Add(8 * time.Hour)}
	body := EncodeRSTR(tk, "ctx")
	s := string(body)
	// A libpurple plug-in cuts the pieces out by literal search.
	i, j := strings.Index(s, "<saml:Assertion"), strings.Index(s, "</saml:Assertion>")
	if i < 0 || j < 0 || s[i:j+len("</saml:Assertion>")] != tk.Assertion() {
		t.Errorf("saml:Assertion not found as the plug-in looks for it:\n%s", s)
	}
	if !strings.Contains(s, "<Lifetime><wsu:Created") || !strings.Contains(s, "</Lifetime>") || !strings.Contains(s, `Context="ctx"`) {
		t.Errorf("Lifetime not found as the plug-in looks for it:\n%s", s)
	}
	r, err := ParseRSTR(body)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Assertion) != tk.Assertion() || !r.Created.Equal(tk.Created) || !r.Expires.Equal(tk.Expires) {
		t.Errorf("%+v", r)
	}
	id, err := AssertionID(r.Assertion)
	if err != nil || id != "_abc" {
		t.Errorf("AssertionID = %q, %v", id, err)
	}
	// The web ticket the client sends back.
	h := FormatWebTicket(r.Assertion)
	if !strings.HasPrefix(h, "opaque=") {
		t.Errorf("header %s", h)
	}
	for _, v := range []string{h, " OPAQUE = " + strings.TrimPrefix(h, "opaque="), "opaque=" + strings.TrimRight(strings.TrimPrefix(h, "opaque="), "=")} {
		a, err := ParseWebTicket(v)
		if err != nil || !bytes.Equal(a, r.Assertion) {
			t.Errorf("ParseWebTicket(%.30q) = %.40q, %v", v, a, err)
		}
	}
	for _, bad := range []string{"", "opaque", "ticket=abc", "opaque=!!!", "opaque=" + strings.Repeat("A", 100<<10)} {
		if _, err := ParseWebTicket(bad); err == nil {
			t.Errorf("no error for %.30q", bad)
		}
	}
	for _, bad := range []string{"", "<x/>", `<saml:Assertion xmlns:saml="x"/>`, "not xml"} {
		if _, err := AssertionID([]byte(bad)); err == nil {
			t.Errorf("AssertionID(%q): no error", bad)
		}
	}
	if _, err := ParseRSTR(EncodeFault(Fault{Code: FaultCodeFailedAuthn, Reason: FaultNoValidToken})); err == nil || !strings.Contains(err.Error(), FaultNoValidToken) {
		t.Errorf("a fault read as an RSTR: %v", err)
	}
}

func TestFault(t *testing.T) {
	f := Fault{Code: FaultCodeFailedAuthn, Reason: FaultNoValidToken}
	body := EncodeFault(f)
	// An enumeration tool looks for this text.
	if !strings.Contains(string(body), "No valid security token") {
		t.Errorf("%s", body)
	}
	back, ok := ParseFault(body)
	if !ok || back != f {
		t.Errorf("%+v, %v", back, ok)
	}
	soap12 := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text>bad</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`
	if back, ok := ParseFault([]byte(soap12)); !ok || back.Code != "s:Sender" || back.Reason != "bad" {
		t.Errorf("SOAP 1.2: %+v, %v", back, ok)
	}
	if _, ok := ParseFault(EncodeRSTR(Ticket{AssertionID: "x"}, "")); ok {
		t.Error("an RSTR read as a fault")
	}
}

func TestMEX(t *testing.T) {
	loc := "https://webext.contoso.com/WebTicket/WebTicketService.svc"
	body := EncodeMEX(loc)
	ports, err := ParseMEX(body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ports, []Port{{PortWinNegotiate, loc}}) {
		t.Errorf("%+v", ports)
	}
	if strings.Contains(string(body), "WsFedBearer") {
		t.Error("the WSDL advertises WsFedBearer")
	}
	if _, err := ParseMEX([]byte("<definitions><service><port")); err == nil {
		t.Error("no error for truncated metadata")
	}
}
