package ucwa

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mobplan/mobplan/planner/plan"
	"github.com/mobplan/mobplan/runtime/protocol"
)

// Version is sent as X-MS-UcwaVersion on every response.
const Version = "1.0.0.0"

// VersionHeader names the header every response carries (Versioning.md).
const VersionHeader = "X-MS-UcwaVersion"

// Defaults for the zero Config fields.
const (
	DefaultMaxApplications = 10000
	DefaultMaxPerUser      = 16
	DefaultMaxEvents       = 256
	DefaultMaxBodyBytes    = 64 << 10
	// DefaultExpireAfter: an application with no P-GET parked and no
	// request for this long expires (410 InactiveApplicationExpired).
	DefaultExpireAfter = 15 * time.Minute
	// DefaultResumeAfter: an event channel left without a P-GET for this
	// long answers its next P-GET with a resume link.
	DefaultResumeAfter = 5 * time.Minute
	// DefaultBackgroundAfter: an application with no P-GET parked for
	// this long is in the background (a client in the foreground parks
	// its next P-GET at once): invitations to it go by push.
	DefaultBackgroundAfter = 20 * time.Second
	// DefaultRingTimeout: an audio/video call nobody answers for this
	// long is missed (the lab's choice, within the 5–60 s the
	// unansweredCallSettings ringDelay allows).
	DefaultRingTimeout = 20 * time.Second
)

// Tokens resolves a credential to a user; *webservices.TokenStore is one.
type Tokens interface {
	User(token string, now time.Time) (sip string, ok bool)
}

// Config is what one Front End server instance serves.
type Config struct {
	// ServerFQDN is sent as X-MS-Server-Fqdn.
	ServerFQDN string
	// Pool is the plan.Pool.Name of the server's pool: only users homed
	// there (or on an SBA registered with it) get applications.
	Pool string
	// Directory is the plan's directory: users, effective policies, pools.
	Directory plan.Directory
	// Tokens is the pool's token store.
	Tokens Tokens
	// Hub is shared by the instances that reach each other (messaging,
	// presence, meetings); nil makes one for this instance alone.
	Hub *Hub
	// Contacts are the users' contact lists, by lower-case SIP address;
	// nil takes each user's from the directory (the topology's
	// contact_group blocks), and gives a user who declares none one
	// default group of the other directory users (at most MaxContacts).
	Contacts map[string][]ContactGroup
	// MeetURL is the meeting simple URL joinUrls start with, e.g.
	// https://meet.contoso.com; "" means https://meet.<organizer's domain>.
	MeetURL string
	// Push is the plan's push path (PushFromPlan); the zero value has
	// none, so invitations to applications in the background are missed.
	Push Push

	// Realm and TokenURL make the 401's Bearer and MsRtcOAuth challenges;
	// WebTicketURL its X-MS-WebTicketURL.
	Realm, TokenURL, WebTicketURL string

	// Bounds; zero means the Default….
	MaxApplications int // per instance
	MaxPerUser      int // applications per user on this instance
	MaxEvents       int // queued events per application
	MaxBodyBytes    int64
	ExpireAfter     time.Duration
	ResumeAfter     time.Duration
	BackgroundAfter time.Duration
	RingTimeout     time.Duration

	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// Now is the clock and After its timers; nil means the time package.
	Now   func() time.Time
	After func(time.Duration) (<-chan time.Time, func())
}

