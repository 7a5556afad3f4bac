package ucwa

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// Hub connects Front End instances: it knows which applications of which
// users are available (made themselves available), so that an invitation
// from one instance reaches the recipient's applications on any other, and
// carries presence to subscribers and holds the online meetings. It is
// safe for concurrent use; the supervisor makes one per generation, as SIP
// routing joins the deployment's pools.
type Hub struct {
	mu   sync.Mutex
	ends map[string][]endpoint // by lower-case SIP address

	// Presence (presence.go): what each available application published,
	// who watches whom, and the changes waiting to reach the watchers.
	pres     map[string][]published
	watchers map[string]map[endpoint]int
	changes  []change
	pending  map[change]bool // the changes queued
	draining bool

	// Online meetings (meetings.go), kept here as the conferencing
	// back end does, so that any instance can resolve a join.
	meetings  map[string]*meeting // by onlineMeetingId
	organized map[string]int      // meetings per organizer

	// Push notifications sent (push.go), the last MaxPushRecords.
	pushes  []PushRecord
	pushSeq int
}

// NewHub makes an empty hub.
func NewHub() *Hub {
	return &Hub{ends: map[string][]endpoint{}, pres: map[string][]published{}, watchers: map[string]map[endpoint]int{}, pending: map[change]bool{},
		meetings: map[string]*meeting{}, organized: map[string]int{}}
}

// endpoint is one available application.
type endpoint struct {
	srv   *Server
	appID string
}

func (h *Hub) register(sip string, e endpoint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ends[sip] = append(h.ends[sip], e)
}

func (h *Hub) unregister(sip string, e endpoint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.ends[sip]
	for i, x := range list {
		if x == e {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(h.ends, sip)
	} else {
		h.ends[sip] = list
	}
}

func (h *Hub) endpoints(sip string) []endpoint {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]endpoint(nil), h.ends[sip]...)
}

// Bounds of messaging.
const (
	maxConversations = 32 // per application
	maxMessageBytes  = 16 << 10
	maxSubject       = 250
	maxOperationID   = 50
)

// Conversation states.
const (
	stateConnecting   = "Connecting"
	stateIncoming     = "Incoming"
	stateConnected    = "Connected"
	stateDisconnected = "Disconnected"
)

// conv is one side of a messaging conversation, with its invitation.
type conv struct {
	id, invID   string
	peerSIP     string
	outgoing    bool
	state       string
	invDone     bool
	firstMsg    string // the invitation's first message, as text
	operationID string
	threadID    string
	subject     string
	importance  string
	peer        endpoint // the other side's application…
	peerConv    string   // …and conversation there
	msgs        int
	peerTyping  bool
	html        bool // Html was offered by the inviter (before accept) or negotiated (after)
}

func (a *app) convHref(c *conv) string { return a.base + "/communication/conversations/" + c.id }
func (a *app) invHref(c *conv) string {
	return a.base + "/communication/messagingInvitations/" + c.invID
}

// dataURI encodes text as UCWA does: always URL-encoded (PayloadFormat.md).
func dataURI(text string) string { return typedDataURI("text/plain", text) }

func typedDataURI(mediaType, text string) string {
	return "data:" + mediaType + ";charset=utf-8," + strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
}

// readDataURI decodes a data URI holding text.
func readDataURI(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return "", false
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok || strings.Contains(strings.ToLower(meta), ";base64") {
		return "", false
	}
	// Form encoding: the documented sample has "Hi+Tosh%0d%0a".
	text, err := url.QueryUnescape(data)
	return text, err == nil
}

func ajaxDate(t time.Time) string { return `/Date(` + strconv.FormatInt(t.UnixMilli(), 10) + `)/` }

func (a *app) conv(id string) *conv {
	for _, c := range a.convs {
		if c.id == id || c.invID == id {
			return c
		}
	}
	return nil
}

