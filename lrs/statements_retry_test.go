package lrs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

func openLog(t *testing.T) *pebblestore.Store {
	t.Helper()
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

func request(n, pad int) *StoreRequest {
	raw := []byte(`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/a"},"pad":"` + strings.Repeat("x", pad) + `"}`)
	req := &StoreRequest{Credential: "test", XAPIVersion: "2.0.0"}
	for i := 0; i < n; i++ {
		req.Statements = append(req.Statements, Statement{"id": uuid.NewString(), "authority": map[string]any{"mbox": "mailto:lrs@example.com"}, "version": "2.0.0"})
		req.Raw = append(req.Raw, raw)
		req.Assigned = append(req.Assigned, true)
	}
	return req
}

// laggingLog answers reads of the statements stream's head from a stale
// copy while stale > 0 (as a KurrentDB follower that lags behind the
// leader, which took the appends), and counts appends.
type laggingLog struct {
	StatementLog
	stale   atomic.Int32
	old     []eventstore.RecordedEvent
	appends atomic.Int32
}

func (l *laggingLog) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if stream == StatementsStream && l.stale.Add(-1) >= 0 {
		return l.old, nil
	}
	return l.StatementLog.ReadStream(ctx, stream, opts)
}

func (l *laggingLog) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	l.appends.Add(1)
	return l.StatementLog.Append(ctx, stream, exp, evs...)
}

// TestWriterWaitsForALaggingRead: after another writer appended, the
// writer's reads of the stream's head come from a node that lags. It must
// not append again and again at the stale revision (each append would
// conflict, and the attempts run out); it reads until it sees the
// revision the conflict reported, then appends once.
func TestWriterWaitsForALaggingRead(t *testing.T) {
	store := openLog(t)
	log := &laggingLog{StatementLog: store}
	w := NewStatementWriter(log, noLookup{}, WriterOptions{LagWait: 1})
	defer w.Close()
	ctx := context.Background()
	if _, err := w.Store(ctx, request(1, 10)); err != nil {
		t.Fatal(err)
	}
	head, err := store.ReadStream(ctx, StatementsStream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Another replica appends; this writer's reads stay behind it for
	// more reads than it has append attempts.
	other := eventstore.EventData{ID: uuid.New(), Type: EventStatementStored, Data: []byte(`{}`)}
	if _, err := store.Append(ctx, StatementsStream, eventstore.Exact(head[0].Revision), other); err != nil {
		t.Fatal(err)
	}
	log.old = head
	log.stale.Store(3 * maxAppendAttempts)
	log.appends.Store(0)
	res, err := w.Store(ctx, request(1, 10))
	if err != nil {
		t.Fatalf("store with a lagging read: %v", err)
	}
	if n := log.appends.Load(); n != 2 {
		t.Fatalf("%d appends, want 2: one conflict, then one at the revision the conflict reported", n)
	}
	if res.Position.Compare(head[0].Position) <= 0 {
		t.Fatalf("stored at %s, not after %s", res.Position, head[0].Position)
	}
}

// racingLog lets another writer append first before every append.
type racingLog struct {
	StatementLog
	appends atomic.Int32
}

func (l *racingLog) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	l.appends.Add(1)
	other := eventstore.EventData{ID: uuid.New(), Type: EventStatementStored, Data: []byte(`{}`)}
	if _, err := l.StatementLog.Append(ctx, stream, eventstore.Any, other); err != nil {
		return eventstore.AppendResult{}, err
	}
	return l.StatementLog.Append(ctx, stream, exp, evs...)
}

// TestWriterRetriesAreBounded: a writer that always loses the race stops
// after maxAppendAttempts appends and answers 503 (try again), not 500.
func TestWriterRetriesAreBounded(t *testing.T) {
	log := &racingLog{StatementLog: openLog(t)}
	w := NewStatementWriter(log, noLookup{}, WriterOptions{})
	defer w.Close()
	_, err := w.Store(context.Background(), request(1, 10))
	if KindOf(err) != KindUnavailable {
		t.Fatalf("err = %v (kind %d), want KindUnavailable", err, KindOf(err))
	}
	if n := log.appends.Load(); n != maxAppendAttempts {
		t.Fatalf("%d appends, want %d", n, maxAppendAttempts)
	}
}

// limitedLog refuses appends over limit bytes of event data, as
// KurrentDB does over its MaxAppendSize.
type limitedLog struct {
	StatementLog
	limit int
	mu    sync.Mutex
	sizes []int // events per successful append
}

func (l *limitedLog) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	n := 0
	for _, e := range evs {
		n += len(e.Data) + len(e.Metadata)
	}
	if n > l.limit {
		return eventstore.AppendResult{}, eventstore.ErrTooLarge
	}
	res, err := l.StatementLog.Append(ctx, stream, exp, evs...)
	if err == nil {
		l.mu.Lock()
		l.sizes = append(l.sizes, len(evs))
		l.mu.Unlock()
	}
	return res, err
}

// TestWriterTooLarge: a group of requests too large together is stored
// one request at a time; a request too large on its own gets KindTooLarge
// (413), and its neighbours are stored.
func TestWriterTooLarge(t *testing.T) {
	store := openLog(t)
	log := &limitedLog{StatementLog: store, limit: 8 << 10}
	gate := &gatedLog{StatementLog: log, entered: make(chan struct{}), release: make(chan struct{})}
	// Groups may hold up to 64 KiB of requests: far more than the log takes.
	w := NewStatementWriter(gate, noLookup{}, WriterOptions{MaxGroupBytes: 64 << 10})
	defer w.Close()
	ctx := context.Background()
	// Hold the first append so that the next requests queue into one group.
	first := make(chan error, 1)
	go func() { _, err := w.Store(ctx, request(1, 10)); first <- err }()
	<-gate.entered
	reqs := []*StoreRequest{request(3, 1000), request(12, 1000), request(3, 1000)} // ~3, ~12 (too large), ~3 KiB
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = w.Store(ctx, r) }()
	}
	// The ingester is held in Append, so the others can only queue.
	for deadline := time.Now().Add(time.Minute); len(w.reqs) < len(reqs); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests queued", len(w.reqs))
		}
	}
	close(gate.release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		wantTooLarge := i == 1
		if got := KindOf(err) == KindTooLarge && errors.Is(err, eventstore.ErrTooLarge); got != wantTooLarge || (!wantTooLarge && err != nil) {
			t.Errorf("request %d: err %v, want too large: %v", i, err, wantTooLarge)
		}
	}
	if err := errs[1]; err != nil && !strings.Contains(err.Error(), "smaller batches") {
		t.Errorf("message %q does not say what to do", err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if got := log.sizes; len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 3 {
		t.Errorf("appends of %v events, want [1 3 3]: the first request, then the two that fit, one by one", got)
	}
}
