package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections/lease"
)

// order records what happened, in order.
type order struct {
	mu  sync.Mutex
	seq []string
}

func (o *order) add(s string) {
	o.mu.Lock()
	o.seq = append(o.seq, s)
	o.mu.Unlock()
}

func (o *order) get() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seq)
}

// recordingStore notes lease releases.
type recordingStore struct {
	eventstore.Store
	o *order
}

func (s recordingStore) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	if len(evs) > 0 && evs[0].Type == lease.EventReleased {
		s.o.add("release")
	}
	return s.Store.Append(ctx, stream, exp, evs...)
}

// pipeProjection is a pipelined projection that notes its flushes.
type pipeProjection struct {
	o  *order
	mu sync.Mutex
	at eventstore.Position
}

func (p *pipeProjection) Name() string              { return "analytics-test" }
func (p *pipeProjection) Filter() eventstore.Filter { return eventstore.Filter{} }
func (p *pipeProjection) Checkpoint(context.Context) (eventstore.Position, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.at, nil
}
func (p *pipeProjection) Apply(ctx context.Context, evs []eventstore.RecordedEvent, through eventstore.Position) error {
	if err := p.ApplyAsync(ctx, evs, through); err != nil {
		return err
	}
	return p.Flush(ctx)
}
func (p *pipeProjection) ApplyAsync(_ context.Context, _ []eventstore.RecordedEvent, through eventstore.Position) error {
	p.mu.Lock()
	p.at = through
	p.mu.Unlock()
	return nil
}
func (p *pipeProjection) Flush(context.Context) error {
	p.o.add("flush")
	return nil
}

// TestSharedRunnerReleasesTheLeaseLast: stopping a shared runner stops
// it, waits for its write in flight, and only then releases the lease, so
// that the next holder (or a rebuild, which empties the sink) never writes
// beside a write of this one.
func TestSharedRunnerReleasesTheLeaseLast(t *testing.T) {
	pebble, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pebble.Close()
	o := &order{}
	store := recordingStore{Store: pebble, o: o}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := store.Append(ctx, "s-"+uuid.NewString(), eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "t", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeProjection{o: o}
	r, stop := startSharedRunner(store, false, p, runnerOptions(p.Name(), &globals{log: newLogger(io.Discard, "error", "text")}, nil), nil)
	if err := r.WaitFor(ctx, res.Position); err != nil {
		stop()
		t.Fatal(err)
	}
	o.add("stop")
	stop()
	seq := o.get()
	i := slices.Index(seq, "stop")
	if tail := seq[i+1:]; len(tail) < 2 || tail[len(tail)-1] != "release" || !slices.Contains(tail[:len(tail)-1], "flush") {
		t.Fatalf("after stop: %v, want a flush, then the lease released last", tail)
	}
}

// TestEventStoreMaxAppend: the append limit Hocvu is told must be one
// KurrentDB accepts, and sizes the statement writer's groups.
func TestEventStoreMaxAppend(t *testing.T) {
	_, _, err := openStore(context.Background(), storeConfig{EventStore: "kurrentdb://127.0.0.1:1?tls=false", EventStoreMaxAppend: 16 << 20}, newLogger(io.Discard, "error", "text"), nil)
	if err == nil || !strings.Contains(err.Error(), "between 1 and 16767216") {
		t.Fatalf("16 MiB: %v, want it refused (KurrentDB does not start above 16767216)", err)
	}
	for _, c := range []struct {
		cfg  storeConfig
		want int
	}{
		{storeConfig{}, 4 << 20},
		{storeConfig{EventStore: "kurrentdb://x", EventStoreMaxAppend: 1 << 20}, 512 << 10},
		{storeConfig{EventStore: "kurrentdb://x", EventStoreMaxAppend: 16000000}, 4 << 20},
	} {
		if got := c.cfg.groupBytes(); got != c.want {
			t.Errorf("groupBytes(%q, %d) = %d, want %d", c.cfg.EventStore, c.cfg.EventStoreMaxAppend, got, c.want)
		}
	}
}