// routeCommunication serves the paths under communication/.
func (s *Server) routeCommunication(q *request, a *app, rest []string) {
	if s.routeAudioVideo(q, a, rest) || s.routeCalls(q, a, rest) {
		return
	}
	switch {
	case len(rest) == 1 && rest[0] == "misseditems":
		if q.allow(http.MethodGet) {
			s.getMissedItems(q, a)
		}
	case len(rest) == 1 && (rest[0] == "messaginginvitations" || rest[0] == "startmessaging"):
		if q.allow(http.MethodPost) {
			s.startMessaging(q, a)
		}
	case len(rest) == 2 && rest[0] == "messaginginvitations":
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				if c := a.conv(rest[1]); c != nil {
					q.reply(http.StatusOK, encode(a.invitation(c)))
					return
				}
				q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such invitation.")
			})
		}
	case len(rest) == 3 && rest[0] == "messaginginvitations" && (rest[2] == "accept" || rest[2] == "decline"):
		if q.allow(http.MethodPost) {
			s.answer(q, a, rest[1], rest[2] == "accept")
		}
	case len(rest) == 2 && rest[0] == "conversations":
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				if c := a.conv(rest[1]); c != nil {
					q.reply(http.StatusOK, encode(a.conversation(c)))
					return
				}
				q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such conversation.")
			})
		}
	case len(rest) == 3 && rest[0] == "conversations" && rest[2] == "messaging":
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				if c := a.conv(rest[1]); c != nil {
					q.reply(http.StatusOK, encode(a.messaging(c)))
					return
				}
				q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such conversation.")
			})
		}
	case len(rest) == 4 && rest[0] == "conversations" && rest[2] == "messaging" && rest[3] == "messages":
		if q.allow(http.MethodPost) {
			s.sendMessage(q, a, rest[1])
		}
	case len(rest) == 1 && rest[0] == "conversations":
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				list := []obj{}
				for _, c := range a.convs {
					if c.state != stateDisconnected {
						list = append(list, a.conversation(c))
					}
				}
				for _, c := range a.calls {
					list = append(list, a.callConversation(c))
				}
				for _, c := range a.avs {
					list = append(list, a.avConversation(c))
				}
				q.reply(http.StatusOK, encode(obj{{"_links", obj{{"self", href(a.base + "/communication/conversations")}}},
					{"_embedded", obj{{"conversation", list}}}, {"rel", "conversations"}}))
			})
		}
	case len(rest) == 4 && rest[0] == "conversations" && rest[2] == "messaging" && rest[3] == "typing":
		if q.allow(http.MethodPost) {
			s.setIsTyping(q, a, rest[1])
		}
	case len(rest) == 4 && rest[0] == "conversations" && rest[2] == "messaging" && rest[3] == "typingparticipants":
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				c := a.conv(rest[1])
				if c == nil {
					q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such conversation.")
					return
				}
				q.reply(http.StatusOK, encode(a.typingParticipants(c)))
			})
		}
	case len(rest) == 4 && rest[0] == "conversations" && rest[2] == "messaging" && rest[3] == "terminate":
		if q.allow(http.MethodPost) {
			s.stopMessaging(q, a, rest[1])
		}
	default:
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such resource.")
	}
}

// invitation renders a messagingInvitation.
func (a *app) invitation(c *conv) obj {
	inv := a.invHref(c)
	dir := "Incoming"
	if c.outgoing {
		dir = "Outgoing"
	}
	state := stateConnecting
	if c.invDone {
		state = stateConnected
	}
	links := obj{{"self", href(inv)}}
	from, to := "sip:"+c.peerSIP, "sip:"+a.user.SIP
	if c.outgoing {
		from, to = to, from
	}
	links = append(links, kv{"from", obj{{"href", a.convHref(c) + "/participants/" + strings.TrimPrefix(from, "sip:")}, {"title", from}}})
	if c.outgoing {
		links = append(links, kv{"to", obj{{"href", a.convHref(c) + "/participants/" + c.peerSIP}, {"title", to}}},
			kv{"cancel", href(a.convHref(c) + "/messaging/terminate")})
	} else if !c.invDone {
		links = append(links, kv{"accept", href(inv + "/accept")}, kv{"decline", href(inv + "/decline")})
	}
	if !c.outgoing && c.firstMsg != "" {
		links = append(links, kv{"message", href(dataURI(c.firstMsg))})
	}
	links = append(links, kv{"conversation", href(a.convHref(c))}, kv{"messaging", href(a.convHref(c) + "/messaging")})
	o := obj{{"direction", dir}, {"importance", c.importance}, {"state", state}, {"subject", c.subject}, {"threadId", c.threadID}}
	if c.operationID != "" {
		o = append(o, kv{"operationId", c.operationID})
	}
	return append(o, kv{"_links", links}, kv{"rel", "messagingInvitation"})
}

