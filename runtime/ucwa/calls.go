package ucwa

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// Kinds of call.
const (
	kindMeeting = "onlineMeeting" // a joined online meeting (Click to Join)
	kindPhone   = "phoneAudio"    // a Call via Work call
)

// call is a conversation other than peer-to-peer messaging: an online
// meeting joined or a Call via Work call. Only signalling is modelled: no
// media is carried, and the lab has no PSTN, so a callback the deployment
// can place is answered at once. Guarded by Server.mu.
type call struct {
	id, invID, kind, state                     string
	operationID, threadID, subject, importance string
	meetingURI, meetingID, organizerSIP, join  string // kindMeeting
	phoneNumber, to                            string // the callback number, and the callee of kindPhone
	phoneState                                 string // the phoneAudio modality's state, "" when there is none
	done                                       bool   // the invitation completed
	failure                                    obj    // its reason, when it failed
}

func (a *app) callHref(c *call) string { return a.base + "/communication/conversations/" + c.id }

func (a *app) callInvHref(c *call) string {
	if c.kind == kindPhone {
		return a.base + "/communication/phoneAudioInvitations/" + c.invID
	}
	return a.base + "/communication/onlineMeetingInvitations/" + c.invID
}

func (a *app) call(id string) *call {
	for _, c := range a.calls {
		if c.id == id || c.invID == id {
			return c
		}
	}
	return nil
}

// callInvitation renders an outgoing onlineMeetingInvitation or
// phoneAudioInvitation.
func (a *app) callInvitation(c *call) obj {
	state := stateConnecting
	switch {
	case c.done && c.failure == nil:
		state = stateConnected
	case c.done:
		state = stateDisconnected
	}
	o := obj{{"direction", "Outgoing"}, {"importance", c.importance}, {"state", state}, {"subject", c.subject}, {"threadId", c.threadID}}
	if c.operationID != "" {
		o = append(o, kv{"operationId", c.operationID})
	}
	links := obj{{"self", href(a.callInvHref(c))}, {"conversation", href(a.callHref(c))}}
	if !c.done {
		links = append(links, kv{"cancel", href(a.callInvHref(c) + "/cancel")})
	}
	rel := "onlineMeetingInvitation"
	if c.kind == kindPhone {
		rel = "phoneAudioInvitation"
		o = append(o, kv{"phoneNumber", c.phoneNumber}, kv{"to", c.to})
		links = append(links, kv{"phoneAudio", href(a.callHref(c) + "/phoneAudio")})
	} else {
		o = append(o, kv{"onlineMeetingUri", c.meetingURI}, kv{"availableModalities", []string{"Messaging"}}, kv{"to", c.meetingURI})
	}
	return append(o, kv{"_links", links}, kv{"rel", rel})
}

func (a *app) callConversation(c *call) obj {
	links := obj{{"self", href(a.callHref(c))}, {"localParticipant", href(a.callHref(c) + "/participants/" + a.sip)}}
	active := []string{}
	if c.state == stateConnected && c.phoneState == stateConnected {
		active = []string{"PhoneAudio"}
	}
	if c.kind == kindMeeting {
		links = append(links, kv{"onlineMeeting", href(a.callHref(c) + "/onlineMeeting")})
	}
	if c.phoneState != "" {
		links = append(links, kv{"phoneAudio", href(a.callHref(c) + "/phoneAudio")})
	}
	return obj{{"activeModalities", active}, {"importance", c.importance}, {"state", c.state}, {"subject", c.subject},
		{"threadId", c.threadID}, {"_links", links}, {"rel", "conversation"}}
}

func (a *app) phoneAudio(c *call) obj {
	p := a.callHref(c) + "/phoneAudio"
	links := obj{{"self", href(p)}, {"conversation", href(a.callHref(c))}}
	if c.phoneState == stateConnecting || c.phoneState == stateConnected {
		links = append(links, kv{"stopPhoneAudio", href(p + "/terminate")})
	}
	return obj{{"phoneNumber", c.phoneNumber}, {"state", c.phoneState}, {"_links", links}, {"rel", "phoneAudio"}}
}

func (a *app) onlineMeeting(c *call) obj {
	return obj{{"onlineMeetingId", c.meetingID}, {"onlineMeetingUri", c.meetingURI}, {"organizerUri", "sip:" + c.organizerSIP},
		{"subject", c.subject}, {"joinUrl", c.join},
		{"_links", obj{{"self", href(a.callHref(c) + "/onlineMeeting")}, {"conversation", href(a.callHref(c))}}}, {"rel", "onlineMeeting"}}
}

