package auth_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs/auth"
)

// comparer is an Options.Compare that runs the real bcrypt comparison and
// records each call, so tests see which paths compare (never how long
// they take).
type comparer struct {
	mu     sync.Mutex
	calls  int
	costs  []int
	gate   chan struct{} // when set, each comparison waits for a value
	inside chan struct{} // when set (buffered), told when a comparison starts, if it has room
}

func (c *comparer) compare(hash, secret []byte) error {
	c.mu.Lock()
	c.calls++
	cost, err := bcrypt.Cost(hash)
	if err != nil {
		cost = -1
	}
	c.costs = append(c.costs, cost)
	gate, inside := c.gate, c.inside
	c.mu.Unlock()
	if inside != nil {
		select {
		case inside <- struct{}{}:
		default:
		}
	}
	if gate != nil {
		<-gate
	}
	return bcrypt.CompareHashAndPassword(hash, secret)
}

func (c *comparer) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	key    = "hv_test"
	secret = "the-right-secret"
)

// newRegistry opens a registry over a fresh embedded store with one
// all-scope credential (key, secret).
func newRegistry(t *testing.T, opts auth.Options) *auth.Registry {
	t.Helper()
	store, err := pebblestore.Open(filepath.Join(t.TempDir(), "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if opts.Cost == 0 {
		opts.Cost = bcrypt.MinCost
	}
	r := auth.NewRegistryWith(store, nil, opts)
	ctx := context.Background()
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Seed(ctx, key, secret, "test", "https://lrs.test/"); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEveryFailurePathRunsOneBcryptComparison(t *testing.T) {
	cmp := &comparer{}
	r := newRegistry(t, auth.Options{Compare: cmp.compare})
	ctx := context.Background()
	if err := r.Set(ctx, auth.Credential{Key: "hv_revoked", Scopes: []string{auth.ScopeAll}}, "revoked-secret"); err != nil {
		t.Fatal(err)
	}
	if err := r.Revoke(ctx, "hv_revoked"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, key, secret string }{
		{"unknown key", "hv_nobody", secret},
		{"known key, wrong secret", key, "wrong"},
		{"revoked key, right secret", "hv_revoked", "revoked-secret"},
		{"empty key", "", ""},
	} {
		before := cmp.count()
		_, err := r.Authenticate(ctx, c.key, c.secret, "192.0.2.1")
		if !errors.Is(err, auth.ErrUnauthorized) {
			t.Errorf("%s: %v, want ErrUnauthorized", c.name, err)
		}
		if n := cmp.count() - before; n != 1 {
			t.Errorf("%s: %d bcrypt comparisons, want 1 (the same work as any other failure)", c.name, n)
		}
	}
	// Every comparison ran at the cost credentials are hashed with.
	cred, _ := r.Get(key)
	want, err := bcrypt.Cost([]byte(cred.SecretHash))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cmp.costs {
		if c != want {
			t.Errorf("comparison %d ran at cost %d, credentials use %d", i, c, want)
		}
	}
}

// TestDefaultCostMatchesForUnknownKeys checks the production setting: an
// unknown key is compared against a hash of bcrypt.DefaultCost, the cost
// of every stored secret.
func TestDefaultCostMatchesForUnknownKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("two bcrypt operations at the default cost")
	}
	cmp := &comparer{}
	r := newRegistry(t, auth.Options{Compare: cmp.compare, Cost: bcrypt.DefaultCost})
	_, _ = r.Authenticate(context.Background(), "hv_nobody", "guess", "")
	cred, _ := r.Get(key)
	if c, _ := bcrypt.Cost([]byte(cred.SecretHash)); c != bcrypt.DefaultCost || len(cmp.costs) != 1 || cmp.costs[0] != bcrypt.DefaultCost {
		t.Fatalf("stored cost %d, unknown key compared at %v; want %d", c, cmp.costs, bcrypt.DefaultCost)
	}
}

