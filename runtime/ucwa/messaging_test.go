package ucwa

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// user is one signed-in client: its server, application and channel.
type user struct {
	g     *rig
	token string
	self  string
	next  string
}

func (u *user) events(t testing.TB) (map[string]any, []string) {
	t.Helper()
	w := u.g.do(u.token, http.MethodGet, u.next, "", "")
	m := u.g.expect(w, http.StatusOK)
	u.next = link(t, m, "next")
	return m, senders(t, m)
}

func signIn(t testing.TB, g *rig, token string) *user {
	t.Helper()
	self, m := g.create(token)
	g.expect(g.do(token, http.MethodPost, self+"/me/makeMeAvailable", "application/json", `{"supportedModalities":["Messaging"]}`), http.StatusNoContent)
	u := &user{g: g, token: token, self: self, next: link(t, m, "events")}
	u.events(t)
	return u
}

// findEvent returns the first event with the link rel and type.
func findEvent(t testing.TB, m map[string]any, rel, typ string) map[string]any {
	t.Helper()
	for _, s := range m["sender"].([]any) {
		for _, e := range s.(map[string]any)["events"].([]any) {
			em := e.(map[string]any)
			if em["link"].(map[string]any)["rel"] == rel && em["type"] == typ {
				return em
			}
		}
	}
	t.Fatalf("no %s %s event in %v", rel, typ, m)
	return nil
}