// FromPlan fills the plan-derived part of the Config of the server with
// the FQDN serverFQDN; the caller sets Tokens.
func FromPlan(p *plan.Plan, serverFQDN string) (Config, error) {
	if p == nil {
		return Config{}, errors.New("ucwa config: no plan")
	}
	for _, pool := range p.Directory.Pools {
		for _, s := range pool.Servers {
			if !strings.EqualFold(s.FQDN, serverFQDN) {
				continue
			}
			web := pool.WebExternalFQDN
			if web == "" {
				web = pool.WebInternalFQDN
			}
			cfg := Config{ServerFQDN: s.FQDN, Pool: pool.Name, Directory: p.Directory,
				TokenURL: "https://" + web + "/WebTicket/oauthtoken", WebTicketURL: "https://" + web + "/WebTicket/WebTicketService.svc"}
			cfg.Push = PushFromPlan(p, pool.Name)
			if len(p.SIPDomains) > 0 {
				cfg.Realm = p.SIPDomains[0]
			}
			return cfg, nil
		}
	}
	return Config{}, fmt.Errorf("ucwa config: %s is no server of a pool in the plan's directory", serverFQDN)
}

// Server is the UCWA service of one Front End server instance.
type Server struct {
	cfg      Config
	users    map[string]*plan.User // by lower-case SIP address
	userList []*plan.User          // in directory order, for search
	pools    map[string]bool       // pools whose users this server serves
	now      func() time.Time
	after    func(time.Duration) (<-chan time.Time, func())
	log      *slog.Logger
	hub      *Hub

	mu   sync.Mutex
	apps map[string]*app // by ID
}

// New checks a Config and builds its server.
func New(cfg Config) (*Server, error) {
	var problems []string
	if cfg.ServerFQDN == "" {
		problems = append(problems, "no server FQDN")
	}
	if cfg.Tokens == nil {
		problems = append(problems, "no token store")
	}
	s := &Server{cfg: cfg, users: map[string]*plan.User{}, pools: map[string]bool{cfg.Pool: true}, now: cfg.Now, after: cfg.After,
		log: cfg.Logger, apps: map[string]*app{}}
	found := false
	for _, p := range cfg.Directory.Pools {
		found = found || p.Name == cfg.Pool
	}
	if !found {
		problems = append(problems, fmt.Sprintf("pool %q is not in the directory", cfg.Pool))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("ucwa config for %s: %s", cfg.ServerFQDN, strings.Join(problems, "; "))
	}
	s.cfg.MaxApplications = orDefault(cfg.MaxApplications, DefaultMaxApplications)
	s.cfg.MaxPerUser = orDefault(cfg.MaxPerUser, DefaultMaxPerUser)
	s.cfg.MaxEvents = orDefault(cfg.MaxEvents, DefaultMaxEvents)
	if s.cfg.MaxBodyBytes <= 0 {
		s.cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.cfg.ExpireAfter <= 0 {
		s.cfg.ExpireAfter = DefaultExpireAfter
	}
	if s.cfg.ResumeAfter <= 0 {
		s.cfg.ResumeAfter = DefaultResumeAfter
	}
	if s.cfg.BackgroundAfter <= 0 {
		s.cfg.BackgroundAfter = DefaultBackgroundAfter
	}
	if s.cfg.RingTimeout <= 0 {
		s.cfg.RingTimeout = DefaultRingTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.after == nil {
		s.after = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTimer(d)
			return t.C, func() { t.Stop() }
		}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.hub = cfg.Hub
	if s.hub == nil {
		s.hub = NewHub()
	}
	for _, sba := range cfg.Directory.SBAs {
		if sba.Pool == cfg.Pool {
			s.pools["sba:"+sba.Name] = true
		}
	}
	for i := range cfg.Directory.Users {
		u := &cfg.Directory.Users[i]
		s.users[strings.ToLower(u.SIP)] = u
		s.userList = append(s.userList, u)
	}
	if cfg.Contacts != nil {
		s.cfg.Contacts = make(map[string][]ContactGroup, len(cfg.Contacts))
		for k, v := range cfg.Contacts {
			k = strings.ToLower(strings.TrimPrefix(k, "sip:"))
			s.cfg.Contacts[k] = append(s.cfg.Contacts[k], v...)
		}
	}
	return s, nil
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// servesUser reports whether the user is homed on this server's pool.
func (s *Server) servesUser(u *plan.User) bool {
	return (u.HomePool != "" && s.pools[u.HomePool]) || (u.HomeSBA != "" && s.pools["sba:"+u.HomeSBA])
}

// Applications counts the applications held, expired ones included.
func (s *Server) Applications() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.apps)
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// deferredWriter holds a response until the handler has returned, so
// that no handler writes to the connection with s.mu held: a client that
// does not read its response (a 250-contact list is 265 KB, more than a
// socket buffer) would otherwise stall every request of the instance
// until the write timeout. Responses are whole JSON documents, bounded
// by the collections' limits; none is streamed.
type deferredWriter struct {
	w      http.ResponseWriter
	status int
	body   []byte
}

func (d *deferredWriter) Header() http.Header { return d.w.Header() }

func (d *deferredWriter) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}

func (d *deferredWriter) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.body = append(d.body, b...)
	return len(b), nil
}

