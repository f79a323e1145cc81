package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

// Wrong secrets for a key are limited: after the key's budget of failures
// the LRS answers 429 with Retry-After without checking the secret, while
// the key's owner, already verified, keeps being served.
func TestFailedBasicAuthGets429WithRetryAfter(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	s.clock.Set(time.Date(2026, 11, 15, 3, 0, 0, 0, time.UTC)) // no refill while the test runs
	get := call{method: "GET", path: "/xapi/statements"}
	expect(t, s.do(get), 200) // the owner is verified (and now cached)
	wrong := get
	wrong.key, wrong.secret = testKey, "not-the-secret"
	for i := 0; i < auth.DefaultKeyFailures.Burst; i++ {
		if r := s.do(wrong); r.status != 401 {
			t.Fatalf("wrong secret %d: %d, want 401", i, r.status)
		}
	}
	r := s.do(wrong)
	if r.status != 429 {
		t.Fatalf("after %d failures: %d, want 429; %s", auth.DefaultKeyFailures.Burst, r.status, r.body)
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(auth.DefaultKeyFailures.Every.Seconds())+1 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	var body struct {
		Error struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.json(t, &body)
	if body.Error.Status != 429 || !strings.Contains(body.Error.Message, "too many failed") {
		t.Errorf("429 body %s", r.body)
	}
	if r.header.Get("X-Experience-API-Version") == "" {
		t.Error("429 without X-Experience-API-Version")
	}
	// The owner's verified secret still works while strangers are limited.
	expect(t, s.do(get), 200)
}

// Failures with many keys from one address are limited per address.
func TestFailedBasicAuthIsLimitedPerAddress(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	s.clock.Set(time.Date(2026, 11, 15, 3, 0, 0, 0, time.UTC)) // no refill while the test runs
	get := call{method: "GET", path: "/xapi/statements", secret: "guess"}
	for i := 0; i < auth.DefaultAddrFailures.Burst; i++ {
		get.key = "hv_unknown_" + strconv.Itoa(i)
		if r := s.do(get); r.status != 401 {
			t.Fatalf("attempt %d: %d, want 401", i, r.status)
		}
	}
	get.key = "hv_yet_another"
	if r := s.do(get); r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures from one address: %d %v, want 429 with Retry-After", auth.DefaultAddrFailures.Burst, r.status, r.header)
	}
}
