package ucwa

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

// signInWith signs in with a makeMeAvailable body of one's own.
func signInWith(t testing.TB, g *rig, token, body string) *user {
	t.Helper()
	self, m := g.create(token)
	g.expect(g.do(token, http.MethodPost, self+"/me/makeMeAvailable", "application/json", body), http.StatusNoContent)
	u := &user{g: g, token: token, self: self, next: link(t, m, "events")}
	u.events(t)
	return u
}

// withVoice sets users' Enterprise Voice and voice policies.
func withVoice(c *Config, f func(u *plan.User)) {
	users := slices.Clone(c.Directory.Users)
	for i := range users {
		f(&users[i])
	}
	c.Directory.Users = users
}

func eventEmbedded(t testing.TB, m map[string]any, rel, typ string) map[string]any {
	t.Helper()
	return findEvent(t, m, rel, typ)["_embedded"].(map[string]any)[rel].(map[string]any)
}

func TestOnlineMeetings(t *testing.T) {
	hub := NewHub()
	fe1 := newRig(t, func(c *Config) { c.Hub = hub })
	fe2 := newRig(t, func(c *Config) {
		c.Hub, c.ServerFQDN, c.Now, c.After = hub, "fe2.contoso.local", fe1.clock.Now, fe1.clock.After
	})
	alice, bob := signIn(t, fe1, "cwt=alice"), signIn(t, fe2, "cwt=bob")
	mine := alice.self + "/onlineMeetings/myOnlineMeetings"
	body := `{"attendanceAnnouncementsStatus":"Disabled","description":"plans","subject":"holiday party",
		"attendees":["sip:bob@contoso.com"],"leaders":[]}`
	w := fe1.do(alice.token, http.MethodPost, mine, "application/json", body)
	mt := fe1.expect(w, http.StatusOK)
	id, _ := mt["onlineMeetingId"].(string)
	if id == "" || mt["joinUrl"] != "https://meet.contoso.com/alice/"+id || mt["organizerUri"] != "sip:alice@contoso.com" ||
		mt["onlineMeetingUri"] != "sip:alice@contoso.com;gruu;opaque=app:conf:focus:id:"+id || mt["rel"] != "myOnlineMeeting" ||
		mt["accessLevel"] != "SameEnterprise" || mt["subject"] != "holiday party" || mt["entryExitAnnouncement"] != "Disabled" {
		t.Fatalf("meeting %v", mt)
	}
	if mt["expirationTime"] != ajaxDate(fe1.clock.Now().Add(defaultMeetingLife)) || w.Header().Get("ETag") != `"`+mt["etag"].(string)+`"` {
		t.Errorf("expiration %v, ETag %q", mt["expirationTime"], w.Header().Get("ETag"))
	}
	self := link(t, mt, "self")
	list := fe1.expect(fe1.do(alice.token, http.MethodGet, mine, "", ""), http.StatusOK)
	e := list["_embedded"].(map[string]any)
	if l := e["myOnlineMeeting"].([]any); len(l) != 1 || l[0].(map[string]any)["onlineMeetingId"] != id || list["rel"] != "myOnlineMeetings" {
		t.Errorf("list %v", list)
	}
	if l, ok := e["myAssignedOnlineMeeting"].([]any); !ok || len(l) != 0 {
		t.Errorf("myAssignedOnlineMeeting %v", e["myAssignedOnlineMeeting"])
	}
	fe1.expect(fe1.do(alice.token, http.MethodGet, self, "", ""), http.StatusOK)
	// Only the organizer sees it among its meetings.
	fe2.expectError(fe2.do(bob.token, http.MethodGet, bob.self+"/onlineMeetings/myOnlineMeetings/"+id, "", ""), http.StatusNotFound, "NotFound", "")
	for _, bad := range []string{`{"attendees":["bob@contoso.com"]}`, `{"accessLevel":"Public"}`, `{"expirationTime":"/Date(9999999999999)/"}`,
		`{"expirationTime":"/Date(1600000000000)/"}`,                              // in the past
		`{"expirationTime":"` + ajaxDate(fe1.clock.Now().AddDate(1, 0, 1)) + `"}`, // more than a year ahead
		`{"subject":"` + strings.Repeat("s", 251) + `"}`, `{"leaders":"sip:bob@contoso.com"}`} {
		fe1.expectError(fe1.do(alice.token, http.MethodPost, mine, "application/json", bad), http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	}

	// Click to Join: bob, on the other instance, joins with the joinUrl.
	comm := embedded(t, fe2.expect(fe2.do(bob.token, http.MethodGet, bob.self, "", ""), http.StatusOK), "communication")
	w = fe2.do(bob.token, http.MethodPost, link(t, comm, "joinOnlineMeeting"), "application/json",
		`{"onlineMeetingUri":"`+mt["joinUrl"].(string)+`","operationId":"op1"}`)
	fe2.expect(w, http.StatusCreated)
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, bob.self+"/communication/onlineMeetingInvitations/") || w.Body.Len() != 0 {
		t.Fatalf("Location %q body %q", loc, w.Body.String())
	}
	m, got := bob.events(t)
	if want := []string{"communication onlineMeetingInvitation started", "communication conversation added", "conversation localParticipant added",
		"conversation onlineMeeting added", "conversation conversation updated", "communication onlineMeetingInvitation completed"}; !slices.Equal(got, want) {
		t.Fatalf("join events %v, want %v", got, want)
	}
	inv := eventEmbedded(t, m, "onlineMeetingInvitation", "started")
	if inv["direction"] != "Outgoing" || inv["state"] != "Connecting" || inv["operationId"] != "op1" || inv["onlineMeetingUri"] != mt["onlineMeetingUri"] ||
		inv["subject"] != "holiday party" {
		t.Errorf("invitation %v", inv)
	}
	if st := findEvent(t, m, "onlineMeetingInvitation", "completed")["status"]; st != "Success" {
		t.Errorf("completed %v", st)
	}
	if om := eventEmbedded(t, m, "onlineMeeting", "added"); om["joinUrl"] != mt["joinUrl"] || om["organizerUri"] != "sip:alice@contoso.com" {
		t.Errorf("onlineMeeting %v", om)
	}
	if r := fe2.expect(fe2.do(bob.token, http.MethodGet, loc, "", ""), http.StatusOK); r["state"] != "Connected" || r["rel"] != "onlineMeetingInvitation" {
		t.Errorf("invitation %v", r)
	}
	conv := link(t, inv, "conversation")
	if r := fe2.expect(fe2.do(bob.token, http.MethodGet, conv, "", ""), http.StatusOK); r["state"] != "Connected" {
		t.Errorf("conversation %v", r)
	}
	fe2.expect(fe2.do(bob.token, http.MethodGet, conv+"/onlineMeeting", "", ""), http.StatusOK)
	cl := fe2.expect(fe2.do(bob.token, http.MethodGet, bob.self+"/communication/conversations", "", ""), http.StatusOK)
	if n := len(cl["_embedded"].(map[string]any)["conversation"].([]any)); n != 1 {
		t.Errorf("%d conversations", n)
	}
	fe2.expect(fe2.do(bob.token, http.MethodDelete, conv, "", ""), http.StatusNoContent)
	if _, got = bob.events(t); !slices.Equal(got, []string{"communication conversation deleted"}) {
		t.Errorf("leave events %v", got)
	}
	fe2.expectError(fe2.do(bob.token, http.MethodGet, conv, "", ""), http.StatusNotFound, "NotFound", "")
	// By the meeting URI too; an unknown meeting is refused at once.
	fe2.expect(fe2.do(bob.token, http.MethodPost, bob.self+"/communication/joinOnlineMeeting", "application/json",
		`{"onlineMeetingUri":"`+mt["onlineMeetingUri"].(string)+`"}`), http.StatusCreated)
	bob.events(t)
	fe2.expectError(fe2.do(bob.token, http.MethodPost, link(t, comm, "joinOnlineMeeting"), "application/json",
		`{"onlineMeetingUri":"https://meet.contoso.com/alice/nosuch"}`), http.StatusNotFound, "NotFound", "DestinationNotFound")
	fe2.expectError(fe2.do(bob.token, http.MethodPost, link(t, comm, "joinOnlineMeeting"), "application/json", `{}`),
		http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	// Deleted, it can no longer be joined.
	fe1.expect(fe1.do(alice.token, http.MethodDelete, self, "", ""), http.StatusNoContent)
	fe1.expectError(fe1.do(alice.token, http.MethodGet, self, "", ""), http.StatusNotFound, "NotFound", "")
	fe2.expectError(fe2.do(bob.token, http.MethodPost, link(t, comm, "joinOnlineMeeting"), "application/json",
		`{"onlineMeetingUri":"`+mt["joinUrl"].(string)+`"}`), http.StatusNotFound, "NotFound", "DestinationNotFound")

	// startOnlineMeeting: an ad hoc meeting of one's own, not on the list.
	w = fe1.do(alice.token, http.MethodPost, link(t, embedded(t, fe1.expect(fe1.do(alice.token, http.MethodGet, alice.self, "", ""), http.StatusOK),
		"communication"), "startOnlineMeeting"), "application/json", `{"subject":"quick","importance":"urgent"}`)
	fe1.expect(w, http.StatusCreated)
	m, _ = alice.events(t)
	if inv := eventEmbedded(t, m, "onlineMeetingInvitation", "started"); inv["subject"] != "quick" || inv["importance"] != "Urgent" ||
		!strings.Contains(inv["onlineMeetingUri"].(string), "sip:alice@contoso.com;gruu;opaque=app:conf:focus:id:") {
		t.Errorf("ad hoc invitation %v", inv)
	}
	if l := fe1.expect(fe1.do(alice.token, http.MethodGet, mine, "", ""), http.StatusOK)["_embedded"].(map[string]any)["myOnlineMeeting"].([]any); len(l) != 0 {
		t.Errorf("ad hoc meeting listed: %v", l)
	}
	// The bound on meetings per organizer (the ad hoc one counts).
	for i := range maxMeetingsPerUser {
		w := fe1.do(alice.token, http.MethodPost, mine, "application/json", `{}`)
		if i < maxMeetingsPerUser-1 {
			fe1.expect(w, http.StatusOK)
		} else {
			fe1.expectError(w, http.StatusConflict, "Conflict", "TooManyOnlineMeetings")
		}
	}
}

// TestClickToJoinDialOut: joining with phone audio makes the conference
// call back, which needs a PSTN usage with a route (POL-004).
func TestClickToJoinDialOut(t *testing.T) {
	g := newRig(t, func(c *Config) {
		withVoice(c, func(u *plan.User) {
			if u.SIP == "bob@contoso.com" {
				u.VoicePolicy, u.Voice = "MobileClickToJoin", plan.VoicePolicy{PSTNUsages: []string{"ConfDialOut"}, RoutedUsages: []string{"ConfDialOut"}}
			}
		})
	})
	alice := signIn(t, g, "cwt=alice")
	mt := g.expect(g.do(alice.token, http.MethodPost, alice.self+"/onlineMeetings/myOnlineMeetings", "application/json", `{"subject":"s"}`), http.StatusOK)
	join := `{"onlineMeetingUri":"` + mt["joinUrl"].(string) + `"}`
	phone := `{"supportedModalities":["Messaging"],"audioPreference":"PhoneAudio","phoneNumber":"+1 (425) 555-0100"}`

	carol := signInWith(t, g, "cwt=carol", phone)
	g.expect(g.do(carol.token, http.MethodPost, carol.self+"/communication/onlineMeetingInvitations", "application/json", join), http.StatusCreated)
	m, got := carol.events(t)
	if want := []string{"communication onlineMeetingInvitation started", "communication conversation added", "conversation localParticipant added",
		"conversation phoneAudio updated", "communication onlineMeetingInvitation completed", "communication conversation deleted"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	done := findEvent(t, m, "onlineMeetingInvitation", "completed")
	reason, _ := done["reason"].(map[string]any)
	if done["status"] != "Failure" || reason["subcode"] != "DialoutNotAllowed" || !strings.Contains(reason["message"].(string), "POL-004") {
		t.Errorf("completed %v", done)
	}

	bob := signInWith(t, g, "cwt=bob", phone)
	g.expect(g.do(bob.token, http.MethodPost, bob.self+"/communication/onlineMeetingInvitations", "application/json", join), http.StatusCreated)
	m, got = bob.events(t)
	if want := []string{"communication onlineMeetingInvitation started", "communication conversation added", "conversation localParticipant added",
		"conversation onlineMeeting added", "conversation conversation updated", "conversation phoneAudio updated",
		"communication onlineMeetingInvitation completed"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if pa := eventEmbedded(t, m, "phoneAudio", "updated"); pa["state"] != "Connected" || pa["phoneNumber"] != "tel:+14255550100" {
		t.Errorf("phoneAudio %v", pa)
	}
	if c := eventEmbedded(t, m, "conversation", "updated"); !slices.Equal(c["activeModalities"].([]any), []any{"PhoneAudio"}) {
		t.Errorf("conversation %v", c)
	}

	// makeMeAvailable checks what it is given.
	for i, tc := range [][2]string{{`{"audioPreference":"Pigeon"}`, "ParameterValidationFailure"}, {`{"phoneNumber":"call me"}`, "NormalizationFailed"},
		{`{"phoneNumber":"12"}`, "NormalizationFailed"}} {
		s2, _ := g.create2("cwt=alice", strings.Replace(appBody, "a917", "e91"+string(rune('0'+i)), 1))
		g.expectError(g.do("cwt=alice", http.MethodPost, s2+"/me/makeMeAvailable", "application/json", tc[0]), http.StatusBadRequest, "BadRequest", tc[1])
	}
}

// TestRefusedAdHocJoinMakesNoMeeting: an ad hoc meeting counts toward the
// organizer's and the hub's limits, so a join refused anyway (no
// makeMeAvailable) must not leave one behind.
func TestRefusedAdHocJoinMakesNoMeeting(t *testing.T) {
	g := newRig(t, nil)
	self, _ := g.create("cwt=alice")
	for range 3 {
		g.expectError(g.do("cwt=alice", http.MethodPost, self+"/communication/startOnlineMeeting", "application/json", `{"subject":"x"}`),
			http.StatusConflict, "Conflict", subMakeMeAvailableRequired)
	}
	g.s.hub.mu.Lock()
	n := len(g.s.hub.meetings)
	g.s.hub.mu.Unlock()
	if n != 0 {
		t.Errorf("%d meetings left by refused joins", n)
	}
}
