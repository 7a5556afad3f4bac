package ucwa

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkParkedPGet reports the memory one parked P-GET costs in the
// handler (its goroutine, waiter and application), not counting the
// connection's buffers.
func BenchmarkParkedPGet(b *testing.B) {
	const n = 2000
	for b.Loop() {
		clock := newClock()
		s, err := New(Config{ServerFQDN: "fe1.contoso.local", Pool: "pool1", Directory: testDirectory(), Tokens: testTokens,
			MaxPerUser: n, Now: clock.Now, After: clock.After})
		if err != nil {
			b.Fatal(err)
		}
		var selfs []string
		for i := range n {
			body := strings.Replace(appBody, "a917c6f4", strconv.Itoa(10000000+i), 1)
			r := httptest.NewRequest(http.MethodPost, apps, strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer cwt=alice")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			selfs = append(selfs, w.Header().Get("Location"))
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{}, n)
		for _, self := range selfs {
			r := httptest.NewRequestWithContext(ctx, http.MethodGet, self+"/events?ack=1", nil)
			r.Header.Set("Authorization", "Bearer cwt=alice")
			go func() {
				s.ServeHTTP(httptest.NewRecorder(), r)
				done <- struct{}{}
			}()
		}
		for clock.pending() < n {
			time.Sleep(time.Millisecond)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse)/n, "B/pget")
		cancel()
		for range n {
			<-done
		}
	}
}

// BenchmarkMessage measures a message from one user's application to the
// other's parked P-GET, on two instances sharing a hub.
func BenchmarkMessage(b *testing.B) {
	t := b
	hub := NewHub()
	clock := newClock()
	mk := func(fqdn string) *rig {
		s, err := New(Config{ServerFQDN: fqdn, Pool: "pool1", Directory: testDirectory(), Tokens: testTokens, Hub: hub, Now: clock.Now})
		if err != nil {
			b.Fatal(err)
		}
		return &rig{t: t, s: s, clock: clock}
	}
	fe1, fe2 := mk("fe1.contoso.local"), mk("fe2.contoso.local")
	alice, bob := signIn(t, fe1, "cwt=alice"), signIn(t, fe2, "cwt=bob")
	fe1.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", `{"to":"sip:bob@contoso.com"}`)
	alice.events(t)
	m, _ := bob.events(t)
	inv := findEvent(t, m, "messagingInvitation", "started")["_embedded"].(map[string]any)["messagingInvitation"].(map[string]any)
	fe2.do(bob.token, http.MethodPost, link(t, inv, "accept"), "", "")
	bob.events(t)
	m, _ = alice.events(t)
	send := link(t, findEvent(t, m, "messaging", "updated")["_embedded"].(map[string]any)["messaging"].(map[string]any), "sendMessage")
	for b.Loop() {
		c, _ := fe2.pget(bob.token, bob.next)
		fe1.do(alice.token, http.MethodPost, send, "text/plain", "hello")
		w := <-c
		if w.Code != http.StatusOK {
			b.Fatalf("P-GET %d", w.Code)
		}
		bob.next = link(t, fe2.expect(w, http.StatusOK), "next")
		alice.events(t) // the sender's message completed
	}
}

// BenchmarkPresenceFanout measures one presence change reaching the
// queues of 200 subscribed applications on another instance.
func BenchmarkPresenceFanout(b *testing.B) {
	const n = 200
	hub := NewHub()
	clock := newClock()
	mk := func(fqdn string) *rig {
		s, err := New(Config{ServerFQDN: fqdn, Pool: "pool1", Directory: testDirectory(), Tokens: testTokens, Hub: hub,
			MaxPerUser: n, Now: clock.Now, After: clock.After})
		if err != nil {
			b.Fatal(err)
		}
		return &rig{t: b, s: s, clock: clock}
	}
	fe1, fe2 := mk("fe1.contoso.local"), mk("fe2.contoso.local")
	alice := signIn(b, fe1, "cwt=alice")
	for i := range n {
		body := strings.Replace(appBody, "a917c6f4", strconv.Itoa(10000000+i), 1)
		self := link(b, fe2.expect(fe2.do("cwt=bob", http.MethodPost, apps, "application/json", body), http.StatusCreated), "self")
		fe2.expect(fe2.do("cwt=bob", http.MethodPost, self+"/me/makeMeAvailable", "", ""), http.StatusNoContent)
		fe2.expect(fe2.do("cwt=bob", http.MethodPost, self+"/people/presenceSubscriptions", "application/json",
			`{"duration":30,"uris":["sip:alice@contoso.com"]}`), http.StatusCreated)
	}
	avail := []string{`{"availability":"Busy"}`, `{"availability":"Online"}`}
	i := 0
	for b.Loop() {
		fe1.do(alice.token, http.MethodPost, alice.self+"/me/presence", "application/json", avail[i%2])
		i++
		settle(b, hub)
	}
}
