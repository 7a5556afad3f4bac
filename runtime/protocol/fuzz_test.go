package protocol

import "testing"

// FuzzDecode feeds every decoder arbitrary bytes: none may panic, and what
// decodes must encode again.
func FuzzDecode(f *testing.F) {
	for r := VndXML; r <= UCWAXML; r++ {
		for _, d := range []*Document{sampleRoot(), sampleUser(), NewRedirect(KindUser, LocationExternal, "https://x")} {
			b, _ := d.Encode(r)
			f.Add(uint8(r), b)
		}
	}
	f.Add(uint8(VndJSON), []byte(`{"root":{"links":{"token":"user","href":"h"}}}`))
	f.Fuzz(func(t *testing.T, r uint8, body []byte) {
		rep := Representation(r%4) + VndXML
		d, err := Decode(rep, body)
		if err != nil {
			return
		}
		if len(d.Links) > MaxLinks {
			t.Fatalf("%d links", len(d.Links))
		}
		for out := VndXML; out <= UCWAXML; out++ {
			if _, err := d.Encode(out); err != nil {
				t.Fatalf("decoded %v does not encode as %v: %v", rep, out, err)
			}
		}
		_, _ = DecodeError(body)
		_, _ = DecodeTokenResponse(body)
		_, _ = DecodeTokenError(body)
		_, _ = ParseIssueRequest(body)
		_, _ = ParseRSTR(body)
		_, _ = ParseFault(body)
		_, _ = ParseMEX(body)
		_, _ = AssertionID(body)
	})
}

// FuzzParseHeaders feeds the header parsers arbitrary values.
func FuzzParseHeaders(f *testing.F) {
	f.Add(OAuthChallenge{Href: "https://a/WebTicket/oauthtoken"}.String())
	f.Add(NewBearerChallenge("contoso.com").String())
	f.Add(`Negotiate abc==, Basic realm="x"`)
	f.Add(Diagnostics{ID: 28020, Source: "fe", Reason: "r"}.String())
	f.Add("opaque=PHNhbWw6QXNzZXJ0aW9uLz4=")
	f.Add("application/json;q=0, application/xml")
	f.Fuzz(func(t *testing.T, v string) {
		_, _ = ParseChallenges([]string{v, v})
		_, _ = FindOAuthChallenge([]string{v})
		_ = CheckChallenges([]string{v})
		_, _ = ParseDiagnostics(v)
		_, _ = ParseWebTicket(v)
		_ = BearerToken(v)
		if r := Negotiate(v, v, UCWAJSON); !r.Valid() {
			t.Fatalf("Negotiate(%q) = %v", v, r)
		}
		_, _ = RepresentationOf(v)
	})
}