// Unwrap lets http.ResponseController reach the connection.
func (d *deferredWriter) Unwrap() http.ResponseWriter { return d.w }

// flush sends what the handler wrote.
func (d *deferredWriter) flush() {
	if d.status == 0 {
		return // nothing written: net/http answers 200 with no body
	}
	d.w.WriteHeader(d.status)
	if len(d.body) > 0 {
		_, _ = d.w.Write(d.body)
	}
}

// request is one authenticated request, routed.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	user *plan.User
	sip  string
	base string   // "/ucwa/oauth/v1/applications" or "/ucwa/v1/applications", as linked
	segs []string // path segments after base, lower case
	now  time.Time
}

// ServeHTTP answers one UCWA request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	start := time.Now()
	defer func() {
		if r.URL != nil {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "ucwa", slog.String("server", s.cfg.ServerFQDN), slog.String("host", r.Host),
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status),
				slog.Duration("duration", time.Since(start)))
		}
	}()
	hd := rec.Header()
	hd[http.CanonicalHeaderKey(VersionHeader)] = []string{Version}
	hd["X-Ms-Server-Fqdn"] = []string{s.cfg.ServerFQDN}
	hd["Cache-Control"] = []string{"no-cache"}
	if r.URL == nil {
		fail(rec, http.StatusBadRequest, protocol.CodeBadRequest, "", "The request has no URL.")
		return
	}
	base, segs, ok := splitPath(r.URL.Path)
	if !ok {
		fail(rec, http.StatusNotFound, protocol.CodeNotFound, "", "No such resource.")
		return
	}
	dw := &deferredWriter{w: rec}
	defer dw.flush()
	q := &request{w: dw, r: r, base: base, segs: segs, now: s.now()}
	if !s.authenticate(q) {
		return
	}
	s.route(q)
}

// splitPath reads a UCWA path: "//" collapsed, a trailing slash dropped,
// the fixed segments matched in any case. IDs are lower case.
func splitPath(p string) (string, []string, bool) {
	var parts []string
	for seg := range strings.SplitSeq(p, "/") {
		if seg != "" {
			parts = append(parts, strings.ToLower(seg))
		}
		if len(parts) > 16 {
			return "", nil, false
		}
	}
	switch {
	case len(parts) >= 4 && parts[0] == "ucwa" && parts[1] == "oauth" && parts[2] == "v1" && parts[3] == "applications":
		return "/ucwa/oauth/v1/applications", parts[4:], true
	case len(parts) >= 3 && parts[0] == "ucwa" && parts[1] == "v1" && parts[2] == "applications":
		return "/ucwa/v1/applications", parts[3:], true
	}
	return "", nil, false
}

