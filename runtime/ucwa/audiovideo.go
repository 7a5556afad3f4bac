package ucwa

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// avConv is one side of a peer-to-peer audio/video call, with its
// audioVideoInvitation (startAudioVideo_ref.md, audioVideoInvitation_ref.md,
// audioVideo_ref.md). Only the signalling is modelled: no SDP is
// negotiated and no media is carried, so an accepted call is Connected
// at once. Guarded by Server.mu.
type avConv struct {
	id, invID string
	peerSIP   string
	outgoing  bool
	state     string   // the conversation's
	avState   string   // the audioVideo modality's
	media     []string // the modalities of the call: Audio and/or Video
	invDone   bool

	operationID, threadID, subject, importance, sessionContext string

	// The other side, once it accepted (or, for an incoming call, the
	// caller from the start).
	peer     endpoint
	peerConv string

	// Outgoing: the invitations delivered and still ringing, once the
	// delivery is over (legsSet), and the legs declined before that.
	legs     []avLeg
	legsSet  bool
	declined []endpoint
	// ended is closed when an outgoing call stops ringing: its ring
	// timer's goroutine ends then.
	ended chan struct{}
}

// avLeg is an incoming invitation of a call on one of the callee's
// applications.
type avLeg struct {
	at   endpoint
	conv string
}

func (a *app) avHref(c *avConv) string { return a.base + "/communication/conversations/" + c.id }
func (a *app) avInvHref(c *avConv) string {
	return a.base + "/communication/audioVideoInvitations/" + c.invID
}

func (a *app) av(id string) *avConv {
	for _, c := range a.avs {
		if c.id == id || c.invID == id {
			return c
		}
	}
	return nil
}

// avAllowed reports whether the effective mobility policy lets the user
// place and receive IP audio/video calls (EnableIPAudioVideo).
func (a *app) avAllowed() bool { return a.user.Mobility.EnableIPAudioVideo }

// avStartLinks are the communication links that start a call, offered
// once available where the policy allows IP audio/video: startAudio,
// startVideo and, with both, startAudioVideo (communication_ref.md).
func (a *app) avStartLinks() obj {
	if !a.available || !a.avAllowed() {
		return nil
	}
	c := a.base + "/communication"
	return obj{{"startAudio", href(c + "/startAudio")}, {"startAudioVideo", href(c + "/startAudioVideo")}, {"startVideo", href(c + "/startVideo")}}
}

func (a *app) avInvitation(c *avConv) obj {
	dir, state := "Incoming", stateConnecting
	if c.outgoing {
		dir = "Outgoing"
	}
	switch {
	case c.invDone && c.state == stateConnected:
		state = stateConnected
	case c.invDone:
		state = stateDisconnected
	}
	from, to := "sip:"+c.peerSIP, "sip:"+a.user.SIP
	if c.outgoing {
		from, to = to, from
	}
	o := obj{{"direction", dir}, {"importance", c.importance}, {"state", state}, {"subject", c.subject}, {"threadId", c.threadID}, {"to", to}}
	if c.operationID != "" {
		o = append(o, kv{"operationId", c.operationID})
	}
	if c.sessionContext != "" {
		o = append(o, kv{"sessionContext", c.sessionContext})
	}
	inv := a.avInvHref(c)
	fromHref := a.avHref(c) + "/participants/" + strings.TrimPrefix(from, "sip:")
	links := obj{{"self", href(inv)}, {"from", obj{{"href", fromHref}, {"title", from}}}}
	switch {
	case c.outgoing:
		links = append(links, kv{"to", obj{{"href", a.base + "/people/" + c.peerSIP}, {"title", to}}})
		if !c.invDone {
			links = append(links, kv{"cancel", href(inv + "/cancel")})
		}
	case !c.invDone:
		links = append(links, kv{"accept", href(inv + "/accept")}, kv{"acceptWithAnswer", href(inv + "/acceptWithAnswer")},
			kv{"decline", href(inv + "/decline")})
	}
	links = append(links, kv{"conversation", href(a.avHref(c))}, kv{"audioVideo", href(a.avHref(c) + "/audioVideo")})
	o = append(o, kv{"_links", links})
	if !c.outgoing {
		local, _, _ := strings.Cut(c.peerSIP, "@")
		o = append(o, kv{"_embedded", obj{{"from", obj{{"name", local}, {"uri", from},
			{"_links", obj{{"self", href(fromHref)}, {"contact", href(a.base + "/people/" + c.peerSIP)}}}, {"rel", "participant"}}}}})
	}
	return append(o, kv{"rel", "audioVideoInvitation"})
}

