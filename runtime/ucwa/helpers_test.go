package ucwa

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

// fakeClock is a clock tests move by hand; its timers fire on Advance.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	c       chan time.Time
	stopped bool
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) After(d time.Duration) (<-chan time.Time, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{at: f.t.Add(d), c: make(chan time.Time, 1)}
	f.timers = append(f.timers, t)
	return t.c, func() {
		f.mu.Lock()
		t.stopped = true
		f.mu.Unlock()
	}
}

// Advance moves the clock and fires the timers due.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
	kept := f.timers[:0]
	for _, t := range f.timers {
		switch {
		case t.stopped:
		case !t.at.After(f.t):
			t.c <- f.t
		default:
			kept = append(kept, t)
		}
	}
	f.timers = kept
}

// pending counts the live timers.
func (f *fakeClock) pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// waitTimers waits until n timers are live: a P-GET has parked.
func (f *fakeClock) waitTimers(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.pending() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d timers pending, want %d", f.pending(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// mapTokens is a token store: token → SIP address.
type mapTokens map[string]string

func (m mapTokens) User(tok string, _ time.Time) (string, bool) {
	s, ok := m[tok]
	return s, ok
}

func testDirectory() plan.Directory {
	on := plan.MobilityPolicy{EnableMobility: true, EnableOutsideVoice: true, EnableIPAudioVideo: true,
		AllowSaveCallLogs: true, AllowSaveIMHistory: true, AllowSaveCredentials: true, AllowExchange: true, EnablePushNotifications: true}
	noAV := on
	noAV.EnableIPAudioVideo = false
	noAV.RequireWifiForIPAudio = true
	off := on
	off.EnableMobility = false
	return plan.Directory{
		Users: []plan.User{
			{SIP: "alice@contoso.com", UPN: "alice@contoso.local", HomePool: "pool1", Mobility: on, MobilityPolicy: "global"},
			{SIP: "bob@contoso.com", HomePool: "pool1", Mobility: on},
			{SIP: "carol@contoso.com", HomePool: "pool1", Mobility: noAV, MobilityPolicy: "tag:NoVoIP"},
			{SIP: "dave@contoso.com", HomePool: "pool2", Mobility: on},
			{SIP: "erin@contoso.com", HomePool: "pool1", Mobility: off},
		},
		Pools: []plan.Pool{
			{Name: "pool1", FQDN: "pool1.contoso.local", WebInternalFQDN: "pool1web.contoso.local", WebExternalFQDN: "web.contoso.com",
				Servers: []plan.Server{{Name: "fe1", FQDN: "fe1.contoso.local"}, {Name: "fe2", FQDN: "fe2.contoso.local"}}},
			{Name: "pool2", FQDN: "pool2.contoso.local", WebInternalFQDN: "pool2web.contoso.local",
				Servers: []plan.Server{{Name: "fe3", FQDN: "fe3.contoso.local"}}},
		},
	}
}

var testTokens = mapTokens{
	"cwt=alice": "alice@contoso.com", "cwt=bob": "bob@contoso.com", "cwt=carol": "carol@contoso.com",
	"cwt=dave": "dave@contoso.com", "cwt=erin": "erin@contoso.com", "_ticket": "bob@contoso.com",
}

type rig struct {
	t     testing.TB
	s     *Server
	clock *fakeClock
}

func newRig(t testing.TB, mod func(*Config)) *rig {
	t.Helper()
	clock := newClock()
	cfg := Config{ServerFQDN: "fe1.contoso.local", Pool: "pool1", Directory: testDirectory(), Tokens: testTokens,
		Realm: "contoso.com", TokenURL: "https://web.contoso.com/WebTicket/oauthtoken", Now: clock.Now, After: clock.After}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, s: s, clock: clock}
}

// do sends one request as the user with the token.
func (g *rig) do(token, method, path, contentType, body string) *httptest.ResponseRecorder {
	g.t.Helper()
	r := httptest.NewRequest(method, "https://web.contoso.com"+path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	g.s.ServeHTTP(w, r)
	if w.Header().Get(VersionHeader) == "" {
		g.t.Errorf("%s %s: no %s", method, path, VersionHeader)
	}
	return w
}

// expect checks a status and returns the body decoded (nil when empty).
func (g *rig) expect(w *httptest.ResponseRecorder, status int) map[string]any {
	g.t.Helper()
	if w.Code != status {
		g.t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
	if w.Body.Len() == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		g.t.Fatalf("body is not JSON: %v: %s", err, w.Body.String())
	}
	return m
}

// expectError checks a UCWA error.
func (g *rig) expectError(w *httptest.ResponseRecorder, status int, code, subcode string) {
	g.t.Helper()
	m := g.expect(w, status)
	if m["code"] != code || (subcode != "" && m["subcode"] != subcode) {
		g.t.Fatalf("error %v/%v, want %s/%s: %s", m["code"], m["subcode"], code, subcode, w.Body.String())
	}
}

const appBody = `{"UserAgent":"mobplan-test","EndpointId":"a917c6f4-976c-4cf3-847d-cdfffa28ccdf","Culture":"en-US"}`

// create makes an application for the token's user; returns its href.
func (g *rig) create(token string) (string, map[string]any) {
	g.t.Helper()
	m := g.expect(g.do(token, http.MethodPost, "/ucwa/oauth/v1/applications", "application/json", appBody), http.StatusCreated)
	return link(g.t, m, "self"), m
}

// link reads _links.<rel>.href.
func link(t testing.TB, m map[string]any, rel string) string {
	t.Helper()
	links, _ := m["_links"].(map[string]any)
	l, _ := links[rel].(map[string]any)
	h, _ := l["href"].(string)
	if h == "" {
		t.Fatalf("no _links.%s in %v", rel, m)
	}
	return h
}

func embedded(t testing.TB, m map[string]any, rel string) map[string]any {
	t.Helper()
	e, _ := m["_embedded"].(map[string]any)
	r, _ := e[rel].(map[string]any)
	if r == nil {
		t.Fatalf("no _embedded.%s", rel)
	}
	return r
}

// pget parks a P-GET in the background; the result arrives on the channel.
func (g *rig) pget(token, path string) (<-chan *httptest.ResponseRecorder, func()) {
	r := httptest.NewRequest(http.MethodGet, "https://web.contoso.com"+path, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	ctx, cancel := contextWithCancel(r)
	r = r.WithContext(ctx)
	out := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		w := httptest.NewRecorder()
		g.s.ServeHTTP(w, r)
		out <- w
	}()
	return out, cancel
}

func recv(t testing.TB, c <-chan *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	select {
	case w := <-c:
		return w
	case <-time.After(5 * time.Second):
		t.Fatal("the P-GET was not answered")
		return nil
	}
}

// senders flattens an events body: "senderRel link.rel type" per event.
func senders(t testing.TB, m map[string]any) []string {
	t.Helper()
	list, ok := m["sender"].([]any)
	if !ok {
		t.Fatalf("no sender array in %v", m)
	}
	var out []string
	for _, s := range list {
		sm := s.(map[string]any)
		for _, e := range sm["events"].([]any) {
			em := e.(map[string]any)
			out = append(out, sm["rel"].(string)+" "+em["link"].(map[string]any)["rel"].(string)+" "+em["type"].(string))
		}
	}
	return out
}

func contextWithCancel(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithCancel(r.Context())
}
