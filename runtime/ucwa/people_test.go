package ucwa

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

// parked parks one P-GET and moves the clock by each step once a timer is
// armed, so that medium events (5 s) and subscription deadlines come due.
func (u *user) parked(t testing.TB, query string, steps ...time.Duration) (map[string]any, []string) {
	t.Helper()
	c, _ := u.g.pget(u.token, u.next+query)
	for _, d := range steps {
		u.g.clock.waitTimers(t, 1)
		u.g.clock.Advance(d)
	}
	m := u.g.expect(recv(t, c), http.StatusOK)
	u.next = link(t, m, "next")
	return m, senders(t, m)
}

// settle waits until the hub has delivered every presence change.
func settle(t testing.TB, h *Hub) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !h.settled() {
		if time.Now().After(deadline) {
			t.Fatal("presence changes not delivered")
		}
		time.Sleep(time.Millisecond)
	}
}

// contacts lists the uris of _embedded.contact, which must be an array.
func contacts(t testing.TB, m map[string]any) []string {
	t.Helper()
	e, _ := m["_embedded"].(map[string]any)
	list, ok := e["contact"].([]any)
	if !ok {
		t.Fatalf("_embedded.contact is not an array: %v", m)
	}
	var out []string
	for _, c := range list {
		out = append(out, c.(map[string]any)["uri"].(string))
	}
	return out
}

