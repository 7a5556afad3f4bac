package ucwa

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	gonanoid "github.com/matoous/go-nanoid/v2"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// idAlphabet is lower case so that IDs survive the case-insensitive path
// matching IIS does.
const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

func newID(n int) (string, error) { return gonanoid.Generate(idAlphabet, n) }

// newGUID makes a GUID-shaped name for the communication resource's PUT
// property.
func newGUID() (string, error) {
	const hex = "0123456789abcdef"
	id, err := gonanoid.Generate(hex, 32)
	if err != nil {
		return "", err
	}
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:], nil
}

// Availability values (Availability_ref.md), canonical spelling.
var availabilities = []string{"Away", "BeRightBack", "Busy", "DoNotDisturb", "IdleBusy", "IdleOnline", "Offline", "Online"}

func canonicalAvailability(s string) (string, bool) {
	for _, a := range availabilities {
		if strings.EqualFold(a, strings.TrimSpace(s)) {
			return a, true
		}
	}
	return "", false
}

// Bounds of the free-text properties.
const (
	maxParam    = 100 // userAgent, endpointId, culture, instanceId
	maxNote     = 2048
	maxLocation = 1024
)

// app is one application: one client endpoint of one user on this
// instance. All fields are guarded by Server.mu.
type app struct {
	id, guid, etag, cookie string
	base                   string // e.g. /ucwa/oauth/v1/applications/<id>
	sip                    string
	user                   *plan.User

	userAgent, endpointID, culture, instanceID string

	lastActive time.Time
	expired    bool

	available    bool
	modalities   []string
	formats      []string
	availability string
	note         string
	location     string

	convs []*conv
	calls []*call   // online meetings joined, Call via Work calls
	avs   []*avConv // peer-to-peer audio/video calls (signalling only)

	// makeMeAvailable's audioPreference and the phone number it gave, the
	// callback number of Click to Join and Call via Work.
	audioPref, phoneNumber string

	groups     []*cgroup       // built on first use
	subs       []*subscription // presence subscriptions
	subscribed map[string]int  // memberships per subscribed user

	// Conversations missed in the background without push (missedItems).
	missed, unreadMissed int

	ch channel
}

// touch records activity.
func (a *app) touch(now time.Time) { a.lastActive = now }

// alive reports whether a is usable at now, expiring it when no P-GET is
// parked and nothing was heard from it for ExpireAfter.
func (s *Server) alive(a *app, now time.Time) bool {
	if a.expired {
		return false
	}
	if a.ch.waiter == nil && now.Sub(a.lastActive) >= s.cfg.ExpireAfter {
		s.retire(a)
		return false
	}
	return true
}

// retire ends an application: expired or deleted. Called with s.mu held.
func (s *Server) retire(a *app) {
	a.expired = true
	a.ch.queue = nil
	a.ch.last = nil
	a.convs = nil
	a.calls = nil
	a.avs = nil
	for _, sub := range a.subs {
		for _, m := range sub.members {
			s.hub.unwatch(m.sip, endpoint{srv: s, appID: a.id})
		}
	}
	a.subs, a.subscribed, a.groups = nil, nil, nil
	if a.available {
		s.hub.unregister(a.sip, endpoint{srv: s, appID: a.id})
		s.hub.withdraw(a.sip, endpoint{srv: s, appID: a.id})
	}
	if w := a.ch.waiter; w != nil {
		w.gone = true
		w.signal()
		a.ch.waiter = nil
	}
}

// sweep expires idle applications and forgets those expired long ago, so
// that the map stays bounded by live clients. Called with s.mu held.
func (s *Server) sweep(now time.Time) {
	for id, a := range s.apps {
		if !s.alive(a, now) && now.Sub(a.lastActive) >= 2*s.cfg.ExpireAfter {
			delete(s.apps, id)
		}
	}
}

