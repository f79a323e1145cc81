package dashboard

import (
	"sync"
	"time"
)

// Backoff slows down password guessing against one key (a user name, or a
// device cookie): the first Free-1 failures are free, the Free-th locks the
// key for Base, and each further failure locks it for twice as long as the
// one before, up to Max. A key's failures are forgotten Forget after the
// last one (once no lock is running), or at once by Reset (a success).
//
// Reserve counts an attempt as failed before its password is checked, so
// that parallel attempts cannot all pass the check before any of them is
// counted. It is safe for concurrent use and bounded in memory.
type Backoff struct {
	Free              int
	Base, Max, Forget time.Duration
	now               func() time.Time

	mu sync.Mutex
	m  map[string]*backoffState
}

type backoffState struct {
	fails int
	last  time.Time // of the last failure
	until time.Time // locked until
}

// maxKeys bounds a Backoff's memory; beyond it, forgotten keys are pruned
// and, if still full, unlocked ones, then arbitrary ones.
const maxKeys = 10000

// NewBackoff creates a backoff; now may be nil (time.Now).
func NewBackoff(free int, base, maxDelay, forget time.Duration, now func() time.Time) *Backoff {
	if now == nil {
		now = time.Now
	}
	return &Backoff{Free: free, Base: base, Max: maxDelay, Forget: forget, now: now, m: map[string]*backoffState{}}
}

// LockFor is how long the n-th failure in a row locks a key (0 while free).
func (b *Backoff) LockFor(n int) time.Duration {
	if n < b.Free {
		return 0
	}
	d := b.Base
	for i := b.Free; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Reserve counts an attempt for key as a failure, unless key is locked:
// then it returns false and the wait. Call Reset when the attempt
// succeeds.
func (b *Backoff) Reserve(key string) (time.Duration, bool) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	st, ok := b.m[key]
	if ok && b.forgotten(st, now) {
		delete(b.m, key)
		ok = false
	}
	if !ok {
		if len(b.m) >= maxKeys {
			b.pruneLocked(now)
		}
		st = &backoffState{}
		b.m[key] = st
	}
	if now.Before(st.until) {
		return st.until.Sub(now), false
	}
	st.fails++
	st.last = now
	if d := b.LockFor(st.fails); d > 0 {
		st.until = now.Add(d)
	}
	return 0, true
}

// Reset forgets key's failures (after a successful sign-in).
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	delete(b.m, key)
	b.mu.Unlock()
}

func (b *Backoff) forgotten(st *backoffState, now time.Time) bool {
	return !now.Before(st.until) && now.Sub(st.last) >= b.Forget
}

func (b *Backoff) pruneLocked(now time.Time) {
	for k, st := range b.m {
		if b.forgotten(st, now) {
			delete(b.m, k)
		}
	}
	for k, st := range b.m { // still full: forget keys that are not locked
		if len(b.m) < maxKeys*9/10 {
			return
		}
		if !now.Before(st.until) {
			delete(b.m, k)
		}
	}
	for k := range b.m { // every key locked: forget arbitrary ones
		if len(b.m) < maxKeys*9/10 {
			return
		}
		delete(b.m, k)
	}
}
