package webservices

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// Limits every request is held to. A server running the handler should set
// http.Server.MaxHeaderBytes to MaxHeaderBytes as well; the handler checks
// again, since it cannot know which server runs it.
const (
	MaxHeaderBytes = 32 << 10
	MaxBodyBytes   = 64 << 10
	MaxURLBytes    = 4 << 10
)

// Handler serves the web services of one listener of one Front End. It is
// immutable once built and safe for concurrent use; a reload builds a new
// one.
type Handler struct {
	cfg     Config
	pool    plan.Pool
	pools   map[string]plan.Pool
	sbas    map[string]plan.SBA
	users   map[string]*plan.User // by lower-case SIP address
	upns    map[string]*plan.User // by lower-case UPN
	locals  map[string][]*plan.User
	domains map[string]bool
	netbios string
	hashes  map[string][sha256.Size]byte // lower-case SIP address → SHA-256 of the password
	defRep  protocol.Representation
	loc     protocol.Location
	now     func() time.Time
	log     *slog.Logger
	// roots caches encoded Root documents: a Root answer is a function
	// of the representation and the links' query alone.
	roots docCache
}

// New checks a Config and builds its handler.
func New(cfg Config) (*Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:     cfg,
		pools:   map[string]plan.Pool{},
		sbas:    map[string]plan.SBA{},
		users:   map[string]*plan.User{},
		upns:    map[string]*plan.User{},
		locals:  map[string][]*plan.User{},
		domains: map[string]bool{},
		hashes:  map[string][sha256.Size]byte{},
		now:     cfg.Now,
		log:     cfg.Logger,
		loc:     protocol.LocationInternal,
	}
	if cfg.Location == External {
		h.loc = protocol.LocationExternal
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	for _, p := range cfg.Directory.Pools {
		h.pools[p.Name] = p
	}
	h.pool = h.pools[cfg.Pool]
	for _, s := range cfg.Directory.SBAs {
		h.sbas[s.Name] = s
	}
	for i := range cfg.Directory.Users {
		u := &cfg.Directory.Users[i]
		sip := strings.ToLower(u.SIP)
		h.users[sip] = u
		if u.UPN != "" {
			h.upns[strings.ToLower(u.UPN)] = u
		}
		for _, a := range []string{u.SIP, u.UPN} {
			if local, _, ok := strings.Cut(strings.ToLower(a), "@"); ok {
				h.locals[local] = appendUnique(h.locals[local], u)
			}
		}
	}
	for sip, pw := range cfg.Passwords {
		h.hashes[strings.ToLower(strings.TrimPrefix(strings.ToLower(sip), "sip:"))] = sha256.Sum256([]byte(pw))
	}
	for _, d := range cfg.SIPDomains {
		h.domains[strings.ToLower(d)] = true
	}
	h.netbios, _, _ = strings.Cut(strings.ToLower(cfg.ADDomain), ".")
	h.defRep = cfg.DefaultRepresentation
	if h.defRep == 0 {
		h.defRep = protocol.DefaultRepresentation(h.pool.Product)
	}
	return h, nil
}

func appendUnique(list []*plan.User, u *plan.User) []*plan.User {
	for _, x := range list {
		if x == u {
			return list
		}
	}
	return append(list, u)
}

// recorder remembers the status for the request log.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (UCWA's
// P-GETs outlive the server's write timeout).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Paths, lower case: IIS matches paths case-insensitively.
const (
	pathRoot         = "/autodiscover/autodiscoverservice.svc/root"
	pathUser         = pathRoot + "/user"
	pathOAuthUser    = pathRoot + "/oauth/user"
	pathDomain       = pathRoot + "/domain"
	pathXFrame       = "/autodiscover/xframe/xframe.html"
	pathToken        = "/webticket/oauthtoken"
	pathWebTicket    = "/webticket/webticketservice.svc"
	pathWebTicketMex = pathWebTicket + "/mex"
	pathWebTicketAut = pathWebTicket + "/auth"
)

// The same paths as the links spell them.
const (
	linkRoot      = "/Autodiscover/AutodiscoverService.svc/root"
	linkXFrame    = "/Autodiscover/XFrame/XFrame.html"
	linkToken     = "/WebTicket/oauthtoken"
	linkWebTicket = "/WebTicket/WebTicketService.svc"
)

