package auth

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Session is a logged-in browser. Sessions live in memory: a restart logs everyone
// out, which is the safe way round for a service restarted rarely and on purpose.
type Session struct {
	ID      string
	User    string
	Role    Role
	CSRF    string // the token every state-changing form of this session carries
	Expires time.Time
}

// Sessions holds the live sessions.
type Sessions struct {
	TTL time.Duration
	// Max bounds how many sessions are kept; the oldest go first, so that a flood of
	// logins cannot grow the process without limit.
	Max int

	mu   sync.Mutex
	byID map[string]*Session
	now  func() time.Time
}

// NewSessions keeps sessions for ttl after login.
func NewSessions(ttl time.Duration) *Sessions {
	return &Sessions{TTL: ttl, Max: 10000, byID: map[string]*Session{}, now: time.Now}
}

// RandomToken returns 32 random bytes, URL-safe.
func RandomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Start opens a session for a user.
func (ss *Sessions) Start(u *User) *Session {
	s := &Session{ID: RandomToken(), User: u.Name, Role: u.role, CSRF: RandomToken(), Expires: ss.now().Add(ss.TTL)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byID) >= ss.Max {
		ss.evict()
	}
	ss.byID[s.ID] = s
	return s
}

// evict drops expired sessions and, if still full, the one closest to expiry.
func (ss *Sessions) evict() {
	now := ss.now()
	var oldest *Session
	for id, s := range ss.byID {
		if now.After(s.Expires) {
			delete(ss.byID, id)
			continue
		}
		if oldest == nil || s.Expires.Before(oldest.Expires) {
			oldest = s
		}
	}
	if len(ss.byID) >= ss.Max && oldest != nil {
		delete(ss.byID, oldest.ID)
	}
}

// Get returns a live session; nil when unknown or expired.
func (ss *Sessions) Get(id string) *Session {
	if id == "" {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byID[id]
	if s == nil {
		return nil
	}
	if ss.now().After(s.Expires) {
		delete(ss.byID, id)
		return nil
	}
	return s
}

// End closes a session.
func (ss *Sessions) End(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byID, id)
}
