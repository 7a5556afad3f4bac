package webservices

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/runtime/protocol"
)

const (
	oauthUser = "https://webint.contoso.net/Autodiscover/AutodiscoverService.svc/root/oauth/user"
	wtUser    = "https://webint.contoso.net/Autodiscover/AutodiscoverService.svc/root/user"
)

// The 401 of the OAuth user resource, byte for byte, and as the clients'
// own expressions read it.
func TestOAuthChallenge(t *testing.T) {
	l := newLab(t, "contoso")
	for _, site := range []struct {
		loc Location
		web string
	}{{Internal, "webint.contoso.net"}, {External, "webext.contoso.com"}} {
		h := l.handler(fe01, site.loc, "https")
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp := do(h, method, "https://"+site.web+rootPath+"/oauth/user", hdr("Accept", "application/json"), nil)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s %s: %d", site.loc, method, resp.StatusCode)
			}
			want := []string{
				`Bearer trusted_issuers="00000002-0000-0ff1-ce00-000000000000@contoso.com", client_id="00000004-0000-0ff1-ce00-000000000000"`,
				`MsRtcOAuth href="https://` + site.web + `/WebTicket/oauthtoken",grant_type="urn:microsoft.rtc:windows,urn:microsoft.rtc:anonmeeting,password"`,
			}
			if got := resp.Header.Values("WWW-Authenticate"); !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: WWW-Authenticate\n got %q\nwant %q", site.loc, method, got, want)
			}
			if p := protocol.CheckChallenges(resp.Header.Values("WWW-Authenticate")); len(p) != 0 {
				t.Errorf("%s %s: %v", site.loc, method, p)
			}
			// python-ucwa-bot's expression on the joined headers.
			m := regexp.MustCompile(`MsRtcOAuth href="(.*?)"`).FindStringSubmatch(strings.Join(resp.Header.Values("WWW-Authenticate"), ", "))
			if m == nil || m[1] != "https://"+site.web+"/WebTicket/oauthtoken" {
				t.Errorf("%s %s: regex found %q", site.loc, method, m)
			}
			if resp.Header.Get("X-MS-Server-Fqdn") != fe01 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s %s: headers %v", site.loc, method, resp.Header)
			}
			if method == http.MethodHead && len(body) != 0 {
				t.Errorf("HEAD with a body")
			}
			if resp.Header.Get("X-MS-WebTicketURL") != "" {
				t.Errorf("%s: web-ticket URL on the OAuth flavour", site.loc)
			}
		}
	}
}

// The web-ticket flavour: X-MS-WebTicketURL and no WWW-Authenticate.
func TestWebTicketChallenge(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, Internal, "https")
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp := do(h, method, wtUser+"?sipuri=alice@contoso.com", hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1"), nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: %d", method, resp.StatusCode)
		}
		if got := resp.Header.Get("X-MS-WebTicketURL"); got != "https://webint.contoso.net/WebTicket/WebTicketService.svc" {
			t.Errorf("%s: X-MS-WebTicketURL %q", method, got)
		}
		if v := resp.Header.Values("WWW-Authenticate"); len(v) != 0 {
			t.Errorf("%s: WWW-Authenticate %q on the web-ticket flavour", method, v)
		}
		if resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
			t.Errorf("%s: no X-MS-Server-Fqdn", method)
		}
	}
}

