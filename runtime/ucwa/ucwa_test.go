package ucwa

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

const apps = "/ucwa/oauth/v1/applications"

// keys lists an object's member names in document order.
func keys(t testing.TB, raw []byte) []string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var out []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// member returns the raw value of a path of members.
func member(t testing.TB, raw []byte, path ...string) []byte {
	t.Helper()
	for _, p := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		raw = m[p]
	}
	return raw
}

func TestCreateApplication(t *testing.T) {
	g := newRig(t, nil)
	w := g.do("cwt=alice", http.MethodPost, apps, "application/json", appBody)
	m := g.expect(w, http.StatusCreated)
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	self := link(t, m, "self")
	if !strings.HasPrefix(self, apps+"/") || w.Header().Get("Location") != self {
		t.Errorf("self %q, Location %q", self, w.Header().Get("Location"))
	}
	if c := w.Header().Get("Set-Cookie"); !strings.HasPrefix(c, "cwt_ucwa=") || !strings.Contains(c, "path="+self+"/photos; secure; HttpOnly") {
		t.Errorf("Set-Cookie %q", c)
	}
	if got := keys(t, w.Body.Bytes()); !slices.Equal(got, []string{"culture", "userAgent", "_links", "_embedded", "rel"}) {
		t.Errorf("members %v", got)
	}
	if got := keys(t, member(t, w.Body.Bytes(), "_links")); !slices.Equal(got, []string{"self", "policies", "batch", "events"}) {
		t.Errorf("_links %v", got)
	}
	if ev := link(t, m, "events"); ev != self+"/events?ack=1" {
		t.Errorf("events %q", ev)
	}
	if got := keys(t, member(t, w.Body.Bytes(), "_embedded")); !slices.Equal(got, []string{"me", "people", "onlineMeetings", "communication"}) {
		t.Errorf("_embedded %v", got)
	}
	comm := member(t, w.Body.Bytes(), "_embedded", "communication")
	ck := keys(t, comm)
	if len(ck) == 0 || len(ck[0]) != 36 || strings.Count(ck[0], "-") != 4 {
		t.Fatalf("communication members %v: the GUID property is not first", ck)
	}
	var cm map[string]any
	_ = json.Unmarshal(comm, &cm)
	if cm[ck[0]] != "please pass this in a PUT request" || cm["rel"] != "communication" {
		t.Errorf("communication %v", cm)
	}
	if e, ok := cm["etag"].(string); !ok || e == "" {
		t.Errorf("etag %v", cm["etag"])
	}
	if mods := cm["supportedModalities"].([]any); len(mods) != 0 {
		t.Errorf("supportedModalities before makeMeAvailable %v", mods)
	}
	if sl := link(t, cm, "startMessaging"); sl != self+"/communication/messagingInvitations" {
		t.Errorf("startMessaging %q", sl)
	}
	me := embedded(t, m, "me")
	if me["uri"] != "sip:alice@contoso.com" || me["rel"] != "me" {
		t.Errorf("me %v", me)
	}
	if got := keys(t, member(t, member(t, w.Body.Bytes(), "_embedded", "me"), "_links")); !slices.Equal(got,
		[]string{"self", "makeMeAvailable", "callForwardingSettings", "phones", "photo"}) {
		t.Errorf("me links %v", got)
	}
	if p := link(t, me, "photo"); p != self+"/photos/alice@contoso.com" {
		t.Errorf("photo %q", p)
	}
	people := embedded(t, m, "people")
	for rel, want := range map[string]string{"myGroups": "/people/groups", "myContacts": "/people/contacts", "search": "/people/search",
		"myGroupMemberships": "/people/groupMemberships"} {
		if got := link(t, people, rel); got != self+want {
			t.Errorf("people %s = %q", rel, got)
		}
	}
	om := embedded(t, m, "onlineMeetings")
	if got := link(t, om, "onlineMeetingDefaultValues"); got != self+"/onlineMeetings/defaultValues" {
		t.Errorf("onlineMeetingDefaultValues %q", got)
	}
	// Every href is relative.
	if bytes.Contains(w.Body.Bytes(), []byte("https://")) {
		t.Errorf("absolute href in %s", w.Body.String())
	}

	// The same endpoint again, camelCase this time: 200 and the same one.
	again := `{"userAgent":"mobplan-test","endpointId":"A917C6F4-976C-4CF3-847D-CDFFFA28CCDF","culture":"en-us"}`
	m2 := g.expect(g.do("cwt=alice", http.MethodPost, apps, "application/json", again), http.StatusOK)
	if link(t, m2, "self") != self {
		t.Errorf("the same endpoint got %s, want %s", link(t, m2, "self"), self)
	}
	// Another endpoint is another application.
	other := strings.Replace(appBody, "a917", "b917", 1)
	if s2, _ := g.create2("cwt=alice", other); s2 == self {
		t.Error("another endpoint got the same application")
	}
	// Another user with the same endpoint gets their own.
	if s3, _ := g.create("cwt=bob"); s3 == self {
		t.Error("another user got the same application")
	}
	g.expect(g.do("cwt=alice", http.MethodGet, self, "", ""), http.StatusOK)
	g.expect(g.do("cwt=alice", http.MethodGet, "//"+strings.ToUpper(self[1:5])+self[5:]+"/", "", ""), http.StatusOK)
	// Another user cannot see it.
	g.expectError(g.do("cwt=bob", http.MethodGet, self, "", ""), http.StatusNotFound, "NotFound", "ApplicationNotFound")
	g.expect(g.do("cwt=alice", http.MethodDelete, self, "", ""), http.StatusNoContent)
	g.expectError(g.do("cwt=alice", http.MethodGet, self, "", ""), http.StatusNotFound, "NotFound", "ApplicationNotFound")
	g.expectError(g.do("cwt=alice", http.MethodGet, self+"/events?ack=1", "", ""), http.StatusNotFound, "NotFound", "ApplicationNotFound")
}

