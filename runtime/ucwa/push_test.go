package ucwa

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
)

var labPush = Push{Services: []string{"APNS", "MPNS"}, AccessEdge: "sip.contoso.com", ClearingHouse: "sipfed.online.lync.com"}

const startToBob = `{"to":"sip:bob@contoso.com","_links":{"message":{"href":"data:text/plain;charset=utf-8,Are%20you%20there%3F"}}}`

// TestPushToBackground: with a push path, an invitation to an application
// with no P-GET parked is pushed through the Edge and still reaches the
// application when it returns; one in the foreground is not pushed.
func TestPushToBackground(t *testing.T) {
	g := newRig(t, func(c *Config) { c.Push = labPush })
	alice, bob := signIn(t, g, "cwt=alice"), signIn(t, g, "cwt=bob")

	// Bob's P-GET ended a moment ago: in the foreground, no push.
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", startToBob), http.StatusCreated)
	if n := len(g.s.hub.PushRecords()); n != 0 {
		t.Fatalf("%d push records for an application in the foreground", n)
	}
	bob.events(t)
	alice.events(t)

	g.clock.Advance(DefaultBackgroundAfter)
	g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", startToBob), http.StatusCreated)
	recs := g.s.hub.PushRecords()
	if len(recs) != 1 {
		t.Fatalf("push records %+v, want 1", recs)
	}
	r := recs[0]
	if r.Seq != 1 || r.Kind != "messagingInvitation" || r.To != "sip:bob@contoso.com" || r.From != "sip:alice@contoso.com" ||
		r.Message != "Are you there?" || r.Server != "fe1.contoso.local" || !r.Time.Equal(g.clock.Now()) ||
		!slices.Equal(r.Route, []string{"fe1.contoso.local", "sip.contoso.com", "sipfed.online.lync.com", PushTarget}) ||
		!slices.Equal(r.Services, []string{"APNS", "MPNS"}) || !strings.HasSuffix(bob.self, "/"+r.Application) {
		t.Errorf("push record %+v", r)
	}

	// Woken by the notification, Bob returns and accepts.
	m, got := bob.events(t)
	if want := []string{"communication messagingInvitation started", "communication conversation added"}; !slices.Equal(got, want) {
		t.Fatalf("bob on return %v, want %v", got, want)
	}
	in := findEvent(t, m, "messagingInvitation", "started")["_embedded"].(map[string]any)["messagingInvitation"].(map[string]any)
	g.expect(g.do(bob.token, http.MethodPost, link(t, in, "accept"), "", ""), http.StatusNoContent)
	m, _ = alice.events(t)
	if done := findEvent(t, m, "messagingInvitation", "completed"); done["status"] != "Success" {
		t.Errorf("alice's invitation %v", done)
	}
	items := g.expect(g.do(bob.token, http.MethodGet, bob.self+"/communication/missedItems", "", ""), http.StatusOK)
	if items["missedConversationsCount"] != 0.0 {
		t.Errorf("missed items after a pushed invitation %v", items)
	}
}

