package projections_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
)

// counter counts the events of one type and keeps its checkpoint in
// memory, persisted on Apply.
type counter struct {
	mu      sync.Mutex
	typ     string
	n       int
	cp      eventstore.Position
	applies int
}

func (c *counter) Name() string { return "counter" }
func (c *counter) Filter() eventstore.Filter {
	return eventstore.Filter{EventTypePrefixes: []string{c.typ}}
}
func (c *counter) Checkpoint(context.Context) (eventstore.Position, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cp, nil
}
func (c *counter) Apply(_ context.Context, evs []eventstore.RecordedEvent, through eventstore.Position) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += len(evs)
	c.cp = through
	c.applies++
	return nil
}

func TestRunnerAppliesAndWaits(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := &counter{typ: "test.counted"}
	r := projections.NewRunner(store, c, projections.Options{CheckpointEvery: time.Hour})
	go func() { _ = r.Run(ctx) }()
	var last eventstore.AppendResult
	for i := 0; i < 50; i++ {
		typ := "test.counted"
		if i%2 == 1 {
			typ = "test.other"
		}
		last, err = store.Append(ctx, "s-"+uuid.NewString(), eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The last event is filtered out: WaitFor must still return, because
	// the projection reflects the log through it.
	if err := r.WaitFor(ctx, last.Position); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	n := c.n
	c.mu.Unlock()
	if n != 25 {
		t.Fatalf("applied %d events, want 25", n)
	}
	st := r.Status()
	if !st.CaughtUp || st.Applied.Compare(last.Position) < 0 {
		t.Fatalf("status %+v after the head %s", st, last.Position)
	}
}

// pipelined is a Pipeliner whose effects become visible only on Flush,
// after a delay, like a write in flight to a remote store.
type pipelined struct {
	mu      sync.Mutex
	staged  eventstore.Position
	visible eventstore.Position
	n, seen int
	asyncs  int
}

func (p *pipelined) Name() string              { return "pipelined" }
func (p *pipelined) Filter() eventstore.Filter { return eventstore.Filter{} }
func (p *pipelined) Checkpoint(ctx context.Context) (eventstore.Position, error) {
	_ = p.Flush(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.visible, nil
}
func (p *pipelined) Apply(ctx context.Context, evs []eventstore.RecordedEvent, through eventstore.Position) error {
	if err := p.ApplyAsync(ctx, evs, through); err != nil {
		return err
	}
	return p.Flush(ctx)
}
func (p *pipelined) ApplyAsync(_ context.Context, evs []eventstore.RecordedEvent, through eventstore.Position) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
	p.staged = through
	p.n += len(evs)
	p.asyncs++
	return nil
}
func (p *pipelined) Flush(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
	return nil
}
func (p *pipelined) flushLocked() {
	if p.staged.Compare(p.visible) > 0 {
		time.Sleep(5 * time.Millisecond)
		p.visible = p.staged
		p.seen = p.n
	}
}

// A pipelined projection's position is published only once its write is
// flushed: WaitFor must mean "visible", not "handed over".
func TestRunnerPublishesPipelinedWritesOnlyWhenFlushed(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const total = 3000
	var last eventstore.AppendResult
	for i := 0; i < total; i += 100 {
		evs := make([]eventstore.EventData, 100)
		for j := range evs {
			evs[j] = eventstore.EventData{ID: uuid.New(), Type: "test.piped", Data: []byte(`{}`)}
		}
		if last, err = store.Append(ctx, "s-"+uuid.NewString(), eventstore.NoStream, evs...); err != nil {
			t.Fatal(err)
		}
	}
	p := &pipelined{}
	r := projections.NewRunner(store, p, projections.Options{MaxBatch: 100})
	go func() { _ = r.Run(ctx) }()
	// Every position the runner publishes must already be visible.
	var lastSeen eventstore.Position
	for lastSeen.Compare(last.Position) < 0 {
		if err := r.WaitFor(ctx, eventstore.Position{Commit: lastSeen.Commit + 1, Prepare: lastSeen.Prepare + 1}); err != nil {
			t.Fatal(err)
		}
		lastSeen = r.Status().Applied
		p.mu.Lock()
		visible := p.visible
		p.mu.Unlock()
		if visible.Compare(lastSeen) < 0 {
			t.Fatalf("runner published %s while only %s was written", lastSeen, visible)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen != total {
		t.Fatalf("visible events = %d, want %d", p.seen, total)
	}
	if p.asyncs < 2 {
		t.Fatalf("ApplyAsync ran %d times: the runner did not pipeline", p.asyncs)
	}
}
