package webservices

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/runtime/ucwa"
)

func TestTokenStoreUser(t *testing.T) {
	s := NewTokenStore(0)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tok, _, err := s.issue(kindOAuth, "alice@contoso.com", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ticket, _, err := s.issue(kindWebTicket, "bob@contoso.com", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tok, want string
		at        time.Time
	}{
		{tok, "alice@contoso.com", now}, {ticket, "bob@contoso.com", now},
		{tok, "", now.Add(time.Hour)}, {"", "", now}, {"cwt=nosuchtoken", "", now},
		{strings.TrimPrefix(tok, "cwt="), "", now}, // a token is not a ticket
	} {
		if got, ok := s.User(tc.tok, tc.at); got != tc.want || ok != (tc.want != "") {
			t.Errorf("User(%q) = %q, %v; want %q", tc.tok, got, ok, tc.want)
		}
	}
}

// TestUCWAMounted: the web services hand /ucwa/ to the Front End's UCWA
// handler, which takes the pool's tokens; without one, 404 as before.
func TestUCWAMounted(t *testing.T) {
	l := newLab(t, "contoso")
	cfg := l.config(fe01, External, "https")
	ucfg, err := ucwa.FromPlan(l.plan, fe01)
	if err != nil {
		t.Fatal(err)
	}
	ucfg.Tokens = cfg.Tokens
	ucfg.Now = l.clock.Now
	u, err := ucwa.New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	plain := l.handlerOf(cfg)
	cfg.UCWA = u
	h := l.handlerOf(cfg)
	tok := token(t, h, "alice@contoso.com", labPassword)
	body := `{"userAgent":"t","endpointId":"e","culture":"en-US"}`
	const apps = "https://webext.contoso.com//ucwa/oauth/v1/applications"
	if resp := do(plain, http.MethodPost, apps, hdr("Authorization", "Bearer "+tok, "Content-Type", "application/json"), strings.NewReader(body)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("without UCWA: %d", resp.StatusCode)
	}
	resp := do(h, http.MethodPost, apps, hdr("Authorization", "Bearer "+tok, "Content-Type", "application/json"), strings.NewReader(body))
	b := readBody(t, resp)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get(ucwa.VersionHeader) == "" || resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
	}
	var m struct {
		Embedded struct {
			Me struct{ URI string } `json:"me"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Embedded.Me.URI != "sip:alice@contoso.com" {
		t.Errorf("me %+v %v", m, err)
	}
	resp = do(h, http.MethodPost, apps, hdr("Content-Type", "application/json"), strings.NewReader(body))
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Header.Values("WWW-Authenticate")) != 2 {
		t.Errorf("no token: %d %v", resp.StatusCode, resp.Header)
	}
}