func TestTokenFlow(t *testing.T) {
	l := newLab(t, "contoso")
	h := l.handler(fe01, Internal, "https")
	form := url.Values{"grant_type": {"password"}, "username": {"alice@contoso.com"}, "password": {labPassword}, "resource": {"contoso.com"}}
	resp := do(h, http.MethodPost, "https://webint.contoso.net/WebTicket/oauthtoken",
		hdr("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"), strings.NewReader(form.Encode()))
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
		t.Errorf("headers %v", resp.Header)
	}
	tr, err := protocol.DecodeTokenResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^cwt=[0-9A-Za-z]{48}$`).MatchString(tr.AccessToken) || tr.ExpiresIn != 28800 ||
		tr.TokenType != "Bearer" || tr.IdentityScope != "local" {
		t.Errorf("%+v", tr)
	}

	// The user resource with the token, in both families.
	resp = do(h, http.MethodGet, oauthUser+"?originalDomain=contoso.com", hdr("Authorization", "Bearer "+tr.AccessToken, "Accept", "application/json"), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("UCWA JSON: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	d := decode(t, resp)
	if a, _ := d.Link(protocol.TokenUcwa); a != "https://webext.contoso.com/ucwa/oauth/v1/applications" {
		t.Errorf("_links.applications %q", a)
	}
	if s, _ := d.Link(protocol.TokenSelf); s != oauthUser+"?originalDomain=contoso.com" {
		t.Errorf("_links.self %q", s)
	}
	resp = do(h, http.MethodGet, oauthUser, hdr("Authorization", "Bearer "+tr.AccessToken, "Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1"), nil)
	d = decode(t, resp)
	if d.Kind != protocol.KindUser || d.AccessLocation != protocol.LocationInternal {
		t.Errorf("vnd XML user %+v", d)
	}
	if a := d.ClientAccess(); a == nil || a.FQDN != "pool01.contoso.net" || a.Port != 5061 {
		t.Errorf("SipClientInternalAccess %+v", a)
	}

	// Every server of the pool accepts the pool's token; from outside the
	// applications URL is the external web FQDN.
	fe02 := l.handler("fe02.contoso.net", External, "https")
	resp = do(fe02, http.MethodGet, "https://webext.contoso.com"+rootPath+"/oauth/user", hdr("Authorization", "Bearer "+tr.AccessToken, "Accept", "application/json"), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-MS-Server-Fqdn") != "fe02.contoso.net" {
		t.Fatalf("fe02: %d", resp.StatusCode)
	}
	if a, _ := decode(t, resp).Link(protocol.TokenUcwa); a != "https://webext.contoso.com/ucwa/oauth/v1/applications" {
		t.Errorf("external applications %q", a)
	}

	// Multipart, and the other user name forms.
	for _, user := range []string{"sip:alice@contoso.com", `CONTOSO\alice`, `contoso.net\ALICE`, "Alice@Contoso.com"} {
		ct, b := multipartBody(t, map[string]string{"grant_type": "password", "username": user, "password": labPassword})
		resp = do(h, http.MethodPost, "https://webint.contoso.net/WebTicket/oauthtoken", hdr("Content-Type", ct), b)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK {
			t.Errorf("multipart as %s: %d %s", user, resp.StatusCode, body)
		}
	}

	// A token expires after 8 hours.
	l.clock.advance(TokenLifetime)
	resp = do(h, http.MethodGet, oauthUser, hdr("Authorization", "Bearer "+tr.AccessToken), nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("X-Ms-diagnostics"), "28055;") {
		t.Errorf("expired token: %d %q", resp.StatusCode, resp.Header.Get("X-Ms-diagnostics"))
	}
}

// The token endpoint's documented error bodies.
func TestTokenErrors(t *testing.T) {
	l := newLab(t, "contoso")
	h := l.handler(fe01, Internal, "https")
	post := func(ct, body string) *http.Response {
		return do(h, http.MethodPost, "https://webint.contoso.net/WebTicket/oauthtoken", hdr("Content-Type", ct), strings.NewReader(body))
	}
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name       string
		resp       *http.Response
		status     int
		code       string
		diagPrefix string
	}{
		{"bad password", post(form, "grant_type=password&username=alice@contoso.com&password=wrong"), 400, "invalid_grant", "28020;"},
		{"unknown user", post(form, "grant_type=password&username=nobody@contoso.com&password="+url.QueryEscape(labPassword)), 400, "invalid_grant", "28020;"},
		{"ambiguous DOMAIN user", post(form, `grant_type=password&username=OTHER\alice&password=`+url.QueryEscape(labPassword)), 400, "invalid_grant", "28020;"},
		{"windows grant", post(form, "grant_type=urn:microsoft.rtc:windows"), 400, "unsupported_grant_type", "28029;"},
		{"passive grant", post(form, "grant_type=urn:microsoft.rtc:passive"), 400, "unsupported_grant_type", "28029;"},
		{"no grant", post(form, "username=alice@contoso.com&password=x"), 400, "invalid_request", "90001;"},
		{"no password", post(form, "grant_type=password&username=alice@contoso.com"), 400, "invalid_request", "90001;"},
		{"grant twice", post(form, "grant_type=password&grant_type=urn:microsoft.rtc:windows"), 400, "invalid_request", "90001;"},
		{"malformed form", post(form, "grant_type=%zz"), 400, "invalid_request", "90001;"},
		{"JSON body", post("application/json", `{"grant_type":"password"}`), 400, "invalid_request", "90007;"},
		{"bad content type", post("multipart/form-data", "x"), 400, "invalid_request", "90001;"},
		{"too large", post(form, "grant_type=password&x="+strings.Repeat("a", MaxBodyBytes)), 400, "invalid_request", "90006;"},
	}
	for _, tt := range tests {
		body := readBody(t, tt.resp)
		if tt.resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, tt.resp.StatusCode, tt.status, body)
			continue
		}
		if e := tokenError(t, body); e.Code != tt.code {
			t.Errorf("%s: error %q, want %q", tt.name, e.Code, tt.code)
		}
		diag := tt.resp.Header.Get("X-Ms-diagnostics")
		if !strings.HasPrefix(diag, tt.diagPrefix) || !strings.Contains(diag, `source="fe01.contoso.net"`) {
			t.Errorf("%s: X-Ms-diagnostics %q", tt.name, diag)
		}
		if tt.resp.Header.Get("X-MS-Server-Fqdn") != fe01 || tt.resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: headers %v", tt.name, tt.resp.Header)
		}
	}
	// GET is not allowed; nor is a token over plain HTTP.
	resp := do(h, http.MethodGet, "https://webint.contoso.net/WebTicket/oauthtoken", nil, nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET token: %d %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	hh := l.handler(fe01, Internal, "http")
	resp = do(hh, http.MethodPost, "http://webint.contoso.net/WebTicket/oauthtoken", hdr("Content-Type", form),
		strings.NewReader("grant_type=password&username=alice@contoso.com&password="+url.QueryEscape(labPassword)))
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("X-Ms-diagnostics"), "90003;") {
		t.Errorf("token over HTTP: %d %q", resp.StatusCode, resp.Header.Get("X-Ms-diagnostics"))
	}
	// A user without a lab password cannot sign in.
	cfg := l.config(fe01, Internal, "https")
	cfg.Passwords = map[string]string{}
	resp = do(l.handlerOf(cfg), http.MethodPost, "https://webint.contoso.net/WebTicket/oauthtoken", hdr("Content-Type", form),
		strings.NewReader("grant_type=password&username=alice@contoso.com&password="))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no lab password: %d", resp.StatusCode)
	}
	// A full store refuses with 503.
	cfg = l.config(fe01, Internal, "https")
	cfg.Tokens = NewTokenStore(1)
	small := l.handlerOf(cfg)
	token(t, small, "alice@contoso.com", labPassword)
	resp = do(small, http.MethodPost, "https://webint.contoso.net/WebTicket/oauthtoken", hdr("Content-Type", form),
		strings.NewReader("grant_type=password&username=alice@contoso.com&password="+url.QueryEscape(labPassword)))
	if e := tokenError(t, readBody(t, resp)); resp.StatusCode != http.StatusServiceUnavailable || e.Code != "server_error" {
		t.Errorf("full store: %d %+v", resp.StatusCode, e)
	}
	// Once the first token has expired there is room again.
	l.clock.advance(TokenLifetime)
	token(t, small, "alice@contoso.com", labPassword)
}

// The web-ticket exchange as a libpurple plug-in runs it: 401 →
// X-MS-WebTicketURL → /mex → the WinNegotiate port with HTTP Basic → RSTR
// → the user resource with X-MS-WebTicket beside Authorization: Basic.
func TestWebTicketExchange(t *testing.T) {
	l := newLab(t, "contoso")
	h := l.handler(fe01, Internal, "https")
	resp := do(h, http.MethodGet, wtUser+"?sipuri=alice@contoso.com", hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1"), nil)
	service := resp.Header.Get("X-MS-WebTicketURL")
	if resp.StatusCode != http.StatusUnauthorized || service == "" {
		t.Fatalf("%d %q", resp.StatusCode, service)
	}
	resp = do(h, http.MethodGet, service+"/mex", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("mex: %d", resp.StatusCode)
	}
	ports, err := protocol.ParseMEX(readBody(t, resp))
	if err != nil || len(ports) != 1 || ports[0].Name != protocol.PortWinNegotiate {
		t.Fatalf("ports %+v, %v", ports, err)
	}
	rst := protocol.EncodeIssueRequest(protocol.IssueRequest{Context: "c1", AppliesTo: wtUser, Claims: []string{"sip:alice@contoso.com"}})

	// Without credentials the Basic port challenges.
	resp = do(h, http.MethodPost, ports[0].Location, hdr("Content-Type", "text/xml"), strings.NewReader(string(rst)))
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Fatalf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(`CONTOSO\alice:`+labPassword))
	resp = do(h, http.MethodPost, ports[0].Location, hdr("Content-Type", "text/xml", "Authorization", basic), strings.NewReader(string(rst)))
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(string(body), `Context="c1"`) {
		t.Errorf("context not echoed: %s", body)
	}
	rstr, err := protocol.ParseRSTR(body)
	if err != nil {
		t.Fatal(err)
	}
	if got := rstr.Expires.Sub(rstr.Created); got != WebTicketLifetime {
		t.Errorf("lifetime %v", got)
	}
	ticket := protocol.FormatWebTicket(rstr.Assertion)
	resp = do(h, http.MethodGet, wtUser+"?sipuri=alice@contoso.com",
		hdr("Accept", "application/vnd.microsoft.rtc.autodiscover+xml;v=1", protocol.WebTicketHeader, ticket, "Authorization", basic), nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), protocol.MediaVndXML) {
		t.Fatalf("user with ticket: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	d := decode(t, resp)
	if u, _ := d.Link(protocol.TokenUcwa); u != "https://webext.contoso.com/ucwa/v1/applications" {
		t.Errorf("Ucwa %q", u)
	}
	// The plug-in's view: SipClientInternalAccess when Internal.
	if a := d.ClientAccess(); a.FQDN != "pool01.contoso.net" {
		t.Errorf("client access %+v", a)
	}
	// A ticket is not an OAuth token, nor the reverse.
	if resp := do(h, http.MethodGet, oauthUser, hdr("Authorization", "Bearer "+string(rstr.Assertion)), nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("ticket as a Bearer token: %d", resp.StatusCode)
	}
	tok := token(t, h, "alice@contoso.com", labPassword)
	forged := protocol.FormatWebTicket([]byte(protocol.Ticket{AssertionID: strings.TrimPrefix(tok, "cwt=")}.Assertion()))
	resp = do(h, http.MethodGet, wtUser, hdr(protocol.WebTicketHeader, forged), nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("X-Ms-diagnostics"), "28032;") {
		t.Errorf("forged ticket: %d %q", resp.StatusCode, resp.Header.Get("X-Ms-diagnostics"))
	}
	// An expired ticket.
	l.clock.advance(WebTicketLifetime)
	if resp := do(h, http.MethodGet, wtUser, hdr(protocol.WebTicketHeader, ticket), nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired ticket: %d", resp.StatusCode)
	}
}

// /Auth with a UsernameToken, as an enumeration tool uses it: bad
// credentials get a SOAP fault naming "No valid security token", good ones
// 200; credentials plain or base64-encoded.
func TestWebTicketAuth(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, External, "https")
	auth := "https://webext.contoso.com/WebTicket/WebTicketService.svc/Auth"
	b64 := base64.StdEncoding.EncodeToString
	for _, tt := range []struct {
		name, user, pass string
		ok               bool
	}{
		{"plain", "alice@contoso.com", labPassword, true},
		{"base64", b64([]byte(`CONTOSO\alice`)), b64([]byte(labPassword)), true},
		{"bad password", "alice@contoso.com", "nope", false},
		{"bad base64 password", b64([]byte(`CONTOSO\alice`)), b64([]byte("nope")), false},
		{"unknown user", `CONTOSO\mallory`, labPassword, false},
		{"empty", "", "", false},
	} {
		rst := protocol.EncodeIssueRequest(protocol.IssueRequest{HasUsernameToken: true, Username: tt.user, Password: tt.pass, AppliesTo: auth})
		resp := do(h, http.MethodPost, auth, hdr("Content-Type", "text/xml; charset=utf-8"), strings.NewReader(string(rst)))
		body := readBody(t, resp)
		if tt.ok {
			if _, err := protocol.ParseRSTR(body); resp.StatusCode != http.StatusOK || err != nil {
				t.Errorf("%s: %d %v", tt.name, resp.StatusCode, err)
			}
			continue
		}
		f, isFault := protocol.ParseFault(body)
		if resp.StatusCode != http.StatusInternalServerError || !isFault || !strings.Contains(string(body), "No valid security token") ||
			f.Code != protocol.FaultCodeFailedAuthn {
			t.Errorf("%s: %d %+v %s", tt.name, resp.StatusCode, f, body)
		}
		if resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
			t.Errorf("%s: no X-MS-Server-Fqdn", tt.name)
		}
	}
	// No credentials at all at /Auth: the fault too, not a 401.
	rst := protocol.EncodeIssueRequest(protocol.IssueRequest{AppliesTo: auth})
	if resp := do(h, http.MethodPost, auth, nil, strings.NewReader(string(rst))); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("no credentials at /Auth: %d", resp.StatusCode)
	}
	// Not WS-Trust: 400 with a fault.
	resp := do(h, http.MethodPost, auth, nil, strings.NewReader("<hello/>"))
	if _, ok := protocol.ParseFault(readBody(t, resp)); resp.StatusCode != http.StatusBadRequest || !ok {
		t.Errorf("not WS-Trust: %d", resp.StatusCode)
	}
	resp = do(h, http.MethodPost, auth, nil, strings.NewReader(strings.Repeat("x", MaxBodyBytes+1)))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", resp.StatusCode)
	}
}

// A user homed on another pool, or on an SBA of another pool, is sent
// there in-band, after signing in here; the token of one pool is no good
// at another.
func TestUserRedirect(t *testing.T) {
	l := newLab(t, "multisite")
	paris := l.handler("fe1.fabrikam.local", Internal, "https")
	lyon := l.handler("lfe1.fabrikam.local", Internal, "https")
	director := l.handler("dir1.fabrikam.local", External, "https")
	for _, tt := range []struct {
		name   string
		at     *Handler
		user   string
		target string
		want   string // redirect target; "" means served here
	}{
		{"lyon user at paris", paris, "lea@fabrikam.com", "https://parisint.fabrikam.local" + rootPath + "/oauth/user?originalDomain=fabrikam.com",
			"https://lyonint.fabrikam.local" + rootPath + "/oauth/user?originalDomain=fabrikam.com"},
		{"SBA user at paris", paris, "hugo@fabrikam.com", "https://parisint.fabrikam.local" + rootPath + "/user",
			"https://lyonint.fabrikam.local" + rootPath + "/user"},
		{"paris user at the Director, from outside", director, "marc@fabrikam.com", "https://dirext.fabrikam.com" + rootPath + "/oauth/user",
			"https://parisext.fabrikam.com" + rootPath + "/oauth/user"},
		{"lyon user at lyon", lyon, "lea@fabrikam.com", "https://lyonint.fabrikam.local" + rootPath + "/oauth/user", ""},
		{"SBA user at its pool", lyon, "hugo@fabrikam.com", "https://lyonint.fabrikam.local" + rootPath + "/oauth/user", ""},
	} {
		tok := token(t, tt.at, tt.user, labPassword)
		for _, accept := range []string{"application/json", "application/vnd.microsoft.rtc.autodiscover+xml;v=1", "application/vnd.microsoft.rtc.autodiscover+json;v=1"} {
			resp := do(tt.at, http.MethodGet, tt.target, hdr("Authorization", "Bearer "+tok, "Accept", accept), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", tt.name, accept, resp.StatusCode)
			}
			d := decode(t, resp)
			to, redirected := d.Redirect()
			switch {
			case tt.want == "" && redirected:
				t.Errorf("%s %s: redirected to %s", tt.name, accept, to)
			// (A bare _links.redirect does not say it is a User's.)
			case tt.want != "" && (to != tt.want || len(d.Links) != 1 || d.Kind != protocol.KindUser && accept != "application/json"):
				t.Errorf("%s %s: %+v, want the single Redirect %s", tt.name, accept, d, tt.want)
			}
		}
	}
	// The paris token does not open lyon's user resource: sign in again.
	tok := token(t, paris, "lea@fabrikam.com", labPassword)
	resp := do(lyon, http.MethodGet, "https://lyonint.fabrikam.local"+rootPath+"/oauth/user", hdr("Authorization", "Bearer "+tok), nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a paris token at lyon: %d", resp.StatusCode)
	}
	if c, ok := protocol.FindOAuthChallenge(resp.Header.Values("WWW-Authenticate")); !ok || c.Href != "https://lyonint.fabrikam.local/WebTicket/oauthtoken" {
		t.Errorf("lyon's challenge %+v", c)
	}
}

// A user whose effective mobility policy disables mobility gets a token
// but is refused at the user resource, with the reason.
func TestMobilityDisabled(t *testing.T) {
	h := newLab(t, "contoso").handler(fe01, External, "https")
	tok := token(t, h, "carol@contoso.com", labPassword)
	for _, accept := range []string{"application/json", "application/xml"} {
		resp := do(h, http.MethodGet, "https://webext.contoso.com"+rootPath+"/oauth/user", hdr("Authorization", "Bearer "+tok, "Accept", accept), nil)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %d %s", accept, resp.StatusCode, body)
		}
		e := ucwaError(t, body)
		if e.Code != "Forbidden" || e.Subcode != "MobileApplicationNoLongerAllowed" ||
			e.Message != "Mobility is disabled for sip:carol@contoso.com by mobility policy NoMobility (EnableMobility = False)." {
			t.Errorf("%s: %+v", accept, e)
		}
		d, err := protocol.ParseDiagnostics(resp.Header.Get("X-Ms-diagnostics"))
		if err != nil || d.ID != protocol.DiagLabMobilityDisabled || !strings.Contains(d.Reason, "NoMobility") || d.Source != fe01 {
			t.Errorf("%s: X-Ms-diagnostics %+v, %v", accept, d, err)
		}
	}
	// alice, with mobility, is served.
	tok = token(t, h, "alice@contoso.com", labPassword)
	if resp := do(h, http.MethodGet, "https://webext.contoso.com"+rootPath+"/oauth/user", hdr("Authorization", "Bearer "+tok), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("alice: %d", resp.StatusCode)
	}
}

func TestUnknownUser(t *testing.T) {
	l := newLab(t, "contoso")
	h := l.handler(fe01, Internal, "https")
	tok := token(t, h, "alice@contoso.com", labPassword)
	resp := do(h, http.MethodGet, oauthUser+"?sipuri=nobody@contoso.com", hdr("Authorization", "Bearer "+tok), nil)
	if body := readBody(t, resp); resp.StatusCode != http.StatusNotFound || len(body) != 0 || resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
		t.Errorf("unknown sipuri: %d %q", resp.StatusCode, body)
	}
	// A user who left the directory after signing in (a reload).
	cfg := l.config(fe01, Internal, "https")
	cfg.Directory.Users = cfg.Directory.Users[1:] // alice is first
	resp = do(l.handlerOf(cfg), http.MethodGet, oauthUser, hdr("Authorization", "Bearer "+tok), nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("user gone: %d", resp.StatusCode)
	}
	// Unknown resources, UCWA included, are 404 with an empty body.
	for _, p := range []string{"/ucwa/oauth/v1/applications", "/nope", "/Autodiscover/AutodiscoverService.svc", "/Autodiscover/AutodiscoverService.svc/root/oauth"} {
		resp := do(h, http.MethodGet, "https://webint.contoso.net"+p, nil, nil)
		if body := readBody(t, resp); resp.StatusCode != http.StatusNotFound || len(body) != 0 || resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
			t.Errorf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
}

// A user resolved by UPN.
func TestUPN(t *testing.T) {
	l := newLab(t, "contoso")
	cfg := l.config(fe01, Internal, "https")
	users := append(cfg.Directory.Users[:0:0], cfg.Directory.Users...)
	users[0].UPN = "alice.w@contoso.net"
	cfg.Directory.Users = users
	h := l.handlerOf(cfg)
	tok := token(t, h, "Alice.W@contoso.net", labPassword)
	if resp := do(h, http.MethodGet, oauthUser, hdr("Authorization", "Bearer "+tok), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("%d", resp.StatusCode)
	}
	token(t, h, `CONTOSO\alice.w`, labPassword)
}

// Token IDs are long and unique.
func TestTokenStore(t *testing.T) {
	s := NewTokenStore(0)
	now := time.Now()
	seen := map[string]bool{}
	for range 1000 {
		id, exp, err := s.issue(kindOAuth, "a@b", now, time.Hour)
		if err != nil || seen[id] || !exp.Equal(now.Add(time.Hour)) {
			t.Fatalf("%q %v %v", id, exp, err)
		}
		seen[id] = true
	}
	if s.Len() != 1000 {
		t.Errorf("len %d", s.Len())
	}
	if _, ok := s.lookup(kindWebTicket, "cwt=x", now); ok {
		t.Error("found a missing entry")
	}
}