func plainMessage(t testing.TB, ev map[string]any) string {
	t.Helper()
	msg := ev["_embedded"].(map[string]any)["message"].(map[string]any)
	uri := link(t, msg, "plainMessage")
	if !strings.HasPrefix(uri, "data:text/plain;charset=utf-8,") {
		t.Fatalf("plainMessage %q", uri)
	}
	text, err := url.PathUnescape(strings.TrimPrefix(uri, "data:text/plain;charset=utf-8,"))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestMessaging(t *testing.T) {
	hub := NewHub()
	fe1 := newRig(t, func(c *Config) { c.Hub = hub })
	fe2 := newRig(t, func(c *Config) {
		c.Hub = hub
		c.ServerFQDN = "fe2.contoso.local"
		c.Now = fe1.clock.Now
		c.After = fe1.clock.After
	})
	alice, bob := signIn(t, fe1, "cwt=alice"), signIn(t, fe2, "cwt=bob")

	start := `{"to":"sip:bob@contoso.com","operationId":"5f2a","subject":"lunch",
		"_links":{"message":{"href":"data:text/plain;charset=utf-8,Hi+Bob%2C%20lunch%3F"}}}`
	w := fe1.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", start)
	fe1.expect(w, http.StatusCreated)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, alice.self+"/communication/messagingInvitations/") || w.Body.Len() != 0 ||
		w.Header().Get("Content-Length") != "0" {
		t.Fatalf("Location %q, body %q", loc, w.Body.String())
	}
	m, got := alice.events(t)
	if want := []string{"communication messagingInvitation started", "communication conversation added",
		"conversation localParticipant added", "conversation messaging updated"}; !slices.Equal(got, want) {
		t.Fatalf("outgoing events %v, want %v", got, want)
	}
	inv := findEvent(t, m, "messagingInvitation", "started")["_embedded"].(map[string]any)["messagingInvitation"].(map[string]any)
	if inv["direction"] != "Outgoing" || inv["state"] != "Connecting" || inv["operationId"] != "5f2a" {
		t.Errorf("outgoing invitation %v", inv)
	}
	for _, rel := range []string{"from", "to", "cancel", "conversation", "messaging"} {
		link(t, inv, rel)
	}

	m, got = bob.events(t)
	if want := []string{"communication messagingInvitation started", "communication conversation added"}; !slices.Equal(got, want) {
		t.Fatalf("incoming events %v, want %v", got, want)
	}
	in := findEvent(t, m, "messagingInvitation", "started")["_embedded"].(map[string]any)["messagingInvitation"].(map[string]any)
	if in["direction"] != "Incoming" {
		t.Errorf("incoming invitation %v", in)
	}
	if msg := link(t, in, "message"); msg != "data:text/plain;charset=utf-8,Hi%20Bob%2C%20lunch%3F" {
		t.Errorf("first message %q", msg)
	}
	if st := findEvent(t, m, "conversation", "added")["_embedded"].(map[string]any)["conversation"].(map[string]any)["state"]; st != "Incoming" {
		t.Errorf("conversation state %v", st)
	}
	fe2.expect(fe2.do(bob.token, http.MethodPost, link(t, in, "accept")+"?sessionContext=0d4b", "", ""), http.StatusNoContent)
	fe2.expect(fe2.do(bob.token, http.MethodPost, link(t, in, "accept"), "", ""), http.StatusNotFound)

	m, got = bob.events(t)
	if want := []string{"communication messagingInvitation updated", "conversation conversation updated", "conversation participant added",
		"conversation messaging updated", "communication messagingInvitation completed", "conversation message completed"}; !slices.Equal(got, want) {
		t.Fatalf("bob after accept %v, want %v", got, want)
	}
	if upd := findEvent(t, m, "messagingInvitation", "updated")["_embedded"].(map[string]any)["messagingInvitation"].(map[string]any); upd["_links"].(map[string]any)["accept"] != nil {
		t.Error("the updated invitation still offers accept")
	}
	if text := plainMessage(t, findEvent(t, m, "message", "completed")); text != "Hi Bob, lunch?" {
		t.Errorf("first message %q", text)
	}
	bobMessaging := findEvent(t, m, "messaging", "updated")["_embedded"].(map[string]any)["messaging"].(map[string]any)

	m, got = alice.events(t)
	if want := []string{"conversation conversation updated", "conversation participant added", "conversation participantMessaging added",
		"conversation messaging updated", "communication messagingInvitation completed"}; !slices.Equal(got, want) {
		t.Fatalf("alice after accept %v, want %v", got, want)
	}
	done := findEvent(t, m, "messagingInvitation", "completed")
	if done["status"] != "Success" || len(done["_embedded"].(map[string]any)["acceptedByParticipant"].([]any)) != 1 {
		t.Errorf("completed %v", done)
	}
	if in := findEvent(t, m, "participantMessaging", "added")["in"].(map[string]any); in["rel"] != "participant" {
		t.Errorf("participantMessaging in %v", in)
	}
	messaging := findEvent(t, m, "messaging", "updated")["_embedded"].(map[string]any)["messaging"].(map[string]any)
	if messaging["state"] != "Connected" || len(messaging["negotiatedMessageFormats"].([]any)) != 1 {
		t.Errorf("messaging %v", messaging)
	}
	for _, rel := range []string{"stopMessaging", "sendMessage", "setIsTyping", "typingParticipants"} {
		link(t, messaging, rel)
	}
	if c := findEvent(t, m, "conversation", "updated")["_embedded"].(map[string]any)["conversation"].(map[string]any); c["state"] != "Connected" {
		t.Errorf("conversation %v", c)
	}

	// Typing shows on the other side.
	fe2.expect(fe2.do(bob.token, http.MethodPost, link(t, bobMessaging, "setIsTyping"), "", ""), http.StatusNoContent)
	if m, _ := alice.events(t); !strings.Contains(findEventJSON(t, m, "typingParticipants", "updated"), "sip:bob@contoso.com") {
		t.Errorf("alice does not see bob typing: %v", m)
	}
	if m := fe1.expect(fe1.do(alice.token, http.MethodGet, link(t, messaging, "typingParticipants"), "", ""), http.StatusOK); len(m["_embedded"].(map[string]any)["participant"].([]any)) != 1 {
		t.Errorf("typingParticipants %v", m)
	}
	if m := fe1.expect(fe1.do(alice.token, http.MethodGet, alice.self+"/communication/conversations?filter=active", "", ""), http.StatusOK); len(m["_embedded"].(map[string]any)["conversation"].([]any)) != 1 {
		t.Errorf("conversations %v", m)
	}

	// Messages both ways.
	send := func(g *rig, u *user, messaging map[string]any, text string) {
		t.Helper()
		w := g.do(u.token, http.MethodPost, link(t, messaging, "sendMessage")+"?OperationContext=77", "text/plain; charset=utf-8", text)
		g.expect(w, http.StatusCreated)
		if !strings.HasPrefix(w.Header().Get("Location"), link(t, messaging, "sendMessage")+"/") || w.Body.Len() != 0 {
			t.Errorf("sendMessage: Location %q body %q", w.Header().Get("Location"), w.Body.String())
		}
		m, _ := u.events(t)
		ev := findEvent(t, m, "message", "completed")
		if ev["status"] != "Success" || ev["_embedded"].(map[string]any)["message"].(map[string]any)["direction"] != "Outgoing" {
			t.Errorf("sent message event %v", ev)
		}
	}
	send(fe1, alice, messaging, "Yes, at 12 — café?")
	m, _ = bob.events(t)
	ev := findEvent(t, m, "message", "completed")
	if text := plainMessage(t, ev); text != "Yes, at 12 — café?" {
		t.Errorf("bob got %q", text)
	}
	if msg := ev["_embedded"].(map[string]any)["message"].(map[string]any); msg["direction"] != "Incoming" || !strings.HasPrefix(msg["timeStamp"].(string), "/Date(") {
		t.Errorf("incoming message %v", msg)
	}
	send(fe2, bob, bobMessaging, "ok")
	m, _ = alice.events(t)
	if text := plainMessage(t, findEvent(t, m, "message", "completed")); text != "ok" {
		t.Errorf("alice got %q", text)
	}
	fe1.expectError(fe1.do(alice.token, http.MethodPost, link(t, messaging, "sendMessage"), "application/json", `{}`), http.StatusUnsupportedMediaType, "UnsupportedMediaType", "")

	// stopMessaging ends both sides.
	fe1.expect(fe1.do(alice.token, http.MethodPost, link(t, messaging, "stopMessaging"), "", ""), http.StatusNoContent)
	_, got = alice.events(t)
	if want := []string{"conversation messaging updated", "communication conversation deleted"}; !slices.Equal(got, want) {
		t.Errorf("alice after stop %v", got)
	}
	_, got = bob.events(t)
	if want := []string{"conversation participant deleted", "conversation messaging updated", "communication conversation deleted"}; !slices.Equal(got, want) {
		t.Errorf("bob after stop %v", got)
	}
	fe2.expect(fe2.do(bob.token, http.MethodPost, link(t, bobMessaging, "sendMessage"), "text/plain", "late"), http.StatusNotFound)
}