func TestContactsAndGroups(t *testing.T) {
	g := newRig(t, nil)
	alice := signIn(t, g, "cwt=alice")
	p := alice.self + "/people"
	m := g.expect(g.do(alice.token, http.MethodGet, p+"/groups", "", ""), http.StatusOK)
	if m["rel"] != "myGroups" {
		t.Errorf("myGroups %v", m)
	}
	pinned, def := embedded(t, m, "pinnedGroup"), embedded(t, m, "defaultGroup")
	if pinned["name"] != PinnedGroupName || def["name"] != DefaultGroupName || def["rel"] != "defaultGroup" {
		t.Errorf("groups %v %v", pinned, def)
	}
	e := m["_embedded"].(map[string]any)
	if g, ok := e["group"].([]any); !ok || len(g) != 0 {
		t.Errorf("group %v", e["group"])
	}
	// Without declared contact lists the default group is the directory.
	gc := g.expect(g.do(alice.token, http.MethodGet, link(t, def, "groupContacts"), "", ""), http.StatusOK)
	want := []string{"sip:bob@contoso.com", "sip:carol@contoso.com", "sip:dave@contoso.com", "sip:erin@contoso.com"}
	if got := contacts(t, gc); !slices.Equal(got, want) || gc["rel"] != "groupContacts" {
		t.Errorf("default group %v, want %v", got, want)
	}
	if got := contacts(t, g.expect(g.do(alice.token, http.MethodGet, link(t, pinned, "groupContacts"), "", ""), http.StatusOK)); len(got) != 0 {
		t.Errorf("pinned group %v", got)
	}
	mc := g.expect(g.do(alice.token, http.MethodGet, p+"/contacts", "", ""), http.StatusOK)
	if got := contacts(t, mc); !slices.Equal(got, want) || mc["rel"] != "myContacts" {
		t.Errorf("myContacts %v", got)
	}
	bob := mc["_embedded"].(map[string]any)["contact"].([]any)[0].(map[string]any)
	for _, rel := range []string{"self", "contactPhoto", "contactPresence", "contactLocation", "contactNote", "contactSupportedModalities", "contactPrivacyRelationship"} {
		link(t, bob, rel)
	}
	if bob["sourceNetwork"] != "SameEnterprise" || bob["type"] != "User" || bob["name"] != "bob" {
		t.Errorf("contact %v", bob)
	}
	got := g.expect(g.do(alice.token, http.MethodGet, link(t, bob, "self"), "", ""), http.StatusOK)
	if got["uri"] != "sip:bob@contoso.com" || got["etag"] != bob["etag"] {
		t.Errorf("contact %v", got)
	}
	// Bob is not signed in.
	pr := g.expect(g.do(alice.token, http.MethodGet, link(t, bob, "contactPresence"), "", ""), http.StatusOK)
	if pr["availability"] != "Offline" || pr["deviceType"] != "Unknown" || pr["rel"] != "contactPresence" {
		t.Errorf("contactPresence %v", pr)
	}
	for _, rel := range []string{"contactNote", "contactLocation", "contactSupportedModalities", "contactPrivacyRelationship"} {
		if r := g.expect(g.do(alice.token, http.MethodGet, link(t, bob, rel), "", ""), http.StatusOK); r["rel"] != rel {
			t.Errorf("%s: %v", rel, r)
		}
	}
	g.expectError(g.do(alice.token, http.MethodGet, p+"/zed@contoso.com", "", ""), http.StatusNotFound, "NotFound", "")
	g.expectError(g.do(alice.token, http.MethodGet, p+"/contacts?groupId=nope", "", ""), http.StatusNotFound, "NotFound", "")
	// A malformed pair beside it does not hide the parameter.
	g.expectError(g.do(alice.token, http.MethodGet, p+"/contacts?groupId=nope&%zz", "", ""), http.StatusNotFound, "NotFound", "")
	g.expectError(g.do(alice.token, http.MethodGet, p+"/groups/nope", "", ""), http.StatusNotFound, "NotFound", "")
	g.expect(g.do(alice.token, http.MethodGet, link(t, def, "self"), "", ""), http.StatusOK)

	// Declared lists: groups by name, unknown users and oneself dropped.
	g2 := newRig(t, func(c *Config) {
		c.Contacts = map[string][]ContactGroup{"sip:Alice@contoso.com": {
			{Name: "Team", Members: []string{"sip:bob@contoso.com", "Carol@contoso.com", "zed@contoso.com", "alice@contoso.com"}},
			{Name: "Pinned Contacts", Members: []string{"bob@contoso.com"}},
			{Name: "Other Contacts", Members: []string{"dave@contoso.com"}},
		}}
	})
	a2 := signIn(t, g2, "cwt=alice")
	m = g2.expect(g2.do(a2.token, http.MethodGet, a2.self+"/people/groups", "", ""), http.StatusOK)
	groups := m["_embedded"].(map[string]any)["group"].([]any)
	if len(groups) != 1 || groups[0].(map[string]any)["name"] != "Team" || groups[0].(map[string]any)["rel"] != "group" {
		t.Fatalf("groups %v", groups)
	}
	team := g2.expect(g2.do(a2.token, http.MethodGet, link(t, groups[0].(map[string]any), "groupContacts"), "", ""), http.StatusOK)
	if got := contacts(t, team); !slices.Equal(got, []string{"sip:bob@contoso.com", "sip:carol@contoso.com"}) {
		t.Errorf("Team %v", got)
	}
	all := contacts(t, g2.expect(g2.do(a2.token, http.MethodGet, a2.self+"/people/contacts", "", ""), http.StatusOK))
	// In group order: pinned, default, then the others.
	if !slices.Equal(all, []string{"sip:bob@contoso.com", "sip:dave@contoso.com", "sip:carol@contoso.com"}) {
		t.Errorf("myContacts %v", all)
	}
	// A user the declaration does not name has an empty list.
	b2 := signIn(t, g2, "cwt=bob")
	if got := contacts(t, g2.expect(g2.do(b2.token, http.MethodGet, b2.self+"/people/contacts", "", ""), http.StatusOK)); len(got) != 0 {
		t.Errorf("bob's contacts %v", got)
	}

	// Lists the topology declares reach the lab through the directory;
	// a user who declares none keeps the default group of the others.
	g3 := newRig(t, func(c *Config) {
		for i := range c.Directory.Users {
			if c.Directory.Users[i].SIP == "alice@contoso.com" {
				c.Directory.Users[i].ContactGroups = []plan.ContactGroup{
					{Name: "Pinned Contacts", Members: []string{"erin@contoso.com"}},
					{Name: "Team", Members: []string{"carol@contoso.com", "partner@fabrikam.com"}},
				}
			}
		}
	})
	a3 := signIn(t, g3, "cwt=alice")
	m = g3.expect(g3.do(a3.token, http.MethodGet, a3.self+"/people/groups", "", ""), http.StatusOK)
	if groups := m["_embedded"].(map[string]any)["group"].([]any); len(groups) != 1 || groups[0].(map[string]any)["name"] != "Team" {
		t.Errorf("declared groups %v", groups)
	}
	pin := contacts(t, g3.expect(g3.do(a3.token, http.MethodGet, link(t, embedded(t, m, "pinnedGroup"), "groupContacts"), "", ""), http.StatusOK))
	all = contacts(t, g3.expect(g3.do(a3.token, http.MethodGet, a3.self+"/people/contacts", "", ""), http.StatusOK))
	if !slices.Equal(pin, []string{"sip:erin@contoso.com"}) || !slices.Equal(all, []string{"sip:erin@contoso.com", "sip:carol@contoso.com"}) {
		t.Errorf("declared lists: pinned %v, all %v", pin, all)
	}
	b3 := signIn(t, g3, "cwt=bob")
	if got := contacts(t, g3.expect(g3.do(b3.token, http.MethodGet, b3.self+"/people/contacts", "", ""), http.StatusOK)); len(got) != 4 {
		t.Errorf("bob, who declares no list, has %v", got)
	}
}