func (a *app) avConversation(c *avConv) obj {
	active := []string{}
	if c.state == stateConnected {
		active = c.media
	}
	return obj{{"activeModalities", active}, {"importance", c.importance}, {"state", c.state}, {"subject", c.subject}, {"threadId", c.threadID},
		{"_links", obj{{"self", href(a.avHref(c))}, {"audioVideo", href(a.avHref(c) + "/audioVideo")},
			{"localParticipant", href(a.avHref(c) + "/participants/" + a.sip)}}}, {"rel", "conversation"}}
}

func (a *app) audioVideo(c *avConv) obj {
	p := a.avHref(c) + "/audioVideo"
	links := obj{{"self", href(p)}, {"conversation", href(a.avHref(c))}}
	if c.avState == stateConnecting || c.avState == stateConnected {
		links = append(links, kv{"stopAudioVideo", href(p + "/terminate")})
	}
	return obj{{"state", c.avState}, {"_links", links}, {"rel", "audioVideo"}}
}

// pushAV queues an event whose sender is the call's conversation.
func (s *Server) pushAV(a *app, c *avConv, e event) {
	e.sender, e.senderRef = "conversation", a.avHref(c)
	s.push(a, e)
}

// routeAudioVideo serves the call paths under communication/ and the
// paths of call conversations; false leaves the request to the others.
func (s *Server) routeAudioVideo(q *request, a *app, rest []string) bool {
	switch {
	case len(rest) == 1 && (rest[0] == "startaudiovideo" || rest[0] == "audiovideoinvitations"):
		if q.allow(http.MethodPost) {
			s.startAudioVideo(q, a, []string{"Audio", "Video"})
		}
	case len(rest) == 1 && rest[0] == "startaudio":
		if q.allow(http.MethodPost) {
			s.startAudioVideo(q, a, []string{"Audio"})
		}
	case len(rest) == 1 && rest[0] == "startvideo":
		if q.allow(http.MethodPost) {
			s.startAudioVideo(q, a, []string{"Video"})
		}
	case len(rest) == 2 && rest[0] == "audiovideoinvitations":
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				if c := a.av(rest[1]); c != nil && c.invID == rest[1] {
					q.reply(http.StatusOK, encode(a.avInvitation(c)))
					return
				}
				q.notFound("invitation")
			})
		}
	case len(rest) == 3 && rest[0] == "audiovideoinvitations":
		switch rest[2] {
		case "accept", "acceptwithanswer":
			if q.allow(http.MethodPost) {
				s.answerAV(q, a, rest[1], true)
			}
		case "decline":
			if q.allow(http.MethodPost) {
				s.answerAV(q, a, rest[1], false)
			}
		case "cancel":
			if q.allow(http.MethodPost) {
				s.hangUpAV(q, a, rest[1], true)
			}
		default:
			q.notFound("resource")
		}
	case len(rest) >= 2 && rest[0] == "conversations":
		s.mu.Lock()
		c := a.av(rest[1])
		isAV := c != nil && c.id == rest[1]
		s.mu.Unlock()
		if !isAV {
			return false
		}
		sub := strings.Join(rest[2:], "/")
		switch {
		case sub == "" && q.r.Method == http.MethodDelete, sub == "audiovideo/terminate":
			if q.allow(http.MethodPost, http.MethodDelete) {
				s.hangUpAV(q, a, c.id, false)
			}
		case sub == "":
			if q.allow(http.MethodGet, http.MethodDelete) {
				s.locked(q, func() { q.reply(http.StatusOK, encode(a.avConversation(c))) })
			}
		case sub == "audiovideo":
			if q.allow(http.MethodGet) {
				s.locked(q, func() { q.reply(http.StatusOK, encode(a.audioVideo(c))) })
			}
		default:
			q.notFound("resource")
		}
	default:
		return false
	}
	return true
}

// Why a call could not ring on one application of the callee.
const (
	avRinging  = iota
	avGone     // not signed in there, or not available
	avModality // the application did not ask for the call's modalities
	avPolicy   // the callee's policy has EnableIPAudioVideo False
	avMissed   // in the background without a push path
)