func (a *app) conversation(c *conv) obj {
	links := obj{{"self", href(a.convHref(c))}, {"messaging", href(a.convHref(c) + "/messaging")}}
	active := []string{}
	if c.state == stateConnected {
		active = []string{"Messaging"}
		links = append(links, kv{"addParticipant", href(a.convHref(c) + "/participantInvitations")})
	}
	return obj{{"activeModalities", active}, {"importance", c.importance}, {"state", c.state}, {"subject", c.subject},
		{"threadId", c.threadID}, {"_links", links}, {"rel", "conversation"}}
}

func (a *app) messaging(c *conv) obj {
	m := a.convHref(c) + "/messaging"
	links := obj{{"self", href(m)}, {"stopMessaging", href(m + "/terminate")}}
	o := obj{{"state", c.state}}
	switch c.state {
	case stateConnected:
		formats := []string{"Plain"}
		if c.html {
			formats = append(formats, "Html")
		}
		o = append(o, kv{"negotiatedMessageFormats", formats})
		links = append(links, kv{"sendMessage", href(m + "/messages")}, kv{"setIsTyping", href(m + "/typing")},
			kv{"typingParticipants", href(m + "/typingParticipants")})
	case stateDisconnected:
		links = obj{{"self", href(m)}}
	}
	return append(o, kv{"_links", links}, kv{"rel", "messaging"})
}

// pushConv queues an event whose sender is the conversation.
func (s *Server) pushConv(a *app, c *conv, e event) {
	e.sender, e.senderRef = "conversation", a.convHref(c)
	s.push(a, e)
}

