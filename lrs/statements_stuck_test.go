package lrs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// stuckLookup is a statement index that never reaches any position: its
// WaitFor blocks until the caller gives up, saying on entered that it
// is waiting.
type stuckLookup struct {
	noLookup
	entered chan struct{}
}

func (s stuckLookup) WaitFor(ctx context.Context, _ eventstore.Position) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// noGoroutineOutlivesItsRequest fails the test if any goroutine started
// since ignore was taken is still alive, other than the writer's own
// ingester (which lives as long as the writer, and waits for the stuck
// index on behalf of no one). It is called while the writer still runs,
// so that Close cannot hide a goroutine stuck on a call.
func noGoroutineOutlivesItsRequest(t *testing.T, ignore goleak.Option) {
	t.Helper()
	goleak.VerifyNone(t, ignore, goleak.IgnoreTopFunction("github.com/hocvu/hocvu/lrs.(*StatementWriter).run"))
}

func oneStatement() *StoreRequest {
	return &StoreRequest{Credential: "test", XAPIVersion: "2.0.0", Statements: []Statement{{
		"id": uuid.NewString(), "actor": map[string]any{"mbox": "mailto:a@example.com"}, "verb": map[string]any{"id": "http://example.com/v"},
		"object": map[string]any{"id": "http://example.com/o"}, "authority": map[string]any{"mbox": "mailto:lrs@example.com"}, "version": "2.0.0",
	}}}
}

// answer runs Store in a goroutine and returns its result, failing the
// test if it never answers (instead of hanging the suite).
func answer(ctx context.Context, t *testing.T, w *StatementWriter) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := w.Store(ctx, oneStatement())
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("Store never answered")
		return nil
	}
}

// F1: with the statement index stuck, every write hung. A write now waits
// for the index at most CatchUpWithin, then fails with KindUnavailable
// (503) and stores nothing; later writes get the same answer, each within
// its own bound.
func TestWriteAnswersWhenTheIndexIsStuck(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Append(context.Background(), StatementsStream, eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: EventStatementStored, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	lookup := stuckLookup{entered: make(chan struct{}, 1)}
	ignore := goleak.IgnoreCurrent()
	w := NewStatementWriter(store, lookup, WriterOptions{CatchUpWithin: 50 * time.Millisecond})
	defer w.Close()
	for i := 0; i < 3; i++ {
		err := answer(context.Background(), t, w)
		if KindOf(err) != KindUnavailable {
			t.Fatalf("write %d: %v, want KindUnavailable", i, err)
		}
	}
	noGoroutineOutlivesItsRequest(t, ignore)
	head, err := store.Head(context.Background())
	if err != nil || head.Commit != 1 {
		t.Fatalf("head %s, %v: a refused write was stored", head, err)
	}
}

// A request whose client goes away returns at once, also while the
// ingester waits on its behalf; the ingester then stops waiting too.
func TestWriteReturnsWhenItsCallerGoes(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Append(context.Background(), StatementsStream, eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: EventStatementStored, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	lookup := stuckLookup{entered: make(chan struct{}, 1)}
	ignore := goleak.IgnoreCurrent()
	w := NewStatementWriter(store, lookup, WriterOptions{CatchUpWithin: time.Hour})
	defer w.Close()
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-lookup.entered // the ingester is waiting for the index for this call
			cancel()
		}()
		if err := answer(ctx, t, w); !errors.Is(err, context.Canceled) {
			t.Fatalf("abandoned write %d: %v", i, err)
		}
	}
	// The ingester is free again: it waited for the second call, so it
	// stopped waiting for the first.
	head, err := store.Head(context.Background())
	if err != nil || head.Commit != 1 {
		t.Fatalf("head %s, %v: an abandoned write was stored", head, err)
	}
	noGoroutineOutlivesItsRequest(t, ignore)
}

// A statement too large for one event is refused (413) for its request
// alone; before, the store refused the append of the whole group, so
// other clients' requests decided with it failed too (500).
func TestOversizedStatementFailsOnlyItsRequest(t *testing.T) {
	w := &StatementWriter{lookup: noLookup{}, now: time.Now, logger: slog.New(slog.DiscardHandler)}
	big := oneStatement()
	big.Statements[0]["result"] = map[string]any{"response": strings.Repeat("x", eventstore.MaxEventSize)}
	group := []*storeCall{
		{ctx: context.Background(), req: oneStatement()},
		{ctx: context.Background(), req: big},
		{ctx: context.Background(), req: oneStatement()},
	}
	events, accepted := w.decide(context.Background(), group)
	if KindOf(group[1].err) != KindTooLarge {
		t.Fatalf("oversized statement: %v, want KindTooLarge", group[1].err)
	}
	if len(events) != 2 || len(accepted) != 2 || group[0].err != nil || group[2].err != nil {
		t.Fatalf("the requests decided with it: %d events, errors %v %v", len(events), group[0].err, group[2].err)
	}
}
