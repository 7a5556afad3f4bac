package ucwa

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mobplan/mobplan/planner/plan"
)

// TestCallViaWork: startPhoneAudio as the effective mobility policy and
// the voice settings allow. Alice has Enterprise Voice and a voice policy
// with simultaneous ring and a route; bob has no Enterprise Voice (POL-003);
// carol's policy has EnableOutsideVoice = False.
func TestCallViaWork(t *testing.T) {
	g := newRig(t, func(c *Config) {
		withVoice(c, func(u *plan.User) {
			switch u.SIP {
			case "alice@contoso.com":
				u.EnterpriseVoice, u.VoicePolicy = true, "global"
				u.Voice = plan.VoicePolicy{AllowSimulRing: true, PSTNUsages: []string{"Local"}, RoutedUsages: []string{"Local"}}
			case "carol@contoso.com":
				u.Mobility.EnableOutsideVoice = false
			}
		})
	})
	// Before makeMeAvailable there is no startPhoneAudio link, and a
	// request is refused.
	self, m := g.create("cwt=alice")
	if _, ok := embedded(t, m, "communication")["_links"].(map[string]any)["startPhoneAudio"]; ok {
		t.Error("startPhoneAudio before makeMeAvailable")
	}
	g.expectError(g.do("cwt=alice", http.MethodPost, self+"/communication/phoneAudioInvitations", "application/json", `{"to":"sip:bob@contoso.com"}`),
		http.StatusConflict, "Conflict", "MakeMeAvailableRequired")
	g.expect(g.do("cwt=alice", http.MethodDelete, self, "", ""), http.StatusNoContent)

	alice := signInWith(t, g, "cwt=alice", `{"phoneNumber":"+1 (425) 555-0100"}`)
	comm := g.expect(g.do(alice.token, http.MethodGet, alice.self+"/communication", "", ""), http.StatusOK)
	start := link(t, comm, "startPhoneAudio")
	w := g.do(alice.token, http.MethodPost, start, "application/json", `{"to":"sip:bob@contoso.com","operationId":"cvw1","subject":"call"}`)
	g.expect(w, http.StatusCreated)
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, alice.self+"/communication/phoneAudioInvitations/") || w.Body.Len() != 0 {
		t.Fatalf("Location %q, body %q", loc, w.Body.String())
	}
	m, got := alice.events(t)
	if want := []string{"communication phoneAudioInvitation started", "communication conversation added", "conversation localParticipant added",
		"conversation phoneAudio updated", "conversation conversation updated", "conversation participant added", "conversation phoneAudio updated",
		"communication phoneAudioInvitation completed"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	inv := eventEmbedded(t, m, "phoneAudioInvitation", "started")
	if inv["direction"] != "Outgoing" || inv["state"] != "Connecting" || inv["phoneNumber"] != "tel:+14255550100" || inv["to"] != "sip:bob@contoso.com" ||
		inv["operationId"] != "cvw1" || inv["rel"] != "phoneAudioInvitation" {
		t.Errorf("invitation %v", inv)
	}
	if st := findEvent(t, m, "phoneAudioInvitation", "completed")["status"]; st != "Success" {
		t.Errorf("completed %v", st)
	}
	// The invitation completed before the client could cancel it.
	g.expectError(g.do(alice.token, http.MethodPost, link(t, inv, "cancel"), "", ""), http.StatusNotFound, "NotFound", "")
	if r := g.expect(g.do(alice.token, http.MethodGet, loc, "", ""), http.StatusOK); r["state"] != "Connected" {
		t.Errorf("invitation %v", r)
	}
	pa := g.expect(g.do(alice.token, http.MethodGet, link(t, inv, "phoneAudio"), "", ""), http.StatusOK)
	if pa["state"] != "Connected" || pa["rel"] != "phoneAudio" {
		t.Errorf("phoneAudio %v", pa)
	}
	g.expect(g.do(alice.token, http.MethodPost, link(t, pa, "stopPhoneAudio"), "", ""), http.StatusNoContent)
	if _, got = alice.events(t); !slices.Equal(got, []string{"conversation phoneAudio updated", "communication conversation deleted"}) {
		t.Errorf("stop events %v", got)
	}
	g.expectError(g.do(alice.token, http.MethodGet, link(t, inv, "phoneAudio"), "", ""), http.StatusNotFound, "NotFound", "")

	// A phone number as callee, and a callback number of the request's own.
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/startPhoneAudio?to=tel:%2B14255550199", "application/json",
		`{"phoneNumber":"tel:+351 21 000 0000"}`), http.StatusCreated)
	m, _ = alice.events(t)
	if inv := eventEmbedded(t, m, "phoneAudioInvitation", "started"); inv["to"] != "tel:+14255550199" || inv["phoneNumber"] != "tel:+351210000000" {
		t.Errorf("invitation %v", inv)
	}
	for body, sub := range map[string]string{`{"to":"sip:zed@contoso.com"}`: "ParameterValidationFailure", `{}`: "ParameterValidationFailure",
		`{"to":"sip:bob@contoso.com","phoneNumber":"home"}`: "NormalizationFailed"} {
		g.expectError(g.do(alice.token, http.MethodPost, start, "application/json", body), http.StatusBadRequest, "BadRequest", sub)
	}

	// Without a callback number anywhere.
	a2 := signInWith(t, g, "cwt=bob", `{}`)
	g.expectError(g.do(a2.token, http.MethodPost, a2.self+"/communication/phoneAudioInvitations", "application/json", `{"to":"sip:alice@contoso.com"}`),
		http.StatusBadRequest, "BadRequest", "NormalizationFailed")
	// Bob has no Enterprise Voice: the call is placed and fails.
	g.expect(g.do(a2.token, http.MethodPost, a2.self+"/communication/phoneAudioInvitations", "application/json",
		`{"to":"sip:alice@contoso.com","phoneNumber":"+14255550101"}`), http.StatusCreated)
	m, got = a2.events(t)
	if want := []string{"communication phoneAudioInvitation started", "communication conversation added", "conversation localParticipant added",
		"conversation phoneAudio updated", "conversation phoneAudio updated", "communication phoneAudioInvitation completed",
		"communication conversation deleted"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	done := findEvent(t, m, "phoneAudioInvitation", "completed")
	if r, _ := done["reason"].(map[string]any); done["status"] != "Failure" || r["subcode"] != "NotAllowed" || !strings.Contains(r["message"].(string), "POL-003") {
		t.Errorf("completed %v", done)
	}

	// Carol's mobility policy turns Call via Work off.
	carol := signInWith(t, g, "cwt=carol", `{"phoneNumber":"+14255550102"}`)
	cc := g.expect(g.do(carol.token, http.MethodGet, carol.self+"/communication", "", ""), http.StatusOK)
	if _, ok := cc["_links"].(map[string]any)["startPhoneAudio"]; ok {
		t.Error("startPhoneAudio offered although EnableOutsideVoice = False")
	}
	if p := g.expect(g.do(carol.token, http.MethodGet, carol.self+"/policies", "", ""), http.StatusOK); p["enableOutsideVoice"] != false {
		t.Errorf("policies %v", p)
	}
	w = g.do(carol.token, http.MethodPost, carol.self+"/communication/phoneAudioInvitations", "application/json", `{"to":"sip:alice@contoso.com"}`)
	g.expectError(w, http.StatusForbidden, "Forbidden", "NotAllowed")
	if !strings.Contains(w.Body.String(), "EnableOutsideVoice = False") {
		t.Errorf("refusal %s", w.Body.String())
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{"+1 (425) 555-0100": "tel:+14255550100", "tel:+4930123": "tel:+4930123", "TEL:112": "tel:112",
		"0211.23.45": "tel:02112345", "": "", "12": "", "+": "", "1+2": "", "tel:": "", "1234567890123456": ""} {
		got, ok := normalizePhone(in)
		if got != want || ok != (want != "") {
			t.Errorf("normalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
