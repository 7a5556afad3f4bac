// Package admin is the lab runtime's admin endpoint (plain HTTP on a
// loopback address): what is served, from which plan, and a reload.
package admin

import (
	"context"
	"encoding/json"
	"net/http"
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
}

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
	mu     sync.Mutex
	status Status
	reload func(ctx context.Context) error
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
		st := s.status
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, st)
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
	case r.URL.Path == "/status" || r.URL.Path == "/reload":
		w.Header().Set("Allow", map[string]string{"/status": "GET, HEAD", "/reload": "POST"}[r.URL.Path])
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
