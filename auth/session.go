package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"time"

	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// Session is a signed-in browser.
type Session struct {
	// ID is the cookie's value. It is known only to the request that started the
	// session (to set the cookie); a session taken back after a restart has none, as
	// only its hash was kept.
	ID      string
	User    string
	Role    Role
	CSRF    string // the token every state-changing form of this session carries
	Expires time.Time
	key     string // HashToken(ID): how the session is found and stored
}

// Sessions holds the live sessions in memory, where every request looks them up,
// and, with Store, also in the store, so that a restart signs nobody out (Restore).
// The store knows a session by the hash of its cookie only.
type Sessions struct {
	TTL time.Duration
	// Max bounds how many sessions are kept; the oldest go first, so that a flood of
	// logins cannot grow the process without limit.
	Max int
	// Store keeps the sessions across restarts; nil: memory only.
	Store store.Store
	Log   *slog.Logger

	mu    sync.Mutex
	byKey map[string]*Session
	now   func() time.Time
}

// NewSessions keeps sessions for ttl after login.
func NewSessions(ttl time.Duration) *Sessions {
	return &Sessions{TTL: ttl, Max: 10000, byKey: map[string]*Session{}, now: time.Now}
}

// RandomToken returns 32 random bytes, URL-safe.
func RandomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Start opens a session for a user.
func (ss *Sessions) Start(ctx context.Context, u *User) *Session {
	id := RandomToken()
	s := &Session{ID: id, key: HashToken(id), User: u.Name, Role: u.role, CSRF: RandomToken(), Expires: ss.now().Add(ss.TTL)}
	ss.mu.Lock()
	if len(ss.byKey) >= ss.Max {
		ss.evict()
	}
	ss.byKey[s.key] = s
	ss.mu.Unlock()
	ss.save(ctx, s, false)
	return s
}

// save writes a session's start or end to the store. A failure is logged, not
// returned: the session works in memory all the same, and is lost only at a restart.
func (ss *Sessions) save(ctx context.Context, s *Session, ended bool) {
	if ss.Store == nil {
		return
	}
	flag := 0
	if ended {
		flag = 1
	}
	err := ss.Store.Exec(context.WithoutCancel(ctx), kovsql.Query("auth.SessionSave"), store.Params{
		"id": s.key, "user": s.User, "role": s.Role.String(), "csrf": s.CSRF, "expires": s.Expires.UnixMilli(), "ended": flag})
	if err != nil && ss.Log != nil {
		ss.Log.Error("session not stored: it ends with this process", "user", s.User, "ended", ended, "err", err)
	}
}

// evict drops expired sessions and, if still full, the one closest to expiry.
func (ss *Sessions) evict() {
	now := ss.now()
	var oldest *Session
	for key, s := range ss.byKey {
		if now.After(s.Expires) {
			delete(ss.byKey, key)
			continue
		}
		if oldest == nil || s.Expires.Before(oldest.Expires) {
			oldest = s
		}
	}
	if len(ss.byKey) >= ss.Max && oldest != nil {
		delete(ss.byKey, oldest.key)
	}
}

// Get returns the live session of a cookie value; nil when unknown or expired.
func (ss *Sessions) Get(id string) *Session {
	if id == "" {
		return nil
	}
	key := HashToken(id)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.byKey[key]
	if s == nil {
		return nil
	}
	if ss.now().After(s.Expires) {
		delete(ss.byKey, key)
		return nil
	}
	return s
}

// End closes the session of a cookie value, here and in the store.
func (ss *Sessions) End(ctx context.Context, id string) {
	if id == "" {
		return
	}
	key := HashToken(id)
	ss.mu.Lock()
	s := ss.byKey[key]
	delete(ss.byKey, key)
	ss.mu.Unlock()
	if s != nil {
		ss.save(ctx, s, true)
	}
}

// storedSession is a live session as the store keeps it (auth.SessionsLive).
type storedSession struct {
	Key       string `ch:"id_sha256"`
	User      string `ch:"user"`
	Role      string `ch:"role"` // the role then; Restore gives the users file's
	CSRF      string `ch:"csrf"`
	ExpiresMs int64  `ch:"expires_ms"`
}

// Restore takes back the sessions the store holds that have neither ended nor
// expired, as a restarted server does. Each keeps its user's role as the users file
// now says it; the sessions of users no longer in the file are ended.
func (ss *Sessions) Restore(ctx context.Context, users *Users) (int, error) {
	if ss.Store == nil || users == nil {
		return 0, nil
	}
	live, err := store.Select[storedSession](ctx, ss.Store, "auth.SessionsLive", nil)
	if err != nil {
		return 0, fmt.Errorf("taking back the sessions: %w", err)
	}
	var removed []*Session // of users no longer in the file
	n := 0
	ss.mu.Lock()
	for _, row := range live {
		s := &Session{key: row.Key, User: row.User, CSRF: row.CSRF, Expires: time.UnixMilli(row.ExpiresMs)}
		u := users.byName[s.User]
		if u == nil {
			removed = append(removed, s)
			continue
		}
		s.Role = u.role
		if len(ss.byKey) < ss.Max {
			ss.byKey[s.key] = s
			n++
		}
	}
	ss.mu.Unlock()
	for _, s := range removed {
		ss.save(ctx, s, true) // outside the lock: a statement of the store each
	}
	return n, nil
}
