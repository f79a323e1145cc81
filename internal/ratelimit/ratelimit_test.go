package ratelimit_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/ratelimit"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestBucketsTakeRefillRefund(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	b := ratelimit.New(3, 10*time.Second, c.now)
	for i := 0; i < 3; i++ {
		if _, ok := b.Take("k"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	wait, ok := b.Take("k")
	if ok || wait != 10*time.Second {
		t.Fatalf("4th attempt: %v %v, want refused for 10s", wait, ok)
	}
	if _, ok := b.Take("other"); !ok {
		t.Fatal("another key is limited by k's failures")
	}
	c.add(4 * time.Second)
	if wait, ok := b.Take("k"); ok || wait != 6*time.Second {
		t.Fatalf("after 4s: %v %v, want 6s", wait, ok)
	}
	c.add(6 * time.Second)
	if _, ok := b.Take("k"); !ok {
		t.Fatal("no token after a refill period")
	}
	// A refunded attempt (it succeeded) costs nothing.
	b.Refund("k")
	if _, ok := b.Take("k"); !ok {
		t.Fatal("refund did not give the attempt back")
	}
	// Refill stops at the burst.
	c.add(time.Hour)
	for i := 0; i < 3; i++ {
		if _, ok := b.Take("k"); !ok {
			t.Fatalf("after an hour, attempt %d refused", i)
		}
	}
	if _, ok := b.Take("k"); ok {
		t.Fatal("burst exceeded after a long pause")
	}
}

func TestBucketsConcurrentTakesAreCounted(t *testing.T) {
	b := ratelimit.New(5, time.Hour, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := b.Take("k"); ok {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if granted != 5 {
		t.Fatalf("%d of 50 concurrent attempts granted, want 5", granted)
	}
}

func TestBucketsMemoryBounded(t *testing.T) {
	b := ratelimit.New(2, time.Minute, nil)
	for i := 0; i < 3*ratelimit.MaxKeys; i++ {
		b.Take(fmt.Sprint("k", i))
	}
	if n := b.Len(); n > ratelimit.MaxKeys {
		t.Fatalf("%d keys remembered, bound %d", n, ratelimit.MaxKeys)
	}
	var nilBuckets *ratelimit.Buckets
	if _, ok := nilBuckets.Take("k"); !ok {
		t.Fatal("a nil Buckets limits")
	}
	if _, ok := ratelimit.New(0, time.Minute, nil).Take("k"); !ok {
		t.Fatal("a zero burst limits")
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":               "203.0.113.7",
		"203.0.113.7:5555":          "203.0.113.7",
		"::ffff:203.0.113.7":        "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":      "2001:db8:1:2::/64",
		"[2001:db8:1:2:ff::1]:8080": "2001:db8:1:2::/64",
		"fe80::1%eth0":              "fe80::/64",
		"not-an-address":            "not-an-address",
	} {
		if got := ratelimit.AddrKey(in); got != want {
			t.Errorf("AddrKey(%q) = %q, want %q", in, got, want)
		}
	}
}
