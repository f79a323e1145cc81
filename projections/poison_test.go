package projections_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
)

// eachStore runs fn on the embedded store and on the KurrentDB adapter
// over the in-process test server.
func eachStore(t *testing.T, fn func(t *testing.T, store eventstore.Store)) {
	t.Run("pebble", func(t *testing.T) {
		store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		fn(t, store)
	})
	t.Run("kurrentdb", func(t *testing.T) {
		srv := kurrenttest.New(t, kurrenttest.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		store, err := kurrentdb.Open(ctx, srv.URL(), kurrentdb.Options{IdleCheckpoint: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		fn(t, store)
	})
}

// picky is a projection of the events of one type that fails on chosen
// events: with a poison error, with a transient error (a number of
// times), or with a panic.
type picky struct {
	name, typ string

	mu        sync.Mutex
	applied   []uuid.UUID
	cp        eventstore.Position
	poison    map[uuid.UUID]bool
	panicOn   map[uuid.UUID]bool
	transient int // fail this many more Applies with a plain error
}

func (p *picky) Name() string { return p.name }
func (p *picky) Filter() eventstore.Filter {
	return eventstore.Filter{EventTypePrefixes: []string{p.typ}}
}
func (p *picky) Checkpoint(context.Context) (eventstore.Position, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cp, nil
}
func (p *picky) Apply(_ context.Context, evs []eventstore.RecordedEvent, through eventstore.Position) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.transient > 0 {
		p.transient--
		return errors.New("store unavailable")
	}
	for i := range evs {
		if p.panicOn[evs[i].ID] {
			panic("projection bug on " + evs[i].ID.String())
		}
		if p.poison[evs[i].ID] {
			return fmt.Errorf("picky: %w", projections.Poison(&evs[i], errors.New("cannot decode")))
		}
	}
	for _, ev := range evs {
		p.applied = append(p.applied, ev.ID)
	}
	p.cp = through
	return nil
}

func (p *picky) appliedIDs() []uuid.UUID {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.applied)
}

// appendEvents appends n events of typ, one append each, and returns their ids and the last position.
func appendEvents(t *testing.T, store eventstore.Store, typ string, n int) ([]uuid.UUID, eventstore.Position) {
	t.Helper()
	ctx := context.Background()
	var ids []uuid.UUID
	var last eventstore.AppendResult
	stream := "poison-test-" + uuid.NewString()
	for i := 0; i < n; i++ {
		id := uuid.New()
		var err error
		last, err = store.Append(ctx, stream, eventstore.Any, eventstore.EventData{ID: id, Type: typ, Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids, last.Position
}

func without(ids []uuid.UUID, drop ...uuid.UUID) []uuid.UUID {
	return slices.DeleteFunc(slices.Clone(ids), func(id uuid.UUID) bool { return slices.Contains(drop, id) })
}

func runRunner(t *testing.T, r *projections.Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitApplied(t *testing.T, r *projections.Runner, pos eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.WaitFor(ctx, pos); err != nil {
		t.Fatalf("%v (status %+v)", err, r.Status())
	}
}

// A poison event is quarantined once, skipped, and the projection goes on
// with every other event, in order; a rebuild skips it again without a
// second record.
func TestRunnerQuarantinesPoisonEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, store eventstore.Store) {
		typ := "test.poison." + uuid.NewString()[:8]
		ids, last := appendEvents(t, store, typ, 30)
		bad := []uuid.UUID{ids[4], ids[5], ids[29]} // two in a row, and the very last
		q := projections.NewLogQuarantine(store)
		newProj := func() *picky {
			return &picky{name: "picky-" + typ, typ: typ, poison: map[uuid.UUID]bool{bad[0]: true, bad[1]: true, bad[2]: true}}
		}
		p := newProj()
		r := projections.NewRunner(store, p, projections.Options{MaxBatch: 10, Quarantine: q})
		runRunner(t, r)
		waitApplied(t, r, last)
		if got, want := p.appliedIDs(), without(ids, bad...); !slices.Equal(got, want) {
			t.Fatalf("applied %v\nwant %v", got, want)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := r.Await(ctx, func(st projections.Status) bool { return st.CaughtUp }); err != nil {
			t.Fatal(err)
		}
		if st := r.Status(); st.Quarantined != 3 {
			t.Fatalf("status %+v", st)
		}
		check := func() {
			t.Helper()
			recs, err := q.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var mine []projections.Quarantined
			for _, rec := range recs {
				if rec.Projection == p.name {
					mine = append(mine, rec)
				}
			}
			if len(mine) != 3 {
				t.Fatalf("quarantine holds %d records of %s, want 3: %+v", len(mine), p.name, mine)
			}
			for i, rec := range mine {
				if rec.EventID != bad[i].String() || rec.EventType != typ || !strings.Contains(rec.Error, "cannot decode") || rec.Position == "" || rec.At.IsZero() {
					t.Errorf("record %d: %+v", i, rec)
				}
			}
		}
		check()
		// A rebuild (a fresh projection from the start, a fresh runner and
		// quarantine, as after a restart) meets the same events again.
		p2 := newProj()
		r2 := projections.NewRunner(store, p2, projections.Options{MaxBatch: 7, Quarantine: projections.NewLogQuarantine(store)})
		runRunner(t, r2)
		waitApplied(t, r2, last)
		if got, want := p2.appliedIDs(), without(ids, bad...); !slices.Equal(got, want) {
			t.Fatalf("rebuild applied %v\nwant %v", got, want)
		}
		check()
	})
}

// A transient failure is retried from the checkpoint and loses nothing:
// no event is quarantined.
func TestRunnerRetriesTransientFailures(t *testing.T) {
	eachStore(t, func(t *testing.T, store eventstore.Store) {
		typ := "test.transient." + uuid.NewString()[:8]
		ids, last := appendEvents(t, store, typ, 20)
		p := &picky{name: "transient-" + typ, typ: typ, transient: 3}
		q := projections.NewLogQuarantine(store)
		r := projections.NewRunner(store, p, projections.Options{MaxBatch: 5, RetryBackoff: time.Millisecond, Quarantine: q})
		runRunner(t, r)
		waitApplied(t, r, last)
		if got := p.appliedIDs(); !slices.Equal(got, ids) {
			t.Fatalf("applied %v\nwant %v", got, ids)
		}
		recs, err := q.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if rec.Projection == p.name {
				t.Fatalf("a transient failure was quarantined: %+v", rec)
			}
		}
		if st := r.Status(); st.Quarantined != 0 || st.LastErr != nil {
			t.Fatalf("status %+v", st)
		}
	})
}

// A panic on a batch is recovered; the runner applies the batch one event
// at a time, quarantines the event that panics alone, and goes on.
func TestRunnerIsolatesAPanickingEvent(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	typ := "test.panic"
	ids, last := appendEvents(t, store, typ, 40)
	p := &picky{name: "panicky", typ: typ, panicOn: map[uuid.UUID]bool{ids[17]: true}}
	q := projections.NewLogQuarantine(store)
	r := projections.NewRunner(store, p, projections.Options{MaxBatch: 100, Quarantine: q})
	runRunner(t, r)
	waitApplied(t, r, last)
	if got, want := p.appliedIDs(), without(ids, ids[17]); !slices.Equal(got, want) {
		t.Fatalf("applied %v\nwant %v", got, want)
	}
	recs, err := q.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].EventID != ids[17].String() || !strings.Contains(recs[0].Error, "panicked") {
		t.Fatalf("quarantine %+v", recs)
	}
}

// A projection that panics on every event is broken, not fed poison: the
// runner quarantines a few events, then stops skipping and is stuck.
func TestRunnerDoesNotSkipTheLogForABrokenProjection(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ids, last := appendEvents(t, store, "test.broken", 20)
	p := &picky{name: "broken", typ: "test.broken", panicOn: map[uuid.UUID]bool{}}
	for _, id := range ids {
		p.panicOn[id] = true
	}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := projections.NewRunner(store, p, projections.Options{MaxBatch: 100, RetryBackoff: time.Millisecond, Quarantine: projections.NewLogQuarantine(store), Now: clock.Now})
	runRunner(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.Await(ctx, func(st projections.Status) bool { return st.LastErr != nil && st.Quarantined == 3 }); err != nil {
		t.Fatalf("%v: %+v", err, r.Status())
	}
	clock.Add(time.Hour)
	if !r.Stuck(last) {
		t.Fatalf("not stuck: %+v", r.Status())
	}
	if st := r.Status(); st.Quarantined != 3 || len(p.appliedIDs()) != 0 {
		t.Fatalf("status %+v, applied %d", st, len(p.appliedIDs()))
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Ready tells the truth: catching up at first, stuck when the projection
// keeps failing without progress while behind the log, ready again once
// it recovers.
func TestRunnerReadiness(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, last := appendEvents(t, store, "test.ready", 5)
	p := &picky{name: "ready", typ: "test.ready", transient: 1 << 30}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := projections.NewRunner(store, p, projections.Options{RetryBackoff: time.Millisecond, StuckAfter: time.Minute, Now: clock.Now})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.Ready(ctx); err == nil || !strings.Contains(err.Error(), "catching up") {
		t.Fatalf("before running: %v", err)
	}
	runRunner(t, r)
	if err := r.Await(ctx, func(st projections.Status) bool { return st.LastErr != nil }); err != nil {
		t.Fatal(err)
	}
	if r.Stuck(last) {
		t.Fatal("stuck before StuckAfter passed")
	}
	clock.Add(2 * time.Minute)
	err = r.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), "stuck") || strings.Contains(err.Error(), "store unavailable") {
		t.Fatalf("failing for 2 minutes: Ready = %v (it must say stuck, without the error's details)", err)
	}
	p.mu.Lock()
	p.transient = 0
	p.mu.Unlock()
	waitApplied(t, r, last)
	if err := r.Await(ctx, func(st projections.Status) bool { return st.CaughtUp }); err != nil {
		t.Fatal(err)
	}
	if err := r.Ready(ctx); err != nil {
		t.Fatalf("recovered: %v", err)
	}
}
