// Package webhook delivers forwarded statements to a webhook: each batch
// is one HTTPS POST of a JSON document
//
//	{"delivery": "<uuid>", "forward": "<name>", "statements": [ … ]}
//
// signed with HMAC-SHA256 under the forward's secret. The request carries
//
//	X-Hocvu-Delivery:  the delivery id (the same when a batch is sent again)
//	X-Hocvu-Forward:   the forward's name
//	X-Hocvu-Timestamp: the time of this attempt, in Unix seconds
//	X-Hocvu-Signature: v1=<lower-case hex of HMAC-SHA256(secret, timestamp + "." + body)>
//
// A receiver recomputes the HMAC over the timestamp header, a full stop and
// the raw body, compares it in constant time, refuses timestamps too far
// from its clock (replays), and uses the delivery id to recognise a batch it
// has already processed. Verify does all of it; docs/forwarding.md shows the
// same check in other languages. Any 2xx answer acknowledges the batch.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hocvu/hocvu/forwarding"
)

// Header names.
const (
	HeaderDelivery  = "X-Hocvu-Delivery"
	HeaderForward   = "X-Hocvu-Forward"
	HeaderTimestamp = "X-Hocvu-Timestamp"
	HeaderSignature = "X-Hocvu-Signature"
)

// Payload is the body of a delivery.
type Payload struct {
	Delivery   string            `json:"delivery"`
	Forward    string            `json:"forward"`
	Statements []json.RawMessage `json:"statements"`
}

// Options tune a target.
type Options struct {
	// Client is the HTTP client (default: one with Timeout); it is
	// copied, and never follows redirects.
	Client *http.Client
	// Timeout bounds one request (default 30 s).
	Timeout   time.Duration
	UserAgent string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Target is a webhook.
type Target struct {
	url    string
	secret []byte
	client *http.Client
	agent  string
	now    func() time.Time
}

var (
	_ forwarding.Target = (*Target)(nil)
	_ forwarding.Prober = (*Target)(nil)
)

// New creates the webhook target of cfg with its signing secret.
func New(cfg *forwarding.TargetConfig, secret string, opts Options) (*Target, error) {
	if cfg.Kind != forwarding.TargetWebhook {
		return nil, fmt.Errorf("webhook: not a webhook target (%s)", cfg.Kind)
	}
	if secret == "" {
		return nil, errors.New("webhook: no signing secret")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	client := &http.Client{Timeout: opts.Timeout}
	if opts.Client != nil {
		c := *opts.Client
		client = &c
	}
	// Redirects are not followed: a 3xx is a failure to fix in the URL.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opts.Client = client
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Target{url: cfg.URL, secret: []byte(secret), client: opts.Client, agent: opts.UserAgent, now: opts.Now}, nil
}

// Sign returns the X-Hocvu-Signature value of body sent at timestamp.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Encode renders a batch's body: the same bytes every time the batch is
// sent.
func Encode(b *forwarding.Outgoing) ([]byte, error) {
	stmts := b.Statements
	if stmts == nil {
		stmts = []json.RawMessage{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Payload{Delivery: b.Delivery, Forward: b.Forward, Statements: stmts}); err != nil {
		return nil, fmt.Errorf("webhook: encode batch: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Deliver POSTs the signed batch.
func (t *Target) Deliver(ctx context.Context, b *forwarding.Outgoing) error {
	body, err := Encode(b)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(t.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return forwarding.TransportError(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderDelivery, b.Delivery)
	req.Header.Set(HeaderForward, b.Forward)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(t.secret, ts, body))
	if t.agent != "" {
		req.Header.Set("User-Agent", t.agent)
	}
	res, err := t.client.Do(req)
	if err != nil {
		return forwarding.TransportError(err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
		_ = res.Body.Close()
	}()
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	return forwarding.StatusError(res)
}

// Probe checks that the webhook's host answers HTTP at all (any status).
func (t *Target) Probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, t.url, nil)
	if err != nil {
		return err
	}
	res, err := t.client.Do(req)
	if err != nil {
		return err
	}
	_ = res.Body.Close()
	return nil
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhook: no v1 signature")
	ErrBadSignature = errors.New("webhook: the signature does not match")
	ErrStale        = errors.New("webhook: the timestamp is outside the tolerance")
)

// Verify checks a received delivery: the signature header against the
// HMAC of timestamp and body under secret, and that the timestamp is
// within tolerance of now (5 minutes is a good choice). Several v1=…
// values, comma-separated, are accepted (any may match).
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: bad timestamp %q", timestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := Sign(secret, timestamp, body)
	found := false
	for _, s := range strings.Split(signature, ",") {
		s = strings.TrimSpace(s)
		if !strings.HasPrefix(s, "v1=") {
			continue
		}
		found = true
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	if !found {
		return ErrNoSignature
	}
	return ErrBadSignature
}