func TestSearch(t *testing.T) {
	g := newRig(t, nil)
	alice := signIn(t, g, "cwt=alice")
	s := alice.self + "/people/search"
	for _, tc := range []struct {
		q    string
		want []string
		more bool
	}{
		{"?query=bo", []string{"sip:bob@contoso.com"}, false},
		{"?query=sip:CAROL@contoso.com&limit=3", []string{"sip:carol@contoso.com"}, false},
		{"?query=alice@contoso.local", []string{"sip:alice@contoso.com"}, false},
		{"?query=contoso.com&limit=2", []string{"sip:alice@contoso.com", "sip:bob@contoso.com"}, true},
		{"?query=nobody", nil, false},
	} {
		w := g.do(alice.token, http.MethodGet, s+tc.q, "", "")
		m := g.expect(w, http.StatusOK)
		if got := contacts(t, m); !slices.Equal(got, tc.want) || m["moreResultsAvailable"] != tc.more || m["rel"] != "search" {
			t.Errorf("%s: %v more %v", tc.q, got, m["moreResultsAvailable"])
		}
		if len(tc.want) == 0 && !strings.Contains(w.Body.String(), `"contact":[]`) {
			t.Errorf("%s: %s", tc.q, w.Body.String())
		}
	}
	for _, bad := range []string{"", "?query=", "?query=sip:", "?query=" + strings.Repeat("x", 257), "?query=bo&limit=0", "?query=bo&limit=101", "?query=bo&limit=x"} {
		g.expectError(g.do(alice.token, http.MethodGet, s+bad, "", ""), http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	}
}

// TestPresenceSubscription: alice on fe1 and bob on fe2 of one pool; bob
// subscribes to alice and sees her changes on his event channel, in order,
// merged, until the subscription expires.
func TestPresenceSubscription(t *testing.T) {
	hub := NewHub()
	fe1 := newRig(t, func(c *Config) { c.Hub = hub })
	fe2 := newRig(t, func(c *Config) {
		c.Hub, c.ServerFQDN, c.Now, c.After = hub, "fe2.contoso.local", fe1.clock.Now, fe1.clock.After
	})
	fe2.clock = fe1.clock
	alice, bob := signIn(t, fe1, "cwt=alice"), signIn(t, fe2, "cwt=bob")
	p := bob.self + "/people"

	w := fe2.do(bob.token, http.MethodPost, p+"/presenceSubscriptions", "application/json", `{"duration":11,"Uris":["sip:Alice@contoso.com"]}`)
	sub := fe2.expect(w, http.StatusCreated)
	subHref := link(t, sub, "self")
	if sub["rel"] != "presenceSubscription" || sub["id"] == "" || w.Header().Get("Location") != subHref ||
		link(t, sub, "memberships") != link(t, sub, "addToPresenceSubscription") {
		t.Fatalf("subscription %v", sub)
	}
	m, got := bob.parked(t, "", 5*time.Second)
	if want := []string{"people contact added", "people presenceSubscription added", "people contactPresence updated"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	ev := findEvent(t, m, "contactPresence", "updated")
	pres := ev["link"].(map[string]any)["href"].(string)
	if pres != p+"/alice@contoso.com/presence" || ev["in"].(map[string]any)["href"] != p+"/alice@contoso.com" {
		t.Errorf("contactPresence event %v", ev)
	}
	if in := findEvent(t, m, "contact", "added")["in"].(map[string]any); in["rel"] != "subscribedContacts" {
		t.Errorf("contact added in %v", in)
	}
	if r := fe2.expect(fe2.do(bob.token, http.MethodGet, pres, "", ""), http.StatusOK); r["availability"] != "Online" || r["deviceType"] != "Mobile" {
		t.Errorf("alice's presence %v", r)
	}
	if got := contacts(t, fe2.expect(fe2.do(bob.token, http.MethodGet, p+"/subscribedContacts", "", ""), http.StatusOK)); !slices.Equal(got, []string{"sip:alice@contoso.com"}) {
		t.Errorf("subscribedContacts %v", got)
	}

	// Alice changes on fe1; bob hears it once per resource, merged.
	for _, av := range []string{"Busy", "Away", "DoNotDisturb"} {
		fe1.expect(fe1.do(alice.token, http.MethodPost, alice.self+"/me/presence", "application/json", `{"availability":"`+av+`"}`), http.StatusNoContent)
	}
	fe1.expect(fe1.do(alice.token, http.MethodPost, alice.self+"/me/note", "application/json", `{"message":"Out at noon"}`), http.StatusNoContent)
	settle(t, hub)
	_, got = bob.parked(t, "", 5*time.Second)
	if want := []string{"people contactPresence updated", "people contactNote updated"}; !slices.Equal(got, want) {
		t.Fatalf("after alice's changes %v, want %v", got, want)
	}
	if r := fe2.expect(fe2.do(bob.token, http.MethodGet, pres, "", ""), http.StatusOK); r["availability"] != "DoNotDisturb" {
		t.Errorf("alice's presence %v", r)
	}
	if r := fe2.expect(fe2.do(bob.token, http.MethodGet, p+"/alice@contoso.com/note", "", ""), http.StatusOK); r["message"] != "Out at noon" {
		t.Errorf("alice's note %v", r)
	}
	// Setting the same again changes nothing anyone sees.
	fe1.expect(fe1.do(alice.token, http.MethodPost, alice.self+"/me/presence", "application/json", `{"availability":"DoNotDisturb"}`), http.StatusNoContent)

	// Carol joins the subscription, then leaves it.
	w = fe2.do(bob.token, http.MethodPost, link(t, sub, "addToPresenceSubscription"), "application/json", `{"contactUris":["sip:carol@contoso.com"]}`)
	ms := fe2.expect(w, http.StatusCreated)
	members := ms["_embedded"].(map[string]any)["presenceSubscriptionMembership"].([]any)
	if len(members) != 2 || ms["rel"] != "presenceSubscriptionMemberships" {
		t.Fatalf("memberships %v", ms)
	}
	carol := members[1].(map[string]any)
	if link(t, carol, "contact") != p+"/carol@contoso.com" || link(t, carol, "presenceSubscription") != subHref {
		t.Errorf("membership %v", carol)
	}
	_, got = bob.parked(t, "", 5*time.Second)
	if want := []string{"people contact added", "people contactPresence updated"}; !slices.Equal(got, want) {
		t.Fatalf("after adding carol %v, want %v", got, want)
	}
	fe2.expect(fe2.do(bob.token, http.MethodDelete, link(t, carol, "self"), "", ""), http.StatusNoContent)
	fe2.expectError(fe2.do(bob.token, http.MethodDelete, link(t, carol, "self"), "", ""), http.StatusNotFound, "NotFound", "")
	_, got = bob.parked(t, "", 5*time.Second)
	if want := []string{"people contact deleted"}; !slices.Equal(got, want) {
		t.Fatalf("after removing carol %v, want %v", got, want)
	}

	// Alice signs out: Offline.
	fe1.expect(fe1.do(alice.token, http.MethodDelete, alice.self, "", ""), http.StatusNoContent)
	settle(t, hub)
	_, got = bob.parked(t, "", 5*time.Second)
	if want := []string{"people contactPresence updated", "people contactNote updated"}; !slices.Equal(got, want) {
		t.Fatalf("after alice signed out %v, want %v", got, want)
	}
	if r := fe2.expect(fe2.do(bob.token, http.MethodGet, pres, "", ""), http.StatusOK); r["availability"] != "Offline" {
		t.Errorf("alice's presence %v", r)
	}

	// Extension, the warning before expiry, the expiry.
	ext := fe2.expect(fe2.do(bob.token, http.MethodPost, subHref+"?duration=10", "", ""), http.StatusOK)
	if link(t, ext, "self") != subHref {
		t.Errorf("extended %v", ext)
	}
	m, got = bob.parked(t, "&timeout=1800", 9*time.Minute, 5*time.Second)
	if want := []string{"people presenceSubscription updated"}; !slices.Equal(got, want) {
		t.Fatalf("before expiry %v, want %v", got, want)
	}
	if e := findEvent(t, m, "presenceSubscription", "updated")["_embedded"].(map[string]any)["presenceSubscription"].(map[string]any); e["id"] != sub["id"] {
		t.Errorf("embedded subscription %v", e)
	}
	_, got = bob.parked(t, "&timeout=1800", 55*time.Second, 5*time.Second)
	if want := []string{"people contact deleted", "people presenceSubscription deleted"}; !slices.Equal(got, want) {
		t.Fatalf("at expiry %v, want %v", got, want)
	}
	fe2.expectError(fe2.do(bob.token, http.MethodPost, subHref+"?duration=10", "", ""), http.StatusNotFound, "NotFound", "ApplicationNotFound")
	if len(hub.watchers) != 0 {
		t.Errorf("watchers left: %v", hub.watchers)
	}
}

func TestPresenceSubscriptionRequests(t *testing.T) {
	g := newRig(t, nil)
	bob := signIn(t, g, "cwt=bob")
	p := bob.self + "/people/presenceSubscriptions"
	for _, bad := range []string{`{"duration":9,"uris":["sip:alice@contoso.com"]}`, `{"duration":31,"uris":["sip:alice@contoso.com"]}`,
		`{"uris":["sip:alice@contoso.com"]}`, `{"duration":10}`, `{"duration":10,"uris":[]}`, `{"duration":10,"uris":["sip:zed@contoso.com"]}`,
		`{"duration":"x","uris":["sip:alice@contoso.com"]}`} {
		g.expectError(g.do(bob.token, http.MethodPost, p, "application/json", bad), http.StatusBadRequest, "BadRequest", "ParameterValidationFailure")
	}
	// A group subscription, from myGroups.
	def := embedded(t, g.expect(g.do(bob.token, http.MethodGet, bob.self+"/people/groups", "", ""), http.StatusOK), "defaultGroup")
	gs := g.expect(g.do(bob.token, http.MethodPost, link(t, def, "subscribeToGroupPresence")+"&duration=11", "", ""), http.StatusCreated)
	ms := g.expect(g.do(bob.token, http.MethodGet, link(t, gs, "memberships"), "", ""), http.StatusOK)
	if n := len(ms["_embedded"].(map[string]any)["presenceSubscriptionMembership"].([]any)); n != 4 {
		t.Errorf("%d group members, want 4", n)
	}
	g.expectError(g.do(bob.token, http.MethodPost, bob.self+"/people/presenceSubscriptions?groupId=nope&duration=11", "", ""), http.StatusNotFound, "NotFound", "")
	// Deleting: 204, then contact deleted for each and the subscription.
	g.expect(g.do(bob.token, http.MethodDelete, link(t, gs, "self"), "", ""), http.StatusNoContent)
	g.expectError(g.do(bob.token, http.MethodGet, link(t, gs, "self"), "", ""), http.StatusNotFound, "NotFound", "ApplicationNotFound")
	_, got := bob.parked(t, "", 5*time.Second)
	if n := len(got); n != 4+1+4+4+1 || got[n-1] != "people presenceSubscription deleted" {
		t.Errorf("events %v", got)
	}
	// The bound on subscriptions.
	for i := range maxSubscriptions + 1 {
		w := g.do(bob.token, http.MethodPost, p, "application/json", `{"duration":10,"uris":["sip:alice@contoso.com"]}`)
		if i < maxSubscriptions {
			g.expect(w, http.StatusCreated)
		} else {
			g.expectError(w, http.StatusForbidden, "Forbidden", "LimitExceeded")
		}
	}
	list := g.expect(g.do(bob.token, http.MethodGet, p, "", ""), http.StatusOK)
	if n := len(list["_embedded"].(map[string]any)["presenceSubscription"].([]any)); n != maxSubscriptions || list["rel"] != "presenceSubscriptions" {
		t.Errorf("%d subscriptions listed", n)
	}
	// Deleting the application releases every watch.
	g.expect(g.do(bob.token, http.MethodDelete, bob.self, "", ""), http.StatusNoContent)
	if len(g.s.hub.watchers) != 0 {
		t.Errorf("watchers left: %v", g.s.hub.watchers)
	}
}

// TestPresenceOverLoopback: the same flow through real HTTP servers on
// loopback with the real clock: bob, on fe2, parks a P-GET while alice,
// on fe1, goes Busy; within the medium delay bob's channel has the
// subscription's events and alice's change, merged into the latest.
func TestPresenceOverLoopback(t *testing.T) {
	hub := NewHub()
	base := map[string]string{}
	for _, fe := range []string{"fe1.contoso.local", "fe2.contoso.local"} {
		s, err := New(Config{ServerFQDN: fe, Pool: "pool1", Directory: testDirectory(), Tokens: testTokens, Hub: hub})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		base[fe] = "http://" + ln.Addr().String()
	}
	do := func(fe, token, method, path, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, base[fe]+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if b, _ := io.ReadAll(resp.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, b)
			}
		}
		return resp, m
	}
	signIn := func(fe, token string) (self, next string) {
		resp, m := do(fe, token, http.MethodPost, apps, appBody)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %v", resp.StatusCode, m)
		}
		self = link(t, m, "self")
		if resp, _ := do(fe, token, http.MethodPost, self+"/me/makeMeAvailable", "{}"); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("makeMeAvailable: %d", resp.StatusCode)
		}
		_, m = do(fe, token, http.MethodGet, link(t, m, "events"), "")
		return self, link(t, m, "next")
	}
	alice, _ := signIn("fe1.contoso.local", "cwt=alice")
	bob, next := signIn("fe2.contoso.local", "cwt=bob")
	if resp, m := do("fe2.contoso.local", "cwt=bob", http.MethodPost, bob+"/people/presenceSubscriptions", `{"duration":10,"uris":["sip:alice@contoso.com"]}`); resp.StatusCode != http.StatusCreated {
		t.Fatalf("subscribe: %d %v", resp.StatusCode, m)
	}
	type answer struct {
		m       map[string]any
		elapsed time.Duration
		err     error
	}
	got := make(chan answer, 1)
	start := time.Now()
	go func() {
		// Not do: a test may only fail from its own goroutine.
		var a answer
		req, _ := http.NewRequest(http.MethodGet, base["fe2.contoso.local"]+next+"&medium=5", nil)
		req.Header.Set("Authorization", "Bearer cwt=bob")
		resp, err := http.DefaultClient.Do(req)
		if a.err = err; err == nil {
			a.err = json.NewDecoder(resp.Body).Decode(&a.m)
			resp.Body.Close()
		}
		a.elapsed = time.Since(start)
		got <- a
	}()
	if resp, _ := do("fe1.contoso.local", "cwt=alice", http.MethodPost, alice+"/me/presence", `{"availability":"Busy"}`); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("presence: %d", resp.StatusCode)
	}
	var a answer
	select {
	case a = <-got:
	case <-time.After(15 * time.Second):
		t.Fatal("the P-GET was not answered")
	}
	if a.err != nil {
		t.Fatal(a.err)
	}
	if want := []string{"people contact added", "people presenceSubscription added", "people contactPresence updated"}; !slices.Equal(senders(t, a.m), want) {
		t.Fatalf("events %v, want %v", senders(t, a.m), want)
	}
	if a.elapsed < 4*time.Second {
		t.Errorf("medium events answered after %v, before the medium delay", a.elapsed)
	}
	href := findEvent(t, a.m, "contactPresence", "updated")["link"].(map[string]any)["href"].(string)
	if _, m := do("fe2.contoso.local", "cwt=bob", http.MethodGet, href, ""); m["availability"] != "Busy" {
		t.Errorf("alice's presence %v", m)
	}
}

