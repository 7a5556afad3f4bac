package ucwa

import (
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEventTimeout(t *testing.T) {
	g := newRig(t, nil)
	self, m := g.create("cwt=alice")
	ev := link(t, m, "events")
	// The sample library's empty parameters; the default timeout is 180 s.
	c, _ := g.pget("cwt=alice", ev+"&low=&medium=&priority=&timeout=")
	g.clock.waitTimers(t, 1)
	g.clock.Advance(179 * time.Second)
	select {
	case w := <-c:
		t.Fatalf("answered before the timeout: %d %s", w.Code, w.Body.String())
	case <-time.After(20 * time.Millisecond):
	}
	g.clock.Advance(time.Second)
	w := recv(t, c)
	m = g.expect(w, http.StatusOK)
	if got := string(member(t, w.Body.Bytes(), "sender")); got != "[]" {
		t.Errorf("sender %s, want []", got)
	}
	if link(t, m, "next") != self+"/events?ack=2" || link(t, m, "self") != self+"/events?ack=1" {
		t.Errorf("links %v", m["_links"])
	}
	// timeout below the minimum is raised to 180 s, above the maximum
	// lowered to 1800 s.
	for _, tc := range []struct {
		q    string
		wait time.Duration
	}{{"&timeout=10", 180 * time.Second}, {"&timeout=99999", 1800 * time.Second}, {"", 1800 * time.Second}} {
		ack := link(t, m, "next")
		c, _ = g.pget("cwt=alice", ack+tc.q)
		g.clock.waitTimers(t, 1)
		g.clock.Advance(tc.wait - time.Second)
		select {
		case w := <-c:
			t.Fatalf("%s: answered early: %s", tc.q, w.Body.String())
		case <-time.After(20 * time.Millisecond):
		}
		g.clock.Advance(time.Second)
		m = g.expect(recv(t, c), http.StatusOK)
	}
	g.expectError(g.do("cwt=alice", http.MethodGet, link(t, m, "next")+"&timeout=soon", "", ""), http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
}

func TestEventAckAndResync(t *testing.T) {
	g := newRig(t, nil)
	self, _ := g.create("cwt=alice")
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/makeMeAvailable", "", ""), http.StatusNoContent)
	// makeMeAvailable's events are high: answered at once.
	w := g.do("cwt=alice", http.MethodGet, self+"/events?ack=1", "", "")
	m := g.expect(w, http.StatusOK)
	want := []string{"me me updated", "me presence added", "communication communication updated"}
	if got := senders(t, m); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	first := w.Body.String()
	// The same ack again (a lost response): the same answer.
	if again := g.do("cwt=alice", http.MethodGet, self+"/events?ack=1", "", ""); again.Body.String() != first {
		t.Errorf("retried ack=1 got %s", again.Body.String())
	}
	// An ack out of range: only a resync link.
	for _, ack := range []string{"7", "0", "-1"} {
		w := g.do("cwt=alice", http.MethodGet, self+"/events?ack="+ack, "", "")
		m := g.expect(w, http.StatusOK)
		ks := keys(t, member(t, w.Body.Bytes(), "_links"))
		if !slices.Equal(ks, []string{"self", "resync"}) || link(t, m, "resync") != self+"/events?ack=2" {
			t.Errorf("ack=%s: %s", ack, w.Body.String())
		}
		if _, ok := m["sender"]; ok {
			t.Errorf("ack=%s: a resync answer carries events", ack)
		}
	}
	// Unknown application.
	g.expectError(g.do("cwt=alice", http.MethodGet, apps+"/nosuchapp/events?ack=1", "", ""), http.StatusNotFound, "NotFound", "ApplicationNotFound")
}

func TestPGetReplaced(t *testing.T) {
	g := newRig(t, nil)
	self, _ := g.create("cwt=alice")
	c1, _ := g.pget("cwt=alice", self+"/events?ack=1")
	g.clock.waitTimers(t, 1)
	c2, _ := g.pget("cwt=alice", self+"/events?ack=1")
	g.expectError(recv(t, c1), http.StatusConflict, "Conflict", "PGetReplaced")
	g.clock.waitTimers(t, 1)
	// A lower priority never replaces a higher one; a higher one does.
	c3, _ := g.pget("cwt=alice", self+"/events?ack=1&priority=5")
	g.expectError(recv(t, c2), http.StatusConflict, "Conflict", "PGetReplaced")
	g.clock.waitTimers(t, 1)
	g.expectError(g.do("cwt=alice", http.MethodGet, self+"/events?ack=1&priority=1", "", ""), http.StatusConflict, "Conflict", "PGetReplaced")
	// The parked one is still there and answers its timeout.
	g.clock.Advance(180 * time.Second)
	g.expect(recv(t, c3), http.StatusOK)

	// Deleting the application releases a parked P-GET.
	c4, _ := g.pget("cwt=alice", self+"/events?ack=2")
	g.clock.waitTimers(t, 1)
	g.expect(g.do("cwt=alice", http.MethodDelete, self, "", ""), http.StatusNoContent)
	g.expectError(recv(t, c4), http.StatusNotFound, "NotFound", "ApplicationNotFound")

	// A client that goes away leaves nothing parked.
	self, _ = g.create("cwt=bob")
	c5, cancel := g.pget("cwt=bob", self+"/events?ack=1")
	g.clock.waitTimers(t, 1)
	cancel()
	recv(t, c5)
	g.s.mu.Lock()
	parked := g.s.apps[self[strings.LastIndexByte(self, '/')+1:]].ch.waiter
	g.s.mu.Unlock()
	if parked != nil {
		t.Error("a cancelled P-GET is still parked")
	}
}

func TestPresenceAggregation(t *testing.T) {
	g := newRig(t, nil)
	self, _ := g.create("cwt=alice")
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/makeMeAvailable", "", ""), http.StatusNoContent)
	m := g.expect(g.do("cwt=alice", http.MethodGet, self+"/events?ack=1", "", ""), http.StatusOK)
	next := link(t, m, "next")
	c, _ := g.pget("cwt=alice", next+"&medium=5")
	g.clock.waitTimers(t, 1)
	for _, av := range []string{"Busy", "Away", "DoNotDisturb"} {
		g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/presence", "application/json", `{"availability":"`+av+`"}`), http.StatusNoContent)
	}
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/note", "application/json", `{"message":"back at 3"}`), http.StatusNoContent)
	// Medium events wait for the medium delay, gathering others.
	select {
	case w := <-c:
		t.Fatalf("medium events answered at once: %s", w.Body.String())
	case <-time.After(20 * time.Millisecond):
	}
	g.clock.waitTimers(t, 1)
	g.clock.Advance(5 * time.Second)
	w := recv(t, c)
	m = g.expect(w, http.StatusOK)
	if got := senders(t, m); !slices.Equal(got, []string{"me presence updated", "me note updated"}) {
		t.Fatalf("events %v: repeated presence changes not merged", got)
	}
	if !strings.Contains(w.Body.String(), `"availability":"DoNotDisturb"`) || strings.Contains(w.Body.String(), `"Busy"`) {
		t.Errorf("the merged event is not the latest state: %s", w.Body.String())
	}
}

func TestResume(t *testing.T) {
	g := newRig(t, func(c *Config) { c.ResumeAfter = time.Minute; c.ExpireAfter = time.Hour })
	self, _ := g.create("cwt=alice")
	g.clock.Advance(2 * time.Minute)
	c, _ := g.pget("cwt=alice", self+"/events?ack=1")
	g.clock.waitTimers(t, 1)
	g.clock.Advance(180 * time.Second)
	m := g.expect(recv(t, c), http.StatusOK)
	if link(t, m, "resume") != self+"/events?ack=2" || link(t, m, "next") != self+"/events?ack=2" {
		t.Errorf("after inactivity: %v", m["_links"])
	}
	// Straight after, no resume.
	c, _ = g.pget("cwt=alice", self+"/events?ack=2")
	g.clock.waitTimers(t, 1)
	g.clock.Advance(180 * time.Second)
	m = g.expect(recv(t, c), http.StatusOK)
	if _, ok := m["_links"].(map[string]any)["resume"]; ok {
		t.Errorf("resume without inactivity: %v", m["_links"])
	}
}

// A P-GET outlives the server's read and write timeouts, which are
// shorter than any P-GET timeout.
func TestPGetOutlivesServerTimeouts(t *testing.T) {
	clock := newClock()
	s, err := New(Config{ServerFQDN: "fe1.contoso.local", Pool: "pool1", Directory: testDirectory(), Tokens: testTokens, Now: clock.Now,
		After: func(d time.Duration) (<-chan time.Time, func()) {
			// The P-GET's timeout, in real time: longer than the server's.
			c := make(chan time.Time, 1)
			go func() {
				time.Sleep(1200 * time.Millisecond)
				clock.Advance(d)
				c <- clock.Now()
			}()
			return c, func() {}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}
	go srv.Serve(ln)
	defer srv.Close()
	post := func(path, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer cwt=alice")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post(apps, appBody)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+resp.Header.Get("Location")+"/events?ack=1", nil)
	req.Header.Set("Authorization", "Bearer cwt=alice")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("P-GET cut: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"next"`) {
		t.Fatalf("P-GET: %d %s", resp.StatusCode, b)
	}
}

// A queue that overflows while no P-GET is parked asks the client to
// resync rather than silently losing events.
func TestEventQueueBound(t *testing.T) {
	g := newRig(t, func(c *Config) { c.MaxEvents = 4 })
	self, _ := g.create("cwt=alice")
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/makeMeAvailable", "", ""), http.StatusNoContent) // 3 events
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/note", "application/json", `{"message":"a"}`), http.StatusNoContent)
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/location", "application/json", `{"location":"b"}`), http.StatusNoContent)
	w := g.do("cwt=alice", http.MethodGet, self+"/events?ack=1", "", "")
	m := g.expect(w, http.StatusOK)
	if got := keys(t, member(t, w.Body.Bytes(), "_links")); !slices.Equal(got, []string{"self", "resync"}) {
		t.Fatalf("after overflow: %s", w.Body.String())
	}
	// The resync link works and the channel carries on.
	g.expect(g.do("cwt=alice", http.MethodPost, self+"/me/presence", "application/json", `{"availability":"Busy"}`), http.StatusNoContent)
	c, _ := g.pget("cwt=alice", link(t, m, "resync"))
	g.clock.waitTimers(t, 1)
	g.clock.Advance(5 * time.Second)
	if got := senders(t, g.expect(recv(t, c), http.StatusOK)); !slices.Equal(got, []string{"me presence updated"}) {
		t.Errorf("after resync: %v", got)
	}
}

// The web-ticket flavour (/ucwa/v1) links within itself, and HEAD answers
// as GET without a body.
func TestWebTicketFlavour(t *testing.T) {
	g := newRig(t, nil)
	m := g.expect(g.do("cwt=bob", http.MethodPost, "//ucwa/v1/applications", "application/json", appBody), http.StatusCreated)
	self := link(t, m, "self")
	if !strings.HasPrefix(self, "/ucwa/v1/applications/") || !strings.HasPrefix(link(t, embedded(t, m, "me"), "makeMeAvailable"), self+"/me/") {
		t.Errorf("self %q", self)
	}
	w := g.do("cwt=bob", http.MethodHead, self, "", "")
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d %q", w.Code, w.Body.String())
	}
}
