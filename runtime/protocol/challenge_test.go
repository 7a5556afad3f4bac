package protocol

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const tokenURL = "https://webext.contoso.com/WebTicket/oauthtoken"

func TestOAuthChallengeString(t *testing.T) {
	got := OAuthChallenge{Href: tokenURL}.String()
	want := `MsRtcOAuth href="https://webext.contoso.com/WebTicket/oauthtoken",grant_type="urn:microsoft.rtc:windows,urn:microsoft.rtc:anonmeeting,password"`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// The expressions real clients run on the header.
	if m := regexp.MustCompile(`MsRtcOAuth href="(.*?)"`).FindStringSubmatch(got); m == nil || m[1] != tokenURL {
		t.Errorf("python-ucwa-bot's regex finds %v", m)
	}
	if i := strings.Index(got, `",`); i < 0 || got[:i+1] != `MsRtcOAuth href="`+tokenURL+`"` {
		t.Errorf("no comma right after the href: %s", got)
	}
	if g := (OAuthChallenge{Href: tokenURL, GrantTypes: []string{GrantPassword}}).String(); !strings.HasSuffix(g, `,grant_type="password"`) {
		t.Errorf("explicit grants: %s", g)
	}
}

func TestBearerChallengeString(t *testing.T) {
	got := NewBearerChallenge("contoso.com").String()
	want := `Bearer trusted_issuers="00000002-0000-0ff1-ce00-000000000000@contoso.com", client_id="00000004-0000-0ff1-ce00-000000000000"`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if strings.Contains(got, "href=") || strings.Contains(got, "https://") {
		t.Errorf("the Bearer challenge must name no href or URL: %s", got)
	}
}

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []Challenge
	}{
		{"the two on-premises challenges", []string{NewBearerChallenge("contoso.com").String(), OAuthChallenge{Href: tokenURL}.String()}, []Challenge{
			{Scheme: "Bearer", Params: []Param{{"trusted_issuers", "00000002-0000-0ff1-ce00-000000000000@contoso.com"}, {"client_id", "00000004-0000-0ff1-ce00-000000000000"}}},
			{Scheme: "MsRtcOAuth", Params: []Param{{"href", tokenURL}, {"grant_type", "urn:microsoft.rtc:windows,urn:microsoft.rtc:anonmeeting,password"}}},
		}},
		{"both in one header", []string{`Bearer a="1", MsRtcOAuth href="x",grant_type="password"`}, []Challenge{
			{Scheme: "Bearer", Params: []Param{{"a", "1"}}},
			{Scheme: "MsRtcOAuth", Params: []Param{{"href", "x"}, {"grant_type", "password"}}},
		}},
		{"token68 and bare schemes", []string{"Negotiate abc+/==, NTLM", "Basic realm=\"x\\\"y\""}, []Challenge{
			{Scheme: "Negotiate", Token68: "abc+/=="},
			{Scheme: "NTLM"},
			{Scheme: "Basic", Params: []Param{{"realm", `x"y`}}},
		}},
		{"spaces and empty elements", []string{" ,  Bearer   realm = \"r\" ,, charset=UTF-8 , "}, []Challenge{
			{Scheme: "Bearer", Params: []Param{{"realm", "r"}, {"charset", "UTF-8"}}},
		}},
		{"unquoted href", []string{`MsRtcOAuth href=https://a/b,grant_type="password"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChallenges(tt.values)
			if tt.want == nil {
				// https://a/b is not a token: the unquoted form one
				// document shows is refused, so clients see the problem.
				if err == nil {
					t.Errorf("no error for %q: %+v", tt.values, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`Bearer a="unterminated`, `Bearer a=1 b`, `=x`, strings.Repeat("a", maxChallengeBytes+1)} {
		if _, err := ParseChallenges([]string{bad}); err == nil {
			t.Errorf("no error for %.40q", bad)
		}
	}
	if _, err := ParseChallenges(make([]string, maxChallengeHeaders+1)); err == nil {
		t.Error("no error for too many headers")
	}
}

func TestFindOAuthChallenge(t *testing.T) {
	values := []string{NewBearerChallenge("contoso.com").String(), OAuthChallenge{Href: tokenURL}.String()}
	c, ok := FindOAuthChallenge(values)
	if !ok || c.Href != tokenURL || !reflect.DeepEqual(c.GrantTypes, DefaultGrantTypes) {
		t.Fatalf("%+v, %v", c, ok)
	}
	if _, ok := FindOAuthChallenge(values[:1]); ok {
		t.Error("found an MsRtcOAuth challenge in a Bearer one")
	}
}

func TestCheckChallenges(t *testing.T) {
	good := []string{NewBearerChallenge("contoso.com").String(), OAuthChallenge{Href: tokenURL}.String()}
	if p := CheckChallenges(good); len(p) != 0 {
		t.Fatalf("problems in the server's own challenges: %v", p)
	}
	tests := map[string][]string{
		"no MsRtcOAuth":      {good[0]},
		"no quoted href":     {`MsRtcOAuth href=https://a/WebTicket/oauthtoken,grant_type="password"`},
		"space before comma": {`MsRtcOAuth href="https://a/WebTicket/oauthtoken" ,grant_type="password"`},
		"no password":        {`MsRtcOAuth href="https://a/WebTicket/oauthtoken",grant_type="urn:microsoft.rtc:windows"`},
		"http href":          {`MsRtcOAuth href="http://a/WebTicket/oauthtoken",grant_type="password"`},
		"href in Bearer":     {`Bearer href="x"`, good[1]},
		"URL in Bearer":      {`Bearer authorization_uri="https://login/oauth2/authorize"`, good[1]},
	}
	for name, values := range tests {
		if p := CheckChallenges(values); len(p) == 0 {
			t.Errorf("%s: no problem found in %q", name, values)
		}
	}
}