// startAudioVideo answers startAudioVideo, startAudio and startVideo
// (startAudioVideo_ref.md): 201 with Location and no body, then the
// outgoing events. The effective mobility policy governs it: with
// EnableIPAudioVideo = False there is no start link and a request is
// refused (403 NotAllowed, ErrorSubcode_ref.md "not allowed ... due to
// policy"). The call rings every available application of the callee
// that asked for audio (or video) in makeMeAvailable; one in the
// background is woken by a push notification where the plan has a push
// path, else the call is missed there (missedItems).
func (s *Server) startAudioVideo(q *request, a *app, media []string) {
	if !a.avAllowed() {
		q.fail(http.StatusForbidden, protocol.CodeForbidden, "NotAllowed", "IP audio and video are not allowed for sip:"+a.user.SIP+
			" by its mobility policy "+policyName(a.user)+" (EnableIPAudioVideo = False).")
		return
	}
	m, ok := s.jsonObject(q)
	if !ok {
		return
	}
	to, ok1 := str(m, "to", 256)
	sc, ok2 := str(m, "sessionContext", maxOperationID)
	if !ok1 || !ok2 {
		q.invalid("to or sessionContext")
		return
	}
	to = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(to)), "sip:")
	peer := s.users[to]
	if peer == nil || strings.EqualFold(peer.SIP, a.user.SIP) {
		q.invalid("to")
		return
	}
	base := newCall(q, "audioVideo", m)
	if base == nil {
		return
	}
	c := &avConv{id: base.id, invID: base.invID, peerSIP: strings.ToLower(peer.SIP), outgoing: true, state: stateConnecting, avState: stateConnecting,
		ended: make(chan struct{}), media: media, operationID: base.operationID, threadID: base.threadID, subject: base.subject, importance: base.importance, sessionContext: sc}
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
	a.avs = append(a.avs, c)
	s.push(a, event{sender: "communication", rel: "audioVideoInvitation", href: a.avInvHref(c), typ: "started", class: classHigh, embedded: a.avInvitation(c)})
	s.push(a, event{sender: "communication", rel: "conversation", href: a.avHref(c), typ: "added", class: classHigh, embedded: a.avConversation(c)})
	s.pushAV(a, c, event{rel: "localParticipant", href: a.avHref(c) + "/participants/" + a.sip, title: "sip:" + a.user.SIP, typ: "added", class: classHigh})
	s.pushAV(a, c, event{rel: "audioVideo", href: a.avHref(c) + "/audioVideo", typ: "updated", class: classHigh, embedded: a.audioVideo(c)})
	loc := a.avInvHref(c)
	self := endpoint{srv: s, appID: a.id}
	from := a.user.SIP
	s.mu.Unlock()

	var legs []avLeg
	worst, why := avGone, ""
	for _, e := range s.hub.endpoints(c.peerSIP) {
		conv, res, w := e.srv.inviteAV(e.appID, from, self, c)
		if res == avRinging {
			legs = append(legs, avLeg{at: e, conv: conv})
			continue
		}
		if res > worst {
			worst, why = res, w
		}
	}
	s.mu.Lock()
	var stale []avLeg // legs to stop: answered elsewhere or cancelled meanwhile
	missed := c.peer == (endpoint{})
	switch {
	case c.state != stateConnecting:
		for _, l := range legs {
			if l.at != c.peer || l.conv != c.peerConv {
				stale = append(stale, l)
			}
		}
	default:
		for _, l := range legs {
			if !slices.Contains(c.declined, l.at) {
				c.legs = append(c.legs, l)
			}
		}
		c.legsSet = true
		switch {
		case len(c.legs) > 0:
			s.ringTimer(a.id, c)
		case len(legs) > 0:
			s.endAV(a, c, obj{{"code", "Forbidden"}, {"subcode", "Declined"}, {"message", "sip:" + peer.SIP + " declined the call."}})
		default:
			s.endAV(a, c, avFailure(peer.SIP, worst, why))
		}
	}
	s.mu.Unlock()
	for _, l := range stale {
		l.at.srv.avStopRinging(l.at.appID, l.conv, missed)
	}
	q.w.Header().Set("Location", loc)
	q.empty(http.StatusCreated)
}

