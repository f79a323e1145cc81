package pebblestore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

func TestSnapshotEndsTheLogWhereItWasTaken(t *testing.T) {
	ctx := context.Background()
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendN := func(n int) {
		t.Helper()
		evs := make([]eventstore.EventData, n)
		for i := range evs {
			evs[i] = eventstore.EventData{ID: uuid.New(), Type: "t.v1", Data: []byte(`{"n":1}`)}
		}
		if _, err := s.Append(ctx, "snap", eventstore.Any, evs...); err != nil {
			t.Fatal(err)
		}
	}
	appendN(7)
	head, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "events")
	if err := s.Snapshot(dir); err != nil {
		t.Fatal(err)
	}
	appendN(5)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(filepath.Join(t.TempDir(), "late")); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("snapshot of a closed store: %v, want ErrClosed", err)
	}

	cp, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	got, err := cp.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != head || head.Commit == 0 {
		t.Fatalf("copy's head %v, want %v (the head when the snapshot was taken)", got, head)
	}
}
