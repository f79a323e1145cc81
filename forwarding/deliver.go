package forwarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Outgoing is a batch as a target sends it.
type Outgoing struct {
	// Delivery identifies the batch; a re-send carries the same id.
	Delivery string
	// Forward is the forward's name.
	Forward string
	// IDs are the statement ids, in order.
	IDs []string
	// Statements are the statements to send (pseudonymized when the
	// forward says so), in log order.
	Statements []json.RawMessage
}

// Target delivers batches. Deliver returns nil only when the target
// acknowledged the whole batch; otherwise an error, a *DeliveryError when
// the target answered (or did not) in a way that says whether to retry.
type Target interface {
	Deliver(ctx context.Context, b *Outgoing) error
}

// Prober is a target that can check it is reachable (at creation, for a
// warning).
type Prober interface {
	Probe(ctx context.Context) error
}

// TargetFactory builds the target of a forward, given its secret in clear.
type TargetFactory func(f *Forward, secret string) (Target, error)

// DeliveryError is a failed attempt.
type DeliveryError struct {
	// Status is the HTTP status (0: no answer).
	Status int
	// Rejected: the target refused this batch (a 4xx other than 401, 403,
	// 404, 407, 408, 425 and 429); the attempt counts towards the
	// forward's MaxAttempts. Otherwise the failure is transient and
	// retried for as long as it lasts.
	Rejected bool
	// RetryAfter is the target's Retry-After, when it sent one.
	RetryAfter time.Duration
	Message    string
}

func (e *DeliveryError) Error() string {
	if e.Status == 0 {
		return "no answer: " + e.Message
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// Rejects reports whether an HTTP status means the target refused the
// batch itself, as opposed to a transient or configuration failure.
func Rejects(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusProxyAuthRequired,
		http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return status >= 400 && status < 500
}

// StatusError builds the error of a response with a failure status. It
// reads (and the caller closes) at most 512 bytes of the body.
func StatusError(res *http.Response) *DeliveryError {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	msg := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	msg = strings.Join(strings.Fields(msg), " ")
	if msg == "" {
		msg = http.StatusText(res.StatusCode)
	}
	if utf8.RuneCountInString(msg) > 300 {
		msg = string([]rune(msg)[:300]) + "…"
	}
	return &DeliveryError{Status: res.StatusCode, Rejected: Rejects(res.StatusCode), RetryAfter: RetryAfter(res.Header.Get("Retry-After"), time.Now()), Message: msg}
}

// TransportError wraps a failure to get an answer.
func TransportError(err error) *DeliveryError {
	return &DeliveryError{Message: err.Error()}
}

// RetryAfter parses a Retry-After header: seconds or an HTTP date (0 when
// absent or unparsable).
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 1<<30)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// asDeliveryError classifies any error of Deliver.
func asDeliveryError(err error) *DeliveryError {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de
	}
	return TransportError(err)
}

// Backoff computes the delay before a retry: exponential from Base,
// capped at Max, with "equal jitter" (a uniformly random delay between
// half and all of it), and never shorter than the target's Retry-After
// (itself capped at MaxRetryAfter).
type Backoff struct {
	Base, Max, MaxRetryAfter time.Duration
	// Rand returns a number in [0, 1) (default math/rand/v2).
	Rand func() float64
}

// DefaultBackoff is 1 s doubling up to 5 min, Retry-After up to 1 h.
var DefaultBackoff = Backoff{Base: time.Second, Max: 5 * time.Minute, MaxRetryAfter: time.Hour}

// Delay is the wait after the failures-th failed attempt (from 1).
func (b Backoff) Delay(failures int, retryAfter time.Duration) time.Duration {
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	d = d/2 + time.Duration(r()*float64(d/2))
	if retryAfter > d {
		d = min(retryAfter, b.MaxRetryAfter)
	}
	return d
}
