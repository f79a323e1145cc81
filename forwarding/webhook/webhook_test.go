package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/forwarding/webhook"
)

func TestSignAndVerify(t *testing.T) {
	secret := []byte("whsec-test")
	body := []byte(`{"delivery":"d","forward":"f","statements":[]}`)
	now := time.Unix(1756684800, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhook.Sign(secret, ts, body)
	// A known answer (computed with openssl dgst -sha256 -hmac), so that
	// receivers in other languages can check their implementation against
	// it: docs/forwarding.md shows the same example.
	if want := "v1=645b0ddcd496d7b37b26e897dbbeb6d81c1807c66146dd29e4954c4715764a1b"; sig != want {
		t.Errorf("Sign = %s, want %s", sig, want)
	}
	if err := webhook.Verify(secret, ts, sig, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := webhook.Verify(secret, ts, "v0=abc, "+sig, body, now, 5*time.Minute); err != nil {
		t.Errorf("a list with the signature: %v", err)
	}
	for name, c := range map[string]struct {
		secret []byte
		ts     string
		sig    string
		body   []byte
		now    time.Time
		want   error
	}{
		"other secret":    {[]byte("other"), ts, sig, body, now, webhook.ErrBadSignature},
		"changed body":    {secret, ts, sig, append([]byte{' '}, body...), now, webhook.ErrBadSignature},
		"other timestamp": {secret, strconv.FormatInt(now.Unix()+1, 10), sig, body, now, webhook.ErrBadSignature},
		"replayed late":   {secret, ts, sig, body, now.Add(6 * time.Minute), webhook.ErrStale},
		"no signature":    {secret, ts, "sha256=abc", body, now, webhook.ErrNoSignature},
	} {
		if err := webhook.Verify(c.secret, c.ts, c.sig, c.body, c.now, 5*time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestDeliver(t *testing.T) {
	secret := "hook-secret"
	var (
		mu     sync.Mutex
		bodies = map[string][]string{}
		status = http.StatusNoContent
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/in", http.StatusFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte(secret), r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil || p.Delivery != r.Header.Get(webhook.HeaderDelivery) || r.Header.Get(webhook.HeaderForward) != "lms" {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		mu.Lock()
		bodies[p.Delivery] = append(bodies[p.Delivery], string(body))
		code := status
		mu.Unlock()
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(code)
	}))
	defer srv.Close()
	cfg := &forwarding.TargetConfig{Kind: forwarding.TargetWebhook, URL: srv.URL + "/in"}
	target, err := webhook.New(cfg, secret, webhook.Options{Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	b := &forwarding.Outgoing{Delivery: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Forward: "lms", IDs: []string{"s1"}, Statements: []json.RawMessage{json.RawMessage(`{"id":"s1","a":"<&>"}`)}}
	ctx := context.Background()
	if err := target.Deliver(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := target.Deliver(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := bodies[b.Delivery]; len(got) != 2 || got[0] != got[1] || got[0] != `{"delivery":"9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","forward":"lms","statements":[{"id":"s1","a":"<&>"}]}` {
		t.Errorf("bodies %q: a re-send must be the same bytes", got)
	}
	for code, rejected := range map[int]bool{http.StatusTooManyRequests: false, http.StatusBadRequest: true, http.StatusBadGateway: false} {
		mu.Lock()
		status = code
		mu.Unlock()
		err := target.Deliver(ctx, b)
		var de *forwarding.DeliveryError
		if !errors.As(err, &de) || de.Status != code || de.Rejected != rejected {
			t.Errorf("answer %d: %v", code, err)
		}
		if code == http.StatusTooManyRequests && de.RetryAfter != 7*time.Second {
			t.Errorf("Retry-After: %s", de.RetryAfter)
		}
	}
	// A wrong secret is refused by the receiver (and is not a rejection:
	// the configuration is wrong, not the batch).
	bad, _ := webhook.New(cfg, "wrong", webhook.Options{Client: srv.Client()})
	var de *forwarding.DeliveryError
	if err := bad.Deliver(ctx, b); !errors.As(err, &de) || de.Status != http.StatusUnauthorized || de.Rejected {
		t.Errorf("wrong secret: %v", err)
	}
	// A redirect is not followed (a POST turned into a GET must not pass
	// for a delivery): it is a transient failure to fix in the URL.
	moved, _ := webhook.New(&forwarding.TargetConfig{Kind: forwarding.TargetWebhook, URL: srv.URL + "/moved"}, secret, webhook.Options{Client: srv.Client()})
	if err := moved.Deliver(ctx, b); !errors.As(err, &de) || de.Status != http.StatusFound || de.Rejected {
		t.Errorf("redirect: %v", err)
	}
	if err := target.Probe(ctx); err != nil {
		t.Errorf("probe: %v", err)
	}
	srv.Close()
	if err := target.Deliver(ctx, b); !errors.As(err, &de) || de.Status != 0 || de.Rejected {
		t.Errorf("server gone: %v", err)
	}
}
