package ucwa

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// ContactGroup is one group of a user's contact list: SIP addresses of
// directory users. The group named DefaultGroupName is the default group
// and PinnedGroupName the pinned one; every user has both.
type ContactGroup struct {
	Name    string
	Members []string
}

// Group names Lync gives the two groups every contact list has.
const (
	DefaultGroupName = "Other Contacts"
	PinnedGroupName  = "Pinned Contacts"
)

// Bounds of the people resources. MaxContacts is the Lync default of
// Set-CsUserServicesConfiguration -MaxContacts.
const (
	MaxContacts         = 250
	maxGroups           = 64
	maxSubscriptions    = 32  // per application
	maxSubscribed       = 500 // memberships per application
	maxURIs             = 100 // per request
	maxSearchQuery      = 256
	maxSearchLimit      = 100
	minSubscriptionMins = 10
	maxSubscriptionMins = 30
	// subscriptionWarning: the presenceSubscription updated event comes
	// this long before the subscription expires.
	subscriptionWarning = time.Minute
)

// cgroup is one of an application's contact groups, with the ID it got.
type cgroup struct {
	id, name, rel string
	members       []string // lower-case SIP addresses of directory users
}

// subscription is one presenceSubscription of an application.
type subscription struct {
	id      string
	members []membership
	expires time.Time
	warned  bool
}

type membership struct{ id, sip string }

func (a *app) subHref(sub *subscription) string {
	return a.base + "/people/presenceSubscriptions/" + sub.id
}

func (a *app) subscribedTo(sip string) bool { return a.subscribed[sip] > 0 }

// contactGroups builds the user's groups on first use: from
// Config.Contacts when set, else from the contact groups the topology
// declares for the user, else one default group holding the other
// directory users (at most MaxContacts), so that a lab whose topology
// declares no contact lists still has someone to look at.
// Called with s.mu held.
func (s *Server) contactGroups(a *app) ([]*cgroup, error) {
	if a.groups != nil {
		return a.groups, nil
	}
	var decl []ContactGroup
	if s.cfg.Contacts != nil {
		decl = s.cfg.Contacts[a.sip]
	} else if u := s.users[a.sip]; u != nil && len(u.ContactGroups) > 0 {
		for _, g := range u.ContactGroups { // declared in the topology
			decl = append(decl, ContactGroup{Name: g.Name, Members: g.Members})
		}
	} else {
		var others []string
		for _, u := range s.userList {
			if len(others) == MaxContacts {
				break
			}
			if sip := strings.ToLower(u.SIP); sip != a.sip {
				others = append(others, sip)
			}
		}
		decl = []ContactGroup{{Name: DefaultGroupName, Members: others}}
	}
	groups := []*cgroup{{name: PinnedGroupName, rel: "pinnedGroup"}, {name: DefaultGroupName, rel: "defaultGroup"}}
	seen, total := map[string]bool{}, 0
	for _, g := range decl {
		var cg *cgroup
		switch {
		case strings.EqualFold(g.Name, PinnedGroupName):
			cg = groups[0]
		case strings.EqualFold(g.Name, DefaultGroupName):
			cg = groups[1]
		case len(groups) < maxGroups:
			cg = &cgroup{name: g.Name, rel: "group"}
			groups = append(groups, cg)
		default:
			continue
		}
		for _, m := range g.Members {
			m = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(m), "sip:"))
			if s.users[m] == nil || m == a.sip || slices.Contains(cg.members, m) {
				continue
			}
			if !seen[m] {
				if total == MaxContacts {
					continue
				}
				seen[m] = true
				total++
			}
			cg.members = append(cg.members, m)
		}
	}
	for _, g := range groups {
		id, err := newID(16)
		if err != nil {
			return nil, err
		}
		g.id = id
	}
	a.groups = groups
	return groups, nil
}

// contact renders a directory user as a contact (GetUsersContactList.md).
func (a *app) contact(u *plan.User) obj {
	sip := strings.ToLower(u.SIP)
	c := a.base + "/people/" + sip
	local, _, _ := strings.Cut(u.SIP, "@")
	email := u.UPN
	if email == "" {
		email = u.SIP
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(sip))
	return obj{
		{"uri", "sip:" + u.SIP},
		{"sourceNetwork", "SameEnterprise"},
		{"emailAddresses", []string{email}},
		{"type", "User"},
		{"name", local},
		{"_links", obj{
			{"self", href(c)},
			{"contactPhoto", href(a.base + "/photos/" + u.SIP)},
			{"contactPresence", href(c + "/presence")},
			{"contactLocation", href(c + "/location")},
			{"contactNote", href(c + "/note")},
			{"contactSupportedModalities", href(c + "/supportedMedia")},
			{"contactPrivacyRelationship", href(c + "/privacyRelationship")},
		}},
		{"rel", "contact"},
		{"etag", strconv.FormatUint(uint64(h.Sum32()), 10)},
	}
}