// normalizePhone reads a phone number as the server normalizes it: an
// optional tel:, an optional +, then 3 to 15 digits (separators
// dropped); the result is a tel: URI.
func normalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	plus := strings.HasPrefix(strings.TrimSpace(s), "+")
	var digits []byte
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", false
		}
	}
	if len(digits) < 3 || len(digits) > 15 {
		return "", false
	}
	if plus {
		return "tel:+" + string(digits), true
	}
	return "tel:" + string(digits), true
}

// routeCalls serves the meeting and Call via Work paths under
// communication/, and the conversation paths of their conversations;
// false leaves the request to messaging.
func (s *Server) routeCalls(q *request, a *app, rest []string) bool {
	switch {
	case len(rest) == 1 && (rest[0] == "onlinemeetinginvitations" || rest[0] == "startonlinemeeting" || rest[0] == "joinonlinemeeting"):
		if q.allow(http.MethodPost) {
			uri, _ := q.query("onlineMeetingUri")
			s.joinMeeting(q, a, rest[0] == "startonlinemeeting" || strings.EqualFold(uri, "adhoc"))
		}
	case len(rest) == 1 && (rest[0] == "phoneaudioinvitations" || rest[0] == "startphoneaudio"):
		if q.allow(http.MethodPost) {
			s.startPhoneAudio(q, a)
		}
	case len(rest) == 2 && (rest[0] == "onlinemeetinginvitations" || rest[0] == "phoneaudioinvitations"):
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				if c := a.call(rest[1]); c != nil && c.invID == rest[1] && (c.kind == kindPhone) == (rest[0] == "phoneaudioinvitations") {
					q.reply(http.StatusOK, encode(a.callInvitation(c)))
					return
				}
				q.notFound("invitation")
			})
		}
	case len(rest) == 3 && (rest[0] == "onlinemeetinginvitations" || rest[0] == "phoneaudioinvitations") && rest[2] == "cancel":
		if q.allow(http.MethodPost) {
			s.locked(q, func() {
				if c := a.call(rest[1]); c != nil && c.invID == rest[1] && !c.done {
					s.hangUp(a, c)
					q.empty(http.StatusNoContent)
					return
				}
				q.notFound("invitation in progress")
			})
		}
	case len(rest) == 2 && rest[0] == "conversations" && q.r.Method == http.MethodDelete:
		s.mu.Lock()
		if c := a.call(rest[1]); c != nil && c.id == rest[1] {
			s.hangUp(a, c)
			s.mu.Unlock()
			q.empty(http.StatusNoContent)
			return true
		}
		s.mu.Unlock()
		// A messaging conversation is left as stopMessaging leaves it.
		s.stopMessaging(q, a, rest[1])
	case len(rest) >= 2 && rest[0] == "conversations":
		s.mu.Lock()
		c := a.call(rest[1])
		if c == nil || c.id != rest[1] {
			s.mu.Unlock()
			return false
		}
		defer s.mu.Unlock()
		sub := strings.Join(rest[2:], "/")
		switch {
		case sub == "":
			if q.allow(http.MethodGet) {
				q.reply(http.StatusOK, encode(a.callConversation(c)))
			}
		case sub == "onlinemeeting" && c.kind == kindMeeting:
			if q.allow(http.MethodGet) {
				q.reply(http.StatusOK, encode(a.onlineMeeting(c)))
			}
		case sub == "phoneaudio" && c.phoneState != "":
			if q.allow(http.MethodGet) {
				q.reply(http.StatusOK, encode(a.phoneAudio(c)))
			}
		case sub == "phoneaudio/terminate" && c.phoneState != "":
			if q.allow(http.MethodPost) {
				s.hangUp(a, c)
				q.empty(http.StatusNoContent)
			}
		default:
			q.notFound("resource")
		}
	default:
		return false
	}
	return true
}