// TestPresenceAcrossPools: dave, homed on pool2, watches alice on pool1
// through a hub the two pools share (as the supervisor shares one).
func TestPresenceAcrossPools(t *testing.T) {
	hub := NewHub()
	fe1 := newRig(t, func(c *Config) { c.Hub = hub })
	fe3 := newRig(t, func(c *Config) {
		c.Hub, c.ServerFQDN, c.Pool, c.Now, c.After = hub, "fe3.contoso.local", "pool2", fe1.clock.Now, fe1.clock.After
	})
	fe3.clock = fe1.clock
	alice, dave := signIn(t, fe1, "cwt=alice"), signIn(t, fe3, "cwt=dave")
	fe3.expect(fe3.do(dave.token, http.MethodPost, dave.self+"/people/presenceSubscriptions", "application/json",
		`{"duration":30,"uris":["sip:alice@contoso.com"]}`), http.StatusCreated)
	dave.parked(t, "", 5*time.Second)
	fe1.expect(fe1.do(alice.token, http.MethodPost, alice.self+"/me/location", "application/json", `{"location":"Lisbon"}`), http.StatusNoContent)
	settle(t, hub)
	m, got := dave.parked(t, "", 5*time.Second)
	if !slices.Equal(got, []string{"people contactLocation updated"}) {
		t.Fatalf("events %v", got)
	}
	href := findEvent(t, m, "contactLocation", "updated")["link"].(map[string]any)["href"].(string)
	if r := fe3.expect(fe3.do(dave.token, http.MethodGet, href, "", ""), http.StatusOK); r["location"] != "Lisbon" || r["rel"] != "contactLocation" {
		t.Errorf("alice's location %v", r)
	}
}

