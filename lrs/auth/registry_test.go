package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs/auth"
)

// watchedStore tells, for each credential event a following registry
// received, when the registry has finished applying it: the registry
// asks its subscription for the next message only after applying the
// last one.
type watchedStore struct {
	auth.Store
	applied chan uint64 // revisions of credential events, once applied
}

func (w watchedStore) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	sub, err := w.Store.SubscribeAll(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &watchedSub{Subscription: sub, applied: w.applied}, nil
}

type watchedSub struct {
	eventstore.Subscription
	applied chan<- uint64
	last    *eventstore.RecordedEvent
}

func (s *watchedSub) Recv(ctx context.Context) (eventstore.Message, error) {
	if s.last != nil {
		s.applied <- s.last.Revision
		s.last = nil
	}
	m, err := s.Subscription.Recv(ctx)
	if m.Event != nil && m.Event.Stream == auth.Stream {
		s.last = m.Event
	}
	return m, err
}

func openAuthStore(t *testing.T) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func loadRegistry(t *testing.T, s auth.Store, log *slog.Logger) *auth.Registry {
	t.Helper()
	r := auth.NewRegistryWith(s, log, auth.Options{Cost: bcrypt.MinCost})
	if err := r.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// keys lists the registry's credentials as "key" or "key(revoked)".
func keys(r *auth.Registry) []string {
	var out []string
	for _, c := range r.List() {
		k := c.Key
		if c.Revoked {
			k += "(revoked)"
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A registry replays the credentials stream into the state the writing
// registry has: sets, rotations and revocations, in order.
func TestRegistryReplaysSetsAndRevocations(t *testing.T) {
	ctx := context.Background()
	s := openAuthStore(t)
	w := loadRegistry(t, s, nil)
	for _, c := range []struct{ key, secret string }{{"hv_a", "secret-a"}, {"hv_b", "secret-b"}, {"hv_b", "secret-b2"}} {
		if err := w.Set(ctx, auth.Credential{Key: c.key, Scopes: []string{auth.ScopeStatementsRead}}, c.secret); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Revoke(ctx, "hv_a"); err != nil {
		t.Fatal(err)
	}
	r := loadRegistry(t, s, nil)
	if got, want := keys(r), []string{"hv_a(revoked)", "hv_b"}; !slices.Equal(got, want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
	if _, err := r.Verify("hv_a", "secret-a"); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("revoked credential verified: %v", err)
	}
	if _, err := r.Verify("hv_b", "secret-b"); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("rotated-out secret verified: %v", err)
	}
	if c, err := r.Verify("hv_b", "secret-b2"); err != nil || c.Key != "hv_b" {
		t.Errorf("Verify(hv_b) = %v, %v", c, err)
	}
	// The replayed registry appends at the revision it saw.
	if err := r.Set(ctx, auth.Credential{Key: "hv_c", Scopes: []string{auth.ScopeAll}}, "secret-c"); err != nil {
		t.Fatal(err)
	}
	// The writer has not seen that event: its append conflicts.
	if err := w.Set(ctx, auth.Credential{Key: "hv_d", Scopes: []string{auth.ScopeAll}}, "secret-d"); !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Errorf("stale registry's append: %v, want a conflict", err)
	}
}

// A following registry applies the changes another registry appends,
// skipping an undecodable event on the way without stopping.
func TestRegistryFollowsChanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := openAuthStore(t)
	w := loadRegistry(t, s, nil)
	if err := w.Set(ctx, auth.Credential{Key: "hv_a", Scopes: []string{auth.ScopeAll}}, "secret-a"); err != nil {
		t.Fatal(err)
	}
	ws := watchedStore{Store: s, applied: make(chan uint64, 16)}
	f := loadRegistry(t, ws, nil)
	if c, err := f.Verify("hv_a", "secret-a"); err != nil {
		t.Fatalf("Verify before following: %v, %v", c, err)
	}
	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Follow(fctx)
	}()
	defer func() { stop(); <-done }()

	if err := w.Set(ctx, auth.Credential{Key: "hv_b", Scopes: []string{auth.ScopeStatementsRead}}, "secret-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, auth.Stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: auth.EventCredentialSet, Data: []byte(`{"key":`)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Load(ctx); err != nil { // the writer catches up with the foreign event
		t.Fatal(err)
	}
	if err := w.Revoke(ctx, "hv_a"); err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 3; want++ {
		select {
		case rev := <-ws.applied:
			if rev != want {
				t.Fatalf("follower applied revision %d, want %d", rev, want)
			}
		case <-ctx.Done():
			t.Fatalf("the follower did not apply revision %d", want)
		}
	}
	if got, want := keys(f), []string{"hv_a(revoked)", "hv_b"}; !slices.Equal(got, want) {
		t.Fatalf("follower has %v, want %v", got, want)
	}
	if _, err := f.Verify("hv_a", "secret-a"); !errors.Is(err, auth.ErrUnauthorized) {
		t.Errorf("the follower still verifies a revoked credential: %v", err)
	}
	if f.Skipped() != 1 || w.Skipped() != 1 {
		t.Errorf("skipped: follower %d, writer %d; want 1 each", f.Skipped(), w.Skipped())
	}
}

// An undecodable credential event (a set or a revocation) is skipped,
// logged at ERROR with the poison-event alert and counted; the events
// around it apply, and the registry appends after it.
func TestRegistrySkipsUndecodableEvents(t *testing.T) {
	ctx := context.Background()
	s := openAuthStore(t)
	w := loadRegistry(t, s, nil)
	if err := w.Set(ctx, auth.Credential{Key: "hv_a", Scopes: []string{auth.ScopeAll}}, "secret-a"); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []struct{ typ, data string }{
		{auth.EventCredentialSet, `{"key":`},
		{auth.EventCredentialRevoked, `["hv_a"]`},
		{"credential.future.v9", `not even JSON`}, // a newer version's type: not poison
	} {
		if _, err := s.Append(ctx, auth.Stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: ev.typ, Data: []byte(ev.data)}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	r := loadRegistry(t, s, slog.New(slog.NewJSONHandler(&buf, nil)))
	if got, want := keys(r), []string{"hv_a"}; !slices.Equal(got, want) {
		t.Fatalf("registry has %v, want %v", got, want)
	}
	if r.Skipped() != 2 {
		t.Errorf("Skipped = %d, want 2", r.Skipped())
	}
	var types []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["level"] != "ERROR" || m["alert"] != eventstore.AlertRegistryPoisonEvent || m["stream"] != auth.Stream {
			t.Errorf("log line %v", m)
		}
		types = append(types, m["event_type"].(string))
	}
	if want := []string{auth.EventCredentialSet, auth.EventCredentialRevoked}; !slices.Equal(types, want) {
		t.Errorf("logged event types %v, want %v", types, want)
	}
	if err := r.Revoke(ctx, "hv_a"); err != nil {
		t.Fatalf("append after skipped events: %v", err)
	}
	if c, _ := r.Get("hv_a"); !c.Revoked {
		t.Error("the revocation read back was not applied")
	}
}
