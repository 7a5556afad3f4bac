package ucwa

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// documented is every status UCWA may answer (ErrorsAndInformationalMessages.md),
// plus the successes and the 401 of a missing credential.
var documented = map[int]bool{200: true, 201: true, 204: true, 401: true,
	400: true, 403: true, 404: true, 405: true, 408: true, 409: true, 410: true, 412: true, 413: true, 415: true,
	428: true, 429: true, 500: true, 503: true, 504: true}

// FuzzUCWA sends arbitrary methods, paths, queries and bodies to a server
// holding a live, available application: never a panic, always a
// documented status, and a P-GET never hangs (the clock's timers fire at
// once).
func FuzzUCWA(f *testing.F) {
	for _, s := range [][3]string{
		{"POST", "", appBody},
		{"POST", "/me/makeMeAvailable", `{"supportedModalities":["Messaging","Audio"]}`},
		{"POST", "/me/presence", `{"availability":"Busy"}`},
		{"POST", "/me/note", `{"message":"x"}`},
		{"GET", "/events?ack=1&timeout=180&low=&medium=7&priority=3", ""},
		{"GET", "/events?ack=%zz", ""},
		{"POST", "/reportMyActivity", ""},
		{"DELETE", "", ""},
		{"PUT", "/communication", `{"x":1}`},
		{"GET", "//me/../policies", ""},
		{"POST", "/communication/messagingInvitations", `{"to":"sip:bob@contoso.com","_links":{"message":{"href":"data:text/plain,hi%zz"}}}`},
		{"POST", "/communication/startMessaging", `{"to":"sip:alice@contoso.com","importance":"urgent"}`},
		{"POST", "/communication/conversations/x/messaging/messages", "hello"},
		{"POST", "/communication/messagingInvitations/x/accept", ""},
		{"POST", "/communication/startAudioVideo", `{"to":"sip:bob@contoso.com","sessionContext":"c","_links":{"mediaOffer":{"href":"data:application/sdp;base64,dj0w"}}}`},
		{"POST", "/communication/startVideo", `{"to":"sip:carol@contoso.com","importance":"Urgent"}`},
		{"POST", "/communication/audioVideoInvitations/x/acceptWithAnswer?sessionContext=y", "v=0"},
		{"POST", "/communication/conversations/x/audioVideo/terminate", ""},
		{"GET", "/people/groups", ""},
		{"GET", "/people/contacts?groupId={group}", ""},
		{"POST", "/people/presenceSubscriptions?groupId={group}&duration=30", ""},
		{"POST", "/people/presenceSubscriptions/{sub}?duration=12", ""},
		{"DELETE", "/people/presenceSubscriptionMemberships/{member}", ""},
		{"GET", "/onlineMeetings/myOnlineMeetings/{meeting}", ""},
		{"POST", "/communication/joinOnlineMeeting", `{"onlineMeetingUri":"sip:alice@contoso.com;gruu;opaque=app:conf:focus:id:{meeting}"}`},
		{"GET", "/communication/conversations/{call}/onlineMeeting", ""},
		{"GET", "/communication/onlineMeetingInvitations/{inv}", ""},
		{"DELETE", "/communication/conversations/{call}", ""},
		{"GET", "/people/bob@contoso.com/presence", ""},
		{"GET", "/people/BOB@contoso.com/supportedMedia", ""},
		{"GET", "/people/search?query=bo&limit=2", ""},
		{"GET", "/people/search?query=%zz&limit=-1", ""},
		{"POST", "/people/presenceSubscriptions", `{"duration":11,"uris":["sip:bob@contoso.com","sip:carol@contoso.com"]}`},
		{"POST", "/people/presenceSubscriptions?groupId=x&duration=10", ""},
		{"POST", "/people/presenceSubscriptionMemberships?presenceSubscriptionId={sub}", `{"contactUris":["sip:bob@contoso.com"]}`},
		{"DELETE", "/people/presenceSubscriptions/{sub}", ""},
		{"GET", "/people/subscribedContacts", ""},
		{"POST", "/onlineMeetings/myOnlineMeetings", `{"subject":"s","attendees":["sip:bob@contoso.com"],"expirationTime":"/Date(1767323045000)/","accessLevel":"Everyone"}`},
		{"DELETE", "/onlineMeetings/myOnlineMeetings/x", ""},
		{"POST", "/communication/onlineMeetingInvitations?onlineMeetingUri=adhoc", `{"subject":"now","importance":"Emergency"}`},
		{"POST", "/communication/joinOnlineMeeting", `{"onlineMeetingUri":"https://meet.contoso.com/alice/x"}`},
		{"POST", "/communication/phoneAudioInvitations", `{"to":"sip:bob@contoso.com","phoneNumber":"+1 425 555 0100"}`},
		{"POST", "/communication/startPhoneAudio?to=tel:112", `{"phoneNumber":"tel:+4930123"}`},
		{"DELETE", "/communication/conversations/x", ""},
		{"POST", "/communication/conversations/x/phoneAudio/terminate", ""},
		{"POST", "/batch", "--b\r\nContent-Type: application/http; msgtype=request\r\n\r\nGET /ucwa/oauth/v1/applications HTTP/1.1\r\nHost: x\r\n\r\n\r\n--b--\r\n"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		clock := newClock()
		s, err := New(Config{ServerFQDN: "fe1.contoso.local", Pool: "pool1", Directory: testDirectory(), Tokens: testTokens,
			Now: clock.Now, After: func(time.Duration) (<-chan time.Time, func()) {
				c := make(chan time.Time, 1)
				c <- clock.Now()
				clock.Advance(time.Hour)
				return c, func() {}
			}})
		if err != nil {
			t.Fatal(err)
		}
		send := func(method, target, body string) int {
			r, err := http.NewRequest(method, "https://web.contoso.com"+target, strings.NewReader(body))
			if err != nil {
				return 0
			}
			r.Header.Set("Authorization", "Bearer cwt=alice")
			r.Header.Set("Content-Type", "application/json")
			if strings.HasPrefix(body, "--") {
				r.Header.Set("Content-Type", "multipart/batching; boundary=b")
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if !documented[w.Code] {
				t.Fatalf("%s %q: status %d: %s", method, target, w.Code, w.Body.String())
			}
			if w.Header().Get(VersionHeader) == "" {
				t.Fatalf("%s %q: no %s", method, target, VersionHeader)
			}
			return w.Code
		}
		if send(http.MethodPost, apps, appBody) != http.StatusCreated {
			t.Fatal("no application")
		}
		var self string
		for id := range s.apps {
			self = apps + "/" + id
		}
		send(http.MethodPost, self+"/me/makeMeAvailable", `{"phoneNumber":"+14255550100"}`)
		// A subscription, a meeting joined and the groups exist, so that
		// the corpus's {sub}, {member}, {meeting}, {call}, {inv} and
		// {group} reach them.
		send(http.MethodPost, self+"/people/presenceSubscriptions", `{"duration":10,"uris":["sip:bob@contoso.com"]}`)
		send(http.MethodGet, self+"/people/groups", "")
		send(http.MethodPost, self+"/onlineMeetings/myOnlineMeetings", `{}`)
		send(http.MethodPost, self+"/communication/onlineMeetingInvitations?onlineMeetingUri=adhoc", `{}`)
		s.mu.Lock()
		a := s.apps[strings.TrimPrefix(self, apps+"/")]
		repl := []string{"{sub}", "none", "{member}", "none", "{group}", "none", "{call}", "none", "{inv}", "none", "{meeting}", "none"}
		if len(a.subs) > 0 && len(a.subs[0].members) > 0 {
			repl[1], repl[3] = a.subs[0].id, a.subs[0].members[0].id
		}
		if len(a.groups) > 1 {
			repl[5] = a.groups[1].id
		}
		if len(a.calls) > 0 {
			repl[7], repl[9] = a.calls[0].id, a.calls[0].invID
		}
		s.mu.Unlock()
		s.hub.mu.Lock()
		for id, m := range s.hub.meetings {
			if !m.adhoc {
				repl[11] = id
			}
		}
		s.hub.mu.Unlock()
		if slices.Contains(repl, "none") {
			t.Fatalf("the setup made no subscription, group, call or meeting: %q", repl)
		}
		r := strings.NewReplacer(repl...)
		path, body = r.Replace(path), r.Replace(body)
		send(method, self+path, body)
		send(method, apps+path, body)
		send(http.MethodGet, self+"/events?ack=1", "")
	})
}
