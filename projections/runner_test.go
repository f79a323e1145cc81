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