// stalledWriter is a client that does not read: Write blocks until
// released.
type stalledWriter struct {
	*httptest.ResponseRecorder
	writing chan struct{}
	release chan struct{}
}

func (w *stalledWriter) Write(b []byte) (int, error) {
	close(w.writing)
	<-w.release
	return w.ResponseRecorder.Write(b)
}

// TestSlowReaderStallsNobody: a response is written to the connection
// only after the handler has let go of the server's lock, so a client
// that does not read its (large) contact list holds up no one else.
func TestSlowReaderStallsNobody(t *testing.T) {
	g := newRig(t, nil)
	alice := signIn(t, g, "cwt=alice")
	bob := signIn(t, g, "cwt=bob")
	w := &stalledWriter{ResponseRecorder: httptest.NewRecorder(), writing: make(chan struct{}), release: make(chan struct{})}
	r := httptest.NewRequest(http.MethodGet, "https://web.contoso.com"+alice.self+"/people/contacts", nil)
	r.Header.Set("Authorization", "Bearer "+alice.token)
	done := make(chan struct{})
	go func() { defer close(done); g.s.ServeHTTP(w, r) }()
	<-w.writing
	other := make(chan int, 1)
	go func() { other <- g.do(bob.token, http.MethodGet, bob.self, "", "").Code }()
	select {
	case code := <-other:
		if code != http.StatusOK {
			t.Errorf("bob's request: %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Error("bob's request waited for alice's stalled response")
	}
	close(w.release)
	<-done
	if m := g.expect(w.ResponseRecorder, http.StatusOK); len(contacts(t, m)) == 0 {
		t.Errorf("alice's response: %d %s", w.Code, w.Body)
	}
}
