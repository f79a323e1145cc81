package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"

	"github.com/hocvu/hocvu/internal/ratelimit"
)

// Options tune how a Registry verifies secrets. The zero value gives the
// defaults below.
type Options struct {
	// CacheIdle is how long a successful verification is remembered after
	// its last use (default 5 min). Within it a request with the same key
	// and secret is answered without bcrypt.
	CacheIdle time.Duration
	// KeyFailures limits failed verifications per credential key, known
	// or not (default: 10, then one every 6 s). AddrFailures limits them
	// per client address (IPv6: per /64) (default: 30, then one every
	// 2 s). A negative Burst disables a limit.
	KeyFailures, AddrFailures Limit
	// Concurrency bounds the bcrypt comparisons running at once (default
	// half the CPUs, at least one), so that a flood of wrong secrets
	// cannot take every CPU from requests that are already verified.
	Concurrency int
	// Compare checks a secret against a bcrypt hash (default
	// bcrypt.CompareHashAndPassword). Tests count its calls.
	Compare func(hash, secret []byte) error
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Cost is the bcrypt cost new secrets are hashed with (default
	// bcrypt.DefaultCost; tests lower it). Unknown keys are compared
	// against a hash of the same cost.
	Cost int
}

// Limit is a token bucket of failed attempts: Burst failures at once,
// then one more every Every.
type Limit struct {
	Burst int
	Every time.Duration
}

// The default limits of Options.
var (
	DefaultKeyFailures  = Limit{Burst: 10, Every: 6 * time.Second}
	DefaultAddrFailures = Limit{Burst: 30, Every: 2 * time.Second}
)

// DefaultCacheIdle is the default Options.CacheIdle.
const DefaultCacheIdle = 5 * time.Minute

func (o Options) withDefaults() Options {
	if o.CacheIdle <= 0 {
		o.CacheIdle = DefaultCacheIdle
	}
	if o.KeyFailures == (Limit{}) {
		o.KeyFailures = DefaultKeyFailures
	}
	if o.AddrFailures == (Limit{}) {
		o.AddrFailures = DefaultAddrFailures
	}
	if o.Concurrency <= 0 {
		o.Concurrency = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if o.Compare == nil {
		o.Compare = bcrypt.CompareHashAndPassword
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Cost == 0 {
		o.Cost = bcrypt.DefaultCost
	}
	return o
}

// ErrLimited matches the errors of attempts refused because too many
// attempts failed (errors.Is); the error is a *LimitedError.
var ErrLimited = errors.New("auth: too many failed attempts")

// LimitedError refuses an attempt, without checking its secret, because
// too many attempts with the same key or from the same address failed.
type LimitedError struct {
	By   string        // "key" or "address"
	Wait time.Duration // until the next attempt is allowed
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("too many failed authentication attempts for this %s; retry after %d s", e.By, RetrySeconds(e.Wait))
}

// Is makes errors.Is(err, ErrLimited) hold.
func (e *LimitedError) Is(target error) bool { return target == ErrLimited }

// RetryAfter is the wait before the next attempt (for a Retry-After header).
func (e *LimitedError) RetryAfter() time.Duration { return e.Wait }

// RetrySeconds rounds a wait up to whole seconds, at least one (the unit of
// Retry-After).
func RetrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

// dummyHash returns what an unknown or revoked key's secret is compared
// with, so that such a key costs one bcrypt comparison at the cost every
// credential is hashed with, like a known key with a wrong secret. At the
// default cost it is made once, in the background from the first
// registry on (so that start-up does not wait for it), and the first
// unknown key waits for it if it comes that early.
func dummyHash(cost int) func() []byte {
	if cost == bcrypt.DefaultCost {
		go defaultDummyHash()
		return defaultDummyHash
	}
	h := newDummyHash(cost)
	return func() []byte { return h }
}

var defaultDummyHash = sync.OnceValue(func() []byte { return newDummyHash(bcrypt.DefaultCost) })

func newDummyHash(cost int) []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("hocvu: no such credential"), cost)
	if err != nil {
		panic(fmt.Sprintf("auth: dummy hash at cost %d: %v", cost, err))
	}
	return h
}

// verifier holds the verification state of a Registry.
type verifier struct {
	opts      Options
	dummy     func() []byte // a hash at opts.Cost that no secret matches in practice
	cacheKey  []byte        // HMAC key of the cache fingerprints (random, per process)
	keyFails  *ratelimit.Buckets
	addrFails *ratelimit.Buckets
	slots     chan struct{}
	// flight joins concurrent verifications of the same key and secret
	// into one: many clients starting at once with one credential cost
	// one bcrypt and one reservation, not one each.
	flight singleflight.Group
	// joined, when set (tests), is told each time a request has joined
	// (or started) a shared verification.
	joined func()
}

func newVerifier(o Options) verifier {
	o = o.withDefaults()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return verifier{
		opts: o, cacheKey: key, dummy: dummyHash(o.Cost), // now, not on the first unknown key
		keyFails:  ratelimit.New(o.KeyFailures.Burst, o.KeyFailures.Every, o.Now),
		addrFails: ratelimit.New(o.AddrFailures.Burst, o.AddrFailures.Every, o.Now),
		slots:     make(chan struct{}, o.Concurrency),
	}
}

// cacheEntry is one remembered successful verification.
type cacheEntry struct {
	key     string
	cred    *Credential // the credential as it was verified; a change replaces the pointer
	expires atomic.Int64
}

// fingerprint keys the verification cache: an HMAC of key and secret under
// a random per-process key, so the cache never holds a secret, nor a plain
// hash of one that could be attacked offline.
func (v *verifier) fingerprint(key, secret string) [32]byte {
	m := hmac.New(sha256.New, v.cacheKey)
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	var fp [32]byte
	m.Sum(fp[:0])
	return fp
}

// Authenticate checks key and secret for a client at addr (its IP address;
// "" skips the per-address limit). It returns ErrUnauthorized for an
// unknown key, a wrong secret or a revoked credential alike, each after
// one bcrypt comparison; a *LimitedError (ErrLimited) without any
// comparison when too many attempts with this key or from this address
// failed; or ctx's error when ctx ends while it waits for a comparison
// slot. A key and secret that verified within CacheIdle are answered from
// the cache, which neither costs bcrypt nor counts against the limits;
// changing or revoking the credential empties its cache entries.
// Concurrent attempts with the same key and secret share one
// verification (and its outcome, including a limit met by the first).
func (r *Registry) Authenticate(ctx context.Context, key, secret, addr string) (*Credential, error) {
	v := &r.verifier
	fp := v.fingerprint(key, secret)
	now := v.opts.Now()
	r.mu.RLock()
	e, hit := r.cache[fp]
	cur := r.creds[key]
	r.mu.RUnlock()
	if hit && e.key == key && e.cred == cur && !cur.Revoked && now.UnixNano() < e.expires.Load() {
		e.expires.Store(now.Add(v.opts.CacheIdle).UnixNano())
		return cur, nil
	}

	for {
		ch := v.flight.DoChan(string(fp[:]), func() (any, error) { return r.verify(ctx, key, secret, addr, fp) })
		if v.joined != nil {
			v.joined()
		}
		select {
		case res := <-ch:
			if res.Err != nil && ctx.Err() == nil && (errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, context.DeadlineExceeded)) {
				continue // the request that led the shared verification ended; lead a new one
			}
			c, _ := res.Val.(*Credential)
			return c, res.Err
		case <-ctx.Done():
			return nil, fmt.Errorf("auth: waiting to verify a secret: %w", ctx.Err())
		}
	}
}