func (s *Server) contactList(a *app, sips []string) []obj {
	out := make([]obj, 0, len(sips))
	for _, sip := range sips {
		if u := s.users[sip]; u != nil {
			out = append(out, a.contact(u))
		}
	}
	return out
}

func (a *app) groupResource(g *cgroup) obj {
	p := a.base + "/people"
	return obj{{"id", g.id}, {"name", g.name}, {"_links", obj{
		{"self", href(p + "/groups/" + g.id)},
		{"groupContacts", href(p + "/contacts?groupId=" + g.id)},
		{"subscribeToGroupPresence", href(p + "/presenceSubscriptions?groupId=" + g.id)},
	}}, {"rel", g.rel}}
}

func (a *app) subResource(sub *subscription) obj {
	m := a.base + "/people/presenceSubscriptionMemberships?presenceSubscriptionId=" + sub.id
	return obj{{"id", sub.id}, {"_links", obj{{"self", href(a.subHref(sub))}, {"memberships", href(m)},
		{"addToPresenceSubscription", href(m)}}}, {"rel", "presenceSubscription"}}
}

func (a *app) membershipResource(sub *subscription, m membership) obj {
	return obj{{"_links", obj{
		{"self", href(a.base + "/people/presenceSubscriptionMemberships/" + m.id)},
		{"contact", href(a.base + "/people/" + m.sip)},
		{"presenceSubscription", href(a.subHref(sub))},
	}}, {"rel", "presenceSubscriptionMembership"}}
}

func (a *app) memberships(sub *subscription) obj {
	list := make([]obj, 0, len(sub.members))
	for _, m := range sub.members {
		list = append(list, a.membershipResource(sub, m))
	}
	return obj{{"_links", obj{{"self", href(a.base + "/people/presenceSubscriptionMemberships?presenceSubscriptionId=" + sub.id)}}},
		{"_embedded", obj{{"presenceSubscriptionMembership", list}}}, {"rel", "presenceSubscriptionMemberships"}}
}

func (a *app) sub(id string) *subscription {
	for _, sub := range a.subs {
		if sub.id == id {
			return sub
		}
	}
	return nil
}

// query is a query parameter, its name in any case. A malformed pair
// elsewhere in the query does not hide the well-formed ones (ParseQuery
// keeps them); of names differing only in case, the exact one, else the
// first in byte order, is read, so the answer never depends on map order.
func (q *request) query(name string) (string, bool) {
	v, _ := url.ParseQuery(q.r.URL.RawQuery)
	if vals := v[name]; len(vals) > 0 {
		return vals[0], true
	}
	best := ""
	for k, vals := range v {
		if strings.EqualFold(k, name) && len(vals) > 0 && (best == "" || k < best) {
			best = k
		}
	}
	if best == "" {
		return "", false
	}
	return v[best][0], true
}

func (q *request) notFound(what string) {
	q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such "+what+".")
}