// startMessaging answers POST communication/messagingInvitations: 201 with
// Location and no body, then the outgoing event sequence (SendAnIM.md).
func (s *Server) startMessaging(q *request, a *app) {
	m, ok := s.jsonObject(q)
	if !ok {
		return
	}
	to, ok1 := str(m, "to", 256)
	op, ok2 := str(m, "operationId", maxOperationID)
	subject, ok3 := str(m, "subject", maxSubject)
	thread, ok4 := str(m, "threadId", maxParam)
	imp, ok5 := str(m, "importance", maxParam)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		q.invalid("to, operationId, subject, threadId or importance")
		return
	}
	to = strings.ToLower(strings.TrimSpace(to))
	to = strings.TrimPrefix(to, "sip:")
	peer := s.users[to]
	if peer == nil {
		q.invalid("to")
		return
	}
	switch {
	case imp == "":
		imp = "Normal"
	case strings.EqualFold(imp, "Normal"), strings.EqualFold(imp, "Urgent"), strings.EqualFold(imp, "Emergency"):
		imp = strings.ToUpper(imp[:1]) + strings.ToLower(imp[1:])
	default:
		q.invalid("importance")
		return
	}
	first := ""
	if raw, ok := m["_links"]; ok {
		var links map[string]struct {
			Href string `json:"href"`
		}
		if json.Unmarshal(raw, &links) != nil {
			q.invalid("_links")
			return
		}
		for k, l := range links {
			if strings.EqualFold(k, "message") {
				text, ok := readDataURI(l.Href)
				if !ok || len(text) > maxMessageBytes {
					q.invalid("_links.message")
					return
				}
				first = text
			}
		}
	}
	cid, err1 := newID(20)
	iid, err2 := newID(20)
	if thread == "" {
		thread, _ = newID(20)
	}
	if err1 != nil || err2 != nil {
		q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", "no ID")
		return
	}
	s.mu.Lock()
	if !a.available {
		s.mu.Unlock()
		q.fail(http.StatusConflict, codeConflict, subMakeMeAvailableRequired, "Call makeMeAvailable first.")
		return
	}
	if a.conversations() >= maxConversations {
		s.mu.Unlock()
		q.fail(http.StatusConflict, codeConflict, "TooManyConversations", "The application has too many conversations.")
		return
	}
	c := &conv{id: cid, invID: iid, peerSIP: strings.ToLower(peer.SIP), outgoing: true, state: stateConnecting,
		firstMsg: first, operationID: op, threadID: thread, subject: subject, importance: imp, html: slices.Contains(a.formats, "Html")}
	a.convs = append(a.convs, c)
	s.push(a, event{sender: "communication", rel: "messagingInvitation", href: a.invHref(c), typ: "started", class: classRealTime, embedded: a.invitation(c)})
	s.push(a, event{sender: "communication", rel: "conversation", href: a.convHref(c), typ: "added", class: classRealTime, embedded: a.conversation(c)})
	s.pushConv(a, c, event{rel: "localParticipant", href: a.convHref(c) + "/participants/" + a.sip, title: a.user.SIP, typ: "added", class: classRealTime})
	s.pushConv(a, c, event{rel: "messaging", href: a.convHref(c) + "/messaging", typ: "updated", class: classRealTime, embedded: a.messaging(c)})
	loc := a.invHref(c)
	self := endpoint{srv: s, appID: a.id}
	fromUser := a.user
	s.mu.Unlock()

	// Deliver to the recipient's available applications in the pool.
	delivered, missed := false, ""
	for _, e := range s.hub.endpoints(c.peerSIP) {
		ok, why := e.srv.invite(e.appID, fromUser.SIP, self, c)
		delivered = delivered || ok
		if why != "" {
			missed = why
		}
	}
	if !delivered {
		reason := obj{{"code", "Gone"}, {"subcode", "TemporarilyUnavailable"}, {"message", "sip:" + peer.SIP + " is not signed in."}}
		if missed != "" {
			// The Mobility service could not wake the device: the
			// invitation times out unanswered, as in production.
			reason = obj{{"code", "Timeout"}, {"subcode", "NoAnswer"},
				{"message", "sip:" + peer.SIP + " is in the background and no push notification could be sent: " + missed}}
		}
		s.mu.Lock()
		c.state = stateDisconnected
		s.push(a, event{sender: "communication", rel: "messagingInvitation", href: loc, typ: "completed", class: classRealTime,
			extra: []kv{{"status", "Failure"}, {"reason", reason}}})
		s.mu.Unlock()
	}
	q.w.Header().Set("Location", loc)
	q.empty(http.StatusCreated)
}

