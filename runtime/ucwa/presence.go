package ucwa

import (
	"slices"
	"time"
)

// published is what one available application says of its user.
type published struct {
	ep                           endpoint
	availability, note, location string
	modalities                   []string
	at                           time.Time
}

// change is one user's presence, note or location having changed: the
// rel of the contact resource its watchers hear about.
type change struct{ sip, rel string }

// Contact resource rels and their path under people/<sip>.
const (
	relContactPresence = "contactPresence"
	relContactNote     = "contactNote"
	relContactLocation = "contactLocation"
)

// maxChanges bounds the changes waiting for the watchers; they merge per
// user and rel, so only a directory larger than this can reach it.
const maxChanges = 1 << 16

func contactPath(rel string) string {
	switch rel {
	case relContactNote:
		return "note"
	case relContactLocation:
		return "location"
	}
	return "presence"
}

// aggregate is a user's presence as contacts see it: the most recently
// published state among the user's available applications (the lab's
// simplification of aggregation), Offline when there is none. Called with
// h.mu held.
func (h *Hub) aggregate(sip string) (published, bool) {
	var best published
	found := false
	for _, p := range h.pres[sip] {
		if !found || !p.at.Before(best.at) {
			best, found = p, true
		}
	}
	if !found {
		best.availability = "Offline"
	}
	return best, found
}

func (h *Hub) contactState(sip string) (published, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.aggregate(sip)
	p.modalities = slices.Clone(p.modalities)
	return p, ok
}

// publish records what one application says and queues a change for each
// of presence, note and location that the user's watchers now see
// differently. It may be called with a server's mu held.
func (h *Hub) publish(sip string, p published) {
	h.mu.Lock()
	defer h.mu.Unlock()
	before, _ := h.aggregate(sip)
	list := h.pres[sip]
	i := slices.IndexFunc(list, func(x published) bool { return x.ep == p.ep })
	if i < 0 {
		list = append(list, p)
	} else {
		list[i] = p
	}
	h.pres[sip] = list
	h.changed(sip, before)
}

// withdraw forgets an application that is no longer available.
func (h *Hub) withdraw(sip string, ep endpoint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	before, _ := h.aggregate(sip)
	list := slices.DeleteFunc(h.pres[sip], func(x published) bool { return x.ep == ep })
	if len(list) == 0 {
		delete(h.pres, sip)
	} else {
		h.pres[sip] = list
	}
	h.changed(sip, before)
}

// changed queues the differences from before. Called with h.mu held.
func (h *Hub) changed(sip string, before published) {
	after, _ := h.aggregate(sip)
	if len(h.watchers[sip]) == 0 {
		return
	}
	for _, c := range []struct {
		rel  string
		diff bool
	}{
		{relContactPresence, before.availability != after.availability},
		{relContactNote, before.note != after.note},
		{relContactLocation, before.location != after.location},
	} {
		if !c.diff {
			continue
		}
		ch := change{sip: sip, rel: c.rel}
		// A change already waiting says the same: the watchers read the
		// resource when they get the event.
		if h.pending[ch] || len(h.changes) >= maxChanges {
			continue
		}
		h.pending[ch] = true
		h.changes = append(h.changes, ch)
	}
	if len(h.changes) > 0 && !h.draining {
		h.draining = true
		go h.drain()
	}
}

// drain hands the queued changes to the watching applications, in order,
// holding no lock while it calls into a server (whose own lock may be
// held by whoever published), and ends when the queue is empty.
func (h *Hub) drain() {
	for {
		h.mu.Lock()
		if len(h.changes) == 0 {
			h.draining = false
			h.changes = nil
			h.mu.Unlock()
			return
		}
		c := h.changes[0]
		h.changes = h.changes[1:]
		delete(h.pending, c)
		ws := make([]endpoint, 0, len(h.watchers[c.sip]))
		for w := range h.watchers[c.sip] {
			ws = append(ws, w)
		}
		h.mu.Unlock()
		for _, w := range ws {
			w.srv.contactChanged(w.appID, c.sip, c.rel)
		}
	}
}

// settled reports whether every queued change has been delivered.
func (h *Hub) settled() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.draining && len(h.changes) == 0
}

// watch and unwatch count one application's memberships of a user.
func (h *Hub) watch(sip string, w endpoint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.watchers[sip]
	if m == nil {
		m = map[endpoint]int{}
		h.watchers[sip] = m
	}
	m[w]++
}

func (h *Hub) unwatch(sip string, w endpoint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.watchers[sip]
	if m[w] <= 1 {
		delete(m, w)
	} else {
		m[w]--
	}
	if len(m) == 0 {
		delete(h.watchers, sip)
	}
}

// publishSelf publishes an available application's state. Called with
// s.mu held.
func (s *Server) publishSelf(a *app) {
	if !a.available || a.expired {
		return
	}
	s.hub.publish(a.sip, published{ep: endpoint{srv: s, appID: a.id}, availability: a.availability, note: a.note,
		location: a.location, modalities: a.modalities, at: s.now()})
}

// contactChanged tells one application that a user it subscribes to
// changed: contactPresence, contactNote or contactLocation updated, sender
// people, merged with an earlier change still queued (EventsInUCWA.md
// "Aggregation").
func (s *Server) contactChanged(appID, sip, rel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appID]
	if a == nil || a.expired || !a.subscribedTo(sip) {
		return
	}
	contact := a.base + "/people/" + sip
	s.push(a, event{sender: "people", rel: rel, href: contact + "/" + contactPath(rel), typ: "updated", class: classMedium, merge: true,
		extra: []kv{{"in", obj{{"rel", "contact"}, {"href", contact}}}}})
}
