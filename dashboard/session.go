package dashboard

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// Session is a signed-in browser. Only its random id travels (in an
// HttpOnly cookie); everything else stays on the server.
type Session struct {
	ID       string
	Username string
	// Stamp is users.Stamp of the user at sign-in; the session ends when
	// the user's password, role or commune changes, or the user is removed.
	Stamp string
	// CSRF is the token that state-changing forms of this session carry.
	CSRF     string
	Created  time.Time
	LastSeen time.Time
}

// SessionStore keeps sessions in memory (a restart signs everyone out).
// Sessions end after Idle without a request, or MaxAge after sign-in.
// It is safe for concurrent use.
type SessionStore struct {
	Idle, MaxAge time.Duration
	now          func() time.Time

	mu      sync.Mutex
	m       map[string]*Session
	created int
}

// NewSessionStore creates a store; now may be nil (time.Now).
func NewSessionStore(idle, maxAge time.Duration, now func() time.Time) *SessionStore {
	if now == nil {
		now = time.Now
	}
	return &SessionStore{Idle: idle, MaxAge: maxAge, now: now, m: map[string]*Session{}}
}

// RandomToken returns 256 random bits, URL-safe base64 encoded.
func RandomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("dashboard: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Create starts a session for a user.
func (s *SessionStore) Create(username, stamp string) (*Session, error) {
	id, err := RandomToken()
	if err != nil {
		return nil, err
	}
	csrf, err := RandomToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess := &Session{ID: id, Username: username, Stamp: stamp, CSRF: csrf, Created: now, LastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created++
	if s.created%256 == 0 {
		s.sweepLocked(now)
	}
	s.m[id] = sess
	return sess, nil
}

// Get returns a live session and records the request; expired sessions
// are deleted.
func (s *SessionStore) Get(id string) (Session, bool) {
	if id == "" {
		return Session{}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[id]
	if !ok {
		return Session{}, false
	}
	if s.expired(sess, now) {
		delete(s.m, id)
		return Session{}, false
	}
	sess.LastSeen = now
	return *sess, true
}

// Delete ends a session.
func (s *SessionStore) Delete(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

// Len is the number of sessions held (live or not yet swept).
func (s *SessionStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *SessionStore) expired(sess *Session, now time.Time) bool {
	return now.Sub(sess.LastSeen) > s.Idle || now.Sub(sess.Created) > s.MaxAge
}

func (s *SessionStore) sweepLocked(now time.Time) {
	for id, sess := range s.m {
		if s.expired(sess, now) {
			delete(s.m, id)
		}
	}
}