// verify checks key and secret for the request (ctx, addr) that leads a
// shared verification.
func (r *Registry) verify(ctx context.Context, key, secret, addr string, fp [32]byte) (*Credential, error) {
	v := &r.verifier
	// Reserve the attempt before checking it: concurrent wrong secrets
	// are counted before any of them is compared.
	if wait, ok := v.keyFails.Take(key); !ok {
		return nil, &LimitedError{By: "key", Wait: wait}
	}
	addrKey := ""
	if addr != "" {
		addrKey = ratelimit.AddrKey(addr)
		if wait, ok := v.addrFails.Take(addrKey); !ok {
			v.keyFails.Refund(key)
			return nil, &LimitedError{By: "address", Wait: wait}
		}
	}
	refund := func() {
		v.keyFails.Refund(key)
		if addrKey != "" {
			v.addrFails.Refund(addrKey)
		}
	}
	select {
	case v.slots <- struct{}{}:
	case <-ctx.Done():
		refund()
		return nil, fmt.Errorf("auth: waiting to verify a secret: %w", ctx.Err())
	}
	r.mu.RLock()
	c, known := r.creds[key]
	r.mu.RUnlock()
	hash := v.dummy()
	if known && !c.Revoked {
		hash = []byte(c.SecretHash)
	}
	err := v.opts.Compare(hash, []byte(secret))
	<-v.slots
	if !known || c.Revoked || err != nil {
		return nil, ErrUnauthorized
	}
	refund()
	now := v.opts.Now()
	r.mu.Lock()
	if r.creds[key] == c {
		for k, old := range r.cache {
			if now.UnixNano() >= old.expires.Load() {
				delete(r.cache, k)
			}
		}
		ne := &cacheEntry{key: key, cred: c}
		ne.expires.Store(now.Add(v.opts.CacheIdle).UnixNano())
		r.cache[fp] = ne
	}
	r.mu.Unlock()
	return c, nil
}

// Verify is Authenticate without a context or a client address.
func (r *Registry) Verify(key, secret string) (*Credential, error) {
	return r.Authenticate(context.Background(), key, secret, "")
}

// forgetLocked drops the cached verifications of key (r.mu held).
func (r *Registry) forgetLocked(key string) {
	for fp, e := range r.cache {
		if e.key == key {
			delete(r.cache, fp)
		}
	}
}

// Cached is the number of remembered verifications (for tests and metrics).
func (r *Registry) Cached() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.cache)
}
