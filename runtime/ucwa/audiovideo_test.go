package ucwa

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	avModalities = `{"supportedModalities":["Messaging","Audio","Video"]}`
	callBob      = `{"to":"sip:bob@contoso.com","operationId":"av1","subject":"sync","_links":{"mediaOffer":{"href":"data:application/sdp;base64,dj0w"}}}`
)

func expectEvents(t testing.TB, who string, u *user, want ...string) map[string]any {
	t.Helper()
	m, got := u.events(t)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: events\n%v\nwant\n%v", who, got, want)
	}
	return m
}

func failureReason(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	done := findEvent(t, m, "audioVideoInvitation", "completed")
	reason, _ := done["reason"].(map[string]any)
	if done["status"] != "Failure" || reason == nil {
		t.Fatalf("invitation completed %v, want a failure", done)
	}
	return reason
}

// TestAudioVideoCall: a peer-to-peer call between two Front End
// instances, both sides' events from startAudioVideo to hang-up.
func TestAudioVideoCall(t *testing.T) {
	hub := NewHub()
	fe1 := newRig(t, func(c *Config) { c.Hub = hub })
	fe2 := newRig(t, func(c *Config) {
		c.Hub, c.ServerFQDN, c.Now, c.After = hub, "fe2.contoso.local", fe1.clock.Now, fe1.clock.After
	})
	alice, bob := signInWith(t, fe1, "cwt=alice", avModalities), signInWith(t, fe2, "cwt=bob", avModalities)

	comm := fe1.expect(fe1.do(alice.token, http.MethodGet, alice.self+"/communication", "", ""), http.StatusOK)
	if mods := comm["supportedModalities"].([]any); len(mods) != 3 || mods[1] != "Audio" || mods[2] != "Video" {
		t.Errorf("supportedModalities %v", mods)
	}
	for _, rel := range []string{"startAudio", "startVideo"} {
		link(t, comm, rel)
	}
	w := fe1.do(alice.token, http.MethodPost, link(t, comm, "startAudioVideo"), "application/json", callBob)
	fe1.expect(w, http.StatusCreated)
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, alice.self+"/communication/audioVideoInvitations/") || w.Body.Len() != 0 {
		t.Fatalf("Location %q, body %q", loc, w.Body.String())
	}
	m := expectEvents(t, "alice", alice, "communication audioVideoInvitation started", "communication conversation added",
		"conversation localParticipant added", "conversation audioVideo updated")
	out := eventEmbedded(t, m, "audioVideoInvitation", "started")
	if out["direction"] != "Outgoing" || out["state"] != "Connecting" || out["operationId"] != "av1" || out["to"] != "sip:bob@contoso.com" {
		t.Errorf("outgoing invitation %v", out)
	}
	if av := eventEmbedded(t, m, "audioVideo", "updated"); av["state"] != "Connecting" {
		t.Errorf("audioVideo %v", av)
	}

	m = expectEvents(t, "bob", bob, "communication audioVideoInvitation started", "communication conversation added")
	in := eventEmbedded(t, m, "audioVideoInvitation", "started")
	from := in["_links"].(map[string]any)["from"].(map[string]any)
	if in["direction"] != "Incoming" || in["subject"] != "sync" || from["title"] != "sip:alice@contoso.com" ||
		embedded(t, in, "from")["name"] != "alice" {
		t.Errorf("incoming invitation %v", in)
	}
	if conv := eventEmbedded(t, m, "conversation", "added"); conv["state"] != "Incoming" {
		t.Errorf("bob's conversation %v", conv)
	}
	got := fe2.expect(fe2.do(bob.token, http.MethodGet, link(t, in, "self"), "", ""), http.StatusOK)
	if got["rel"] != "audioVideoInvitation" {
		t.Errorf("GET invitation %v", got)
	}
	link(t, in, "decline")
	fe2.expect(fe2.do(bob.token, http.MethodPost, link(t, in, "accept"), "", ""), http.StatusNoContent)
	fe2.expectError(fe2.do(bob.token, http.MethodPost, link(t, in, "accept"), "", ""), http.StatusNotFound, "NotFound", "")

	m = expectEvents(t, "bob", bob, "communication audioVideoInvitation updated", "conversation conversation updated",
		"conversation participant added", "conversation audioVideo updated", "communication audioVideoInvitation completed")
	if _, ok := eventEmbedded(t, m, "audioVideoInvitation", "updated")["_links"].(map[string]any)["accept"]; ok {
		t.Error("the accepted invitation still has accept")
	}
	if mods := eventEmbedded(t, m, "conversation", "updated")["activeModalities"].([]any); len(mods) != 2 {
		t.Errorf("bob's active modalities %v", mods)
	}
	m = expectEvents(t, "alice", alice, "conversation conversation updated", "conversation participant added",
		"conversation participantAudio added", "conversation participantVideo added", "conversation audioVideo updated",
		"communication audioVideoInvitation completed")
	done := findEvent(t, m, "audioVideoInvitation", "completed")
	if done["status"] != "Success" || done["_embedded"].(map[string]any)["acceptedByParticipant"].([]any)[0].(map[string]any)["uri"] != "sip:bob@contoso.com" {
		t.Errorf("alice's invitation completed %v", done)
	}
	av := eventEmbedded(t, m, "audioVideo", "updated")
	if av["state"] != "Connected" {
		t.Errorf("audioVideo %v", av)
	}
	conv := link(t, av, "conversation")
	if c := fe1.expect(fe1.do(alice.token, http.MethodGet, conv, "", ""), http.StatusOK); c["state"] != "Connected" {
		t.Errorf("conversation %v", c)
	}
	list := fe1.expect(fe1.do(alice.token, http.MethodGet, alice.self+"/communication/conversations", "", ""), http.StatusOK)
	if n := len(list["_embedded"].(map[string]any)["conversation"].([]any)); n != 1 {
		t.Errorf("%d conversations listed", n)
	}

	fe1.expect(fe1.do(alice.token, http.MethodPost, link(t, av, "stopAudioVideo"), "", ""), http.StatusNoContent)
	expectEvents(t, "alice", alice, "conversation audioVideo updated", "communication conversation deleted")
	expectEvents(t, "bob", bob, "conversation participant deleted", "conversation audioVideo updated", "communication conversation deleted")
	fe1.expectError(fe1.do(alice.token, http.MethodGet, conv+"/audioVideo", "", ""), http.StatusNotFound, "NotFound", "")
	if recs := hub.PushRecords(); len(recs) != 0 {
		t.Errorf("push records %+v for applications in the foreground", recs)
	}
}

