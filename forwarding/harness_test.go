package forwarding_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/lrs"
)

func openStore(t testing.TB) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func appendRaw(t testing.TB, s eventstore.Appender, stream, typ string, data []byte) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: typ, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// stmt is a statement as the LRS stores it.
type stmt map[string]any

func newStatement(i int, verb, object string) stmt {
	return stmt{
		"id":        uuid.NewString(),
		"actor":     map[string]any{"account": map[string]any{"homePage": "https://vneid.example", "name": fmt.Sprintf("hv-%05d", i)}},
		"verb":      map[string]any{"id": verb},
		"object":    map[string]any{"id": object},
		"stored":    time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"authority": map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://hocvu.local/", "name": "test"}},
		"version":   "2.0.0",
	}
}

func (s stmt) id() string { return s["id"].(string) }

// appendStatements stores statements the way the LRS does: one event per
// statement in xapi-statements, the statement id as event id.
func appendStatements(t testing.TB, s eventstore.Appender, sts ...stmt) eventstore.AppendResult {
	t.Helper()
	evs := make([]eventstore.EventData, len(sts))
	for i, st := range sts {
		data, _ := json.Marshal(st)
		meta, _ := json.Marshal(lrs.StatementStoredMeta{Batch: uuid.NewString(), XAPIVersion: "2.0.0", Credential: "test"})
		evs[i] = eventstore.EventData{ID: uuid.MustParse(st.id()), Type: lrs.EventStatementStored, Data: data, Metadata: meta}
	}
	res, err := s.Append(context.Background(), lrs.StatementsStream, eventstore.Any, evs...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("FORWARDING_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func pseudonyms(t testing.TB) *analytics.Pseudonymizer {
	ps, err := analytics.NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// recorder is a target that records deliveries and answers as told.
type recorder struct {
	mu         sync.Mutex
	deliveries []forwarding.Outgoing
	changed    chan struct{}
	// answer decides the outcome of an attempt (nil: success).
	answer func(ctx context.Context, b *forwarding.Outgoing, n int) error
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) Deliver(ctx context.Context, b *forwarding.Outgoing) error {
	r.mu.Lock()
	n := len(r.deliveries)
	answer := r.answer
	r.mu.Unlock()
	var err error
	if answer != nil {
		err = answer(ctx, b, n)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := *b
	if err != nil {
		cp.Forward = "FAILED:" + err.Error()
	}
	r.deliveries = append(r.deliveries, cp)
	close(r.changed)
	r.changed = make(chan struct{})
	return err
}

func (r *recorder) setAnswer(f func(ctx context.Context, b *forwarding.Outgoing, n int) error) {
	r.mu.Lock()
	r.answer = f
	r.mu.Unlock()
}

// acked returns the acknowledged deliveries.
func (r *recorder) acked() []forwarding.Outgoing {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []forwarding.Outgoing
	for _, d := range r.deliveries {
		if len(d.Forward) < 7 || d.Forward[:7] != "FAILED:" {
			out = append(out, d)
		}
	}
	return out
}

func (r *recorder) all() []forwarding.Outgoing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]forwarding.Outgoing(nil), r.deliveries...)
}

// waitFor waits until cond holds, re-checking at every delivery (and
// every 50 ms, for conditions on the log).
func (r *recorder) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// uniqueIDs returns the statement ids acknowledged, each delivery counted
// once (a delivery acknowledged again after a restart is a re-send).
func (r *recorder) uniqueIDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, d := range r.acked() {
		if !seen[d.Delivery] {
			seen[d.Delivery] = true
			ids = append(ids, d.IDs...)
		}
	}
	return ids
}

// ackedIDs returns the statement ids acknowledged, in delivery order.
func (r *recorder) ackedIDs() []string {
	var ids []string
	for _, d := range r.acked() {
		ids = append(ids, d.IDs...)
	}
	return ids
}

// harness runs forwarding over one store with recorders as targets.
type harness struct {
	t       testing.TB
	store   forwarding.RuntimeStore
	reg     *forwarding.Registry
	svc     *forwarding.Service
	targets map[string]*recorder // by forward name
	box     *forwarding.SecretBox
	mu      sync.Mutex
}

func newHarness(t testing.TB, store forwarding.RuntimeStore) *harness {
	box, err := forwarding.NewSecretBox([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: store, targets: map[string]*recorder{}, box: box}
	h.reg = forwarding.NewRegistry(store, testLogger(t))
	if err := h.reg.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.reg.Follow(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	h.svc = forwarding.NewService(h.reg, store, forwarding.ServiceOptions{Secrets: box})
	return h
}

func (h *harness) target(name string) *recorder {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.targets[name]
	if !ok {
		r = newRecorder()
		h.targets[name] = r
	}
	return r
}

func (h *harness) factory(f *forwarding.Forward, secret string) (forwarding.Target, error) {
	if secret != "hook-secret" {
		return nil, fmt.Errorf("wrong secret")
	}
	return h.target(f.Name), nil
}

// create makes a webhook forward (its target is a recorder).
func (h *harness) create(spec forwarding.Spec) forwarding.Status {
	h.t.Helper()
	if spec.Target.Kind == "" {
		spec.Target = forwarding.TargetSpec{Kind: forwarding.TargetWebhook, URL: "https://hooks.example/" + spec.Name, Secret: "hook-secret"}
	}
	if spec.Pseudonymize == nil {
		no := false
		spec.Pseudonymize = &no
	}
	st, _, err := h.svc.Create(context.Background(), spec)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// start runs a supervisor until the returned stop is called.
func (h *harness) start(mod func(*forwarding.Env)) (stop func()) {
	env := forwarding.Env{Store: h.store, Registry: h.reg, Targets: h.factory, Secrets: h.box, Pseudonyms: pseudonyms(h.t), Log: testLogger(h.t),
		Backoff: forwarding.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Millisecond}, Linger: 5 * time.Millisecond}
	if mod != nil {
		mod(&env)
	}
	sup := forwarding.NewSupervisor(env)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sup.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	h.t.Cleanup(stop)
	return stop
}

func (h *harness) show(name string) forwarding.Status {
	h.t.Helper()
	st, err := h.svc.Show(context.Background(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// stores are the event stores every delivery test runs on: the embedded
// store, and the KurrentDB adapter over the in-process test server.
var stores = map[string]func(t testing.TB) forwarding.RuntimeStore{
	"pebble": func(t testing.TB) forwarding.RuntimeStore { return openStore(t) },
	"kurrentdb": func(t testing.TB) forwarding.RuntimeStore {
		srv := kurrenttest.New(t, kurrenttest.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := kurrentdb.Open(ctx, srv.URL(), kurrentdb.Options{ReconnectMin: 10 * time.Millisecond, ReconnectMax: 200 * time.Millisecond, IdleCheckpoint: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	},
}

func forEachStore(t *testing.T, test func(t *testing.T, store forwarding.RuntimeStore)) {
	for _, name := range []string{"pebble", "kurrentdb"} {
		t.Run(name, func(t *testing.T) { test(t, stores[name](t)) })
	}
}
