package main

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
)

// aheadProjection's checkpoint is past the end of the log, as after a
// restore of an older log: its runner stops at once.
type aheadProjection struct{ at eventstore.Position }

func (aheadProjection) Name() string              { return "ahead" }
func (aheadProjection) Filter() eventstore.Filter { return eventstore.Filter{} }
func (p aheadProjection) Checkpoint(context.Context) (eventstore.Position, error) {
	return p.at, nil
}
func (aheadProjection) Apply(context.Context, []eventstore.RecordedEvent, eventstore.Position) error {
	return nil
}

// TestCatchUpReturnsWhenTheRunnerStops: a catch-up whose runner stops
// early (checkpoint ahead of the log) returns the runner's error instead
// of waiting for a head it will never reach.
func TestCatchUpReturnsWhenTheRunnerStops(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	res, err := store.Append(t.Context(), "s-"+uuid.NewString(), eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "test.event", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	// The log's head is behind the checkpoint by one event.
	p := aheadProjection{at: eventstore.Position{Commit: res.Position.Commit + 1, Prepare: res.Position.Prepare + 1}}
	g := &globals{log: newLogger(io.Discard, "error", "text"), stdout: io.Discard, stderr: io.Discard}
	_, err = catchUp(t.Context(), store, p, g, false, nil)
	if !errors.Is(err, projections.ErrCheckpointAhead) {
		t.Errorf("catch-up: %v; want ErrCheckpointAhead", err)
	}
}