func TestSuccessfulVerificationIsCachedUntilRevoked(t *testing.T) {
	cmp := &comparer{}
	r := newRegistry(t, auth.Options{Compare: cmp.compare})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if c, err := r.Authenticate(ctx, key, secret, "192.0.2.1"); err != nil || c.Key != key {
			t.Fatalf("request %d: %v %v", i, c, err)
		}
	}
	if n := cmp.count(); n != 1 {
		t.Fatalf("%d comparisons for three requests with one secret, want 1", n)
	}
	if r.Cached() != 1 {
		t.Fatalf("%d cached verifications, want 1", r.Cached())
	}
	// A wrong secret for the same key is not answered from the cache.
	if _, err := r.Authenticate(ctx, key, secret+"x", "192.0.2.1"); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("wrong secret after a cached success: %v", err)
	}
	if err := r.Revoke(ctx, key); err != nil {
		t.Fatal(err)
	}
	if r.Cached() != 0 {
		t.Errorf("revoking left %d cached verifications", r.Cached())
	}
	if _, err := r.Authenticate(ctx, key, secret, "192.0.2.1"); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("revoked credential still verifies: %v", err)
	}
}

func TestRotatedSecretEndsTheCachedOne(t *testing.T) {
	r := newRegistry(t, auth.Options{})
	ctx := context.Background()
	if _, err := r.Authenticate(ctx, key, secret, ""); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, auth.Credential{Key: key, Scopes: []string{auth.ScopeAll}}, "a-new-secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Authenticate(ctx, key, secret, ""); !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("the old secret still verifies after rotation: %v", err)
	}
	if _, err := r.Authenticate(ctx, key, "a-new-secret", ""); err != nil {
		t.Fatalf("new secret: %v", err)
	}
}

func TestCacheExpiresWhenIdle(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	cmp := &comparer{}
	r := newRegistry(t, auth.Options{Compare: cmp.compare, CacheIdle: time.Minute, Now: clock.Now})
	ctx := context.Background()
	for i := 0; i < 5; i++ { // used every 50 s: stays cached
		if _, err := r.Authenticate(ctx, key, secret, ""); err != nil {
			t.Fatal(err)
		}
		clock.Add(50 * time.Second)
	}
	if n := cmp.count(); n != 1 {
		t.Fatalf("%d comparisons while in use, want 1", n)
	}
	clock.Add(time.Minute)
	if _, err := r.Authenticate(ctx, key, secret, ""); err != nil {
		t.Fatal(err)
	}
	if n := cmp.count(); n != 2 {
		t.Fatalf("%d comparisons after an idle minute, want 2", n)
	}
}

func TestFailedAttemptsAreLimitedPerKey(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	cmp := &comparer{}
	r := newRegistry(t, auth.Options{Compare: cmp.compare, Now: clock.Now,
		KeyFailures: auth.Limit{Burst: 3, Every: time.Minute}, AddrFailures: auth.Limit{Burst: -1}})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := r.Authenticate(ctx, key, "guess", "192.0.2.1"); !errors.Is(err, auth.ErrUnauthorized) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	before := cmp.count()
	_, err := r.Authenticate(ctx, key, secret, "192.0.2.99") // even the right secret, from elsewhere
	var le *auth.LimitedError
	if !errors.As(err, &le) || !errors.Is(err, auth.ErrLimited) || le.By != "key" || le.RetryAfter() != time.Minute {
		t.Fatalf("after 3 failures: %v, want a key limit of 1m", err)
	}
	if cmp.count() != before {
		t.Error("a limited attempt ran bcrypt")
	}
	// An unknown key is limited the same way (no enumeration through 429s).
	for i := 0; i < 3; i++ {
		_, _ = r.Authenticate(ctx, "hv_nobody", "guess", "192.0.2.1")
	}
	if _, err := r.Authenticate(ctx, "hv_nobody", "guess", "192.0.2.1"); !errors.Is(err, auth.ErrLimited) {
		t.Errorf("unknown key after 3 failures: %v, want limited", err)
	}
	clock.Add(time.Minute)
	if _, err := r.Authenticate(ctx, key, secret, "192.0.2.99"); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
	// A verified (now cached) secret passes even while wrong secrets keep
	// the key limited: strangers cannot lock its owner out.
	for i := 0; i < 3; i++ {
		_, _ = r.Authenticate(ctx, key, "guess", "192.0.2.1")
	}
	if _, err := r.Authenticate(ctx, key, secret, "192.0.2.99"); err != nil {
		t.Fatalf("a cached secret refused while the key is limited: %v", err)
	}
}

