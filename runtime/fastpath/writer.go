package fastpath

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// writer is a connection's http.ResponseWriter on the fast path: it keeps
// the response until the handler returns and then lays it out as
// net/http's chunkWriter.writeHeader does for the responses a Router may
// give (see Router).
type writer struct {
	header  http.Header
	head    bool // a HEAD request: no body is sent
	status  int
	wrote   bool // WriteHeader ran: the header is fixed
	fixed   []byte
	body    []byte
	written int
	clen    int // -1: none set
	facts   facts
	bad     error
	// start is where finish put the response in out, dateAt where its
	// Date value is (-1: the handler set Date).
	start, dateAt int
}

// facts are what the layout needs of the header as it was at WriteHeader.
type facts struct {
	contentType, date, contentEncoding, transferEncoding, connection, trailer bool
}

func (w *writer) reset(head bool) {
	clear(w.header)
	w.head, w.status, w.wrote = head, 0, false
	w.fixed, w.body = w.fixed[:0], w.body[:0]
	w.written, w.clen, w.facts, w.bad = 0, -1, facts{}, nil
	w.start, w.dateAt = 0, -1
}

func (w *writer) Header() http.Header { return w.header }

func (w *writer) WriteHeader(code int) {
	if w.wrote {
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		// Interim responses and bodiless statuses: not the fast path's.
		w.bad = errors.New("status " + strconv.Itoa(code))
	}
	w.wrote, w.status = true, code
	// net/http: an invalid Content-Length is logged and dropped.
	if cl := w.header.Get("Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 && v <= 1<<30 {
			w.clen = int(v)
		} else {
			w.bad = errors.New("Content-Length " + strconv.Quote(cl))
		}
	}
	_, w.facts.contentType = w.header["Content-Type"]
	_, w.facts.date = w.header["Date"]
	w.facts.contentEncoding = w.header.Get("Content-Encoding") != ""
	w.facts.transferEncoding = w.header.Get("Transfer-Encoding") != ""
	_, w.facts.connection = w.header["Connection"]
	_, w.facts.trailer = w.header["Trailer"]
	for k := range w.header {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			w.facts.trailer = true
		}
	}
	// The header as net/http writes it, fixed now as net/http's clone is.
	if !appendPlainHeader(&w.fixed, w.header) {
		w.header.Write((*appender)(&w.fixed))
	}
}

// appendPlainHeader appends h as http.Header.Write does (sorted by name),
// when writing it is plain: at most 16 names, every name a token, no
// value with CR or LF or spaces at its ends, which Header.Write would
// clean. It reports false, having appended nothing, otherwise.
func appendPlainHeader(out *[]byte, h http.Header) bool {
	type kv struct {
		k  string
		vs []string
	}
	var kvs [16]kv
	n := 0
	for k, vs := range h {
		if n == len(kvs) || k == "" {
			return false
		}
		for i := 0; i < len(k); i++ {
			if !isToken(k[i]) {
				return false
			}
		}
		for _, v := range vs {
			if v == "" {
				continue
			}
			if c := v[0]; c == ' ' || c == '\t' {
				return false
			}
			if c := v[len(v)-1]; c == ' ' || c == '\t' {
				return false
			}
			for i := 0; i < len(v); i++ {
				if v[i] == '\r' || v[i] == '\n' {
					return false
				}
			}
		}
		kvs[n] = kv{k, vs}
		n++
	}
	// Insertion sort: a response has a handful of names.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && kvs[j].k < kvs[j-1].k; j-- {
			kvs[j], kvs[j-1] = kvs[j-1], kvs[j]
		}
	}
	b := *out
	for _, e := range kvs[:n] {
		for _, v := range e.vs {
			b = append(b, e.k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	*out = b
	return true
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	// net/http counts the refused bytes too.
	w.written += len(p)
	if w.clen >= 0 && w.written > w.clen {
		return 0, http.ErrContentLength
	}
	// Kept for a HEAD answer too: net/http sniffs its type and length
	// from what the handler writes, then drops it.
	w.body = append(w.body, p...)
	return len(p), nil
}

// finish appends the response to out; closing adds net/http's
// Connection: close of a server shutting down. reuse is false when
// net/http would close the connection after it: a body shorter (or, as
// written, longer) than its Content-Length.
func (w *writer) finish(out []byte, now time.Time, closing bool) (_ []byte, reuse bool, _ error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	f := w.facts
	switch {
	case w.bad != nil:
		return out, false, w.bad
	case f.transferEncoding || f.trailer || f.connection:
		return out, false, errors.New("Transfer-Encoding, Trailer or Connection set")
	case w.clen < 0 && w.written > 2048:
		return out, false, errors.New("no Content-Length on a body over 2 KiB")
	}
	reuse = w.head || w.clen < 0 || w.written == w.clen
	w.start = len(out)
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(w.status), 10)
	if text := http.StatusText(w.status); text != "" {
		out = append(out, ' ')
		out = append(out, text...)
	} else {
		out = append(out, " status code "...)
		out = strconv.AppendInt(out, int64(w.status), 10)
	}
	out = append(out, "\r\n"...)
	out = append(out, w.fixed...)
	if !f.date {
		out = append(out, "Date: "...)
		w.dateAt = len(out) - w.start
		out = appendDate(out, now)
		out = append(out, "\r\n"...)
	}
	// net/http sets a missing length once the handler is done, except
	// on a HEAD answer with nothing written.
	if w.clen < 0 && (!w.head || w.written > 0) {
		out = append(out, "Content-Length: "...)
		out = strconv.AppendInt(out, int64(w.written), 10)
		out = append(out, "\r\n"...)
	}
	if !f.contentType && !f.contentEncoding && len(w.body) > 0 {
		out = append(out, "Content-Type: "...)
		out = append(out, http.DetectContentType(w.body)...)
		out = append(out, "\r\n"...)
	}
	if closing {
		out = append(out, "Connection: close\r\n"...)
	}
	out = append(out, "\r\n"...)
	if !w.head {
		out = append(out, w.body...)
	}
	if cap(w.body) > 64<<10 {
		w.body = nil
	}
	return out, reuse, nil
}

// appender lets http.Header.Write append to a byte slice.
type appender []byte

func (a *appender) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}

func (a *appender) WriteString(s string) (int, error) {
	*a = append(*a, s...)
	return len(s), nil
}

// The Date header, formatted once a second.
type dateCache struct {
	sec  int64
	text []byte
}

var dates atomic.Pointer[dateCache]

func appendDate(out []byte, now time.Time) []byte {
	sec := now.Unix()
	d := dates.Load()
	if d == nil || d.sec != sec {
		d = &dateCache{sec: sec, text: now.UTC().AppendFormat(nil, http.TimeFormat)}
		dates.Store(d)
	}
	return append(out, d.text...)
}
