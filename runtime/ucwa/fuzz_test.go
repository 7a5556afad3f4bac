package ucwa

import (
	"net/http"
	"net/http/httptest"
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
		send(http.MethodPost, self+"/me/makeMeAvailable", "")
		send(method, self+path, body)
		send(method, apps+path, body)
		send(http.MethodGet, self+"/events?ack=1", "")
	})
}
