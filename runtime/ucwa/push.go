package ucwa

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mobplan/mobplan/planner/plan"
)

// Push is the push path of the plan as the Mobility service uses it: an
// invitation to an application in the background (no P-GET parked) goes
// as a SIP notification from the Front End through the Access Edge to
// the push clearing house, which hands it to APNS or MPNS. Without a
// path, the invitation is missed and the application finds a missed
// conversation when it returns.
type Push struct {
	// Services are the push services the push configuration enables
	// (APNS, MPNS).
	Services []string
	// AccessEdge is the Access Edge FQDN of the Edge pool, with
	// federation, that carries the notifications.
	AccessEdge string
	// ClearingHouse is the hosting provider's proxy FQDN the Edge
	// federates with (sipfed.online.lync.com).
	ClearingHouse string
	// Missing says why no notification can leave ("" when one can), the
	// rule ID first where a rule names the missing part.
	Missing string
}

// PushTarget is the SIP address the Mobility service sends push
// notifications to (McxConfiguration.PushNotificationProxyUri).
const PushTarget = "sip:push@push.lync.com"

// pushRules are the rules whose errors break the push path; a plan
// applied with --allow-errors carries them as findings.
var pushRules = []string{"PUSH-001", "PUSH-002", "PUSH-003", "PUSH-004", "PUSH-005", "PUSH-006", "PORT-006", "CERT-011"}

// PushFromPlan reads the push path of the plan for the servers of the
// pool (its site's Edge pool first).
func PushFromPlan(p *plan.Plan, pool string) Push {
	m := p.Mobility
	var out Push
	if m.APNS {
		out.Services = append(out.Services, "APNS")
	}
	if m.MPNS {
		out.Services = append(out.Services, "MPNS")
	}
	out.ClearingHouse = m.PushProxyFQDN
	site := ""
	for _, pl := range p.Directory.Pools {
		if pl.Name == pool {
			site = pl.Site
		}
	}
	for _, e := range p.Edges {
		if e.FederationEnabled && (out.AccessEdge == "" || e.Site == site && site != "") {
			out.AccessEdge = e.AccessFQDN
		}
	}
	switch {
	case !m.Enabled || !m.Push:
		out.Missing = "push notifications are not enabled in the plan (mobility.push)"
	case len(out.Services) == 0:
		out.Missing = "PUSH-005: the push configuration enables neither APNS nor MPNS"
	case out.AccessEdge == "":
		out.Missing = "PUSH-001: no Edge pool with federation enabled carries the notifications"
	case out.ClearingHouse == "":
		out.Missing = "PUSH-002: no hosting provider for the push clearing house"
	}
	if out.Missing != "" {
		return out
	}
	for _, f := range p.Findings {
		if f.Severity == "error" && !f.Acknowledged && slices.Contains(pushRules, f.Rule) {
			out.Missing = f.Rule + ": " + f.Message
			return out
		}
	}
	return out
}

// PushRecord is one push notification as the Mobility service sent it.
type PushRecord struct {
	Seq  int       `json:"seq"`
	Time time.Time `json:"time"`
	// Kind is the invitation that caused it: messagingInvitation.
	Kind string `json:"kind"`
	To   string `json:"to"`
	From string `json:"from"`
	// Message is the start of the first message, as the notification
	// shows it.
	Message     string `json:"message,omitempty"`
	Application string `json:"application"`
	// Server is the Front End whose Mobility service sent it; Route the
	// hops it took: that server, the Access Edge, the clearing house,
	// the push target.
	Server   string   `json:"server"`
	Route    []string `json:"route"`
	Services []string `json:"services"`
}

// MaxPushRecords bounds a hub's push log; older records are dropped.
const MaxPushRecords = 256

// maxPushPreview bounds a record's message preview, in bytes.
const maxPushPreview = 80

// PushRecords returns the push notifications sent through the hub, oldest
// first (at most MaxPushRecords); the Seq numbers show what was dropped.
func (h *Hub) PushRecords() []PushRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]PushRecord{}, h.pushes...)
}

func (h *Hub) recordPush(r PushRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pushSeq++
	r.Seq = h.pushSeq
	if len(h.pushes) >= MaxPushRecords {
		h.pushes = append(h.pushes[:0], h.pushes[1:]...)
	}
	h.pushes = append(h.pushes, r)
}

// background reports whether a is in the background: no P-GET parked
// for BackgroundAfter. Called with s.mu held.
func (s *Server) background(a *app, now time.Time) bool {
	return a.ch.waiter == nil && now.Sub(a.ch.idleSince) >= s.cfg.BackgroundAfter
}

// pushMissing reports why an invitation to a's user cannot be pushed ("" when
// it can).
func (s *Server) pushMissing(a *app) string {
	p := s.cfg.Push
	switch {
	case p.Missing != "":
		return p.Missing
	case len(p.Services) == 0 || p.AccessEdge == "" || p.ClearingHouse == "":
		return "push notifications are not enabled in the plan (mobility.push)"
	}
	if !a.user.Mobility.EnablePushNotifications {
		return "the mobility policy " + policyName(a.user) + " has EnablePushNotifications False"
	}
	return ""
}

func policyName(u *plan.User) string {
	if u.MobilityPolicy == "" {
		return "(defaults)"
	}
	return u.MobilityPolicy
}

// notify records the push notification for an invitation to a. Called
// with s.mu held (the hub's lock is taken after it, as elsewhere).
func (s *Server) notify(a *app, kind, from, text string, now time.Time) {
	if len(text) > maxPushPreview {
		text = text[:maxPushPreview]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	p := s.cfg.Push
	s.hub.recordPush(PushRecord{Time: now.UTC(), Kind: kind, To: "sip:" + a.user.SIP, From: "sip:" + strings.TrimPrefix(from, "sip:"),
		Message: text, Application: a.id, Server: s.cfg.ServerFQDN,
		Route: []string{s.cfg.ServerFQDN, p.AccessEdge, p.ClearingHouse, PushTarget}, Services: slices.Clone(p.Services)})
}

// missItem counts a missed conversation and queues missedItems updated,
// merged while queued, for the application's return. Called with s.mu
// held.
func (s *Server) missItem(a *app) {
	a.missed++
	a.unreadMissed++
	s.push(a, event{sender: "communication", rel: "missedItems", href: a.base + "/communication/missedItems", typ: "updated",
		class: classHigh, merge: true, embedded: a.missedItems()})
}

// missedItems is the missedItems resource (missedItems_ref.md); the lab
// has no voice mail and no conversation history.
func (a *app) missedItems() obj {
	return obj{
		{"conversationLogsCount", 0},
		{"missedConversationsCount", a.missed},
		{"unreadMissedConversationsCount", a.unreadMissed},
		{"unreadVoicemailsCount", 0},
		{"voiceMailsCount", 0},
		{"_links", obj{{"self", href(a.base + "/communication/missedItems")}}},
		{"rel", "missedItems"},
	}
}

// getMissedItems answers GET communication/missedItems; reading it marks
// the missed conversations read.
func (s *Server) getMissedItems(q *request, a *app) {
	s.locked(q, func() {
		body := encode(a.missedItems())
		a.unreadMissed = 0
		q.reply(http.StatusOK, body)
	})
}