// ServeHTTP answers one request. Every response carries X-MS-Server-Fqdn
// and the no-cache headers, whatever its status.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL == nil { // never from net/http, but a hand-made request may lack it
		w.Header().Set("X-MS-Server-Fqdn", h.cfg.ServerFQDN)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rec := &recorder{ResponseWriter: w}
	if h.log.Enabled(r.Context(), slog.LevelInfo) {
		start := time.Now()
		defer func() {
			h.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("location", string(h.cfg.Location)),
				slog.String("host", r.Host), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
		}()
	}
	hd := rec.Header()
	// Fresh one-element slices per response, of one array: a later Add
	// by a wrapper must not write into another response's headers (nor
	// into the next slice: each one's capacity is its length).
	vals := &[5]string{h.cfg.ServerFQDN, "no-cache", "no-cache", "-1", "nosniff"}
	hd["X-Ms-Server-Fqdn"] = vals[0:1:1]
	hd["Cache-Control"] = vals[1:2:2]
	hd["Pragma"] = vals[2:3:3]
	hd["Expires"] = vals[3:4:4]
	hd["X-Content-Type-Options"] = vals[4:5:5]

	if len(r.URL.Path)+len(r.URL.RawQuery) > MaxURLBytes {
		h.fail(rec, r, http.StatusRequestURITooLong, protocol.UCWAJSON, protocol.Error{Code: protocol.CodeBadRequest, Message: "The request URL is too long."}, protocol.DiagLabRequestTooLarge)
		return
	}
	if headerBytes(r.Header) > MaxHeaderBytes {
		h.fail(rec, r, http.StatusRequestHeaderFieldsTooLarge, protocol.UCWAJSON, protocol.Error{Code: protocol.CodeBadRequest, Message: "The request headers are too large."}, protocol.DiagLabRequestTooLarge)
		return
	}
	path := cleanPath(r.URL.Path)
	if strings.HasPrefix(path, "/ucwa/") && h.cfg.UCWA != nil {
		h.cfg.UCWA.ServeHTTP(rec, r)
		return
	}
	rep := protocol.Negotiate(strings.Join(r.Header.Values("Accept"), ","), r.Header.Get("Content-Type"), h.defRep)
	switch path {
	case "/", pathRoot:
		if h.allow(rec, r, rep, http.MethodGet, http.MethodHead) {
			h.serveRoot(rec, r, rep)
		}
	case pathUser, pathOAuthUser:
		if h.allow(rec, r, rep, http.MethodGet, http.MethodHead) {
			h.serveUser(rec, r, rep, path == pathOAuthUser)
		}
	case pathDomain:
		if h.allow(rec, r, rep, http.MethodGet, http.MethodHead) {
			h.serveDomain(rec, r, rep)
		}
	case pathXFrame, "/xframe", pathRoot + "/xframe":
		if h.allow(rec, r, rep, http.MethodGet, http.MethodHead) {
			h.write(rec, r, http.StatusOK, "text/html; charset=utf-8", []byte(xframePage))
		}
	case pathToken:
		if h.allow(rec, r, protocol.UCWAJSON, http.MethodPost) {
			h.serveToken(rec, r)
		}
	case pathWebTicketMex:
		if h.allow(rec, r, protocol.UCWAXML, http.MethodGet, http.MethodHead) {
			h.write(rec, r, http.StatusOK, "text/xml; charset=utf-8", protocol.EncodeMEX(h.webTicketURL()))
		}
	case pathWebTicket, pathWebTicketAut:
		if h.allow(rec, r, protocol.UCWAXML, http.MethodPost) {
			h.serveWebTicket(rec, r, path == pathWebTicketAut)
		}
	case pathMcx:
		h.serveMcx(rec, r)
	default:
		// Unknown resources (UCWA too when no UCWA handler is set): 404
		// with an empty body, as for an unknown user.
		h.write(rec, r, http.StatusNotFound, "", nil)
	}
}

// FastPath reports whether the answer to method on path (as sent) is a
// function of the request line and headers alone — no body, credentials,
// state or connection — so that a server may answer it on its fast path
// (runtime/fastpath): GET and HEAD of the Root resource.
func (h *Handler) FastPath(method, path string) bool {
	if method != http.MethodGet && method != http.MethodHead {
		return false
	}
	return isRootPath(path)
}

// isRootPath reports cleanPath(p) == "/" or pathRoot, without
// allocating.
func isRootPath(p string) bool {
	var buf [len(pathRoot) + 1]byte
	buf[0] = '/'
	n := 1
	prev := byte('/')
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' && prev == '/' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if n == len(buf) {
			return false
		}
		buf[n] = c
		n++
		prev = c
	}
	if n > 1 && buf[n-1] == '/' {
		n--
	}
	s := buf[:n]
	return string(s) == "/" || string(s) == pathRoot
}

// cleanPath lower-cases a path, collapses repeated slashes (clients send
// "//" prefixes) and drops a trailing slash.
func cleanPath(p string) string {
	var b strings.Builder
	b.Grow(len(p) + 1)
	prev := byte(0)
	if !strings.HasPrefix(p, "/") {
		b.WriteByte('/')
		prev = '/'
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' && prev == '/' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
		prev = c
	}
	s := b.String()
	if len(s) > 1 {
		s = strings.TrimSuffix(s, "/")
	}
	return s
}

