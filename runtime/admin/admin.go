// Package admin is the lab runtime's admin endpoint (plain HTTP on a
// loopback address): what is served, from which plan, a reload, and the
// stopping and starting of Front End instances.
//
//	GET  /status                    the status, with every instance's state
//	POST /reload                    serve the artifacts as they are now
//	GET  /instances                 the instances
//	POST /instances/<fqdn>/stop     stop a server's instance
//	POST /instances/<fqdn>/start    start it again
//	GET  /push                      the push notifications the running plan sent
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Status is what GET /status answers.
type Status struct {
	FormatVersion string `json:"format_version"`
	PlanDigest    string `json:"plan_digest"`
	// AllowErrors: the served artifacts were applied with --allow-errors,
	// so the deployment has rule errors.
	AllowErrors bool      `json:"allow_errors"`
	Started     time.Time `json:"started"`
	Reloads     int       `json:"reloads"`
	// LastReloadError is why the last reload was refused ("" if none);
	// the running plan is kept.
	LastReloadError string     `json:"last_reload_error,omitempty"`
	Endpoints       []Endpoint `json:"endpoints"`
	Instances       []Instance `json:"instances,omitempty"`
}

// Instance is one planned server's Front End instance.
type Instance struct {
	Server string `json:"server"` // FQDN
	Pool   string `json:"pool"`
	// State is running or stopped: a stopped instance's listeners close
	// every connection they accept, and the load balancers' health
	// checks take it out of its VIPs.
	State     string   `json:"state"`
	Listeners []string `json:"listeners"`
}

// Instances are the Front End instances the admin endpoint controls.
type Instances interface {
	List() []Instance
	// Set stops (running false) or starts an instance by server FQDN; an
	// unknown server is ErrNoInstance.
	Set(ctx context.Context, server string, running bool) (Instance, error)
}

// ErrNoInstance: no planned server has that FQDN.
var ErrNoInstance = errors.New("no Front End instance of that name")

// Endpoint is one served endpoint.
type Endpoint struct {
	Name    string   `json:"name"`
	Serves  string   `json:"serves"`
	Planned string   `json:"planned,omitempty"`
	Served  string   `json:"served"`
	Reach   []string `json:"reach"`
}

// Server answers the admin requests from the status it is given.
type Server struct {
	mu        sync.Mutex
	status    Status
	reload    func(ctx context.Context) error
	instances Instances
	pushes    func() any
}

// SetPush gives the server what GET /push answers: the running
// generation's push notification records, as JSON.
func (s *Server) SetPush(f func() any) {
	s.mu.Lock()
	s.pushes = f
	s.mu.Unlock()
}

// SetInstances gives the server the instances it controls.
func (s *Server) SetInstances(i Instances) {
	s.mu.Lock()
	s.instances = i
	s.mu.Unlock()
}

// New returns an admin server whose POST /reload calls reload.
func New(reload func(ctx context.Context) error) *Server { return &Server{reload: reload} }

// SetStatus replaces what /status answers.
func (s *Server) SetStatus(st Status) {
	s.mu.Lock()
	s.status = st
	s.mu.Unlock()
}

// Update changes the status in place.
func (s *Server) Update(f func(*Status)) {
	s.mu.Lock()
	f(&s.status)
	s.mu.Unlock()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case r.URL.Path == "/status" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.mu.Lock()
		st, inst := s.status, s.instances
		s.mu.Unlock()
		if inst != nil {
			st.Instances = inst.List()
		}
		writeJSON(w, http.StatusOK, st)
	case r.URL.Path == "/push" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.mu.Lock()
		f := s.pushes
		s.mu.Unlock()
		var recs any = []any{}
		if f != nil {
			recs = f()
		}
		writeJSON(w, http.StatusOK, recs)
	case r.URL.Path == "/instances" || strings.HasPrefix(r.URL.Path, "/instances/"):
		s.serveInstances(w, r)
	case r.URL.Path == "/reload" && r.Method == http.MethodPost:
		err := s.reload(r.Context())
		s.mu.Lock()
		st := s.status
		s.mu.Unlock()
		if err != nil {
			writeJSON(w, http.StatusConflict, map[string]any{"reloaded": false, "error": err.Error(), "plan_digest": st.PlanDigest})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"reloaded": true, "plan_digest": st.PlanDigest})
	case r.URL.Path == "/status" || r.URL.Path == "/reload" || r.URL.Path == "/push":
		w.Header().Set("Allow", map[string]string{"/status": "GET, HEAD", "/reload": "POST", "/push": "GET, HEAD"}[r.URL.Path])
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveInstances(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	inst := s.instances
	s.mu.Unlock()
	if inst == nil {
		http.NotFound(w, r)
		return
	}
	if r.URL.Path == "/instances" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeJSON(w, http.StatusOK, inst.List())
		return
	}
	server, action, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/instances/"), "/")
	if !ok || server == "" || action != "stop" && action != "start" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got, err := inst.Set(r.Context(), server, action == "start")
	switch {
	case errors.Is(err, ErrNoInstance):
		writeJSON(w, http.StatusNotFound, map[string]any{"error": err.Error() + ": " + server})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
	default:
		writeJSON(w, http.StatusOK, got)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
