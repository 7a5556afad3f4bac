package ucwa

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// Aggregation classes (EventsInUCWA.md "Aggregation"): a real-time or high
// event answers the parked P-GET at once, with everything queued ahead of
// it; medium and low events wait up to the channel's medium and low
// delays, gathering others.
const (
	classLow = iota
	classMedium
	classHigh
	classRealTime
)

// Event channel parameters (events_ref.md), in seconds.
const (
	defaultLow, defaultMedium, minDelay, maxDelay = 15, 5, 5, 1800
	defaultTimeout, minTimeout, maxTimeout        = 180, 180, 1800
)

// event is one queued event.
type event struct {
	sender    string // the sender's rel: me, communication, people, conversation…
	senderRef string // the sender's href; "" means base + "/" + sender
	rel, href string
	title     string
	typ       string
	class     int
	merge     bool // a later event for the same link replaces this one
	embedded  obj  // the resource, embedded under its rel
	extra     []kv // status, in, reason…
	at        time.Time
}

// waiter is one parked P-GET.
type waiter struct {
	wake     chan struct{}
	priority int
	replaced bool // a newer P-GET took its place
	gone     bool // the application was deleted
}

func (w *waiter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// channel is an application's event channel.
type channel struct {
	next      int    // the ack the next new response answers
	last      []byte // the response to ack next-1, sent again on a retry
	queue     []event
	dropped   bool // the queue overflowed: the client must resync
	waiter    *waiter
	low       time.Duration
	medium    time.Duration
	timeout   time.Duration
	priority  int
	idleSince time.Time // when the last P-GET ended, or the channel was made
	resume    bool
}

func (c *channel) init(now time.Time) {
	*c = channel{next: 1, low: defaultLow * time.Second, medium: defaultMedium * time.Second,
		timeout: defaultTimeout * time.Second, idleSince: now}
}

// push queues an event and wakes the parked P-GET. Called with s.mu held.
func (s *Server) push(a *app, e event) {
	if a.expired {
		return
	}
	e.at = s.now()
	if e.merge {
		// Repeated changes of one resource merge into the latest state.
		kept := a.ch.queue[:0]
		for _, x := range a.ch.queue {
			if !(x.merge && x.href == e.href && x.typ == e.typ) {
				kept = append(kept, x)
			}
		}
		clear(a.ch.queue[len(kept):])
		a.ch.queue = kept
	}
	if len(a.ch.queue) >= s.cfg.MaxEvents {
		a.ch.queue = a.ch.queue[1:]
		a.ch.dropped = true
	}
	a.ch.queue = append(a.ch.queue, e)
	if a.ch.waiter != nil {
		a.ch.waiter.signal()
	}
}

// due is when the queued events must go out; ok is false for an empty
// queue.
func (c *channel) due() (time.Time, bool) {
	var t time.Time
	for i, e := range c.queue {
		var d time.Time
		switch e.class {
		case classRealTime, classHigh:
			d = e.at
		case classMedium:
			d = e.at.Add(c.medium)
		default:
			d = e.at.Add(c.low)
		}
		if i == 0 || d.Before(t) {
			t = d
		}
	}
	return t, len(c.queue) > 0
}

// eventQuery is what a P-GET's query string says.
type eventQuery struct {
	ack                              int
	hasAck                           bool
	low, medium, timeout, priority   int
	hasLow, hasMed, hasTime, hasPrio bool
}

// readEventQuery parses the query; empty values (the sample library sends
// "&low=&medium=") mean "not given", values out of range are clamped.
func readEventQuery(raw string) (eventQuery, string) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return eventQuery{}, "query"
	}
	var q eventQuery
	get := func(name string) (int, bool, bool) {
		for k, vals := range v {
			if strings.EqualFold(k, name) && len(vals) > 0 && strings.TrimSpace(vals[0]) != "" {
				n, err := strconv.Atoi(strings.TrimSpace(vals[0]))
				return n, err == nil, err != nil
			}
		}
		return 0, false, false
	}
	bad := ""
	check := func(name string, n *int, has *bool, lo, hi int) {
		x, ok, invalid := get(name)
		if invalid {
			bad = name
			return
		}
		if ok {
			*n, *has = min(max(x, lo), hi), true
		}
	}
	check("ack", &q.ack, &q.hasAck, -1, 1<<30)
	check("low", &q.low, &q.hasLow, minDelay, maxDelay)
	check("medium", &q.medium, &q.hasMed, minDelay, maxDelay)
	check("timeout", &q.timeout, &q.hasTime, minTimeout, maxTimeout)
	check("priority", &q.priority, &q.hasPrio, -1000, 1000)
	return q, bad
}