// TestAudioVideoPolicy: EnableIPAudioVideo = False (carol) removes the
// modalities and the start links, refuses a start with 403 NotAllowed,
// and makes a call to her fail with the remote policy; a callee that did
// not ask for audio fails with ModalityNotSupported.
func TestAudioVideoPolicy(t *testing.T) {
	g := newRig(t, nil)
	carol := signInWith(t, g, "cwt=carol", avModalities)
	comm := g.expect(g.do(carol.token, http.MethodGet, carol.self+"/communication", "", ""), http.StatusOK)
	if mods := comm["supportedModalities"].([]any); len(mods) != 1 {
		t.Errorf("carol's supportedModalities %v", mods)
	}
	for _, rel := range []string{"startAudio", "startVideo", "startAudioVideo"} {
		if _, ok := comm["_links"].(map[string]any)[rel]; ok {
			t.Errorf("carol has %s", rel)
		}
	}
	for _, p := range []string{"startAudio", "startVideo", "startAudioVideo", "audioVideoInvitations"} {
		g.expectError(g.do(carol.token, http.MethodPost, carol.self+"/communication/"+p, "application/json", callBob),
			http.StatusForbidden, "Forbidden", "NotAllowed")
	}
	if p := g.expect(g.do(carol.token, http.MethodGet, carol.self+"/policies", "", ""), http.StatusOK); p["ipAudioMobile"] != "Disabled" || p["audioOnlyOnWifi"] != true {
		t.Errorf("carol's policies %v", p)
	}

	// Before makeMeAvailable there are no start links and a start is refused.
	self, m := g.create("cwt=alice")
	if _, ok := embedded(t, m, "communication")["_links"].(map[string]any)["startAudio"]; ok {
		t.Error("startAudio before makeMeAvailable")
	}
	g.expectError(g.do("cwt=alice", http.MethodPost, self+"/communication/startAudio", "application/json", callBob),
		http.StatusConflict, "Conflict", "MakeMeAvailableRequired")
	g.expect(g.do("cwt=alice", http.MethodDelete, self, "", ""), http.StatusNoContent)

	alice := signInWith(t, g, "cwt=alice", avModalities)
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/startAudio", "application/json", `{"to":"sip:carol@contoso.com"}`), http.StatusCreated)
	m = expectEvents(t, "alice", alice, "communication audioVideoInvitation started", "communication conversation added",
		"conversation localParticipant added", "conversation audioVideo updated", "conversation audioVideo updated",
		"communication audioVideoInvitation completed", "communication conversation deleted")
	if r := failureReason(t, m); r["code"] != "Forbidden" || r["subcode"] != "NotAllowed" || !strings.Contains(r["message"].(string), "tag:NoVoIP") {
		t.Errorf("call to carol: %v", r)
	}

	signInWith(t, g, "cwt=bob", `{"supportedModalities":["Messaging"]}`)
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/startVideo", "application/json", callBob), http.StatusCreated)
	m, _ = alice.events(t)
	if r := failureReason(t, m); r["code"] != "Forbidden" || r["subcode"] != "ModalityNotSupported" {
		t.Errorf("call to bob without audio: %v", r)
	}
	for body, field := range map[string]string{`{"to":"sip:nobody@contoso.com"}`: "to", `{"to":"sip:alice@contoso.com"}`: "to",
		`{"to":"sip:bob@contoso.com","importance":"Loud"}`: "importance", `{"to":"sip:bob@contoso.com","sessionContext":"` + strings.Repeat("x", 51) + `"}`: "sessionContext"} {
		w := g.do(alice.token, http.MethodPost, alice.self+"/communication/startAudio", "application/json", body)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), field) {
			t.Errorf("%s: %d %s", body, w.Code, w.Body.String())
		}
	}
}