func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// allow answers 405 with Allow unless the method is one of methods; HEAD
// goes wherever GET does.
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, rep protocol.Representation, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	h.fail(w, r, http.StatusMethodNotAllowed, rep, protocol.Error{Code: protocol.CodeMethodNotAllowed,
		Message: "The " + r.Method + " method is not supported for this resource."}, 0)
	return false
}

// write sends a response; a HEAD gets the headers and no body.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	// Set's work, with the two values in one array.
	hd := w.Header()
	vals := &[2]string{contentType, strconv.Itoa(len(body))}
	if contentType != "" {
		hd["Content-Type"] = vals[0:1:1]
	}
	hd["Content-Length"] = vals[1:2:2]
	w.WriteHeader(status)
	if r.Method != http.MethodHead && len(body) > 0 {
		_, _ = w.Write(body)
	}
}

// fail sends a UCWA error body in the request's representation, with an
// X-Ms-diagnostics header when diag is set.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, rep protocol.Representation, e protocol.Error, diag int) {
	if diag != 0 {
		h.diagnose(w, diag, e.Message)
	}
	h.write(w, r, status, protocol.ErrorContentType(rep), e.Encode(rep))
}

// diagnose sets X-Ms-diagnostics.
func (h *Handler) diagnose(w http.ResponseWriter, id int, reason string) {
	w.Header().Set("X-Ms-diagnostics", protocol.Diagnostics{ID: id, Source: h.cfg.ServerFQDN, Reason: reason}.String())
}

// document sends an Autodiscover document with status 200.
func (h *Handler) document(w http.ResponseWriter, r *http.Request, rep protocol.Representation, d *protocol.Document) {
	body, err := d.Encode(rep)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, rep, protocol.Error{Code: protocol.CodeServiceFailure, Message: err.Error()}, 0)
		return
	}
	h.write(w, r, http.StatusOK, rep.ContentType(), body)
}

// query is what the Autodiscover resources read from the query string.
type query struct {
	sipuri         string // user@domain, "sip:" removed
	originalDomain string
}

// readQuery parses the parameters, names in any case: sipuri, and
// originalDomain (or Domain, which cloud tools send), which otherwise comes
// from a lyncdiscover[internal].<domain> Host.
func (h *Handler) readQuery(r *http.Request) (query, string) {
	var v url.Values // none: what ParseQuery gives for no query
	if r.URL.RawQuery != "" {
		var err error
		if v, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return query{}, "The query string is malformed."
		}
	}
	get := func(name string) string {
		if vals := v[name]; len(vals) > 0 {
			return strings.TrimSpace(vals[0])
		}
		for k, vals := range v {
			if strings.EqualFold(k, name) && len(vals) > 0 {
				return strings.TrimSpace(vals[0])
			}
		}
		return ""
	}
	var q query
	if s := get("sipuri"); s != "" {
		s = strings.TrimSpace(s)
		if len(s) > 4 && strings.EqualFold(s[:4], "sip:") {
			s = s[4:]
		}
		local, domain, ok := strings.Cut(s, "@")
		if !ok || !validLocal(local) || !validDomain(domain) {
			return query{}, "The sipuri parameter is not a SIP address."
		}
		q.sipuri = s
	}
	d := get("originalDomain")
	if d == "" {
		d = get("Domain")
	}
	if d == "" {
		host := strings.ToLower(r.Host)
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
			host = host[:i]
		}
		for _, prefix := range []string{"lyncdiscoverinternal.", "lyncdiscover."} {
			if strings.HasPrefix(host, prefix) && validDomain(host[len(prefix):]) {
				d = host[len(prefix):]
				break
			}
		}
	}
	if d != "" {
		if !validDomain(d) {
			return query{}, "The originalDomain parameter is not a domain name."
		}
		q.originalDomain = strings.ToLower(strings.TrimSuffix(d, "."))
	}
	return q, ""
}

// encode is the query the Autodiscover links carry: originalDomain, then
// sipuri ('@' left as is).
func (q query) encode() string {
	switch {
	case q.originalDomain == "" && q.sipuri == "":
		return ""
	case q.sipuri == "":
		return "?originalDomain=" + queryEscape(q.originalDomain)
	case q.originalDomain == "":
		return "?sipuri=" + queryEscape(q.sipuri)
	}
	return "?originalDomain=" + queryEscape(q.originalDomain) + "&sipuri=" + queryEscape(q.sipuri)
}

// queryEscape escapes a query value, '@' left as is; the validated domains
// and SIP addresses rarely need any escaping.
func queryEscape(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '@') {
			return strings.ReplaceAll(url.QueryEscape(s), "%40", "@")
		}
	}
	return s
}

// validDomain reports an LDH domain name.
func validDomain(d string) bool {
	d = strings.TrimSuffix(d, ".")
	if d == "" || len(d) > 253 {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validLocal reports a plausible local part of a SIP address.
func validLocal(l string) bool {
	if l == "" || len(l) > 64 {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>@\,;:()[]`, c) >= 0 {
			return false
		}
	}
	return true
}