func TestMessagingSignedOut(t *testing.T) {
	hub := NewHub()
	fe1 := newRig(t, func(c *Config) { c.Hub = hub })
	alice := signIn(t, fe1, "cwt=alice")
	bob := signIn(t, fe1, "cwt=bob")
	// Bob signs out (deletes his application); carol never signed in.
	fe1.expect(fe1.do(bob.token, http.MethodDelete, bob.self, "", ""), http.StatusNoContent)
	for _, to := range []string{"bob", "carol"} {
		w := fe1.do(alice.token, http.MethodPost, alice.self+"/communication/startMessaging", "application/json", `{"to":"sip:`+to+`@contoso.com"}`)
		fe1.expect(w, http.StatusCreated)
		m, _ := alice.events(t)
		ev := findEvent(t, m, "messagingInvitation", "completed")
		reason, _ := ev["reason"].(map[string]any)
		if ev["status"] != "Failure" || reason["subcode"] != "TemporarilyUnavailable" {
			t.Errorf("%s: %v", to, ev)
		}
	}
	fe1.expectError(fe1.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", `{"subject":"x"}`),
		http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	fe1.expectError(fe1.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", `{"to":"sip:nobody@contoso.com"}`),
		http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	// Declining.
	carol := signIn(t, fe1, "cwt=carol")
	fe1.expect(fe1.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", `{"to":"sip:carol@contoso.com"}`), http.StatusCreated)
	alice.events(t)
	m, _ := carol.events(t)
	in := findEvent(t, m, "messagingInvitation", "started")["_embedded"].(map[string]any)["messagingInvitation"].(map[string]any)
	fe1.expect(fe1.do(carol.token, http.MethodPost, link(t, in, "decline"), "", ""), http.StatusNoContent)
	m, _ = alice.events(t)
	if ev := findEvent(t, m, "messagingInvitation", "completed"); ev["status"] != "Failure" {
		t.Errorf("declined: %v", ev)
	}
}

func findEventJSON(t testing.TB, m map[string]any, rel, typ string) string {
	t.Helper()
	b, _ := json.Marshal(findEvent(t, m, rel, typ))
	return string(b)
}

// Html goes as text/html only where both sides offered it.
func TestMessagingHTML(t *testing.T) {
	g := newRig(t, nil)
	signInWith := func(token, formats string) *user {
		self, m := g.create(token)
		g.expect(g.do(token, http.MethodPost, self+"/me/makeMeAvailable", "application/json", `{"supportedMessageFormats":`+formats+`}`), http.StatusNoContent)
		u := &user{g: g, token: token, self: self, next: link(t, m, "events")}
		u.events(t)
		return u
	}
	connect := func(from, to *user, toSIP string) (map[string]any, map[string]any) {
		g.expect(g.do(from.token, http.MethodPost, from.self+"/communication/messagingInvitations", "application/json", `{"to":"sip:`+toSIP+`"}`), http.StatusCreated)
		from.events(t)
		m, _ := to.events(t)
		inv := findEvent(t, m, "messagingInvitation", "started")["_embedded"].(map[string]any)["messagingInvitation"].(map[string]any)
		g.expect(g.do(to.token, http.MethodPost, link(t, inv, "accept"), "", ""), http.StatusNoContent)
		m, _ = to.events(t)
		toMsg := findEvent(t, m, "messaging", "updated")["_embedded"].(map[string]any)["messaging"].(map[string]any)
		m, _ = from.events(t)
		return findEvent(t, m, "messaging", "updated")["_embedded"].(map[string]any)["messaging"].(map[string]any), toMsg
	}
	alice, bob := signInWith("cwt=alice", `["Plain","Html"]`), signInWith("cwt=bob", `["Plain","Html"]`)
	am, _ := connect(alice, bob, "bob@contoso.com")
	if f := am["negotiatedMessageFormats"].([]any); len(f) != 2 {
		t.Fatalf("negotiated %v", f)
	}
	g.expect(g.do(alice.token, http.MethodPost, link(t, am, "sendMessage"), "text/html", "<b>hi</b>"), http.StatusCreated)
	alice.events(t)
	m, _ := bob.events(t)
	msg := findEvent(t, m, "message", "completed")["_embedded"].(map[string]any)["message"].(map[string]any)
	if h := link(t, msg, "htmlMessage"); h != "data:text/html;charset=utf-8,%3Cb%3Ehi%3C%2Fb%3E" {
		t.Errorf("htmlMessage %q", h)
	}
	// carol offers Plain only: Html is not negotiated and text/html refused.
	carol := signInWith("cwt=carol", `["Plain"]`)
	am, _ = connect(alice, carol, "carol@contoso.com")
	if f := am["negotiatedMessageFormats"].([]any); len(f) != 1 {
		t.Fatalf("negotiated with carol %v", f)
	}
	g.expectError(g.do(alice.token, http.MethodPost, link(t, am, "sendMessage"), "text/html", "<b>hi</b>"), http.StatusUnsupportedMediaType, "UnsupportedMediaType", "")
}