// routePeople serves the paths under people/.
func (s *Server) routePeople(q *request, a *app, rest []string) {
	switch {
	case len(rest) == 1 && rest[0] == "contacts":
		if q.allow(http.MethodGet) {
			s.peopleLocked(q, a, func(groups []*cgroup) {
				if gid, ok := q.query("groupId"); ok {
					for _, g := range groups {
						if g.id == strings.ToLower(gid) {
							q.reply(http.StatusOK, encode(obj{{"_links", obj{{"self", href(a.base + "/people/contacts?groupId=" + g.id)}}},
								{"_embedded", obj{{"contact", s.contactList(a, g.members)}}}, {"rel", "groupContacts"}}))
							return
						}
					}
					q.notFound("group")
					return
				}
				var all []string
				seen := map[string]bool{}
				for _, g := range groups {
					for _, m := range g.members {
						if !seen[m] {
							seen[m] = true
							all = append(all, m)
						}
					}
				}
				q.reply(http.StatusOK, encode(obj{{"_links", obj{{"self", href(a.base + "/people/contacts")}}},
					{"_embedded", obj{{"contact", s.contactList(a, all)}}}, {"rel", "myContacts"}}))
			})
		}
	case len(rest) == 1 && rest[0] == "groups":
		if q.allow(http.MethodGet) {
			s.peopleLocked(q, a, func(groups []*cgroup) {
				other := []obj{}
				for _, g := range groups[2:] {
					other = append(other, a.groupResource(g))
				}
				q.reply(http.StatusOK, encode(obj{{"_links", obj{{"self", href(a.base + "/people/groups")}}},
					{"_embedded", obj{{"pinnedGroup", a.groupResource(groups[0])}, {"defaultGroup", a.groupResource(groups[1])},
						{"group", other}, {"distributionGroup", []obj{}}}}, {"rel", "myGroups"}}))
			})
		}
	case len(rest) == 2 && rest[0] == "groups":
		if q.allow(http.MethodGet) {
			s.peopleLocked(q, a, func(groups []*cgroup) {
				for _, g := range groups {
					if g.id == rest[1] {
						q.reply(http.StatusOK, encode(a.groupResource(g)))
						return
					}
				}
				q.notFound("group")
			})
		}
	case len(rest) == 1 && rest[0] == "search":
		if q.allow(http.MethodGet) {
			s.search(q, a)
		}
	case len(rest) == 1 && rest[0] == "subscribedcontacts":
		if q.allow(http.MethodGet) {
			s.locked(q, func() {
				var sips []string
				for _, sub := range a.subs {
					for _, m := range sub.members {
						if !slices.Contains(sips, m.sip) {
							sips = append(sips, m.sip)
						}
					}
				}
				q.reply(http.StatusOK, encode(obj{{"_links", obj{{"self", href(a.base + "/people/subscribedContacts")}}},
					{"_embedded", obj{{"contact", s.contactList(a, sips)}}}, {"rel", "subscribedContacts"}}))
			})
		}
	case len(rest) == 1 && rest[0] == "presencesubscriptions":
		if q.allow(http.MethodGet, http.MethodPost) {
			if q.r.Method == http.MethodPost {
				s.subscribe(q, a)
				return
			}
			s.locked(q, func() {
				list := make([]obj, 0, len(a.subs))
				for _, sub := range a.subs {
					list = append(list, a.subResource(sub))
				}
				q.reply(http.StatusOK, encode(obj{{"_links", obj{{"self", href(a.base + "/people/presenceSubscriptions")}}},
					{"_embedded", obj{{"presenceSubscription", list}}}, {"rel", "presenceSubscriptions"}}))
			})
		}
	case len(rest) == 2 && rest[0] == "presencesubscriptions":
		if q.allow(http.MethodGet, http.MethodPost, http.MethodDelete) {
			s.subscriptionOp(q, a, rest[1])
		}
	case len(rest) == 1 && rest[0] == "presencesubscriptionmemberships":
		if q.allow(http.MethodGet, http.MethodPost) {
			s.memberships(q, a)
		}
	case len(rest) == 2 && rest[0] == "presencesubscriptionmemberships":
		if q.allow(http.MethodGet, http.MethodDelete) {
			s.membershipOp(q, a, rest[1])
		}
	case len(rest) >= 1 && len(rest) <= 2 && strings.Contains(rest[0], "@"):
		if q.allow(http.MethodGet) {
			s.contactResource(q, a, rest)
		}
	default:
		q.fail(http.StatusNotFound, protocol.CodeNotFound, "", "No such resource.")
	}
}

// peopleLocked runs f with s.mu held and the application's groups built.
func (s *Server) peopleLocked(q *request, a *app, f func([]*cgroup)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	groups, err := s.contactGroups(a)
	if err != nil {
		q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", err.Error())
		return
	}
	f(groups)
}