// events answers a P-GET.
func (s *Server) events(q *request, a *app) {
	eq, bad := readEventQuery(q.r.URL.RawQuery)
	if bad != "" {
		q.invalid(bad)
		return
	}
	s.mu.Lock()
	c := &a.ch
	if eq.hasLow {
		c.low = time.Duration(eq.low) * time.Second
	}
	if eq.hasMed {
		c.medium = time.Duration(eq.medium) * time.Second
	}
	if eq.hasTime {
		c.timeout = time.Duration(eq.timeout) * time.Second
	}
	prio := c.priority
	if eq.hasPrio {
		prio = eq.priority
	}
	self := a.base + "/events?ack=" + strconv.Itoa(eq.ack)
	switch {
	case eq.hasAck && eq.ack == c.next-1 && c.last != nil:
		// The client did not get the last response: the same again.
		body := c.last
		s.mu.Unlock()
		q.reply(http.StatusOK, body)
		return
	case !eq.hasAck || eq.ack != c.next || c.dropped:
		c.dropped = false
		c.queue = nil
		body := encode(obj{{"_links", obj{{"self", href(self)}, {"resync", href(a.base + "/events?ack=" + strconv.Itoa(c.next))}}}})
		s.mu.Unlock()
		q.reply(http.StatusOK, body)
		return
	}
	// A higher priority replaces lower ones, never the reverse; equal
	// priorities go in arrival order (events_ref.md).
	if old := c.waiter; old != nil {
		if old.priority > prio {
			s.mu.Unlock()
			q.fail(http.StatusConflict, codeConflict, subPGetReplaced, "A P-GET of higher priority is parked.")
			return
		}
		old.replaced = true
		old.signal()
	} else if q.now.Sub(c.idleSince) >= s.cfg.ResumeAfter {
		c.resume = true
	}
	c.priority = prio
	w := &waiter{wake: make(chan struct{}, 1), priority: prio}
	c.waiter = w
	deadline := q.now.Add(c.timeout)
	// The server's read and write timeouts are shorter than a P-GET's
	// (180 s at least): lift them for this request, or the P-GET would be
	// cut (and its context cancelled) before its timeout. Recorders and
	// servers without deadlines answer ErrNotSupported, which is fine.
	rc := http.NewResponseController(q.w)
	until := time.Now().Add(c.timeout + time.Minute)
	_ = rc.SetReadDeadline(until)
	_ = rc.SetWriteDeadline(until)
	for {
		now := s.now()
		if w.replaced || w.gone {
			s.mu.Unlock()
			if w.gone {
				q.fail(http.StatusNotFound, protocol.CodeNotFound, subApplicationNotFound, "The application was deleted.")
				return
			}
			q.fail(http.StatusConflict, codeConflict, subPGetReplaced, "A newer P-GET replaced this one.")
			return
		}
		// Subscriptions warn and expire while the channel is parked.
		s.checkSubs(a, now)
		at, any := c.due()
		if (any && !now.Before(at)) || !now.Before(deadline) {
			body := s.respond(a, eq.ack, self)
			c.waiter = nil
			c.idleSince = now
			a.touch(now)
			s.mu.Unlock()
			q.reply(http.StatusOK, body)
			return
		}
		wait := deadline.Sub(now)
		if any && at.Sub(now) < wait {
			wait = at.Sub(now)
		}
		if t, ok := a.nextSubCheck(); ok && t.Sub(now) < wait {
			wait = max(t.Sub(now), 0)
		}
		s.mu.Unlock()
		tc, stop := s.after(wait)
		select {
		case <-w.wake:
		case <-tc:
		case <-q.r.Context().Done():
			stop()
			s.mu.Lock()
			if c.waiter == w {
				c.waiter = nil
				c.idleSince = s.now()
				a.touch(c.idleSince)
			}
			s.mu.Unlock()
			return
		}
		stop()
		s.mu.Lock()
	}
}

// respond renders the queued events as the answer to ack and empties the
// queue. Called with s.mu held.
func (s *Server) respond(a *app, ack int, self string) []byte {
	c := &a.ch
	links := obj{{"self", href(self)}, {"next", href(a.base + "/events?ack=" + strconv.Itoa(ack+1))}}
	if c.resume {
		// resume means "next, and transient state was reset"; next stays
		// for the clients that index it unconditionally.
		links = append(links, kv{"resume", href(a.base + "/events?ack=" + strconv.Itoa(ack+1))})
		c.resume = false
	}
	senders := []obj{}
	var cur []obj
	curRef := ""
	flush := func(rel string) {
		if cur != nil {
			senders = append(senders, obj{{"rel", rel}, {"href", curRef}, {"events", cur}})
		}
	}
	curRel := ""
	for _, e := range c.queue {
		ref := e.senderRef
		if ref == "" {
			ref = a.base + "/" + e.sender
		}
		if cur == nil || ref != curRef || e.sender != curRel {
			flush(curRel)
			cur, curRef, curRel = []obj{}, ref, e.sender
		}
		link := obj{{"rel", e.rel}, {"href", e.href}}
		if e.title != "" {
			link = append(link, kv{"title", e.title})
		}
		ev := obj{{"link", link}}
		ev = append(ev, e.extra...)
		if e.embedded != nil {
			ev = append(ev, kv{"_embedded", obj{{e.rel, e.embedded}}})
		}
		ev = append(ev, kv{"type", e.typ})
		cur = append(cur, ev)
	}
	flush(curRel)
	clear(c.queue)
	c.queue = c.queue[:0]
	body := encode(obj{{"_links", links}, {"sender", senders}})
	c.next = ack + 1
	c.last = body
	return body
}