func (g *rig) create2(token, body string) (string, map[string]any) {
	g.t.Helper()
	m := g.expect(g.do(token, http.MethodPost, apps, "application/json", body), http.StatusCreated)
	return link(g.t, m, "self"), m
}

func TestCreateApplicationErrors(t *testing.T) {
	g := newRig(t, nil)
	for _, body := range []string{`{}`, `{"UserAgent":"x","Culture":"en-US"}`, `{"UserAgent":"x","EndpointId":"e","Culture":""}`,
		`{"UserAgent":"x","EndpointId":"e","Culture":7}`, `{"UserAgent":"` + strings.Repeat("x", 101) + `","EndpointId":"e","Culture":"en-US"}`} {
		g.expectError(g.do("cwt=alice", http.MethodPost, apps, "application/json", body), http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	}
	g.expectError(g.do("cwt=alice", http.MethodPost, apps, "application/json", `[1]`), http.StatusBadRequest, "BadRequest", "DeserializationFailure")
	g.expectError(g.do("cwt=alice", http.MethodPost, apps, "application/xml", `<x/>`), http.StatusUnsupportedMediaType, "UnsupportedMediaType", "")
	g.expectError(g.do("cwt=alice", http.MethodGet, apps, "", ""), http.StatusMethodNotAllowed, "MethodNotAllowed", "")
	g.expectError(g.do("cwt=alice", http.MethodPost, apps, "application/json", `{"UserAgent":"`+strings.Repeat("x", 70<<10)+`"}`),
		http.StatusRequestEntityTooLarge, "EntityTooLarge", "")
	// Homed elsewhere; mobility off.
	g.expectError(g.do("cwt=dave", http.MethodPost, apps, "application/json", appBody), http.StatusForbidden, "Forbidden", "")
	g.expectError(g.do("cwt=erin", http.MethodPost, apps, "application/json", appBody), http.StatusForbidden, "Forbidden", "MobileApplicationNoLongerAllowed")
	// No credential, a bad one.
	for _, tok := range []string{"", "cwt=nobody"} {
		w := g.do(tok, http.MethodPost, apps, "application/json", appBody)
		g.expect(w, http.StatusUnauthorized)
		if ch := w.Header().Values("WWW-Authenticate"); len(ch) != 2 || !strings.HasPrefix(ch[1], "MsRtcOAuth href=") {
			t.Errorf("challenges %q", ch)
		}
	}
	// A web ticket works as a Bearer token does, even beside Basic.
	r := httptest.NewRequest(http.MethodPost, "https://web.contoso.com"+apps, strings.NewReader(appBody))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Basic Ym9iOnB3")
	r.Header.Set("X-MS-WebTicket", "opaque="+base64.StdEncoding.EncodeToString(
		[]byte(`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_ticket"/>`)))
	rw := httptest.NewRecorder()
	g.s.ServeHTTP(rw, r)
	if m := g.expect(rw, http.StatusCreated); embedded(t, m, "me")["uri"] != "sip:bob@contoso.com" {
		t.Errorf("web ticket: me %v", embedded(t, m, "me"))
	}
	g.expect(g.do("cwt=bob", http.MethodDelete, link(t, g.expect(rw, http.StatusCreated), "self"), "", ""), http.StatusNoContent)
	if g.s.Applications() != 0 {
		t.Errorf("%d applications after failures", g.s.Applications())
	}
	// Too many applications for one user.
	g2 := newRig(t, func(c *Config) { c.MaxPerUser = 2 })
	for i := range 3 {
		w := g2.do("cwt=bob", http.MethodPost, apps, "application/json", strings.Replace(appBody, "a917", "c91"+string(rune('0'+i)), 1))
		if i < 2 {
			g2.expect(w, http.StatusCreated)
		} else {
			g2.expectError(w, http.StatusGone, "Gone", "TooManyApplications")
		}
	}
}

func TestExpiry(t *testing.T) {
	g := newRig(t, func(c *Config) { c.ExpireAfter = 10 * time.Minute })
	self, _ := g.create("cwt=alice")
	g.clock.Advance(9 * time.Minute)
	g.expect(g.do("cwt=alice", http.MethodGet, self, "", ""), http.StatusOK) // activity
	g.clock.Advance(9 * time.Minute)
	g.expect(g.do("cwt=alice", http.MethodGet, self+"/me", "", ""), http.StatusOK)

	// A parked P-GET keeps it alive past ExpireAfter.
	c, _ := g.pget("cwt=alice", self+"/events?ack=1&timeout=1800")
	g.clock.waitTimers(t, 1)
	g.clock.Advance(30 * time.Minute)
	m := g.expect(recv(t, c), http.StatusOK)
	if len(senders(t, m)) != 0 {
		t.Errorf("events %v", senders(t, m))
	}
	g.expect(g.do("cwt=alice", http.MethodGet, self, "", ""), http.StatusOK)
	// Nothing parked and nothing heard for ExpireAfter: 410.
	g.clock.Advance(10 * time.Minute)
	g.expectError(g.do("cwt=alice", http.MethodGet, self, "", ""), http.StatusGone, "Gone", "InactiveApplicationExpired")
	g.expectError(g.do("cwt=alice", http.MethodGet, self+"/events?ack=2", "", ""), http.StatusGone, "Gone", "InactiveApplicationExpired")
	// The same endpoint then gets a new application, and the old one is
	// forgotten in time.
	s2, _ := g.create("cwt=alice")
	if s2 == self {
		t.Error("an expired application was handed out again")
	}
	g.clock.Advance(9 * time.Minute)
	g.expect(g.do("cwt=alice", http.MethodGet, s2, "", ""), http.StatusOK)
	// A full server forgets applications expired long ago.
	g2 := newRig(t, func(c *Config) { c.MaxApplications = 2; c.ExpireAfter = time.Minute })
	g2.create("cwt=alice")
	g2.create("cwt=bob")
	g2.expectError(g2.do("cwt=carol", http.MethodPost, apps, "application/json", appBody), http.StatusServiceUnavailable, "ServiceFailure", "TooManyApplications")
	g2.clock.Advance(3 * time.Minute)
	g2.create("cwt=carol")
	if n := g2.s.Applications(); n != 1 {
		t.Errorf("%d applications held after the sweep, want 1", n)
	}
}

func TestMakeMeAvailable(t *testing.T) {
	g := newRig(t, nil)
	self, _ := g.create("cwt=alice")
	for _, p := range []string{"/reportMyActivity", "/me/reportMyActivity"} {
		g.expectError(g.do("cwt=alice", http.MethodPost, self+p, "", ""), http.StatusConflict, "Conflict", "MakeMeAvailableRequired")
	}
	g.expectError(g.do("cwt=alice", http.MethodGet, self+"/me/presence", "", ""), http.StatusConflict, "Conflict", "MakeMeAvailableRequired")
	body := `{"SupportedModalities":["Messaging"],"supportedMessageFormats":["Plain","Html"]}`
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/makeMeAvailable", "application/json", body), http.StatusNoContent)
	g.expectError(g.do("cwt=alice", http.MethodPost, self+"/me/makeMeAvailable", "application/json", body), http.StatusConflict, "Conflict", "AlreadyExists")
	for _, p := range []string{"/reportMyActivity", "/me/reportMyActivity"} {
		g.expect(g.do("cwt=alice", http.MethodPost, self+p, "", ""), http.StatusNoContent)
	}
	w := g.do("cwt=alice", http.MethodGet, self, "", "")
	g.expect(w, http.StatusOK)
	me := member(t, w.Body.Bytes(), "_embedded", "me")
	if got := keys(t, member(t, me, "_links")); !slices.Equal(got,
		[]string{"self", "note", "presence", "location", "reportMyActivity", "callForwardingSettings", "phones", "photo"}) {
		t.Errorf("me links after makeMeAvailable %v", got)
	}
	if !bytes.Contains(me, []byte(`"emailAddresses":["alice@contoso.local"]`)) {
		t.Errorf("me %s", me)
	}
	comm := member(t, w.Body.Bytes(), "_embedded", "communication")
	if got := string(member(t, comm, "supportedModalities")); got != `["Messaging"]` {
		t.Errorf("supportedModalities %s", got)
	}
	if got := string(member(t, comm, "supportedMessageFormats")); got != `["Plain","Html"]` {
		t.Errorf("supportedMessageFormats %s", got)
	}
	// The me resource by itself says the same.
	m := g.expect(g.do("cwt=alice", http.MethodGet, self+"/me", "", ""), http.StatusOK)
	if link(t, m, "presence") != self+"/me/presence" {
		t.Error("me presence link")
	}
}

func TestPresence(t *testing.T) {
	g := newRig(t, nil)
	self, _ := g.create("cwt=alice")
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/makeMeAvailable", "application/json", ""), http.StatusNoContent)
	m := g.expect(g.do("cwt=alice", http.MethodGet, self+"/me/presence", "", ""), http.StatusOK)
	if m["availability"] != "Online" || m["rel"] != "presence" {
		t.Errorf("presence %v", m)
	}
	for _, av := range []string{"Away", "BeRightBack", "Busy", "DoNotDisturb", "IdleBusy", "IdleOnline", "Offline", "Online"} {
		g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/presence", "application/json", `{"availability":"`+av+`"}`), http.StatusNoContent)
		if got := g.expect(g.do("cwt=alice", http.MethodGet, self+"/me/presence", "", ""), http.StatusOK)["availability"]; got != av {
			t.Errorf("availability %v after setting %s", got, av)
		}
	}
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/presence", "application/json", `{"Availability":"busy"}`), http.StatusNoContent)
	for _, bad := range []string{`{"availability":"Sleeping"}`, `{}`, `{"availability":1}`} {
		g.expectError(g.do("cwt=alice", http.MethodPost, self+"/me/presence", "application/json", bad), http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	}
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/note", "application/json", `{"message":"In Lisbon"}`), http.StatusNoContent)
	if m := g.expect(g.do("cwt=alice", http.MethodGet, self+"/me/note", "", ""), http.StatusOK); m["message"] != "In Lisbon" || m["rel"] != "note" {
		t.Errorf("note %v", m)
	}
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/location", "application/json", `{"location":"Building 7"}`), http.StatusNoContent)
	if m := g.expect(g.do("cwt=alice", http.MethodGet, self+"/me/location", "", ""), http.StatusOK); m["location"] != "Building 7" {
		t.Errorf("location %v", m)
	}
	g.expectError(g.do("cwt=alice", http.MethodPost, self+"/me/note", "application/json", `{"message":"`+strings.Repeat("x", maxNote+1)+`"}`),
		http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	g.expectError(g.do("cwt=alice", http.MethodDelete, self+"/me/note", "", ""), http.StatusMethodNotAllowed, "MethodNotAllowed", "")
}

func TestPolicyModalities(t *testing.T) {
	g := newRig(t, nil)
	body := `{"supportedModalities":["Messaging","Audio","Video"]}`
	for user, want := range map[string]string{"alice": `["Messaging","Audio","Video"]`, "carol": `["Messaging"]`} {
		self, _ := g.create("cwt=" + user)
		g.expect(g.do("cwt="+user, http.MethodPost, self+"/me/makeMeAvailable", "application/json", body), http.StatusNoContent)
		w := g.do("cwt="+user, http.MethodGet, self+"/communication", "", "")
		g.expect(w, http.StatusOK)
		if got := string(member(t, w.Body.Bytes(), "supportedModalities")); got != want {
			t.Errorf("%s: supportedModalities %s, want %s", user, got, want)
		}
		p := g.expect(g.do("cwt="+user, http.MethodGet, self+"/policies", "", ""), http.StatusOK)
		wantAV, wantWifi := "Enabled", false
		if user == "carol" {
			wantAV, wantWifi = "Disabled", true
		}
		if p["ipAudioMobile"] != wantAV || p["ipVideoMobile"] != wantAV || p["audioOnlyOnWifi"] != wantWifi || p["rel"] != "policies" ||
			p["enableOutsideVoice"] != true || p["saveMessagingHistory"] != true {
			t.Errorf("%s: policies %v", user, p)
		}
	}
}