// TestAudioVideoDeclineAndCancel: a declined call fails as Declined for
// the caller; a call the caller gives up on while it rings is a missed
// call for the callee.
func TestAudioVideoDeclineAndCancel(t *testing.T) {
	g := newRig(t, nil)
	alice, bob := signInWith(t, g, "cwt=alice", avModalities), signInWith(t, g, "cwt=bob", avModalities)

	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/startAudio", "application/json", callBob), http.StatusCreated)
	alice.events(t)
	m, _ := bob.events(t)
	in := eventEmbedded(t, m, "audioVideoInvitation", "started")
	g.expect(g.do(bob.token, http.MethodPost, link(t, in, "decline"), "application/json", `{"reason":"Local"}`), http.StatusNoContent)
	m = expectEvents(t, "bob", bob, "conversation audioVideo updated", "communication audioVideoInvitation completed", "communication conversation deleted")
	if r := failureReason(t, m); r["subcode"] != "Declined" {
		t.Errorf("bob's side %v", r)
	}
	m = expectEvents(t, "alice", alice, "conversation audioVideo updated", "communication audioVideoInvitation completed", "communication conversation deleted")
	if r := failureReason(t, m); r["code"] != "Forbidden" || r["subcode"] != "Declined" {
		t.Errorf("alice's side %v", r)
	}

	w := g.do(alice.token, http.MethodPost, alice.self+"/communication/startAudio", "application/json", callBob)
	g.expect(w, http.StatusCreated)
	inv := g.expect(g.do(alice.token, http.MethodGet, w.Header().Get("Location"), "", ""), http.StatusOK)
	alice.events(t)
	bob.events(t)
	g.expect(g.do(alice.token, http.MethodPost, link(t, inv, "cancel"), "", ""), http.StatusNoContent)
	m = expectEvents(t, "alice", alice, "conversation audioVideo updated", "communication audioVideoInvitation completed", "communication conversation deleted")
	if r := failureReason(t, m); r["subcode"] != "Cancelled" {
		t.Errorf("alice's cancelled call %v", r)
	}
	m = expectEvents(t, "bob", bob, "communication missedItems updated", "conversation audioVideo updated",
		"communication audioVideoInvitation completed", "communication conversation deleted")
	if r := failureReason(t, m); r["subcode"] != "Missed" {
		t.Errorf("bob's missed call %v", r)
	}
	if items := g.expect(g.do(bob.token, http.MethodGet, bob.self+"/communication/missedItems", "", ""), http.StatusOK); items["missedConversationsCount"] != 1.0 {
		t.Errorf("missedItems %v", items)
	}
	g.expectError(g.do(alice.token, http.MethodPost, link(t, inv, "cancel"), "", ""), http.StatusNotFound, "NotFound", "")
}

