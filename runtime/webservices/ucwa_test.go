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

// TestUCWAMessagingAcrossFrontEnds: alice signs in at fe01 and bob at
// fe02 with the pool's token endpoint; each Front End has its own UCWA
// state and they share the pool's hub, so a message from alice reaches
// bob and his answer comes back.
func TestUCWAMessagingAcrossFrontEnds(t *testing.T) {
	l := newLab(t, "contoso")
	hub := ucwa.NewHub()
	front := func(server string) *Handler {
		cfg := l.config(server, External, "https")
		ucfg, err := ucwa.FromPlan(l.plan, server)
		if err != nil {
			t.Fatal(err)
		}
		ucfg.Tokens, ucfg.Now, ucfg.Hub = cfg.Tokens, l.clock.Now, hub
		if cfg.UCWA, err = ucwa.New(ucfg); err != nil {
			t.Fatal(err)
		}
		return l.handlerOf(cfg)
	}
	fe1, fe2 := front(fe01), front("fe02.contoso.net")
	const web = "https://webext.contoso.com"
	type client struct {
		h     *Handler
		tok   string
		links map[string]string
		next  string
	}
	call := func(c *client, method, path, ct, body string, want int) (*http.Response, map[string]any) {
		t.Helper()
		resp := do(c.h, method, web+path, hdr("Authorization", "Bearer "+c.tok, "Content-Type", ct), strings.NewReader(body))
		b := readBody(t, resp)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
		}
		var m map[string]any
		if len(b) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
		}
		return resp, m
	}
	href := func(m map[string]any, rel string) string {
		l, _ := m["_links"].(map[string]any)[rel].(map[string]any)
		h, _ := l["href"].(string)
		if h == "" {
			t.Fatalf("no %s link in %v", rel, m)
		}
		return h
	}
	// events returns the events' embedded resources by link rel.
	events := func(c *client) map[string]map[string]any {
		t.Helper()
		_, m := call(c, http.MethodGet, c.next, "", "", http.StatusOK)
		c.next = href(m, "next")
		out := map[string]map[string]any{}
		for _, s := range m["sender"].([]any) {
			for _, e := range s.(map[string]any)["events"].([]any) {
				em := e.(map[string]any)
				key := em["link"].(map[string]any)["rel"].(string) + " " + em["type"].(string)
				emb, _ := em["_embedded"].(map[string]any)
				r, _ := emb[em["link"].(map[string]any)["rel"].(string)].(map[string]any)
				if r == nil {
					r = map[string]any{}
				}
				out[key] = r
			}
		}
		return out
	}
	signIn := func(h *Handler, sip string) *client {
		c := &client{h: h, tok: token(t, h, sip, labPassword)}
		_, m := call(c, http.MethodPost, "/ucwa/oauth/v1/applications", "application/json",
			`{"UserAgent":"t","EndpointId":"`+sip+`","Culture":"en-US"}`, http.StatusCreated)
		me := m["_embedded"].(map[string]any)["me"].(map[string]any)
		comm := m["_embedded"].(map[string]any)["communication"].(map[string]any)
		call(c, http.MethodPost, href(me, "makeMeAvailable"), "application/json", `{}`, http.StatusNoContent)
		c.links = map[string]string{"startMessaging": href(comm, "startMessaging")}
		c.next = href(m, "events")
		events(c)
		return c
	}
	alice, bob := signIn(fe1, "alice@contoso.com"), signIn(fe2, "bob@fabrikam.com")
	resp, _ := call(alice, http.MethodPost, alice.links["startMessaging"], "application/json",
		`{"to":"sip:bob@fabrikam.com","_links":{"message":{"href":"data:text/plain;charset=utf-8,hello+bob"}}}`, http.StatusCreated)
	if resp.Header.Get("X-MS-Server-Fqdn") != fe01 {
		t.Errorf("alice served by %s", resp.Header.Get("X-MS-Server-Fqdn"))
	}
	events(alice)
	inv := events(bob)["messagingInvitation started"]
	if href(inv, "message") != "data:text/plain;charset=utf-8,hello%20bob" {
		t.Errorf("first message %q", href(inv, "message"))
	}
	call(bob, http.MethodPost, href(inv, "accept"), "", "", http.StatusNoContent)
	bobMessaging := events(bob)["messaging updated"]
	aliceMessaging := events(alice)["messaging updated"]
	call(bob, http.MethodPost, href(bobMessaging, "sendMessage"), "text/plain", "hi alice", http.StatusCreated)
	events(bob)
	got := events(alice)["message completed"]
	if m, _ := got["_links"].(map[string]any); m == nil || href(got, "plainMessage") != "data:text/plain;charset=utf-8,hi%20alice" {
		t.Errorf("alice got %v", got)
	}
	call(alice, http.MethodPost, href(aliceMessaging, "stopMessaging"), "", "", http.StatusNoContent)
	if _, ok := events(bob)["conversation deleted"]; !ok {
		t.Error("bob's side of the conversation did not end")
	}
}
