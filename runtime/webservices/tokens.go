package webservices

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	gonanoid "github.com/matoous/go-nanoid/v2"

	"github.com/mobplan/mobplan/runtime/protocol"
)

// Lifetimes of what the sign-in services issue: 8 hours for a user, as
// on-premises servers do.
const (
	TokenLifetime     = 8 * time.Hour
	WebTicketLifetime = 8 * time.Hour
)

// DefaultMaxTokens bounds a token store made with NewTokenStore(0).
const DefaultMaxTokens = 100000

// idAlphabet is what token and ticket IDs are made of: letters and digits
// only, so an ID needs no escaping in a header, a form or an XML ID.
const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// idLength gives IDs of about 285 bits.
const idLength = 48

// kind tells OAuth tokens and web tickets apart: one is never accepted as
// the other.
type kind int

const (
	kindOAuth kind = iota + 1
	kindWebTicket
)

// grant is what a token or ticket stands for.
type grant struct {
	kind    kind
	user    string // SIP address, lower case
	expires time.Time
}

// TokenStore holds the live OAuth tokens and web tickets of one pool. It
// is safe for concurrent use; make one per pool and give it to every
// server of the pool.
type TokenStore struct {
	mu  sync.Mutex
	max int
	m   map[string]grant
}

// NewTokenStore makes a store holding at most max live entries (0 means
// DefaultMaxTokens). A full store first drops expired entries, then
// refuses to issue.
func NewTokenStore(max int) *TokenStore {
	if max <= 0 {
		max = DefaultMaxTokens
	}
	return &TokenStore{max: max, m: map[string]grant{}}
}

var errStoreFull = errors.New("token store full")

// issue records a new entry for user and returns its ID.
func (s *TokenStore) issue(k kind, user string, now time.Time, ttl time.Duration) (string, time.Time, error) {
	id, err := gonanoid.Generate(idAlphabet, idLength)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("make token ID: %w", err)
	}
	switch k {
	case kindOAuth:
		id = protocol.TokenPrefix + id
	case kindWebTicket:
		id = "_" + id // an XML ID starts with a letter or '_'
	}
	exp := now.Add(ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.max {
		for k, g := range s.m {
			if !now.Before(g.expires) {
				delete(s.m, k)
			}
		}
		if len(s.m) >= s.max {
			return "", time.Time{}, errStoreFull
		}
	}
	s.m[id] = grant{kind: k, user: user, expires: exp}
	return id, exp, nil
}

// lookup returns the user of a live entry of the kind.
func (s *TokenStore) lookup(k kind, id string, now time.Time) (string, bool) {
	if id == "" {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.m[id]
	if !ok || g.kind != k {
		return "", false
	}
	if !now.Before(g.expires) {
		delete(s.m, id)
		return "", false
	}
	return g.user, true
}

// Len is the number of entries held, expired ones not yet dropped included.
func (s *TokenStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// User returns the user (lower-case SIP address) a live OAuth token or web
// ticket stands for: token is an access token as sent in Authorization:
// Bearer ("cwt=…"), or a web ticket's assertion ID. The other services of
// a Front End (UCWA) authenticate with it.
func (s *TokenStore) User(token string, now time.Time) (sip string, ok bool) {
	if strings.HasPrefix(token, protocol.TokenPrefix) {
		return s.lookup(kindOAuth, token, now)
	}
	return s.lookup(kindWebTicket, token, now)
}
