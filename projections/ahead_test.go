package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
)

// stores opens a fresh, empty store of each kind; backing is where events
// can be appended behind the store's back (system events for KurrentDB).
var stores = []struct {
	name string
	open func(t *testing.T) (s eventstore.Store, backing eventstore.Store)
}{
	{"pebblestore", func(t *testing.T) (eventstore.Store, eventstore.Store) {
		s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s, s
	}},
	{"kurrentdb", func(t *testing.T) (eventstore.Store, eventstore.Store) {
		srv := kurrenttest.New(t, kurrenttest.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := kurrentdb.Open(ctx, srv.URL(), kurrentdb.Options{IdleCheckpoint: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s, srv.Store()
	}},
}

func appendN(t *testing.T, s eventstore.Store, n int, typ string) eventstore.AppendResult {
	t.Helper()
	var res eventstore.AppendResult
	for i := 0; i < n; i++ {
		var err error
		res, err = s.Append(context.Background(), "s-"+uuid.NewString(), eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// TestCheckpointPastTheEndOfTheLog: a read model that applied more of the
// log than a restored log holds is refused, on both stores, instead of
// subscribing from its checkpoint (which would skip the events appended
// next, at the positions the lost ones had).
func TestCheckpointPastTheEndOfTheLog(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			before, _ := st.open(t)
			applied := appendN(t, before, 20, "test.counted").Position
			restored, _ := st.open(t) // the log as an older backup had it
			appendN(t, restored, 5, "test.counted")

			c := &counter{typ: "test.counted", cp: applied}
			err := projections.CheckCheckpoint(ctx, restored, c.Name(), applied)
			if !errors.Is(err, projections.ErrCheckpointAhead) {
				t.Fatalf("CheckCheckpoint = %v, want ErrCheckpointAhead", err)
			}
			// The runner stops for good, so that appends that later carry
			// the log past the checkpoint cannot hide the gap.
			r := projections.NewRunner(restored, c, projections.Options{RetryBackoff: time.Millisecond})
			if err := r.Run(ctx); !errors.Is(err, projections.ErrCheckpointAhead) || !errors.Is(r.Status().LastErr, projections.ErrCheckpointAhead) {
				t.Fatalf("Run = %v (status %v), want it to stop with ErrCheckpointAhead", err, r.Status().LastErr)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.applies != 0 {
				t.Fatalf("the runner applied %d batches from a checkpoint past the end of the log", c.applies)
			}
		})
	}
}

// TestCheckpointAtTheEndIsFine: a checkpoint at the very end of the log is
// not ahead, also when the last record is one the store hides (a KurrentDB
// system event, where a caught-up subscription's checkpoint can be).
func TestCheckpointAtTheEndIsFine(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, backing := st.open(t)
			end := appendN(t, s, 3, "test.counted").Position
			if st.name == "kurrentdb" {
				end = appendN(t, backing, 2, "$statsCollected").Position
				if head, err := s.Head(ctx); err != nil || head.Compare(end) >= 0 {
					t.Fatalf("head %v (%v) is not before the system event at %v: the test does not test End", head, err, end)
				}
			}
			if err := projections.CheckCheckpoint(ctx, s, "counter", end); err != nil {
				t.Fatalf("checkpoint at the end: %v", err)
			}
			c := &counter{typ: "test.counted", cp: end}
			r := projections.NewRunner(s, c, projections.Options{})
			go func() { _ = r.Run(ctx) }()
			next := appendN(t, s, 1, "test.counted").Position
			if err := r.WaitFor(ctx, next); err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.n != 1 {
				t.Fatalf("applied %d events after the checkpoint, want 1", c.n)
			}
		})
	}
}