// newCall reads what startOnlineMeeting, joinOnlineMeeting and
// startPhoneAudio share (operationId, importance, subject, threadId) and
// makes the call's IDs; nil when it answered.
func newCall(q *request, kind string, m map[string]json.RawMessage) *call {
	op, ok1 := str(m, "operationId", maxOperationID)
	subject, ok2 := str(m, "subject", maxSubject)
	thread, ok3 := str(m, "threadId", maxParam)
	imp, ok4 := str(m, "importance", maxParam)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		q.invalid("operationId, subject, threadId or importance")
		return nil
	}
	imp, ok := canonicalImportance(imp)
	if !ok {
		q.invalid("importance")
		return nil
	}
	id, err1 := newID(20)
	inv, err2 := newID(20)
	if thread == "" {
		thread, _ = newID(20)
	}
	if err1 != nil || err2 != nil {
		q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", "no ID")
		return nil
	}
	return &call{id: id, invID: inv, kind: kind, state: stateConnecting, operationID: op, threadID: thread, subject: subject, importance: imp}
}

// canonicalImportance reads Normal, Urgent or Emergency; "" is Normal.
func canonicalImportance(imp string) (string, bool) {
	if imp == "" {
		return "Normal", true
	}
	for _, v := range []string{"Normal", "Urgent", "Emergency"} {
		if strings.EqualFold(imp, v) {
			return v, true
		}
	}
	return "", false
}

// conversations counts an application's conversations of every kind.
func (a *app) conversations() int { return len(a.convs) + len(a.calls) + len(a.avs) }

// startCall queues the first events of an outgoing call: its invitation
// started, the conversation added, the local participant added. Called
// with s.mu held.
func (s *Server) startCall(a *app, c *call) {
	a.calls = append(a.calls, c)
	s.push(a, event{sender: "communication", rel: c.invRel(), href: a.callInvHref(c), typ: "started", class: classHigh, embedded: a.callInvitation(c)})
	s.push(a, event{sender: "communication", rel: "conversation", href: a.callHref(c), typ: "added", class: classHigh, embedded: a.callConversation(c)})
	s.pushCall(a, c, event{rel: "localParticipant", href: a.callHref(c) + "/participants/" + a.sip, title: "sip:" + a.user.SIP, typ: "added", class: classHigh})
}

// connectCall completes a call's invitation with success. Called with
// s.mu held.
func (s *Server) connectCall(a *app, c *call) {
	c.state, c.done = stateConnected, true
	if c.kind == kindMeeting {
		s.pushCall(a, c, event{rel: "onlineMeeting", href: a.callHref(c) + "/onlineMeeting", typ: "added", class: classHigh, embedded: a.onlineMeeting(c)})
	}
	if c.phoneState != "" {
		c.phoneState = stateConnected
	}
	s.pushCall(a, c, event{rel: "conversation", href: a.callHref(c), typ: "updated", class: classHigh, embedded: a.callConversation(c)})
	if c.kind == kindPhone && strings.HasPrefix(c.to, "sip:") {
		part := a.callHref(c) + "/participants/" + strings.TrimPrefix(c.to, "sip:")
		s.pushCall(a, c, event{rel: "participant", href: part, title: c.to, typ: "added", class: classHigh})
	}
	if c.phoneState != "" {
		s.pushCall(a, c, event{rel: "phoneAudio", href: a.callHref(c) + "/phoneAudio", typ: "updated", class: classHigh, embedded: a.phoneAudio(c)})
	}
	s.push(a, event{sender: "communication", rel: c.invRel(), href: a.callInvHref(c), typ: "completed", class: classHigh,
		extra: []kv{{"status", "Success"}}})
}

