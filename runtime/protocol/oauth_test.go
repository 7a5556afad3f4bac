package protocol

import (
	"net/url"
	"strings"
	"testing"
)

func TestTokenResponse(t *testing.T) {
	r := TokenResponse{AccessToken: "cwt=abc", ExpiresIn: 28800, IdentityScope: IdentityScopeLocal, TokenType: TokenTypeBearer}
	want := `{"access_token":"cwt=abc","expires_in":28800,"ms_rtc_identityscope":"local","token_type":"Bearer"}`
	if got := string(r.Encode()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	back, err := DecodeTokenResponse(r.Encode())
	if err != nil || back != r {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	// Azure AD sends expires_in as a string; names in any case.
	back, err = DecodeTokenResponse([]byte(`{"Access_Token":"cwt=x","EXPIRES_IN":"3599","token_type":"Bearer"}`))
	if err != nil || back.AccessToken != "cwt=x" || back.ExpiresIn != 3599 {
		t.Fatalf("tolerant decode: %+v, %v", back, err)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"access_token":1}`, `{"access_token":"a","expires_in":"x"}`} {
		if _, err := DecodeTokenResponse([]byte(bad)); err == nil {
			t.Errorf("no error for %s", bad)
		}
	}
}

func TestTokenError(t *testing.T) {
	if got := string(TokenError{Code: TokenErrInvalidGrant}.Encode()); got != `{"error":"invalid_grant"}` {
		t.Errorf("got %s", got)
	}
	e := TokenError{Code: TokenErrInvalidGrant, PassiveAuthURI: "https://a/PassiveAuth/PassiveAuth.aspx"}
	if got := string(e.Encode()); got != `{"error":"invalid_grant","ms_rtc_passiveauthuri":"https://a/PassiveAuth/PassiveAuth.aspx"}` {
		t.Errorf("got %s", got)
	}
	back, err := DecodeTokenError([]byte(` {"ERROR":"unsupported_grant_type","error_description":"x"} `))
	if err != nil || back.Code != TokenErrUnsupportedGrantType || back.Error() != "unsupported_grant_type: x" {
		t.Errorf("%+v, %v", back, err)
	}
	if _, err := DecodeTokenError([]byte(`{"access_token":"x"}`)); err == nil {
		t.Error("a success body decoded as an error")
	}
}

func TestParseTokenForm(t *testing.T) {
	r, err := ParseTokenForm(url.Values{"Grant_Type": {"password"}, "USERNAME": {"alice@contoso.com"}, "password": {"p", "p"}, "resource": {"contoso.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.GrantType != GrantPassword || r.Username != "alice@contoso.com" || r.Password != "p" || r.Resource != "contoso.com" {
		t.Errorf("%+v", r)
	}
	back, err := ParseTokenForm(r.Form())
	if err != nil || back != r {
		t.Errorf("round trip %+v, %v", back, err)
	}
	if _, err := ParseTokenForm(url.Values{"username": {"a"}}); err == nil {
		t.Error("no error without grant_type")
	}
	if _, err := ParseTokenForm(url.Values{"grant_type": {"password"}, "password": {"a", "b"}}); err == nil {
		t.Error("no error for a password given twice")
	}
	if _, err := ParseTokenForm(url.Values{"grant_type": {"password"}, "Password": {"a"}, "password": {"b"}}); err == nil {
		t.Error("no error for a password given twice in two cases")
	}
}

func TestBearerToken(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer cwt=abc":     "cwt=abc",
		"bearer  cwt=abc  ":  "cwt=abc",
		"Basic dXNlcjpwYXNz": "",
		"Bearer":             "",
		"":                   "",
	} {
		if got := BearerToken(in); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", in, got, want)
		}
	}
	if !strings.HasPrefix("cwt=abc", TokenPrefix) {
		t.Error("prefix")
	}
}