// authenticate resolves the credential; without a good one it answers
// 401 with the challenges the user resource sends.
func (s *Server) authenticate(q *request) bool {
	token := ""
	if v := q.r.Header.Get(protocol.WebTicketHeader); v != "" {
		if a, err := protocol.ParseWebTicket(v); err == nil {
			token, _ = protocol.AssertionID(a)
		}
	} else {
		token = protocol.BearerToken(q.r.Header.Get("Authorization"))
	}
	if token != "" {
		if sip, ok := s.cfg.Tokens.User(token, q.now); ok {
			if u := s.users[sip]; u != nil {
				q.sip, q.user = sip, u
				return true
			}
		}
	}
	hd := q.w.Header()
	if s.cfg.Realm != "" {
		hd.Add("WWW-Authenticate", protocol.NewBearerChallenge(s.cfg.Realm).String())
	}
	if s.cfg.TokenURL != "" {
		hd.Add("WWW-Authenticate", protocol.OAuthChallenge{Href: s.cfg.TokenURL}.String())
	}
	if s.cfg.WebTicketURL != "" {
		hd.Set(protocol.WebTicketURLHeader, s.cfg.WebTicketURL)
	}
	if token != "" {
		hd.Set("X-Ms-diagnostics", protocol.Diagnostics{ID: protocol.DiagNoValidSecurityToken, Source: s.cfg.ServerFQDN,
			Reason: "No valid security token."}.String())
	}
	fail(q.w, http.StatusUnauthorized, "Unauthorized", "", "No valid security token.")
	return false
}

// UCWA error codes and subcodes beyond those of runtime/protocol.
const (
	codeConflict = "Conflict"
	codeGone     = "Gone"

	subApplicationNotFound     = "ApplicationNotFound"
	subInactiveExpired         = "InactiveApplicationExpired"
	subTooManyApplications     = "TooManyApplications"
	subAlreadyExists           = "AlreadyExists"
	subMakeMeAvailableRequired = "MakeMeAvailableRequired"
	subPGetReplaced            = "PGetReplaced"
	subMethodNotAllowed        = "MethodNotAllowed"
	subUnsupportedMediaType    = "UnsupportedMediaType"
	subEntityTooLarge          = "EntityTooLarge"
	subNormalizationFailed     = "NormalizationFailed"
)

// fail sends a UCWA error body.
func fail(w http.ResponseWriter, status int, code, subcode, message string) {
	body := protocol.Error{Code: code, Subcode: subcode, Message: message}.Encode(protocol.UCWAJSON)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// reply sends a JSON body.
func (q *request) reply(status int, body []byte) {
	q.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	q.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	q.w.WriteHeader(status)
	if q.r.Method != http.MethodHead {
		_, _ = q.w.Write(body)
	}
}

// empty sends a status without a body (204, or 201 with Location).
func (q *request) empty(status int) {
	if status != http.StatusNoContent {
		q.w.Header().Set("Content-Length", "0")
	}
	q.w.WriteHeader(status)
}

func (q *request) fail(status int, code, subcode, message string) {
	fail(q.w, status, code, subcode, message)
}

// methodNotAllowed answers 405 with Allow.
func (q *request) allow(methods ...string) bool {
	for _, m := range methods {
		if q.r.Method == m || (m == http.MethodGet && q.r.Method == http.MethodHead) {
			return true
		}
	}
	q.w.Header().Set("Allow", strings.Join(methods, ", "))
	q.fail(http.StatusMethodNotAllowed, protocol.CodeMethodNotAllowed, subMethodNotAllowed,
		"The "+q.r.Method+" method is not supported for this resource.")
	return false
}

// body reads a bounded request body.
func (s *Server) body(q *request) ([]byte, bool) {
	if q.r.Body == nil {
		return nil, true
	}
	b, err := io.ReadAll(http.MaxBytesReader(q.w, q.r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			q.fail(http.StatusRequestEntityTooLarge, protocol.CodeEntityTooLarge, subEntityTooLarge, "The request body is too large.")
			return nil, false
		}
		q.fail(http.StatusBadRequest, protocol.CodeBadRequest, protocol.SubcodeDeserializationFailure, "The request body could not be read.")
		return nil, false
	}
	return b, true
}
