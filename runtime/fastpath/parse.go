package fastpath

import (
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
)

// parse reads the request head at the start of b: n == 0, more bytes
// are needed; h == nil, the connection goes to net/http (from this
// request on); otherwise the request is set up in c.req, n bytes long,
// for h to answer.
//
// What it accepts is a strict subset of what net/http accepts and
// parses to the same Request: a request line "GET|HEAD SP origin-form SP
// HTTP/1.1", header lines "token: value" with visible ASCII, spaces
// and tabs, every line ended by CRLF, exactly one Host, and none of the
// headers that bring a body or change the connection.
func (c *conn) parse(b []byte) (int, http.Handler) {
	end := bytes.Index(b, crlfcrlf)
	if end < 0 {
		// A bare LF ends lines for net/http: not ours.
		if i := bytes.IndexByte(b, '\n'); i >= 0 && (i == 0 || b[i-1] != '\r') {
			return len(b), nil
		}
		return 0, nil
	}
	n := end + 4
	// The previous request again: req holds it still.
	c.replay = false
	if c.last.h != nil && bytes.Equal(b[:n], c.last.head) {
		if h := c.s.Router.Fast(c.req.Method, c.req.URL.Path); h == http.Handler(c.last.h) {
			c.replay = true
			return n, h
		}
	}
	c.logReplays() // req is about to change
	c.last.h = nil
	var method string
	switch {
	case bytes.HasPrefix(b, getSP):
		method = http.MethodGet
	case bytes.HasPrefix(b, headSP):
		method = http.MethodHead
	default:
		return n, nil
	}
	// One string for the whole head: the Request's strings are its
	// substrings.
	s := string(b[len(method)+1 : end+2])
	line, rest, _ := cut(s)
	sp := indexByte(line, ' ')
	if sp < 0 || line[sp+1:] != "HTTP/1.1" {
		return n, nil
	}
	uri := line[:sp]
	path, query, force, ok := splitURI(uri)
	if !ok {
		return n, nil
	}
	clear(c.header)
	vals := c.vals[:0]
	host, hosts := "", 0
	for rest != "" {
		line, rest, _ = cut(rest)
		colon := indexByte(line, ':')
		if colon <= 0 {
			return n, nil
		}
		k := line[:colon]
		canonical, upper := true, true
		for i := 0; i < len(k); i++ {
			ch := k[i]
			if !isToken(ch) {
				return n, nil
			}
			if upper && 'a' <= ch && ch <= 'z' || !upper && 'A' <= ch && ch <= 'Z' {
				canonical = false
			}
			upper = ch == '-'
		}
		v := line[colon+1:]
		for i := 0; i < len(v); i++ {
			if ch := v[i]; ch < ' ' && ch != '\t' || ch > '~' {
				return n, nil
			}
		}
		v = trimOWS(v)
		if !canonical {
			k = textproto.CanonicalMIMEHeaderKey(k)
		}
		switch k {
		case "Host":
			hosts++
			if hosts > 1 || !validHost(v) {
				return n, nil
			}
			host = v
			continue // net/http keeps Host out of Header
		case "Content-Length", "Transfer-Encoding", "Expect", "Upgrade", "Connection":
			return n, nil
		}
		if vv, ok := c.header[k]; ok {
			c.header[k] = append(vv, v)
			continue
		}
		vals = append(vals, v)
		c.header[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	c.vals = vals
	if hosts != 1 {
		return n, nil
	}
	// net/http's fixPragmaCacheControl.
	if hp, ok := c.header["Pragma"]; ok && len(hp) > 0 && hp[0] == "no-cache" {
		if _, ok := c.header["Cache-Control"]; !ok {
			c.header["Cache-Control"] = []string{"no-cache"}
		}
	}
	h := c.s.Router.Fast(method, path)
	if h == nil {
		return n, nil
	}
	if c.remote == "" {
		c.remote = c.rwc.RemoteAddr().String()
	}
	c.url = urlOf(path, query, force)
	c.req = http.Request{Method: method, URL: &c.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: c.header, Body: http.NoBody, Host: host, RequestURI: uri, RemoteAddr: c.remote}
	return n, h
}

var (
	crlfcrlf = []byte("\r\n\r\n")
	getSP    = []byte("GET ")
	headSP   = []byte("HEAD ")
)

func cut(s string) (line, rest string, ok bool) {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '\r' && s[i+1] == '\n' {
			return s[:i], s[i+2:], true
		}
	}
	return s, "", false
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// splitURI splits an origin-form request target as url.ParseRequestURI
// does, for targets whose path has no character url would escape or
// unescape (so Path is the raw path and RawPath is empty) and whose query
// is visible ASCII without '#'.
func splitURI(uri string) (path, query string, force, ok bool) {
	if uri == "" || uri[0] != '/' {
		return "", "", false, false
	}
	q := indexByte(uri, '?')
	path = uri
	if q >= 0 {
		path, query = uri[:q], uri[q+1:]
	}
	for i := 0; i < len(path); i++ {
		if !isPathByte(path[i]) {
			return "", "", false, false
		}
	}
	for i := 0; i < len(query); i++ {
		if ch := query[i]; ch <= ' ' || ch > '~' || ch == '#' {
			return "", "", false, false
		}
	}
	// url.parse: a lone trailing '?' is ForceQuery.
	force = q >= 0 && query == ""
	return path, query, force, true
}

func isPathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', '~', '$', '&', '+', ',', '/', ':', ';', '=', '@':
		return true
	}
	return false
}

// isToken is RFC 7230's tchar, what textproto takes in a header name.
func isToken(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// validHost is a subset of what net/http takes in a Host header.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

func urlOf(path, query string, force bool) url.URL {
	return url.URL{Path: path, RawQuery: query, ForceQuery: force}
}
