package eventstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

func appendN(t *testing.T, s eventstore.Store, stream string, n int) eventstore.AppendResult {
	t.Helper()
	evs := make([]eventstore.EventData, n)
	for i := range evs {
		evs[i] = eventstore.EventData{ID: uuid.New(), Type: "test.v1", Data: []byte(`{}`)}
	}
	res, err := s.Append(context.Background(), stream, eventstore.Any, evs...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ReplayStream reads a stream of several pages in order, and only that
// stream; FollowStream then delivers exactly the stream's new events.
func TestReplayAndFollowStream(t *testing.T) {
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := eventstore.ReplayStream(ctx, s, "users", func(*eventstore.RecordedEvent) { t.Error("event in a missing stream") }); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, "users", 700)
	appendN(t, s, "users-other", 5) // same prefix, another stream
	last := appendN(t, s, "users", 501)

	var revs []uint64
	if err := eventstore.ReplayStream(ctx, s, "users", func(ev *eventstore.RecordedEvent) { revs = append(revs, ev.Revision) }); err != nil {
		t.Fatal(err)
	}
	if len(revs) != 1201 {
		t.Fatalf("replayed %d events, want 1201", len(revs))
	}
	for i, r := range revs {
		if r != uint64(i) {
			t.Fatalf("event %d has revision %d", i, r)
		}
	}

	var mu sync.Mutex
	var got []uint64
	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		eventstore.FollowStream(fctx, s, "users", func() eventstore.Position { return last.Position },
			func(ev *eventstore.RecordedEvent) {
				mu.Lock()
				got = append(got, ev.Revision)
				mu.Unlock()
			}, func(err error) { t.Errorf("subscription failed: %v", err) })
	}()
	appendN(t, s, "users-other", 2)
	appendN(t, s, "users", 3)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
	}
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 || got[0] != 1201 || got[2] != 1203 {
		t.Fatalf("followed revisions %v, want [1201 1202 1203]", got)
	}
}