func TestFailedAttemptsAreLimitedPerAddress(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	r := newRegistry(t, auth.Options{Now: clock.Now, AddrFailures: auth.Limit{Burst: 3, Every: 10 * time.Second}})
	ctx := context.Background()
	for i, k := range []string{"hv_a", "hv_b", "hv_c"} {
		if _, err := r.Authenticate(ctx, k, "guess", "2001:db8:1:2::1"); !errors.Is(err, auth.ErrUnauthorized) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// Another address of the same IPv6 /64 is the same client.
	_, err := r.Authenticate(ctx, "hv_d", "guess", "2001:db8:1:2::ffff")
	var le *auth.LimitedError
	if !errors.As(err, &le) || le.By != "address" || le.Wait != 10*time.Second {
		t.Fatalf("4th failure from the /64: %v, want an address limit of 10s", err)
	}
	if _, err := r.Authenticate(ctx, key, secret, "192.0.2.1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	clock.Add(10 * time.Second)
	if _, err := r.Authenticate(ctx, key, secret, "2001:db8:1:2::1"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
}

// TestConcurrentFailuresAreReservedFirst sends 40 different wrong secrets
// at once: only the key's budget of them may reach bcrypt.
func TestConcurrentFailuresAreReservedFirst(t *testing.T) {
	cmp := &comparer{}
	r := newRegistry(t, auth.Options{Compare: cmp.compare, KeyFailures: auth.Limit{Burst: 5, Every: time.Hour}, AddrFailures: auth.Limit{Burst: -1}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	results := map[string]int{}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Authenticate(context.Background(), key, fmt.Sprint("guess-", i), "192.0.2.1")
			kind := "other"
			switch {
			case errors.Is(err, auth.ErrUnauthorized):
				kind = "401"
			case errors.Is(err, auth.ErrLimited):
				kind = "429"
			}
			mu.Lock()
			results[kind]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if results["401"] != 5 || results["429"] != 35 || cmp.count() != 5 {
		t.Fatalf("results %v with %d comparisons, want 5 checked and 35 limited", results, cmp.count())
	}
}

func TestWaitingForAComparisonSlotEndsWithTheRequest(t *testing.T) {
	cmp := &comparer{gate: make(chan struct{}), inside: make(chan struct{}, 1)}
	r := newRegistry(t, auth.Options{Compare: cmp.compare, Concurrency: 1})
	done := make(chan error, 1)
	go func() { _, err := r.Authenticate(context.Background(), key, "guess", "192.0.2.1"); done <- err }()
	<-cmp.inside // the only slot is taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Authenticate(ctx, "hv_other", "guess", "192.0.2.2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	close(cmp.gate)
	if err := <-done; !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatal(err)
	}
	if n := cmp.count(); n != 1 {
		t.Fatalf("%d comparisons, want 1 (the cancelled request must not compare)", n)
	}
}

// TestConcurrentFirstRequestsShareOneVerification: many clients starting
// at once with one credential (from many addresses) share one bcrypt and
// one reservation, so a budget of one failure does not refuse any.
func TestConcurrentFirstRequestsShareOneVerification(t *testing.T) {
	cmp := &comparer{gate: make(chan struct{}), inside: make(chan struct{}, 1)}
	r := newRegistry(t, auth.Options{Compare: cmp.compare, KeyFailures: auth.Limit{Burst: 1, Every: time.Hour}})
	const n = 30
	joined := make(chan struct{}, n)
	auth.OnJoined(r, func() { joined <- struct{}{} })
	errs := make(chan error, n)
	run := func(i int) {
		_, err := r.Authenticate(context.Background(), key, secret, fmt.Sprintf("192.0.2.%d", i+1))
		errs <- err
	}
	go run(0)
	<-cmp.inside // the first verification holds the key's only token
	<-joined
	for i := 1; i < n; i++ {
		go run(i)
	}
	for i := 1; i < n; i++ { // every other client is waiting for that verification
		<-joined
	}
	close(cmp.gate)
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("client %d: %v", i, err)
		}
	}
	if c := cmp.count(); c != 1 {
		t.Errorf("%d bcrypt comparisons for %d concurrent requests with one secret, want 1", c, n)
	}
}