// joinMeeting answers startOnlineMeeting (adhoc: a new meeting of the
// user's) and joinOnlineMeeting (onlineMeetingUri: the meeting's URI, or
// the joinUrl of a Click to Join link): 201 with Location and no body,
// then the onlineMeetingInvitation events. A meeting that does not exist
// answers 404 DestinationNotFound (joinOnlineMeeting_ref.md).
//
// When the application asked for phone audio (makeMeAvailable
// audioPreference PhoneAudio), joining means the conference calls the
// user back, an outbound PSTN call: it needs a PSTN usage with a voice
// route in the user's effective voice policy, Enterprise Voice or not
// (POL-004); without one the invitation fails with DialoutNotAllowed.
func (s *Server) joinMeeting(q *request, a *app, adhoc bool) {
	m, ok := s.jsonObject(q)
	if !ok {
		return
	}
	ref, ok := str(m, "onlineMeetingUri", 2048)
	if !ok {
		q.invalid("onlineMeetingUri")
		return
	}
	if v, ok := q.query("onlineMeetingUri"); ok && ref == "" && !strings.EqualFold(v, "adhoc") {
		ref = v
	}
	c := newCall(q, kindMeeting, m)
	if c == nil {
		return
	}
	var mt meeting
	if adhoc {
		// An ad-hoc meeting counts toward the limits until it expires:
		// make none for a join that is refused anyway.
		if !s.mayJoin(q, a) {
			return
		}
		nm, bad := s.newMeeting(q, map[string]json.RawMessage{}, true)
		if nm == nil {
			q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", "no meeting "+bad)
			return
		}
		nm.subject = c.subject
		if !s.hub.addMeeting(nm, q.now) {
			q.fail(http.StatusConflict, codeConflict, "TooManyOnlineMeetings", "The user has too many online meetings.")
			return
		}
		mt = *nm
	} else {
		if strings.TrimSpace(ref) == "" {
			q.invalid("onlineMeetingUri")
			return
		}
		if mt, ok = s.hub.findMeeting(ref, q.now); !ok {
			q.fail(http.StatusNotFound, protocol.CodeNotFound, "DestinationNotFound", "The meeting could not be found.")
			return
		}
	}
	c.meetingURI, c.meetingID, c.organizerSIP, c.join = mt.uri, mt.id, mt.organizerSIP, mt.joinURL
	if c.subject == "" {
		c.subject = mt.subject
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.mayJoinLocked(q, a) {
		return
	}
	dialOut := a.audioPref == "PhoneAudio"
	if dialOut {
		c.phoneNumber, c.phoneState = a.phoneNumber, stateConnecting
	}
	s.startCall(a, c)
	switch {
	case dialOut && c.phoneNumber == "":
		s.failCall(a, c, protocol.CodeBadRequest, subNormalizationFailed, "Phone audio was asked for without a phone number to call back.")
	case dialOut && len(a.user.Voice.RoutedUsages) == 0:
		s.failCall(a, c, protocol.CodeForbidden, "DialoutNotAllowed", "The conference cannot call "+c.phoneNumber+" back: the voice policy "+
			orNone(a.user.VoicePolicy)+" of sip:"+a.user.SIP+" has no PSTN usage with a voice route (POL-004).")
	default:
		s.connectCall(a, c)
	}
	q.w.Header().Set("Location", a.callInvHref(c))
	q.empty(http.StatusCreated)
}

// mayJoin answers the refusal when the application cannot start another
// conversation now.
func (s *Server) mayJoin(q *request, a *app) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mayJoinLocked(q, a)
}

func (s *Server) mayJoinLocked(q *request, a *app) bool {
	if !a.available {
		q.fail(http.StatusConflict, codeConflict, subMakeMeAvailableRequired, "Call makeMeAvailable first.")
		return false
	}
	if a.conversations() >= maxConversations {
		q.fail(http.StatusConflict, codeConflict, "TooManyConversations", "The application has too many conversations.")
		return false
	}
	return true
}

func orNone(policy string) string {
	if policy == "" {
		return "(none)"
	}
	return policy
}

