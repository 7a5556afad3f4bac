package admin

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeInstances map[string]string

func (f fakeInstances) List() []Instance {
	var out []Instance
	for s, st := range f {
		out = append(out, Instance{Server: s, State: st})
	}
	return out
}

func (f fakeInstances) Set(_ context.Context, server string, running bool) (Instance, error) {
	if _, ok := f[server]; !ok {
		return Instance{}, ErrNoInstance
	}
	f[server] = map[bool]string{true: "running", false: "stopped"}[running]
	return Instance{Server: server, State: f[server]}, nil
}

// The instance routes: stop, start, the state in /status, and the
// answers to an unknown server, a wrong method and a wrong action.
func TestInstances(t *testing.T) {
	s := New(func(context.Context) error { return nil })
	do := func(method, path string) (int, string) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w.Code, w.Body.String()
	}
	if code, _ := do("POST", "/instances/fe01.contoso.net/stop"); code != 404 {
		t.Errorf("without instances: %d", code)
	}
	s.SetInstances(fakeInstances{"fe01.contoso.net": "running"})
	code, body := do("POST", "/instances/fe01.contoso.net/stop")
	var got Instance
	json.Unmarshal([]byte(body), &got)
	if code != 200 || got.State != "stopped" {
		t.Errorf("stop: %d %s", code, body)
	}
	var st Status
	_, body = do("GET", "/status")
	json.Unmarshal([]byte(body), &st)
	if len(st.Instances) != 1 || st.Instances[0].State != "stopped" {
		t.Errorf("status: %s", body)
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"POST", "/instances/fe01.contoso.net/start", 200},
		{"POST", "/instances/fe09.contoso.net/start", 404},
		{"GET", "/instances/fe01.contoso.net/start", 405},
		{"POST", "/instances/fe01.contoso.net/reboot", 404},
		{"POST", "/instances//stop", 404},
		{"GET", "/instances", 200},
		{"POST", "/instances", 405},
	} {
		if code, body := do(c.method, c.path); code != c.code {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, strings.TrimSpace(body), c.code)
		}
	}
}

// GET /push answers the records of the running plan, an empty array
// before any are given; other methods are refused.
func TestPush(t *testing.T) {
	s := New(func(context.Context) error { return nil })
	do := func(method string) (int, string) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(method, "/push", nil))
		return w.Code, strings.TrimSpace(w.Body.String())
	}
	if code, body := do("GET"); code != 200 || body != "[]" {
		t.Errorf("without records: %d %s", code, body)
	}
	s.SetPush(func() any { return []map[string]string{{"to": "sip:bob@contoso.com"}} })
	code, body := do("GET")
	var got []map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != 200 || len(got) != 1 || got[0]["to"] != "sip:bob@contoso.com" {
		t.Errorf("records: %d %s", code, body)
	}
	if code, _ := do("POST"); code != 405 {
		t.Errorf("POST /push: %d", code)
	}
}