// invite delivers an invitation to one of this server's applications;
// false when it is gone or not available. An application in the
// background gets it only with a push notification; without one it is
// missed, and missed says why.
func (s *Server) invite(appID, from string, caller endpoint, out *conv) (ok bool, missed string) {
	cid, err1 := newID(20)
	iid, err2 := newID(20)
	if err1 != nil || err2 != nil {
		return false, ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	now := s.now()
	if a == nil || !s.alive(a, now) || !a.available || a.conversations() >= maxConversations {
		return false, ""
	}
	if s.background(a, now) {
		if why := s.pushMissing(a); why != "" {
			s.missItem(a)
			return false, why
		}
		s.notify(a, "messagingInvitation", from, out.firstMsg, now)
	}
	c := &conv{id: cid, invID: iid, peerSIP: strings.ToLower(from), state: stateIncoming, firstMsg: out.firstMsg, html: out.html,
		threadID: out.threadID, subject: out.subject, importance: out.importance, peer: caller, peerConv: out.id}
	a.convs = append(a.convs, c)
	s.push(a, event{sender: "communication", rel: "messagingInvitation", href: a.invHref(c), typ: "started", class: classRealTime, embedded: a.invitation(c)})
	s.push(a, event{sender: "communication", rel: "conversation", href: a.convHref(c), typ: "added", class: classRealTime, embedded: a.conversation(c)})
	return true, ""
}

// answer accepts (204, ReceiveAnIM.md) or declines an incoming invitation.
func (s *Server) answer(q *request, a *app, id string, accept bool) {
	s.mu.Lock()
	c := a.conv(id)
	if c == nil || c.outgoing || c.invDone {
		s.mu.Unlock()
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No pending invitation.")
		return
	}
	c.invDone = true
	peer, peerConv := c.peer, c.peerConv
	me := endpoint{srv: s, appID: a.id}
	if accept {
		c.state = stateConnected
		c.html = c.html && slices.Contains(a.formats, "Html")
		s.push(a, event{sender: "communication", rel: "messagingInvitation", href: a.invHref(c), typ: "updated", class: classRealTime, embedded: a.invitation(c)})
		s.pushConv(a, c, event{rel: "conversation", href: a.convHref(c), typ: "updated", class: classRealTime, embedded: a.conversation(c)})
		s.pushConv(a, c, event{rel: "participant", href: a.convHref(c) + "/participants/" + c.peerSIP, title: "sip:" + c.peerSIP, typ: "added", class: classRealTime})
		s.pushConv(a, c, event{rel: "messaging", href: a.convHref(c) + "/messaging", typ: "updated", class: classRealTime, embedded: a.messaging(c)})
		s.push(a, event{sender: "communication", rel: "messagingInvitation", href: a.invHref(c), typ: "completed", class: classRealTime,
			extra: []kv{{"status", "Success"}}})
		if c.firstMsg != "" {
			s.incomingMessage(a, c, c.firstMsg, false)
		}
	} else {
		c.state = stateDisconnected
		s.push(a, event{sender: "communication", rel: "messagingInvitation", href: a.invHref(c), typ: "completed", class: classRealTime,
			extra: []kv{{"status", "Failure"}, {"reason", obj{{"code", "Forbidden"}, {"subcode", "Declined"}, {"message", "The invitation was declined."}}}}})
	}
	acceptor, html := a.user.SIP, c.html
	s.mu.Unlock()
	if accept {
		if !peer.srv.accepted(peer.appID, peerConv, me, c.id, acceptor, html) {
			s.mu.Lock()
			c.state = stateDisconnected
			s.pushConv(a, c, event{rel: "messaging", href: a.convHref(c) + "/messaging", typ: "updated", class: classRealTime, embedded: a.messaging(c)})
			s.mu.Unlock()
		}
	} else {
		peer.srv.declined(peer.appID, peerConv)
	}
	q.empty(http.StatusNoContent)
}

// accepted tells the inviting side its invitation was accepted.
func (s *Server) accepted(appID, convID string, by endpoint, byConv, bySIP string, html bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	if a == nil || !s.alive(a, s.now()) {
		return false
	}
	c := a.conv(convID)
	if c == nil || c.state != stateConnecting {
		return false
	}
	c.state, c.invDone, c.peer, c.peerConv, c.html = stateConnected, true, by, byConv, html
	part := a.convHref(c) + "/participants/" + c.peerSIP
	s.pushConv(a, c, event{rel: "conversation", href: a.convHref(c), typ: "updated", class: classRealTime, embedded: a.conversation(c)})
	s.pushConv(a, c, event{rel: "participant", href: part, title: "sip:" + bySIP, typ: "added", class: classRealTime})
	s.pushConv(a, c, event{rel: "participantMessaging", href: part + "/messaging", typ: "added", class: classRealTime,
		extra: []kv{{"in", obj{{"rel", "participant"}, {"href", part}, {"title", "sip:" + bySIP}}}}})
	s.pushConv(a, c, event{rel: "messaging", href: a.convHref(c) + "/messaging", typ: "updated", class: classRealTime, embedded: a.messaging(c)})
	s.push(a, event{sender: "communication", rel: "messagingInvitation", href: a.invHref(c), typ: "completed", class: classRealTime,
		extra: []kv{{"status", "Success"}, {"_embedded", obj{{"acceptedByParticipant", []obj{{{"uri", "sip:" + bySIP},
			{"_links", obj{{"self", href(part)}}}, {"rel", "participant"}}}}}}}})
	return true
}

// declined tells the inviting side its invitation was declined.
func (s *Server) declined(appID, convID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	if a == nil {
		return
	}
	if c := a.conv(convID); c != nil && c.state == stateConnecting {
		c.state, c.invDone = stateDisconnected, true
		s.push(a, event{sender: "communication", rel: "messagingInvitation", href: a.invHref(c), typ: "completed", class: classRealTime,
			extra: []kv{{"status", "Failure"}, {"reason", obj{{"code", "Forbidden"}, {"subcode", "Declined"}, {"message", "sip:" + c.peerSIP + " declined."}}}}})
	}
}

// incomingMessage queues a received message. Called with s.mu held.
func (s *Server) incomingMessage(a *app, c *conv, text string, html bool) {
	c.msgs++
	c.peerTyping = false
	m := a.convHref(c) + "/messaging/messages/" + strconv.Itoa(c.msgs)
	part := a.convHref(c) + "/participants/" + c.peerSIP
	body := kv{"plainMessage", href(dataURI(text))}
	if html {
		body = kv{"htmlMessage", href(typedDataURI("text/html", text))}
	}
	msg := obj{{"direction", "Incoming"}, {"timeStamp", ajaxDate(s.now())}, {"_links", obj{
		{"self", href(m)},
		{"contact", href(a.base + "/people/" + c.peerSIP)},
		{"participant", obj{{"href", part}, {"title", "sip:" + c.peerSIP}}},
		{"messaging", href(a.convHref(c) + "/messaging")},
		body,
	}}, {"rel", "message"}}
	s.pushConv(a, c, event{rel: "message", href: m, typ: "completed", class: classRealTime, embedded: msg, extra: []kv{{"status", "Success"}}})
}

// deliver hands a message to this server's side of a conversation.
func (s *Server) deliver(appID, convID, text string, html bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	if a == nil || !s.alive(a, s.now()) {
		return false
	}
	c := a.conv(convID)
	if c == nil || c.state != stateConnected {
		return false
	}
	s.incomingMessage(a, c, text, html)
	return true
}

// sendMessage answers POST …/messaging/messages (text/plain): 201 with
// Location and no body; a message completed event follows.
func (s *Server) sendMessage(q *request, a *app, id string) {
	mt, _, _ := strings.Cut(q.r.Header.Get("Content-Type"), ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if mt != "text/plain" && mt != "text/html" {
		q.fail(http.StatusUnsupportedMediaType, protocol.CodeUnsupportedMediaType, subUnsupportedMediaType, "Messages are sent as text/plain, or text/html where Html was negotiated.")
		return
	}
	html := mt == "text/html"
	b, ok := s.body(q)
	if !ok {
		return
	}
	if len(b) > maxMessageBytes {
		q.fail(http.StatusRequestEntityTooLarge, protocol.CodeEntityTooLarge, subEntityTooLarge, "The message is too large.")
		return
	}
	s.mu.Lock()
	c := a.conv(id)
	if c == nil {
		s.mu.Unlock()
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such conversation.")
		return
	}
	if c.state != stateConnected {
		s.mu.Unlock()
		q.fail(http.StatusConflict, codeConflict, "InvalidState", "The conversation is "+c.state+".")
		return
	}
	if html && !c.html {
		s.mu.Unlock()
		q.fail(http.StatusUnsupportedMediaType, protocol.CodeUnsupportedMediaType, subUnsupportedMediaType, "Html was not negotiated in this conversation.")
		return
	}
	c.msgs++
	loc := a.convHref(c) + "/messaging/messages/" + strconv.Itoa(c.msgs)
	peer, peerConv := c.peer, c.peerConv
	s.mu.Unlock()
	ok = peer.srv.deliver(peer.appID, peerConv, string(b), html)
	s.mu.Lock()
	msg := obj{{"direction", "Outgoing"}, {"timeStamp", ajaxDate(s.now())},
		{"_links", obj{{"self", href(loc)}, {"messaging", href(a.convHref(c) + "/messaging")}}}, {"rel", "message"}}
	e := event{rel: "message", href: loc, typ: "completed", class: classRealTime, embedded: msg, extra: []kv{{"status", "Success"}}}
	if !ok {
		e.extra = []kv{{"status", "Failure"}, {"reason", obj{{"code", "Gone"}, {"subcode", "TemporarilyUnavailable"},
			{"message", "sip:" + c.peerSIP + " is no longer in the conversation."}}}}
	}
	s.pushConv(a, c, e)
	s.mu.Unlock()
	q.w.Header().Set("Location", loc)
	q.empty(http.StatusCreated)
}

// typingParticipants lists who is typing: the other side, for a few
// seconds after it said so.
func (a *app) typingParticipants(c *conv) obj {
	list := []obj{}
	if c.peerTyping {
		part := a.convHref(c) + "/participants/" + c.peerSIP
		list = append(list, obj{{"uri", "sip:" + c.peerSIP}, {"_links", obj{{"self", href(part)}}}, {"rel", "participant"}})
	}
	return obj{{"_links", obj{{"self", href(a.convHref(c) + "/messaging/typingParticipants")}}},
		{"_embedded", obj{{"participant", list}}}, {"rel", "typingParticipants"}}
}

// setIsTyping answers POST …/messaging/typing: 204, and the other side
// gets typingParticipants updated.
func (s *Server) setIsTyping(q *request, a *app, id string) {
	s.mu.Lock()
	c := a.conv(id)
	if c == nil || c.state != stateConnected {
		s.mu.Unlock()
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No connected conversation.")
		return
	}
	peer, peerConv := c.peer, c.peerConv
	s.mu.Unlock()
	peer.srv.peerTyping(peer.appID, peerConv)
	q.empty(http.StatusNoContent)
}

// peerTyping marks the other side as typing; its next message clears it.
func (s *Server) peerTyping(appID, convID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	if a == nil || !s.alive(a, s.now()) {
		return
	}
	if c := a.conv(convID); c != nil && c.state == stateConnected {
		c.peerTyping = true
		s.pushConv(a, c, event{rel: "typingParticipants", href: a.convHref(c) + "/messaging/typingParticipants", typ: "updated",
			class: classHigh, merge: true, embedded: a.typingParticipants(c)})
	}
}

// stopMessaging answers POST …/messaging/terminate: 204; both sides'
// messaging ends.
func (s *Server) stopMessaging(q *request, a *app, id string) {
	s.mu.Lock()
	c := a.conv(id)
	if c == nil {
		s.mu.Unlock()
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such conversation.")
		return
	}
	peer, peerConv, wasUp := c.peer, c.peerConv, c.state == stateConnected
	s.endConv(a, c)
	s.mu.Unlock()
	if wasUp && peer.srv != nil {
		peer.srv.peerLeft(peer.appID, peerConv)
	}
	q.empty(http.StatusNoContent)
}

// endConv disconnects and forgets a conversation. Called with s.mu held.
func (s *Server) endConv(a *app, c *conv) {
	c.state = stateDisconnected
	s.pushConv(a, c, event{rel: "messaging", href: a.convHref(c) + "/messaging", typ: "updated", class: classRealTime, embedded: a.messaging(c)})
	s.push(a, event{sender: "communication", rel: "conversation", href: a.convHref(c), typ: "deleted", class: classRealTime})
	for i, x := range a.convs {
		if x == c {
			a.convs = append(a.convs[:i:i], a.convs[i+1:]...)
			break
		}
	}
}

// peerLeft ends this side when the other side stopped messaging.
func (s *Server) peerLeft(appID, convID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[appID]; a != nil {
		if c := a.conv(convID); c != nil {
			s.pushConv(a, c, event{rel: "participant", href: a.convHref(c) + "/participants/" + c.peerSIP, typ: "deleted", class: classRealTime})
			s.endConv(a, c)
		}
	}
}