// contactResource answers people/<sip> and its presence, note, location,
// supportedMedia and privacyRelationship.
func (s *Server) contactResource(q *request, a *app, rest []string) {
	sip := strings.TrimPrefix(rest[0], "sip:")
	u := s.users[sip]
	if u == nil {
		q.notFound("contact")
		return
	}
	c := a.base + "/people/" + sip
	if len(rest) == 1 {
		q.reply(http.StatusOK, encode(a.contact(u)))
		return
	}
	p, online := s.hub.contactState(sip)
	self := obj{{"self", href(c + "/" + rest[1])}}
	switch rest[1] {
	case "presence":
		o := obj{{"availability", p.availability}}
		if online {
			// Every application the lab serves is a mobile client's.
			o = append(o, kv{"deviceType", "Mobile"}, kv{"lastActive", ajaxDate(p.at)})
		} else {
			o = append(o, kv{"deviceType", "Unknown"})
		}
		q.reply(http.StatusOK, encode(append(o, kv{"_links", self}, kv{"rel", relContactPresence})))
	case "note":
		q.reply(http.StatusOK, encode(obj{{"message", p.note}, {"type", "Personal"}, {"_links", self}, {"rel", relContactNote}}))
	case "location":
		q.reply(http.StatusOK, encode(obj{{"location", p.location}, {"_links", self}, {"rel", relContactLocation}}))
	case "supportedmedia":
		mods := p.modalities
		if mods == nil {
			mods = []string{}
		}
		q.reply(http.StatusOK, encode(obj{{"modalities", mods}, {"_links", obj{{"self", href(c + "/supportedMedia")}}}, {"rel", "contactSupportedModalities"}}))
	case "privacyrelationship":
		q.reply(http.StatusOK, encode(obj{{"relationship", "Colleagues"}, {"_links", obj{{"self", href(c + "/privacyRelationship")}}},
			{"rel", "contactPrivacyRelationship"}}))
	default:
		q.notFound("resource")
	}
}

// search answers people/search?query=&limit= over the directory's users
// (search_ref.md): a case-insensitive match on the SIP address, the UPN or
// the name, at most limit contacts, moreResultsAvailable beyond.
func (s *Server) search(q *request, a *app) {
	query, _ := q.query("query")
	query = strings.ToLower(strings.TrimSpace(query))
	needle := strings.TrimPrefix(query, "sip:")
	if needle == "" || len(query) > maxSearchQuery {
		q.invalid("query")
		return
	}
	limit := maxSearchLimit
	if v, ok := q.query("limit"); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > maxSearchLimit {
			q.invalid("limit")
			return
		}
		limit = n
	}
	found := []obj{}
	more := false
	for _, u := range s.userList {
		sip := strings.ToLower(u.SIP)
		local, _, _ := strings.Cut(sip, "@")
		if !strings.Contains(sip, needle) && !strings.Contains(strings.ToLower(u.UPN), needle) && !strings.Contains(local, needle) {
			continue
		}
		if len(found) == limit {
			more = true
			break
		}
		found = append(found, a.contact(u))
	}
	self := a.base + "/people/search?query=" + url.QueryEscape(query) + "&limit=" + strconv.Itoa(limit)
	q.reply(http.StatusOK, encode(obj{{"moreResultsAvailable", more}, {"_links", obj{{"self", href(self)}}},
		{"_embedded", obj{{"contact", found}}}, {"rel", "search"}}))
}

// sipList reads an array of SIP URIs of directory users, lower case and
// without the scheme; ok is false for anything else.
func (s *Server) sipList(raw json.RawMessage) ([]string, bool) {
	var list []string
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 || len(list) > maxURIs {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		sip := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), "sip:"))
		if s.users[sip] == nil {
			return nil, false
		}
		if !slices.Contains(out, sip) {
			out = append(out, sip)
		}
	}
	return out, true
}

// duration reads the subscription duration in minutes, from the query
// (ExtendAPresenceSubscription.md) or the body.
func duration(q *request, m map[string]json.RawMessage) (int, bool) {
	if v, ok := q.query("duration"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil && n >= minSubscriptionMins && n <= maxSubscriptionMins
	}
	var n int
	if raw, ok := m["duration"]; !ok || json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	return n, n >= minSubscriptionMins && n <= maxSubscriptionMins
}

