package ucwa

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gonanoid "github.com/matoous/go-nanoid/v2"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// Bounds of the online meetings, kept by the hub.
const (
	maxMeetingsPerUser = 64
	maxMeetings        = 10000
	maxAttendees       = 100 // attendees, and leaders
	maxDescription     = 4096
	// defaultMeetingLife: "If no value is supplied, the expiry time is set
	// to 8 hours" (myOnlineMeetings_ref.md).
	defaultMeetingLife = 8 * time.Hour
)

// meeting is one online meeting. Guarded by Hub.mu.
type meeting struct {
	id, organizer, organizerSIP        string // organizer: lower case; organizerSIP as in the directory
	subject, description               string
	attendees, leaders                 []string
	accessLevel, autoLeader, entryExit string
	phoneAdmission, lobbyBypass        string
	expires                            time.Time
	conferenceID, joinURL, uri, etag   string
	adhoc                              bool // made by startOnlineMeeting, not on the calendar
}

// meetingHref is the organizer's view of the meeting.
func (a *app) meetingHref(m *meeting) string {
	return a.base + "/onlineMeetings/myOnlineMeetings/" + m.id
}

// resource renders a myOnlineMeeting (ScheduleAnOnlineMeeting.md).
func (m *meeting) resource(a *app) obj {
	return obj{
		{"accessLevel", m.accessLevel},
		{"entryExitAnnouncement", m.entryExit},
		{"attendees", nonNil(m.attendees)},
		{"automaticLeaderAssignment", m.autoLeader},
		{"conferenceId", m.conferenceID},
		{"description", m.description},
		{"expirationTime", ajaxDate(m.expires)},
		{"leaders", nonNil(m.leaders)},
		{"onlineMeetingId", m.id},
		{"onlineMeetingUri", m.uri},
		{"onlineMeetingRel", "myOnlineMeetings"},
		{"organizerUri", "sip:" + m.organizerSIP},
		{"phoneUserAdmission", m.phoneAdmission},
		{"lobbyBypassForPhoneUsers", m.lobbyBypass},
		{"subject", m.subject},
		{"joinUrl", m.joinURL},
		{"_links", obj{{"self", href(a.meetingHref(m))}, {"onlineMeetingExtensions", href(a.meetingHref(m) + "/extensions")}}},
		{"rel", "myOnlineMeeting"},
		{"etag", m.etag},
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sweepMeetings forgets expired meetings. Called with h.mu held.
func (h *Hub) sweepMeetings(now time.Time) {
	for id, m := range h.meetings {
		if !now.Before(m.expires) {
			h.dropMeeting(id, m)
		}
	}
}

func (h *Hub) dropMeeting(id string, m *meeting) {
	delete(h.meetings, id)
	if h.organized[m.organizer]--; h.organized[m.organizer] <= 0 {
		delete(h.organized, m.organizer)
	}
}

// addMeeting stores a new meeting; false when the organizer or the hub has
// too many.
func (h *Hub) addMeeting(m *meeting, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.organized[m.organizer] >= maxMeetingsPerUser || len(h.meetings) >= maxMeetings {
		h.sweepMeetings(now)
		if h.organized[m.organizer] >= maxMeetingsPerUser || len(h.meetings) >= maxMeetings {
			return false
		}
	}
	h.meetings[m.id] = m
	h.organized[m.organizer]++
	return true
}

// findMeeting resolves what a client joins with: the onlineMeetingUri
// (sip:…;gruu;opaque=app:conf:focus:id:ID, or its conf: legacy form) or
// the joinUrl a Click to Join link carries (https://meet…/user/ID).
func (h *Hub) findMeeting(ref string, now time.Time) (meeting, bool) {
	ref = strings.TrimSpace(ref)
	id := ""
	if _, after, ok := strings.Cut(strings.ToLower(ref), "focus:id:"); ok {
		id, _, _ = strings.Cut(after, ";")
		id, _, _ = strings.Cut(id, "?")
	} else if u, err := url.Parse(ref); err == nil && (strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "http")) {
		id = strings.ToLower(u.Path[strings.LastIndex(u.Path, "/")+1:])
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.meetings[id]
	if m == nil || !now.Before(m.expires) {
		return meeting{}, false
	}
	return *m, true
}

// enumValue canonicalises an optional enumerated property; def when
// absent.
func enumValue(m map[string]json.RawMessage, name, def string, allowed ...string) (string, bool) {
	v, ok := str(m, name, maxParam)
	if !ok {
		return "", false
	}
	if v == "" {
		return def, true
	}
	for _, x := range allowed {
		if strings.EqualFold(x, v) {
			return x, true
		}
	}
	return "", false
}

// sipURIs reads an optional array of sip: URIs.
func sipURIs(m map[string]json.RawMessage, name string) ([]string, bool) {
	raw, ok := m[strings.ToLower(name)]
	if !ok || string(raw) == "null" {
		return nil, true
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil || len(list) > maxAttendees {
		return nil, false
	}
	for _, v := range list {
		if len(v) > 256 || !strings.HasPrefix(strings.ToLower(v), "sip:") || !strings.Contains(v, "@") {
			return nil, false
		}
	}
	return list, true
}

// readAjaxDate reads "/Date(ms)/".
func readAjaxDate(s string) (time.Time, bool) {
	v, ok := strings.CutPrefix(s, "/Date(")
	if !ok {
		return time.Time{}, false
	}
	v, ok = strings.CutSuffix(v, ")/")
	if !ok {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// newMeeting builds a meeting of the request's user from a POST body.
func (s *Server) newMeeting(q *request, m map[string]json.RawMessage, adhoc bool) (*meeting, string) {
	subject, ok1 := str(m, "subject", maxSubject)
	desc, ok2 := str(m, "description", maxDescription)
	if !ok1 || !ok2 {
		return nil, "subject or description"
	}
	mt := &meeting{subject: subject, description: desc, adhoc: adhoc, organizer: q.sip, organizerSIP: q.user.SIP,
		expires: q.now.Add(defaultMeetingLife)}
	var ok bool
	if mt.attendees, ok = sipURIs(m, "attendees"); !ok {
		return nil, "attendees"
	}
	if mt.leaders, ok = sipURIs(m, "leaders"); !ok {
		return nil, "leaders"
	}
	for _, e := range []struct {
		dst     *string
		name    string
		def     string
		allowed []string
	}{
		{&mt.accessLevel, "accessLevel", "SameEnterprise", []string{"None", "SameEnterprise", "Locked", "Invited", "Everyone"}},
		{&mt.autoLeader, "automaticLeaderAssignment", "Disabled", []string{"Disabled", "SameEnterprise", "Everyone"}},
		{&mt.phoneAdmission, "phoneUserAdmission", "Disabled", []string{"Disabled", "Enabled"}},
		{&mt.lobbyBypass, "lobbyBypassForPhoneUsers", "Disabled", []string{"Disabled", "Enabled"}},
	} {
		if *e.dst, ok = enumValue(m, e.name, e.def, e.allowed...); !ok {
			return nil, e.name
		}
	}
	// ScheduleAnOnlineMeeting.md sends attendanceAnnouncementsStatus; the
	// reference names it entryExitAnnouncement.
	name := "entryExitAnnouncement"
	if _, ok := m["entryexitannouncement"]; !ok {
		name = "attendanceAnnouncementsStatus"
	}
	if mt.entryExit, ok = enumValue(m, name, "Disabled", "Unsupported", "Disabled", "Enabled"); !ok {
		return nil, name
	}
	if v, ok := str(m, "expirationTime", maxParam); !ok {
		return nil, "expirationTime"
	} else if v != "" {
		t, ok := readAjaxDate(v)
		// Within a year: a meeting counts toward the organizer's and the
		// hub's limits until it expires, so a far expiry would hold
		// them for good.
		if !ok || !t.After(q.now) || t.After(q.now.AddDate(1, 0, 0)) {
			return nil, "expirationTime"
		}
		mt.expires = t
	}
	id, err1 := newID(8)
	conf, err2 := gonanoid.Generate("0123456789", 7)
	etag, err3 := gonanoid.Generate("0123456789", 10)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, ""
	}
	local, domain, _ := strings.Cut(q.user.SIP, "@")
	meet := strings.TrimRight(s.cfg.MeetURL, "/")
	if meet == "" {
		meet = "https://meet." + strings.ToLower(domain)
	}
	mt.id, mt.conferenceID, mt.etag = id, conf, etag
	mt.joinURL = meet + "/" + strings.ToLower(local) + "/" + id
	mt.uri = "sip:" + q.user.SIP + ";gruu;opaque=app:conf:focus:id:" + id
	return mt, ""
}

// routeMeetings serves the paths under onlineMeetings/.
func (s *Server) routeMeetings(q *request, a *app, rest []string) {
	switch {
	case len(rest) == 1 && rest[0] == "myonlinemeetings":
		if !q.allow(http.MethodGet, http.MethodPost) {
			return
		}
		if q.r.Method == http.MethodPost {
			s.createMeeting(q, a)
			return
		}
		s.hub.mu.Lock()
		var mine []*meeting
		for _, m := range s.hub.meetings {
			if m.organizer == q.sip && !m.adhoc && q.now.Before(m.expires) {
				mine = append(mine, m)
			}
		}
		slices.SortFunc(mine, func(x, y *meeting) int { return strings.Compare(x.id, y.id) })
		list := make([]obj, 0, len(mine))
		for _, m := range mine {
			list = append(list, m.resource(a))
		}
		s.hub.mu.Unlock()
		q.reply(http.StatusOK, encode(obj{{"_links", obj{{"self", href(a.base + "/onlineMeetings/myOnlineMeetings")}}},
			{"_embedded", obj{{"myAssignedOnlineMeeting", []obj{}}, {"myOnlineMeeting", list}}}, {"rel", "myOnlineMeetings"}}))
	case len(rest) == 2 && rest[0] == "myonlinemeetings":
		if !q.allow(http.MethodGet, http.MethodDelete) {
			return
		}
		s.hub.mu.Lock()
		m := s.hub.meetings[rest[1]]
		if m == nil || m.organizer != q.sip || !q.now.Before(m.expires) {
			s.hub.mu.Unlock()
			q.notFound("online meeting")
			return
		}
		if q.r.Method == http.MethodDelete {
			s.hub.dropMeeting(m.id, m)
			s.hub.mu.Unlock()
			q.empty(http.StatusNoContent)
			return
		}
		body := m.resource(a)
		etag := m.etag
		s.hub.mu.Unlock()
		q.w.Header().Set("ETag", `"`+etag+`"`)
		q.reply(http.StatusOK, encode(body))
	default:
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such resource.")
	}
}

// createMeeting answers POST myOnlineMeetings. ScheduleAnOnlineMeeting.md
// (a captured exchange) answers 200 with the meeting and an ETag, which is
// followed here; the reference page's sample says 201.
func (s *Server) createMeeting(q *request, a *app) {
	body, ok := s.jsonObject(q)
	if !ok {
		return
	}
	m, bad := s.newMeeting(q, body, false)
	if m == nil {
		if bad == "" {
			q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", "no ID")
			return
		}
		q.invalid(bad)
		return
	}
	if !s.hub.addMeeting(m, q.now) {
		q.fail(http.StatusConflict, codeConflict, "TooManyOnlineMeetings", "The user has too many online meetings.")
		return
	}
	s.hub.mu.Lock()
	out := m.resource(a)
	s.hub.mu.Unlock()
	q.w.Header().Set("ETag", `"`+m.etag+`"`)
	q.w.Header().Set("Location", a.meetingHref(m))
	q.reply(http.StatusOK, encode(out))
}