// route dispatches an authenticated request.
func (s *Server) route(q *request) {
	if len(q.segs) == 0 {
		if q.allow(http.MethodPost) {
			s.createApplication(q)
		}
		return
	}
	id := q.segs[0]
	s.mu.Lock()
	a := s.apps[id]
	if a == nil || a.sip != q.sip {
		s.mu.Unlock()
		q.fail(http.StatusNotFound, protocol.CodeNotFound, subApplicationNotFound, "The application does not exist.")
		return
	}
	if !s.alive(a, q.now) {
		s.mu.Unlock()
		q.fail(http.StatusGone, codeGone, subInactiveExpired, "The application expired: no event channel was open and no activity was reported.")
		return
	}
	a.touch(q.now)
	s.checkSubs(a, q.now)
	s.mu.Unlock()
	rest := strings.Join(q.segs[1:], "/")
	switch rest {
	case "":
		if q.allow(http.MethodGet, http.MethodDelete) {
			if q.r.Method == http.MethodDelete {
				s.deleteApplication(q, a)
				return
			}
			s.locked(q, func() { q.reply(http.StatusOK, encode(a.resource())) })
		}
	case "policies":
		if q.allow(http.MethodGet) {
			q.reply(http.StatusOK, encode(policies(a)))
		}
	case "events":
		if q.allow(http.MethodGet) {
			s.events(q, a)
		}
	case "batch":
		if q.allow(http.MethodPost) {
			s.batch(q, a)
		}
	case "reportmyactivity", "me/reportmyactivity":
		if q.allow(http.MethodPost) {
			s.locked(q, func() {
				if !a.available {
					q.fail(http.StatusConflict, codeConflict, subMakeMeAvailableRequired, "Call makeMeAvailable first.")
					return
				}
				q.empty(http.StatusNoContent)
			})
		}
	case "me":
		if q.allow(http.MethodGet) {
			s.locked(q, func() { q.reply(http.StatusOK, encode(a.me())) })
		}
	case "me/makemeavailable":
		if q.allow(http.MethodPost) {
			s.makeMeAvailable(q, a)
		}
	case "me/presence", "me/note", "me/location":
		if q.allow(http.MethodGet, http.MethodPost) {
			s.presence(q, a, q.segs[2])
		}
	case "people":
		if q.allow(http.MethodGet) {
			q.reply(http.StatusOK, encode(a.people()))
		}
	case "onlinemeetings":
		if q.allow(http.MethodGet) {
			q.reply(http.StatusOK, encode(a.onlineMeetings()))
		}
	case "communication":
		if q.allow(http.MethodGet) {
			s.locked(q, func() { q.reply(http.StatusOK, encode(a.communication())) })
		}
	default:
		if len(q.segs) > 2 {
			switch q.segs[1] {
			case "communication":
				s.routeCommunication(q, a, q.segs[2:])
				return
			case "people":
				s.routePeople(q, a, q.segs[2:])
				return
			case "onlinemeetings":
				s.routeMeetings(q, a, q.segs[2:])
				return
			}
		}
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such resource.")
	}
}

