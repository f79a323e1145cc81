package dashboard

import (
	"sync"
	"time"
)

// Limiter slows down password guessing: after Max failed sign-ins for one
// key (a user name, or a client address) within Window, the key is blocked
// until the window that began with the first failure ends. It is safe for
// concurrent use and bounded in memory.
type Limiter struct {
	Max    int
	Window time.Duration
	now    func() time.Time

	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	n     int
	first time.Time
}

// maxKeys bounds the limiter's memory; beyond it, stale keys are pruned
// and, if still full, the oldest windows are forgotten.
const maxKeys = 10000

// NewLimiter creates a limiter; now may be nil (time.Now).
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{Max: max, Window: window, now: now, m: map[string]*failures{}}
}

// Blocked reports whether key is blocked and for how long.
func (l *Limiter) Blocked(key string) (time.Duration, bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.m[key]
	if !ok {
		return 0, false
	}
	if now.Sub(f.first) >= l.Window {
		delete(l.m, key)
		return 0, false
	}
	if f.n >= l.Max {
		return f.first.Add(l.Window).Sub(now), true
	}
	return 0, false
}

// Fail records a failed attempt for key.
func (l *Limiter) Fail(key string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.m[key]
	if !ok || now.Sub(f.first) >= l.Window {
		if len(l.m) >= maxKeys {
			l.pruneLocked(now)
		}
		l.m[key] = &failures{n: 1, first: now}
		return
	}
	f.n++
}

// Reset forgets key's failures (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.m, key)
	l.mu.Unlock()
}

func (l *Limiter) pruneLocked(now time.Time) {
	for k, f := range l.m {
		if now.Sub(f.first) >= l.Window {
			delete(l.m, k)
		}
	}
	for k := range l.m { // still full: forget arbitrary entries
		if len(l.m) < maxKeys*9/10 {
			break
		}
		delete(l.m, k)
	}
}