// avFailure is the reason a call that rang nowhere failed.
func avFailure(callee string, res int, why string) obj {
	switch res {
	case avMissed:
		return obj{{"code", "Timeout"}, {"subcode", "Missed"},
			{"message", "sip:" + callee + " is in the background and no push notification could be sent: " + why}}
	case avPolicy:
		return obj{{"code", "Forbidden"}, {"subcode", "NotAllowed"},
			{"message", "sip:" + callee + " may not take IP audio/video calls: its mobility policy " + why + " has EnableIPAudioVideo False."}}
	case avModality:
		return obj{{"code", "Forbidden"}, {"subcode", "ModalityNotSupported"},
			{"message", "No application of sip:" + callee + " takes audio/video calls (supportedModalities)."}}
	}
	return obj{{"code", "Gone"}, {"subcode", "TemporarilyUnavailable"}, {"message", "sip:" + callee + " is not signed in."}}
}

// inviteAV rings one of this server's applications with a call from the
// caller's conversation out; the incoming conversation's ID when it rings.
func (s *Server) inviteAV(appID, from string, caller endpoint, out *avConv) (string, int, string) {
	cid, err1 := newID(20)
	iid, err2 := newID(20)
	if err1 != nil || err2 != nil {
		return "", avGone, ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	now := s.now()
	if a == nil || !s.alive(a, now) || !a.available || a.conversations() >= maxConversations {
		return "", avGone, ""
	}
	if !a.avAllowed() {
		return "", avPolicy, policyName(a.user)
	}
	for _, m := range out.media {
		if !slices.Contains(a.modalities, m) {
			return "", avModality, ""
		}
	}
	if s.background(a, now) {
		if why := s.pushMissing(a); why != "" {
			s.missItem(a)
			return "", avMissed, why
		}
		s.notify(a, "audioVideoInvitation", from, "", now)
	}
	c := &avConv{id: cid, invID: iid, peerSIP: strings.ToLower(from), state: stateIncoming, avState: stateConnecting, media: out.media,
		threadID: out.threadID, subject: out.subject, importance: out.importance, peer: caller, peerConv: out.id}
	a.avs = append(a.avs, c)
	s.push(a, event{sender: "communication", rel: "audioVideoInvitation", href: a.avInvHref(c), typ: "started", class: classHigh, embedded: a.avInvitation(c)})
	s.push(a, event{sender: "communication", rel: "conversation", href: a.avHref(c), typ: "added", class: classHigh, embedded: a.avConversation(c)})
	return cid, avRinging, ""
}

// answerAV accepts (accept or acceptWithAnswer; no SDP is read) or
// declines an incoming call: 204 either way, the outcome follows on the
// event channel.
func (s *Server) answerAV(q *request, a *app, id string, accept bool) {
	if _, ok := s.body(q); !ok {
		return
	}
	s.mu.Lock()
	c := a.av(id)
	if c == nil || c.outgoing || c.invDone || c.invID != id {
		s.mu.Unlock()
		q.notFound("pending invitation")
		return
	}
	c.invDone = true
	peer, peerConv := c.peer, c.peerConv
	me := endpoint{srv: s, appID: a.id}
	if !accept {
		s.endAV(a, c, obj{{"code", "Forbidden"}, {"subcode", "Declined"}, {"message", "The call was declined."}})
		s.mu.Unlock()
		peer.srv.avDeclined(peer.appID, peerConv, me)
		q.empty(http.StatusNoContent)
		return
	}
	by := a.user.SIP
	s.mu.Unlock()
	ok := peer.srv.avAccepted(peer.appID, peerConv, me, c.id, by)
	s.mu.Lock()
	switch {
	case a.av(c.id) != c || c.state == stateDisconnected:
		// The caller hung up meanwhile; that already ended this side.
	case !ok:
		s.endAV(a, c, obj{{"code", "Gone"}, {"subcode", "Cancelled"}, {"message", "The call ended before it was answered here."}})
	default:
		c.state, c.avState = stateConnected, stateConnected
		part := a.avHref(c) + "/participants/" + c.peerSIP
		s.push(a, event{sender: "communication", rel: "audioVideoInvitation", href: a.avInvHref(c), typ: "updated", class: classHigh, embedded: a.avInvitation(c)})
		s.pushAV(a, c, event{rel: "conversation", href: a.avHref(c), typ: "updated", class: classHigh, embedded: a.avConversation(c)})
		s.pushAV(a, c, event{rel: "participant", href: part, title: "sip:" + c.peerSIP, typ: "added", class: classHigh})
		s.pushAV(a, c, event{rel: "audioVideo", href: a.avHref(c) + "/audioVideo", typ: "updated", class: classHigh, embedded: a.audioVideo(c)})
		s.push(a, event{sender: "communication", rel: "audioVideoInvitation", href: a.avInvHref(c), typ: "completed", class: classHigh,
			extra: []kv{{"status", "Success"}}})
	}
	s.mu.Unlock()
	q.empty(http.StatusNoContent)
}

// avAccepted connects the caller's side when one callee application
// accepted; false when the call no longer rings. The other legs stop
// ringing.
func (s *Server) avAccepted(appID, convID string, by endpoint, byConv, bySIP string) bool {
	s.mu.Lock()
	a := s.apps[appID]
	if a == nil || !s.alive(a, s.now()) {
		s.mu.Unlock()
		return false
	}
	c := a.av(convID)
	if c == nil || !c.outgoing || c.state != stateConnecting {
		s.mu.Unlock()
		return false
	}
	var others []avLeg
	for _, l := range c.legs {
		if l.at != by {
			others = append(others, l)
		}
	}
	c.legs = nil
	c.stopRinging()
	c.state, c.avState, c.invDone, c.peer, c.peerConv = stateConnected, stateConnected, true, by, byConv
	part := a.avHref(c) + "/participants/" + c.peerSIP
	s.pushAV(a, c, event{rel: "conversation", href: a.avHref(c), typ: "updated", class: classHigh, embedded: a.avConversation(c)})
	s.pushAV(a, c, event{rel: "participant", href: part, title: "sip:" + bySIP, typ: "added", class: classHigh})
	for _, m := range c.media {
		s.pushAV(a, c, event{rel: "participant" + m, href: part + "/" + strings.ToLower(m), typ: "added", class: classHigh,
			extra: []kv{{"in", obj{{"rel", "participant"}, {"href", part}, {"title", "sip:" + bySIP}}}}})
	}
	s.pushAV(a, c, event{rel: "audioVideo", href: a.avHref(c) + "/audioVideo", typ: "updated", class: classHigh, embedded: a.audioVideo(c)})
	s.push(a, event{sender: "communication", rel: "audioVideoInvitation", href: a.avInvHref(c), typ: "completed", class: classHigh,
		extra: []kv{{"status", "Success"}, {"_embedded", obj{{"acceptedByParticipant", []obj{{{"uri", "sip:" + bySIP},
			{"_links", obj{{"self", href(part)}}}, {"rel", "participant"}}}}}}}})
	s.mu.Unlock()
	for _, l := range others {
		l.at.srv.avStopRinging(l.at.appID, l.conv, false)
	}
	return true
}

// avDeclined stops one leg of the caller's call; when none rings any
// more the call fails as declined.
func (s *Server) avDeclined(appID, convID string, by endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	if a == nil {
		return
	}
	c := a.av(convID)
	if c == nil || !c.outgoing || c.state != stateConnecting {
		return
	}
	if !c.legsSet {
		c.declined = append(c.declined, by)
		return
	}
	c.legs = slices.DeleteFunc(c.legs, func(l avLeg) bool { return l.at == by })
	if len(c.legs) == 0 {
		s.endAV(a, c, obj{{"code", "Forbidden"}, {"subcode", "Declined"}, {"message", "sip:" + c.peerSIP + " declined the call."}})
	}
}

// avStopRinging ends an incoming call that was not answered here: the
// caller gave up (missed: a missed call in missedItems) or another
// application of the user answered it.
func (s *Server) avStopRinging(appID, convID string, missed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	if a == nil {
		return
	}
	c := a.av(convID)
	if c == nil || c.outgoing || c.state == stateConnected {
		return
	}
	reason := obj{{"code", "Gone"}, {"subcode", "Cancelled"}, {"message", "The call was answered on another device."}}
	if missed {
		reason = obj{{"code", "Gone"}, {"subcode", "Missed"}, {"message", "sip:" + c.peerSIP + " hung up before the call was answered."}}
		s.missItem(a)
	}
	s.endAV(a, c, reason)
}

// hangUpAV ends a call: cancel (the invitation's cancel link), stop
// (audioVideo/terminate) or DELETE on the conversation; 204. Before it
// was answered, the callee's applications stop ringing and show a missed
// call; once connected, the other side is disconnected.
func (s *Server) hangUpAV(q *request, a *app, id string, byInvitation bool) {
	s.mu.Lock()
	c := a.av(id)
	if c == nil || (byInvitation && (c.invID != id || !c.outgoing || c.invDone)) {
		s.mu.Unlock()
		q.notFound("call")
		return
	}
	wasUp, peer, peerConv := c.state == stateConnected, c.peer, c.peerConv
	legs := c.legs
	switch {
	case wasUp:
		s.endAV(a, c, nil)
	case c.outgoing:
		s.endAV(a, c, obj{{"code", "Gone"}, {"subcode", "Cancelled"}, {"message", "The call was cancelled."}})
	default:
		// Hanging up a ringing call declines it.
		c.invDone = true
		s.endAV(a, c, obj{{"code", "Forbidden"}, {"subcode", "Declined"}, {"message", "The call was declined."}})
	}
	me := endpoint{srv: s, appID: a.id}
	s.mu.Unlock()
	switch {
	case wasUp:
		peer.srv.avPeerLeft(peer.appID, peerConv)
	case c.outgoing:
		for _, l := range legs {
			l.at.srv.avStopRinging(l.at.appID, l.conv, true)
		}
	default:
		peer.srv.avDeclined(peer.appID, peerConv, me)
	}
	q.empty(http.StatusNoContent)
}

// avPeerLeft disconnects this side when the other side hung up.
func (s *Server) avPeerLeft(appID, convID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[appID]; a != nil {
		if c := a.av(convID); c != nil && c.state == stateConnected {
			s.pushAV(a, c, event{rel: "participant", href: a.avHref(c) + "/participants/" + c.peerSIP, typ: "deleted", class: classHigh})
			s.endAV(a, c, nil)
		}
	}
}

// endAV disconnects and forgets a call; a call whose invitation is still
// open completes it with the failure reason. Called with s.mu held.
func (s *Server) endAV(a *app, c *avConv, failure obj) {
	c.stopRinging()
	c.state, c.avState = stateDisconnected, stateDisconnected
	s.pushAV(a, c, event{rel: "audioVideo", href: a.avHref(c) + "/audioVideo", typ: "updated", class: classHigh, embedded: a.audioVideo(c)})
	if failure != nil {
		c.invDone = true
		s.push(a, event{sender: "communication", rel: "audioVideoInvitation", href: a.avInvHref(c), typ: "completed", class: classHigh,
			extra: []kv{{"status", "Failure"}, {"reason", failure}}})
	}
	s.push(a, event{sender: "communication", rel: "conversation", href: a.avHref(c), typ: "deleted", class: classHigh})
	a.avs = slices.DeleteFunc(a.avs, func(x *avConv) bool { return x == c })
}

// stopRinging ends the ring timer of an outgoing call. Called with
// s.mu held.
func (c *avConv) stopRinging() {
	if c.ended != nil && c.state == stateConnecting {
		close(c.ended)
		c.ended = nil
	}
}

// ringTimer misses the call if nobody answers it within RingTimeout.
// Called with s.mu held.
func (s *Server) ringTimer(appID string, c *avConv) {
	fire, stop := s.after(s.cfg.RingTimeout)
	ended := c.ended
	go func() {
		defer stop()
		select {
		case <-fire:
			s.ringTimedOut(appID, c)
		case <-ended:
		}
	}()
}

// ringTimedOut ends an outgoing call still ringing: the caller's call
// fails (Timeout, Missed) and every application it rang shows a missed
// call.
func (s *Server) ringTimedOut(appID string, c *avConv) {
	s.mu.Lock()
	a := s.apps[appID]
	if a == nil || a.av(c.id) != c || c.state != stateConnecting {
		s.mu.Unlock()
		return
	}
	legs := c.legs
	c.legs = nil
	s.endAV(a, c, obj{{"code", "Timeout"}, {"subcode", "Missed"},
		{"message", "sip:" + c.peerSIP + " did not answer within " + s.cfg.RingTimeout.String() + "."}})
	s.mu.Unlock()
	for _, l := range legs {
		l.at.srv.avStopRinging(l.at.appID, l.conv, true)
	}
}