// locked runs f with s.mu held: f only renders state and writes a short
// response.
func (s *Server) locked(_ *request, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// jsonObject reads a JSON object body, member names folded to lower case
// (clients send PascalCase as often as camelCase). An empty body is an
// empty object.
func (s *Server) jsonObject(q *request) (map[string]json.RawMessage, bool) {
	b, ok := s.body(q)
	if !ok {
		return nil, false
	}
	if ct := q.r.Header.Get("Content-Type"); ct != "" && len(bytes.TrimSpace(b)) > 0 {
		mt, _, _ := strings.Cut(ct, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if mt != "application/json" && mt != "application/vnd.microsoft.com.ucwa+json" {
			q.fail(http.StatusUnsupportedMediaType, protocol.CodeUnsupportedMediaType, subUnsupportedMediaType, "The Content-Type "+mt+" is not JSON.")
			return nil, false
		}
	}
	out := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(b)) == 0 {
		return out, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		q.fail(http.StatusBadRequest, protocol.CodeBadRequest, protocol.SubcodeDeserializationFailure, "The body is not a JSON object.")
		return nil, false
	}
	for k, v := range m {
		lk := strings.ToLower(k)
		if _, dup := out[lk]; !dup {
			out[lk] = v
		}
	}
	return out, true
}

// str reads an optional string member; a member of another type is a
// validation failure.
func str(m map[string]json.RawMessage, name string, max int) (string, bool) {
	v, ok := m[strings.ToLower(name)]
	if !ok || string(v) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(v, &s) != nil || len(s) > max {
		return "", false
	}
	return s, true
}

// strs reads an optional array of strings.
func strs(m map[string]json.RawMessage, name string) ([]string, bool) {
	v, ok := m[strings.ToLower(name)]
	if !ok || string(v) == "null" {
		return nil, true
	}
	var out []string
	if json.Unmarshal(v, &out) != nil || len(out) > 16 {
		return nil, false
	}
	return out, true
}

func (q *request) invalid(name string) {
	q.fail(http.StatusBadRequest, protocol.CodeBadRequest, protocol.SubcodeParameterValidationFailure,
		"The parameter "+name+" is missing or invalid.")
}

// createApplication answers POST applications: 201 with a new
// application, or 200 with the existing one of the same endpoint.
func (s *Server) createApplication(q *request) {
	m, ok := s.jsonObject(q)
	if !ok {
		return
	}
	var vals [4]string
	for i, name := range []string{"userAgent", "endpointId", "culture", "instanceId"} {
		v, ok := str(m, name, maxParam)
		v = strings.TrimSpace(v)
		if !ok || (v == "" && i < 3) {
			q.invalid(name)
			return
		}
		vals[i] = v
	}
	if !s.servesUser(q.user) {
		q.fail(http.StatusForbidden, protocol.CodeForbidden, "", "The user is not homed on this pool.")
		return
	}
	if !q.user.Mobility.EnableMobility {
		q.fail(http.StatusForbidden, protocol.CodeForbidden, protocol.SubcodeMobileApplicationNoLongerAllowed,
			"Mobility is disabled for sip:"+q.user.SIP+" by its mobility policy (EnableMobility = False).")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	perUser := 0
	for _, a := range s.apps {
		if a.sip != q.sip || !s.alive(a, q.now) {
			continue
		}
		if a.userAgent == vals[0] && strings.EqualFold(a.endpointID, vals[1]) && strings.EqualFold(a.culture, vals[2]) && a.instanceID == vals[3] {
			a.touch(q.now)
			q.w.Header().Set("Location", a.base)
			q.reply(http.StatusOK, encode(a.resource()))
			return
		}
		perUser++
	}
	if perUser >= s.cfg.MaxPerUser {
		q.fail(http.StatusGone, codeGone, subTooManyApplications, "The user has too many applications on this server.")
		return
	}
	if len(s.apps) >= s.cfg.MaxApplications {
		s.sweep(q.now)
		if len(s.apps) >= s.cfg.MaxApplications {
			q.fail(http.StatusServiceUnavailable, protocol.CodeServiceFailure, subTooManyApplications, "This server holds too many applications.")
			return
		}
	}
	a, err := newApp(q, vals)
	if err != nil {
		q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", err.Error())
		return
	}
	s.apps[a.id] = a
	q.w.Header().Set("Location", a.base)
	q.w.Header().Add("Set-Cookie", "cwt_ucwa="+a.cookie+"; path="+a.base+"/photos; secure; HttpOnly")
	q.reply(http.StatusCreated, encode(a.resource()))
}

func newApp(q *request, vals [4]string) (*app, error) {
	id, err := newID(24)
	if err != nil {
		return nil, err
	}
	guid, err := newGUID()
	if err != nil {
		return nil, err
	}
	etag, err := gonanoid.Generate("0123456789", 10)
	if err != nil {
		return nil, err
	}
	cookie, err := newID(32)
	if err != nil {
		return nil, err
	}
	a := &app{id: id, guid: guid, etag: etag, cookie: cookie, base: q.base + "/" + id, sip: q.sip, user: q.user,
		userAgent: vals[0], endpointID: vals[1], culture: vals[2], instanceID: vals[3], lastActive: q.now}
	a.ch.init(q.now)
	return a, nil
}

// deleteApplication answers DELETE: 204, and a parked P-GET is released.
func (s *Server) deleteApplication(q *request, a *app) {
	s.mu.Lock()
	delete(s.apps, a.id)
	s.retire(a)
	s.mu.Unlock()
	q.empty(http.StatusNoContent)
}

// makeMeAvailable answers POST me/makeMeAvailable: 204, 409 AlreadyExists
// the second time.
func (s *Server) makeMeAvailable(q *request, a *app) {
	m, ok := s.jsonObject(q)
	if !ok {
		return
	}
	mods, ok1 := strs(m, "supportedModalities")
	fmts, ok2 := strs(m, "supportedMessageFormats")
	signIn, ok3 := str(m, "signInAs", maxParam)
	pref, ok4 := str(m, "audioPreference", maxParam)
	phone, ok5 := str(m, "phoneNumber", maxParam)
	if !ok1 || !ok2 || !ok3 {
		q.invalid("supportedModalities, supportedMessageFormats or signInAs")
		return
	}
	switch {
	case !ok4 || (pref != "" && !strings.EqualFold(pref, "PhoneAudio") && !strings.EqualFold(pref, "VoipAudio")):
		q.invalid("audioPreference")
		return
	case strings.EqualFold(pref, "PhoneAudio"):
		pref = "PhoneAudio"
	case pref != "":
		pref = "VoipAudio"
	}
	if phone != "" || !ok5 {
		n, ok := normalizePhone(phone)
		if !ok5 || !ok {
			q.fail(http.StatusBadRequest, protocol.CodeBadRequest, subNormalizationFailed, "The phone number could not be normalized.")
			return
		}
		phone = n
	}
	avail := "Online"
	if signIn != "" {
		if v, ok := canonicalAvailability(signIn); ok && v != "Offline" {
			avail = v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.available {
		q.fail(http.StatusConflict, codeConflict, subAlreadyExists, "makeMeAvailable was already called for this application.")
		return
	}
	a.available = true
	a.availability = avail
	a.modalities = modalities(a.user, mods)
	a.formats = []string{"Plain"}
	for _, f := range fmts {
		if strings.EqualFold(f, "Html") {
			a.formats = append(a.formats, "Html")
			break
		}
	}
	a.audioPref, a.phoneNumber = pref, phone
	a.etag = bumpEtag(a.etag)
	s.hub.register(a.sip, endpoint{srv: s, appID: a.id})
	s.publishSelf(a)
	s.push(a, event{sender: "me", rel: "me", href: a.base + "/me", typ: "updated", class: classHigh})
	s.push(a, event{sender: "me", rel: "presence", href: a.base + "/me/presence", typ: "added", class: classHigh})
	s.push(a, event{sender: "communication", rel: "communication", href: a.base + "/communication", typ: "updated", class: classHigh})
	q.empty(http.StatusNoContent)
}

// modalities is what a user gets after makeMeAvailable: always Messaging;
// audio and video only when asked for and the effective mobility policy
// allows IP audio/video (EnableIPAudioVideo). They are signalled only.
func modalities(u *plan.User, asked []string) []string {
	out := []string{"Messaging"}
	for _, m := range []string{"Audio", "Video"} {
		for _, x := range asked {
			if strings.EqualFold(x, m) && u.Mobility.EnableIPAudioVideo {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

func bumpEtag(e string) string {
	if n, err := gonanoid.Generate("0123456789", 10); err == nil && n != e {
		return n
	}
	return e + "1"
}

// presence answers me/presence, me/note and me/location.
func (s *Server) presence(q *request, a *app, which string) {
	var m map[string]json.RawMessage
	if q.r.Method == http.MethodPost {
		var ok bool
		if m, ok = s.jsonObject(q); !ok {
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !a.available {
		q.fail(http.StatusConflict, codeConflict, subMakeMeAvailableRequired, "Call makeMeAvailable first.")
		return
	}
	if q.r.Method != http.MethodPost {
		q.reply(http.StatusOK, encode(a.presenceResource(which)))
		return
	}
	switch which {
	case "presence":
		v, ok := str(m, "availability", maxParam)
		av, valid := canonicalAvailability(v)
		if !ok || !valid {
			q.invalid("availability")
			return
		}
		a.availability = av
	case "note":
		v, ok := str(m, "message", maxNote)
		if !ok {
			q.invalid("message")
			return
		}
		a.note = v
	case "location":
		v, ok := str(m, "location", maxLocation)
		if !ok {
			q.invalid("location")
			return
		}
		a.location = v
	}
	s.publishSelf(a)
	s.push(a, event{sender: "me", rel: which, href: a.base + "/me/" + which, typ: "updated", class: classMedium,
		merge: true, embedded: a.presenceResource(which)})
	q.empty(http.StatusNoContent)
}

func (a *app) presenceResource(which string) obj {
	self := obj{{"self", href(a.base + "/me/" + which)}}
	switch which {
	case "note":
		return obj{{"message", a.note}, {"type", "personal"}, {"_links", self}, {"rel", "note"}}
	case "location":
		return obj{{"location", a.location}, {"_links", self}, {"rel", "location"}}
	}
	return obj{{"availability", a.availability}, {"_links", self}, {"rel", "presence"}}
}

// resource is the application body (CreateAnApplication.md).
func (a *app) resource() obj {
	return obj{
		{"culture", a.culture},
		{"userAgent", a.userAgent},
		{"_links", obj{
			{"self", href(a.base)},
			{"policies", href(a.base + "/policies")},
			{"batch", href(a.base + "/batch")},
			{"events", href(a.base + "/events?ack=1")},
		}},
		{"_embedded", obj{
			{"me", a.me()},
			{"people", a.people()},
			{"onlineMeetings", a.onlineMeetings()},
			{"communication", a.communication()},
		}},
		{"rel", "application"},
	}
}

func (a *app) me() obj {
	me := a.base + "/me"
	local, _, _ := strings.Cut(a.user.SIP, "@")
	photo := href(a.base + "/photos/" + a.user.SIP)
	o := obj{{"name", local}, {"uri", "sip:" + a.user.SIP}}
	if !a.available {
		return append(o,
			kv{"_links", obj{{"self", href(me)}, {"makeMeAvailable", href(me + "/makeMeAvailable")},
				{"callForwardingSettings", href(me + "/callForwardingSettings")}, {"phones", href(me + "/phones")}, {"photo", photo}}},
			kv{"rel", "me"})
	}
	email := a.user.UPN
	if email == "" {
		email = a.user.SIP
	}
	return append(o,
		kv{"emailAddresses", []string{email}},
		kv{"_links", obj{{"self", href(me)}, {"note", href(me + "/note")}, {"presence", href(me + "/presence")},
			{"location", href(me + "/location")}, {"reportMyActivity", href(me + "/reportMyActivity")},
			{"callForwardingSettings", href(me + "/callForwardingSettings")}, {"phones", href(me + "/phones")}, {"photo", photo}}},
		kv{"rel", "me"})
}

func (a *app) people() obj {
	p := a.base + "/people"
	return obj{
		{"_links", obj{
			{"self", href(p)},
			{"presenceSubscriptions", href(p + "/presenceSubscriptions")},
			{"subscribedContacts", href(p + "/subscribedContacts")},
			{"presenceSubscriptionMemberships", href(p + "/presenceSubscriptionMemberships")},
			{"myGroups", href(p + "/groups")},
			{"myGroupMemberships", href(p + "/groupMemberships")},
			{"myContacts", href(p + "/contacts")},
			{"myPrivacyRelationships", href(p + "/privacyRelationships")},
			{"myContactsAndGroupsSubscription", href(p + "/contactsAndGroupsSubscription")},
			{"search", href(p + "/search")},
		}},
		{"rel", "people"},
	}
}

func (a *app) onlineMeetings() obj {
	m := a.base + "/onlineMeetings"
	return obj{
		{"_links", obj{
			{"self", href(m)},
			{"myOnlineMeetings", href(m + "/myOnlineMeetings")},
			{"onlineMeetingDefaultValues", href(m + "/defaultValues")},
			{"onlineMeetingEligibleValues", href(m + "/eligibleValues")},
			{"onlineMeetingInvitationCustomization", href(m + "/customInvitation")},
			{"onlineMeetingPolicies", href(m + "/policies")},
			{"phoneDialInInformation", href(m + "/phoneDialInInformation")},
			{"myAssignedOnlineMeeting", href(m + "/myOnlineMeetings/" + a.id)},
		}},
		{"rel", "onlineMeetings"},
	}
}

// communication puts the GUID property first, as clients expect.
func (a *app) communication() obj {
	c := a.base + "/communication"
	mods := a.modalities
	if !a.available {
		mods = []string{}
	}
	formats := a.formats
	if len(formats) == 0 {
		formats = []string{"Plain"}
	}
	links := obj{
		{"self", href(c)},
		{"conversations", href(c + "/conversations?filter=active")},
		{"startMessaging", href(c + "/messagingInvitations")},
		{"startOnlineMeeting", href(c + "/onlineMeetingInvitations?onlineMeetingUri=adhoc")},
		{"joinOnlineMeeting", href(c + "/onlineMeetingInvitations")},
		{"missedItems", href(c + "/missedItems")},
	}
	// Call via Work is offered once available, where the effective
	// mobility policy has EnableOutsideVoice.
	if a.available && a.user.Mobility.EnableOutsideVoice {
		links = append(links, kv{"startPhoneAudio", href(c + "/phoneAudioInvitations")})
	}
	// Audio/video calls where the policy has EnableIPAudioVideo.
	links = append(links, a.avStartLinks()...)
	return obj{
		{a.guid, "please pass this in a PUT request"},
		{"supportedModalities", mods},
		{"supportedMessageFormats", formats},
		{"_links", links},
		{"rel", "communication"},
		{"etag", a.etag},
	}
}

// policies is the policies resource from the user's effective mobility
// policy. Names follow policies_ref.md where it has one; the mobility
// flags the reference does not name carry the cmdlet's parameter name.
func policies(a *app) obj {
	p := a.user.Mobility
	onOff := func(b bool) string {
		if b {
			return "Enabled"
		}
		return "Disabled"
	}
	return obj{
		{"audioOnlyOnWifi", p.RequireWifiForIPAudio},
		{"videoOnlyOnWifi", p.RequireWifiForIPVideo},
		{"sharingOnlyOnWifi", p.RequireWifiForSharing},
		{"ipAudioMobile", onOff(p.EnableIPAudioVideo)},
		{"ipVideoMobile", onOff(p.EnableIPAudioVideo)},
		{"enableOutsideVoice", p.EnableOutsideVoice},
		{"saveCallLogs", p.AllowSaveCallLogs},
		{"saveMessagingHistory", p.AllowSaveIMHistory},
		{"saveCredentials", p.AllowSaveCredentials},
		{"clientExchangeConnectivity", onOff(p.AllowExchange)},
		{"enablePushNotifications", p.EnablePushNotifications},
		{"mobilityPolicy", a.user.MobilityPolicy},
		{"_links", obj{{"self", href(a.base + "/policies")}}},
		{"rel", "policies"},
	}
}
