// Package ratelimit bounds failed authentication attempts per key (an
// xAPI credential key, a dashboard user name, a client address) with one
// token bucket per key.
//
// An attempt is reserved before the password or secret is checked, so that
// concurrent attempts cannot all pass an "is it blocked?" test before any
// of them is counted; an attempt that turns out to succeed is refunded.
// Failures therefore cost tokens and successes cost nothing. A Buckets is
// safe for concurrent use and bounded in memory: it keeps at most MaxKeys
// keys, forgetting full buckets (keys without recent failures) first.
//
// The package is shared by lrs/auth (HTTP Basic) and dashboard (sign-in);
// it knows nothing of HTTP.
package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/netip"
	"sync"
	"time"
)

// MaxKeys bounds the keys a Buckets remembers.
const MaxKeys = 10000

// maxKeyLen bounds the bytes a remembered key takes: longer keys (anyone
// can send a long user name or credential key) are remembered by their
// SHA-256.
const maxKeyLen = 64

func mapKey(key string) string {
	if len(key) <= maxKeyLen {
		return key
	}
	h := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(h[:])
}

// Buckets is a set of token buckets, one per key: each holds up to Burst
// tokens and gains one every Every. A zero Burst disables the limit.
type Buckets struct {
	Burst int
	Every time.Duration
	now   func() time.Time

	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// New creates buckets of burst tokens refilled one per every; now may be
// nil (time.Now).
func New(burst int, every time.Duration, now func() time.Time) *Buckets {
	if now == nil {
		now = time.Now
	}
	return &Buckets{Burst: burst, Every: every, now: now, m: map[string]*bucket{}}
}

// refill brings b up to date at now and returns its tokens.
func (l *Buckets) refill(b *bucket, now time.Time) float64 {
	if now.After(b.at) && l.Every > 0 {
		b.tokens += float64(now.Sub(b.at)) / float64(l.Every)
		if b.tokens > float64(l.Burst) {
			b.tokens = float64(l.Burst)
		}
	}
	if now.After(b.at) {
		b.at = now
	}
	return b.tokens
}

// Take reserves one attempt for key. When none is left it returns false
// and how long until the next one.
func (l *Buckets) Take(key string) (wait time.Duration, ok bool) {
	if l == nil || l.Burst <= 0 {
		return 0, true
	}
	key = mapKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.m[key]
	if !found {
		if len(l.m) >= MaxKeys {
			l.pruneLocked(now)
		}
		b = &bucket{tokens: float64(l.Burst), at: now}
		l.m[key] = b
	}
	if t := l.refill(b, now); t < 1 {
		return time.Duration((1 - t) * float64(l.Every)), false
	}
	b.tokens--
	return 0, true
}

// Refund gives back an attempt taken for key (it succeeded).
func (l *Buckets) Refund(key string) {
	if l == nil || l.Burst <= 0 {
		return
	}
	key = mapKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.m[key]; ok {
		l.refill(b, now)
		b.tokens = min(b.tokens+1, float64(l.Burst))
	}
}

// Len is the number of keys remembered.
func (l *Buckets) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// pruneLocked forgets full buckets, then, if still too many, the emptiest
// tenth is kept and arbitrary others are dropped.
func (l *Buckets) pruneLocked(now time.Time) {
	for k, b := range l.m {
		if l.refill(b, now) >= float64(l.Burst) {
			delete(l.m, k)
		}
	}
	for k := range l.m { // still full: forget arbitrary keys
		if len(l.m) < MaxKeys*9/10 {
			break
		}
		delete(l.m, k)
	}
}

// AddrKey is the key a client address is limited by: the address itself
// for IPv4, its /64 network for IPv6 (one subscriber usually holds a whole
// /64, so counting single IPv6 addresses would not limit anyone). Strings
// that are not addresses are returned as they are.
func AddrKey(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return ip.String()
	}
	return p.String()
}