// TestAudioVideoBackground: a call to an application with no P-GET
// parked is pushed where the plan has a push path (and rings when the
// application returns); without one it is missed: the caller's call
// times out naming the missing part, and the callee finds a missed call.
func TestAudioVideoBackground(t *testing.T) {
	g := newRig(t, func(c *Config) { c.Push = labPush })
	alice, bob := signInWith(t, g, "cwt=alice", avModalities), signInWith(t, g, "cwt=bob", avModalities)
	g.clock.Advance(DefaultBackgroundAfter)
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/startAudioVideo", "application/json", callBob), http.StatusCreated)
	recs := g.s.hub.PushRecords()
	if len(recs) != 1 || recs[0].Kind != "audioVideoInvitation" || recs[0].To != "sip:bob@contoso.com" || recs[0].From != "sip:alice@contoso.com" ||
		!slices.Equal(recs[0].Route, []string{"fe1.contoso.local", "sip.contoso.com", "sipfed.online.lync.com", PushTarget}) {
		t.Fatalf("push records %+v", recs)
	}
	m := expectEvents(t, "bob", bob, "communication audioVideoInvitation started", "communication conversation added")
	g.expect(g.do(bob.token, http.MethodPost, link(t, eventEmbedded(t, m, "audioVideoInvitation", "started"), "accept"), "", ""), http.StatusNoContent)
	m, _ = alice.events(t)
	if done := findEvent(t, m, "audioVideoInvitation", "completed"); done["status"] != "Success" {
		t.Errorf("pushed call %v", done)
	}

	g = newRig(t, func(c *Config) {
		c.Push = labPush
		c.Push.Missing = "PUSH-001: no Edge pool with federation enabled carries the notifications"
	})
	alice, bob = signInWith(t, g, "cwt=alice", avModalities), signInWith(t, g, "cwt=bob", avModalities)
	g.clock.Advance(DefaultBackgroundAfter + time.Second)
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/startAudio", "application/json", callBob), http.StatusCreated)
	if recs := g.s.hub.PushRecords(); len(recs) != 0 {
		t.Fatalf("push records %+v without a push path", recs)
	}
	m, _ = alice.events(t)
	if r := failureReason(t, m); r["code"] != "Timeout" || r["subcode"] != "Missed" || !strings.Contains(r["message"].(string), "PUSH-001") {
		t.Errorf("missed call %v", r)
	}
	m = expectEvents(t, "bob", bob, "communication missedItems updated")
	if ev := eventEmbedded(t, m, "missedItems", "updated"); ev["missedConversationsCount"] != 1.0 || ev["unreadMissedConversationsCount"] != 1.0 {
		t.Errorf("missedItems %v", ev)
	}
}

// TestAudioVideoRingTimeout: a call nobody answers within RingTimeout
// fails for the caller (Timeout, Missed) and is a missed call for the
// callee.
func TestAudioVideoRingTimeout(t *testing.T) {
	g := newRig(t, nil)
	alice, bob := signInWith(t, g, "cwt=alice", avModalities), signInWith(t, g, "cwt=bob", avModalities)
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/startAudio", "application/json", callBob), http.StatusCreated)
	alice.events(t)
	bob.events(t)
	g.clock.waitTimers(t, 1) // the ring timer
	parked, cancel := g.pget(alice.token, alice.next)
	defer cancel()
	g.clock.waitTimers(t, 2)
	g.clock.Advance(DefaultRingTimeout)
	w := recv(t, parked)
	m := g.expect(w, http.StatusOK)
	alice.next = link(t, m, "next")
	if got, want := senders(t, m), []string{"conversation audioVideo updated", "communication audioVideoInvitation completed",
		"communication conversation deleted"}; !slices.Equal(got, want) {
		t.Fatalf("alice: %v, want %v", got, want)
	}
	if r := failureReason(t, m); r["code"] != "Timeout" || r["subcode"] != "Missed" {
		t.Errorf("alice's call %v", r)
	}
	m = expectEvents(t, "bob", bob, "communication missedItems updated", "conversation audioVideo updated",
		"communication audioVideoInvitation completed", "communication conversation deleted")
	if r := failureReason(t, m); r["subcode"] != "Missed" {
		t.Errorf("bob's side %v", r)
	}
}