// startPhoneAudio answers Call via Work (startPhoneAudio_ref.md): the
// server calls the user's phone (phoneNumber, or makeMeAvailable's) and
// then the callee, showing the work identity. It is governed by the
// user's effective mobility policy: EnableOutsideVoice = False refuses it
// (403 NotAllowed, "not allowed ... due to policy", ErrorSubcode_ref.md).
// Otherwise 201 with Location and the phoneAudioInvitation events; the
// call fails when the user cannot have calls placed for them: Enterprise
// Voice and a voice policy with simultaneous ring (POL-003), and a PSTN
// usage with a route for the callback leg.
func (s *Server) startPhoneAudio(q *request, a *app) {
	if !a.user.Mobility.EnableOutsideVoice {
		q.fail(http.StatusForbidden, protocol.CodeForbidden, "NotAllowed", "Call via Work is not allowed for sip:"+a.user.SIP+
			" by its mobility policy "+orNone(a.user.MobilityPolicy)+" (EnableOutsideVoice = False).")
		return
	}
	m, ok := s.jsonObject(q)
	if !ok {
		return
	}
	to, ok1 := str(m, "to", 256)
	phone, ok2 := str(m, "phoneNumber", maxParam)
	if !ok1 || !ok2 {
		q.invalid("to or phoneNumber")
		return
	}
	if v, ok := q.query("to"); ok && to == "" {
		to = v
	}
	to = strings.TrimSpace(to)
	switch {
	case strings.HasPrefix(strings.ToLower(to), "sip:"):
		u := s.users[strings.ToLower(to[4:])]
		if u == nil {
			q.invalid("to")
			return
		}
		to = "sip:" + u.SIP
	default:
		n, ok := normalizePhone(to)
		if !ok {
			q.invalid("to")
			return
		}
		to = n
	}
	c := newCall(q, kindPhone, m)
	if c == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !a.available {
		q.fail(http.StatusConflict, codeConflict, subMakeMeAvailableRequired, "Call makeMeAvailable first.")
		return
	}
	if phone == "" {
		phone = a.phoneNumber
	}
	n, ok := normalizePhone(phone)
	if !ok {
		q.fail(http.StatusBadRequest, protocol.CodeBadRequest, subNormalizationFailed, "The phone number could not be normalized.")
		return
	}
	if a.conversations() >= maxConversations {
		q.fail(http.StatusConflict, codeConflict, "TooManyConversations", "The application has too many conversations.")
		return
	}
	c.phoneNumber, c.to, c.phoneState = n, to, stateConnecting
	s.startCall(a, c)
	s.pushCall(a, c, event{rel: "phoneAudio", href: a.callHref(c) + "/phoneAudio", typ: "updated", class: classHigh, embedded: a.phoneAudio(c)})
	u := a.user
	switch {
	case !u.EnterpriseVoice || !u.Voice.AllowSimulRing:
		s.failCall(a, c, protocol.CodeForbidden, "NotAllowed", "Call via Work needs Enterprise Voice and a voice policy allowing simultaneous ring; sip:"+
			u.SIP+" has voice policy "+orNone(u.VoicePolicy)+" (POL-003).")
	case len(u.Voice.RoutedUsages) == 0:
		s.failCall(a, c, protocol.CodeForbidden, "NotAllowed", "The callback to "+n+" cannot be placed: the voice policy "+orNone(u.VoicePolicy)+
			" of sip:"+u.SIP+" has no PSTN usage with a voice route.")
	default:
		s.connectCall(a, c)
	}
	q.w.Header().Set("Location", a.callInvHref(c))
	q.empty(http.StatusCreated)
}

// hangUp ends a call: its phone audio disconnected, the conversation
// deleted. Called with s.mu held.
func (s *Server) hangUp(a *app, c *call) {
	if c.phoneState == stateConnecting || c.phoneState == stateConnected {
		c.phoneState = stateDisconnected
		s.pushCall(a, c, event{rel: "phoneAudio", href: a.callHref(c) + "/phoneAudio", typ: "updated", class: classHigh, embedded: a.phoneAudio(c)})
	}
	if !c.done {
		c.done = true
		c.failure = obj{{"code", "Gone"}, {"subcode", "Cancelled"}, {"message", "The invitation was cancelled."}}
		s.push(a, event{sender: "communication", rel: c.invRel(), href: a.callInvHref(c), typ: "completed", class: classHigh,
			extra: []kv{{"status", "Failure"}, {"reason", c.failure}}})
	}
	c.state = stateDisconnected
	s.push(a, event{sender: "communication", rel: "conversation", href: a.callHref(c), typ: "deleted", class: classHigh})
	a.calls = slices.DeleteFunc(a.calls, func(x *call) bool { return x == c })
}

func (c *call) invRel() string {
	if c.kind == kindPhone {
		return "phoneAudioInvitation"
	}
	return "onlineMeetingInvitation"
}

// pushCall queues an event whose sender is the call's conversation.
func (s *Server) pushCall(a *app, c *call, e event) {
	e.sender, e.senderRef = "conversation", a.callHref(c)
	s.push(a, e)
}

// failCall completes a call's invitation with a failure and deletes its
// conversation. Called with s.mu held.
func (s *Server) failCall(a *app, c *call, code, subcode, message string) {
	c.done = true
	c.failure = obj{{"code", code}, {"subcode", subcode}, {"message", message}}
	if c.phoneState != "" {
		c.phoneState = stateDisconnected
		s.pushCall(a, c, event{rel: "phoneAudio", href: a.callHref(c) + "/phoneAudio", typ: "updated", class: classHigh, embedded: a.phoneAudio(c)})
	}
	s.push(a, event{sender: "communication", rel: c.invRel(), href: a.callInvHref(c), typ: "completed", class: classHigh,
		extra: []kv{{"status", "Failure"}, {"reason", c.failure}}})
	c.state = stateDisconnected
	s.push(a, event{sender: "communication", rel: "conversation", href: a.callHref(c), typ: "deleted", class: classHigh})
	a.calls = slices.DeleteFunc(a.calls, func(x *call) bool { return x == c })
}
