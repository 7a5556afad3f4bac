package webservices

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobplan/mobplan/internal/testtool"
	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

const labPassword = "Passw0rd!"

var (
	plansMu sync.Mutex
	plans   = map[string]*plan.Plan{}
)

// examplePlan is the plan of examples/<name>, made once per test binary.
func examplePlan(t testing.TB, name string) *plan.Plan {
	t.Helper()
	plansMu.Lock()
	defer plansMu.Unlock()
	if p, ok := plans[name]; ok {
		return p
	}
	p := testtool.ExamplePlan(t, name)
	plans[name] = p
	return p
}

// passwords gives every user of the plan the lab password, as the state
// directory would.
func passwords(p *plan.Plan) map[string]string {
	m := map[string]string{}
	for _, u := range p.Directory.Users {
		m[u.SIP] = labPassword
	}
	return m
}

// lab is the servers of one example plan with one token store per pool,
// as the supervisor builds them, and a clock the test moves.
type lab struct {
	t      testing.TB
	plan   *plan.Plan
	stores map[string]*TokenStore
	clock  *clock
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newLab(t testing.TB, example string) *lab {
	return &lab{t: t, plan: examplePlan(t, example), stores: map[string]*TokenStore{},
		clock: &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
}

// config is the Config of a server's listener.
func (l *lab) config(server string, loc Location, scheme string) Config {
	l.t.Helper()
	cfg, err := FromPlan(l.plan, server)
	if err != nil {
		l.t.Fatal(err)
	}
	if l.stores[cfg.Pool] == nil {
		l.stores[cfg.Pool] = NewTokenStore(0)
	}
	cfg.Location, cfg.Scheme = loc, scheme
	cfg.Passwords = passwords(l.plan)
	cfg.Tokens = l.stores[cfg.Pool]
	cfg.Now = l.clock.Now
	return cfg
}

// handler is the handler of a server's listener.
func (l *lab) handler(server string, loc Location, scheme string) *Handler {
	l.t.Helper()
	return l.handlerOf(l.config(server, loc, scheme))
}

func (l *lab) handlerOf(cfg Config) *Handler {
	l.t.Helper()
	h, err := New(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	return h
}

// do sends one request through the handler.
func do(h http.Handler, method, target string, header http.Header, body io.Reader) *http.Response {
	r := httptest.NewRequest(method, target, body)
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func readBody(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// token signs a user in at a handler with the password grant.
func token(t testing.TB, h http.Handler, user, password string) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}}
	resp := do(h, http.MethodPost, "https://webint.contoso.net/WebTicket/oauthtoken",
		hdr("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"), strings.NewReader(form.Encode()))
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token for %s: %d %s", user, resp.StatusCode, body)
	}
	tr, err := protocol.DecodeTokenResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	return tr.AccessToken
}

// multipartBody is a multipart/form-data body of fields.
func multipartBody(t testing.TB, fields map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &b
}

// decode reads an Autodiscover response in the representation its
// Content-Type names.
func decode(t testing.TB, resp *http.Response) *protocol.Document {
	t.Helper()
	body := readBody(t, resp)
	rep, ok := protocol.RepresentationOf(resp.Header.Get("Content-Type"))
	if !ok {
		t.Fatalf("Content-Type %q is no Autodiscover representation; body %s", resp.Header.Get("Content-Type"), body)
	}
	d, err := protocol.Decode(rep, body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return d
}

func ucwaError(t testing.TB, body []byte) protocol.Error {
	t.Helper()
	e, err := protocol.DecodeError(body)
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return e
}

func tokenError(t testing.TB, body []byte) protocol.TokenError {
	t.Helper()
	var e protocol.TokenError
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return e
}