// subscribe answers POST people/presenceSubscriptions: 201 with the
// subscription, to uris from the body or to a group (?groupId=), then
// contact added (in subscribedContacts), presenceSubscription added and
// contactPresence updated (SubscribeToThePresenceOfSelectedContacts.md).
func (s *Server) subscribe(q *request, a *app) {
	m, ok := s.jsonObject(q)
	if !ok {
		return
	}
	mins, ok := duration(q, m)
	if !ok {
		q.invalid("duration")
		return
	}
	gid, byGroup := q.query("groupId")
	var uris []string
	if !byGroup {
		raw, has := m["uris"]
		if uris, ok = s.sipList(raw); !has || !ok {
			q.invalid("uris")
			return
		}
	}
	id, err := newID(16)
	if err != nil {
		q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if byGroup {
		groups, err := s.contactGroups(a)
		if err != nil {
			q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", err.Error())
			return
		}
		var g *cgroup
		for _, x := range groups {
			if x.id == strings.ToLower(gid) {
				g = x
			}
		}
		if g == nil {
			q.notFound("group")
			return
		}
		uris = g.members
	}
	if len(a.subs) >= maxSubscriptions || a.memberCount()+len(uris) > maxSubscribed {
		q.fail(http.StatusForbidden, protocol.CodeForbidden, "LimitExceeded", "The application has reached the maximum number of presence subscriptions.")
		return
	}
	sub := &subscription{id: id, expires: q.now.Add(time.Duration(mins) * time.Minute)}
	a.subs = append(a.subs, sub)
	added, err := s.addMembers(a, sub, uris)
	if err != nil {
		q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", err.Error())
		return
	}
	s.announce(a, sub, added, event{sender: "people", rel: "presenceSubscription", href: a.subHref(sub), typ: "added", class: classMedium})
	q.w.Header().Set("Location", a.subHref(sub))
	q.reply(http.StatusCreated, encode(a.subResource(sub)))
}

func (a *app) memberCount() int {
	n := 0
	for _, sub := range a.subs {
		n += len(sub.members)
	}
	return n
}

// addMembers adds the users a subscription does not have yet and returns
// those that were subscribed by no other membership. Called with s.mu
// held.
func (s *Server) addMembers(a *app, sub *subscription, sips []string) ([]string, error) {
	var fresh []string
	for _, sip := range sips {
		if slices.ContainsFunc(sub.members, func(m membership) bool { return m.sip == sip }) {
			continue
		}
		id, err := newID(16)
		if err != nil {
			return fresh, err
		}
		sub.members = append(sub.members, membership{id: id, sip: sip})
		if a.subscribed == nil {
			a.subscribed = map[string]int{}
		}
		if a.subscribed[sip] == 0 {
			fresh = append(fresh, sip)
		}
		a.subscribed[sip]++
		s.hub.watch(sip, endpoint{srv: s, appID: a.id})
	}
	return fresh, nil
}

// dropMember removes one membership; true when the user is subscribed no
// more. Called with s.mu held.
func (s *Server) dropMember(a *app, m membership) bool {
	s.hub.unwatch(m.sip, endpoint{srv: s, appID: a.id})
	a.subscribed[m.sip]--
	if a.subscribed[m.sip] <= 0 {
		delete(a.subscribed, m.sip)
		return true
	}
	return false
}

// announce queues contact added for the fresh contacts, the subscription
// event, then contactPresence updated for each of them.
func (s *Server) announce(a *app, sub *subscription, fresh []string, subEvent event) {
	in := obj{{"rel", "subscribedContacts"}, {"href", a.base + "/people/subscribedContacts"}}
	for _, sip := range fresh {
		s.push(a, event{sender: "people", rel: "contact", href: a.base + "/people/" + sip, typ: "added", class: classMedium, extra: []kv{{"in", in}}})
	}
	if subEvent.rel != "" {
		s.push(a, subEvent)
	}
	for _, sip := range fresh {
		contact := a.base + "/people/" + sip
		s.push(a, event{sender: "people", rel: relContactPresence, href: contact + "/presence", typ: "updated", class: classMedium, merge: true,
			extra: []kv{{"in", obj{{"rel", "contact"}, {"href", contact}}}}})
	}
}

// endSubscription deletes a subscription: contact deleted for the users
// no longer subscribed, then presenceSubscription deleted
// (DeleteAPresenceSubscription.md). Called with s.mu held.
func (s *Server) endSubscription(a *app, sub *subscription) {
	in := obj{{"rel", "subscribedContacts"}, {"href", a.base + "/people/subscribedContacts"}}
	for _, m := range sub.members {
		if s.dropMember(a, m) {
			s.push(a, event{sender: "people", rel: "contact", href: a.base + "/people/" + m.sip, typ: "deleted", class: classMedium, extra: []kv{{"in", in}}})
		}
	}
	sub.members = nil
	for i, x := range a.subs {
		if x == sub {
			a.subs = append(a.subs[:i:i], a.subs[i+1:]...)
			break
		}
	}
	s.push(a, event{sender: "people", rel: "presenceSubscription", href: a.subHref(sub), typ: "deleted", class: classMedium})
}

// checkSubs warns of subscriptions about to expire (presenceSubscription
// updated) and ends those expired. Called with s.mu held.
func (s *Server) checkSubs(a *app, now time.Time) {
	for _, sub := range append([]*subscription(nil), a.subs...) {
		switch {
		case !now.Before(sub.expires):
			s.endSubscription(a, sub)
		case !sub.warned && !now.Before(sub.expires.Add(-subscriptionWarning)):
			sub.warned = true
			s.push(a, event{sender: "people", rel: "presenceSubscription", href: a.subHref(sub), typ: "updated", class: classMedium,
				embedded: a.subResource(sub)})
		}
	}
}

// nextSubCheck is when checkSubs has something to do next.
func (a *app) nextSubCheck() (time.Time, bool) {
	var t time.Time
	found := false
	for _, sub := range a.subs {
		at := sub.expires
		if !sub.warned {
			at = at.Add(-subscriptionWarning)
		}
		if !found || at.Before(t) {
			t, found = at, true
		}
	}
	return t, found
}

// subscriptionOp answers GET, POST ?duration= (extend: 200) and DELETE
// (204) on one subscription. An expired one answers 404 with the subcode
// ExtendAPresenceSubscription.md shows, ApplicationNotFound.
func (s *Server) subscriptionOp(q *request, a *app, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := a.sub(id)
	if sub == nil {
		q.fail(http.StatusNotFound, protocol.CodeNotFound, subApplicationNotFound, "The presence subscription does not exist or expired.")
		return
	}
	switch q.r.Method {
	case http.MethodDelete:
		s.endSubscription(a, sub)
		q.empty(http.StatusNoContent)
	case http.MethodPost:
		mins, ok := duration(q, nil)
		if !ok {
			q.invalid("duration")
			return
		}
		sub.expires, sub.warned = q.now.Add(time.Duration(mins)*time.Minute), false
		q.reply(http.StatusOK, encode(a.subResource(sub)))
	default:
		q.reply(http.StatusOK, encode(a.subResource(sub)))
	}
}

// memberships answers GET and POST (addToPresenceSubscription: 201 with
// the memberships) on presenceSubscriptionMemberships?presenceSubscriptionId=.
func (s *Server) memberships(q *request, a *app) {
	id, _ := q.query("presenceSubscriptionId")
	var uris []string
	if q.r.Method == http.MethodPost {
		m, ok := s.jsonObject(q)
		if !ok {
			return
		}
		raw, has := m["contacturis"]
		if !has {
			raw, has = m["uris"]
		}
		if uris, ok = s.sipList(raw); !has || !ok {
			q.invalid("contactUris")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := a.sub(strings.ToLower(id))
	if sub == nil {
		q.fail(http.StatusNotFound, protocol.CodeNotFound, subApplicationNotFound, "The presence subscription does not exist or expired.")
		return
	}
	if q.r.Method != http.MethodPost {
		q.reply(http.StatusOK, encode(a.memberships(sub)))
		return
	}
	if a.memberCount()+len(uris) > maxSubscribed {
		q.fail(http.StatusForbidden, protocol.CodeForbidden, "LimitExceeded", "The application has reached the maximum number of subscribed contacts.")
		return
	}
	fresh, err := s.addMembers(a, sub, uris)
	if err != nil {
		q.fail(http.StatusInternalServerError, protocol.CodeServiceFailure, "", err.Error())
		return
	}
	s.announce(a, sub, fresh, event{})
	q.reply(http.StatusCreated, encode(a.memberships(sub)))
}

// membershipOp answers GET and DELETE (204) on one membership.
func (s *Server) membershipOp(q *request, a *app, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range a.subs {
		for i, m := range sub.members {
			if m.id != id {
				continue
			}
			if q.r.Method == http.MethodDelete {
				sub.members = append(sub.members[:i:i], sub.members[i+1:]...)
				if s.dropMember(a, m) {
					s.push(a, event{sender: "people", rel: "contact", href: a.base + "/people/" + m.sip, typ: "deleted", class: classMedium,
						extra: []kv{{"in", obj{{"rel", "subscribedContacts"}, {"href", a.base + "/people/subscribedContacts"}}}}})
				}
				q.empty(http.StatusNoContent)
				return
			}
			q.reply(http.StatusOK, encode(a.membershipResource(sub, m)))
			return
		}
	}
	q.notFound("membership")
}