// TestPushMissed: without a push path (or where the user's policy turns
// push off), the invitation to an application in the background times
// out for the sender and the recipient finds a missed conversation when
// it returns; no notification is recorded.
func TestPushMissed(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"no push in the plan": nil,
		"no Edge": func(c *Config) {
			c.Push = labPush
			c.Push.Missing = "PUSH-001: no Edge pool with federation enabled carries the notifications"
		},
		"policy": func(c *Config) {
			c.Push = labPush
			for i := range c.Directory.Users {
				c.Directory.Users[i].Mobility.EnablePushNotifications = false
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			g := newRig(t, mod)
			alice, bob := signIn(t, g, "cwt=alice"), signIn(t, g, "cwt=bob")
			g.clock.Advance(DefaultBackgroundAfter + time.Second)
			g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", startToBob), http.StatusCreated)
			if recs := g.s.hub.PushRecords(); len(recs) != 0 {
				t.Fatalf("push records %+v without a push path", recs)
			}
			m, _ := alice.events(t)
			done := findEvent(t, m, "messagingInvitation", "completed")
			reason, _ := done["reason"].(map[string]any)
			if done["status"] != "Failure" || reason["code"] != "Timeout" || reason["subcode"] != "NoAnswer" {
				t.Errorf("alice's invitation %v", done)
			}
			if name == "no Edge" && !strings.Contains(reason["message"].(string), "PUSH-001") {
				t.Errorf("reason %v does not name the rule", reason)
			}
			g.expect(g.do(alice.token, http.MethodPost, alice.self+"/communication/messagingInvitations", "application/json", startToBob), http.StatusCreated)

			// Bob returns: one missedItems event, merged, and no invitation.
			m, got := bob.events(t)
			if want := []string{"communication missedItems updated"}; !slices.Equal(got, want) {
				t.Fatalf("bob on return %v, want %v", got, want)
			}
			ev := findEvent(t, m, "missedItems", "updated")["_embedded"].(map[string]any)["missedItems"].(map[string]any)
			if ev["missedConversationsCount"] != 2.0 || ev["unreadMissedConversationsCount"] != 2.0 {
				t.Errorf("missedItems %v", ev)
			}
			items := g.expect(g.do(bob.token, http.MethodGet, bob.self+"/communication/missedItems", "", ""), http.StatusOK)
			if items["missedConversationsCount"] != 2.0 || link(t, items, "self") != bob.self+"/communication/missedItems" {
				t.Errorf("missedItems %v", items)
			}
			items = g.expect(g.do(bob.token, http.MethodGet, bob.self+"/communication/missedItems", "", ""), http.StatusOK)
			if items["unreadMissedConversationsCount"] != 0.0 || items["missedConversationsCount"] != 2.0 {
				t.Errorf("missedItems once read %v", items)
			}
		})
	}
}

func TestPushFromPlan(t *testing.T) {
	base := func() *plan.Plan {
		return &plan.Plan{
			Mobility: plan.Mobility{Enabled: true, Push: true, APNS: true, PushProxyFQDN: "sipfed.online.lync.com"},
			Edges: []plan.EdgePool{
				{Name: "edge1", AccessFQDN: "sip1.contoso.com", Site: "s1", FederationEnabled: true},
				{Name: "edge2", AccessFQDN: "sip2.contoso.com", Site: "s2", FederationEnabled: true},
			},
			Directory: plan.Directory{Pools: []plan.Pool{{Name: "pool1", Site: "s2"}}},
		}
	}
	p := PushFromPlan(base(), "pool1")
	if p.Missing != "" || p.AccessEdge != "sip2.contoso.com" || !slices.Equal(p.Services, []string{"APNS"}) || p.ClearingHouse != "sipfed.online.lync.com" {
		t.Errorf("push %+v", p)
	}
	for want, mod := range map[string]func(*plan.Plan){
		"mobility.push": func(p *plan.Plan) { p.Mobility.Push = false },
		"PUSH-005":      func(p *plan.Plan) { p.Mobility.APNS = false },
		"PUSH-001": func(p *plan.Plan) {
			for i := range p.Edges {
				p.Edges[i].FederationEnabled = false
			}
		},
		"PUSH-004": func(p *plan.Plan) {
			p.Findings = []plan.Finding{{Rule: "PUSH-007", Severity: "warning"}, {Rule: "PUSH-004", Severity: "error", Message: "push.lync.com is not an allowed domain"}}
		},
	} {
		pl := base()
		mod(pl)
		if got := PushFromPlan(pl, "pool1"); !strings.Contains(got.Missing, want) {
			t.Errorf("%s: missing %q", want, got.Missing)
		}
	}
	pl := base()
	pl.Findings = []plan.Finding{{Rule: "PUSH-004", Severity: "error", Acknowledged: true}}
	if got := PushFromPlan(pl, "pool1"); got.Missing != "" {
		t.Errorf("an acknowledged finding breaks push: %q", got.Missing)
	}
}

func TestPushLogBounded(t *testing.T) {
	h := NewHub()
	for i := 0; i < MaxPushRecords+10; i++ {
		h.recordPush(PushRecord{Kind: "messagingInvitation"})
	}
	recs := h.PushRecords()
	if len(recs) != MaxPushRecords || recs[0].Seq != 11 || recs[len(recs)-1].Seq != MaxPushRecords+10 {
		t.Fatalf("%d records, %d..%d", len(recs), recs[0].Seq, recs[len(recs)-1].Seq)
	}
}
