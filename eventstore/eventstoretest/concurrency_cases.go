package eventstoretest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
)

// testConcurrentWritersOneStream races many goroutines appending to one
// stream, each at the revision it last saw: exactly one wins each revision.
func testConcurrentWritersOneStream(t *testing.T, h Harness) {
	s := open(t, h)
	stream := newStream("race")
	mustAppend(t, s, stream, eventstore.NoStream, ev("test.seed", `{}`))
	const writers, target = 16, 60
	var mu sync.Mutex
	wins := map[uint64][]string{} // revision -> winners
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				page, err := s.ReadStream(ctx(t), stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
				if err != nil {
					errc <- err
					return
				}
				last := page[0].Revision
				if last >= target {
					return
				}
				e := ev("test.race", fmt.Sprintf(`{"writer":%d}`, w))
				res, err := s.Append(ctx(t), stream, eventstore.Exact(last), e)
				if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
					continue
				}
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				wins[res.NextExpectedRevision] = append(wins[res.NextExpectedRevision], e.ID.String())
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	got := readStream(t, s, stream)
	if len(got) != target+1 {
		t.Fatalf("stream has %d events, want %d", len(got), target+1)
	}
	for rev := uint64(1); rev <= target; rev++ {
		w := wins[rev]
		if len(w) != 1 {
			t.Fatalf("revision %d has %d winners", rev, len(w))
		}
		if got[rev].ID.String() != w[0] {
			t.Fatalf("revision %d holds %s, but %s was told it won", rev, got[rev].ID, w[0])
		}
	}
}

// testSubscriptionUnderConcurrentAppends checks that a live subscription
// sees every event appended by concurrent writers exactly once, in an order
// consistent with each stream's revisions and with strictly increasing
// global positions.
func testSubscriptionUnderConcurrentAppends(t *testing.T, h Harness) {
	s := open(t, h)
	head, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := newStream("conc")
	c := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	c.waitCaughtUp()
	const writers, perWriter, batch = 8, 40, 3
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			stream := fmt.Sprintf("%s-%d", prefix, w)
			for i := 0; i < perWriter; i++ {
				if _, err := s.Append(ctx(t), stream, eventstore.Any, evs(batch, "test.conc")...); err != nil {
					errc <- err
					return
				}
			}
		}(w)
	}
	got := c.take(writers*perWriter*batch, prefix)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	next := map[string]uint64{}
	for i, e := range got {
		if seen[e.ID.String()] {
			t.Fatalf("event %s delivered twice", e.ID)
		}
		seen[e.ID.String()] = true
		if e.Revision != next[e.Stream] {
			t.Fatalf("stream %s: got revision %d, want %d", e.Stream, e.Revision, next[e.Stream])
		}
		next[e.Stream]++
		if i > 0 && e.Position.Compare(got[i-1].Position) <= 0 {
			t.Fatalf("position %s not after %s", e.Position, got[i-1].Position)
		}
	}
	c.quiet(s, prefix, "test.marker")
	// A subscription started afterwards from the same point sees the same
	// sequence (live and historical delivery agree).
	replay := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	again := replay.take(len(got), prefix)
	for i := range got {
		if again[i].ID != got[i].ID || again[i].Position != got[i].Position {
			t.Fatalf("replay differs at %d: %s@%s vs live %s@%s", i, again[i].ID, again[i].Position, got[i].ID, got[i].Position)
		}
	}
}

// testManyStreams writes one event to each of 100,000 streams.
func testManyStreams(t *testing.T, h Harness) {
	n := 2000
	if h.Large && !testing.Short() {
		n = 100_000
	}
	s := open(t, h)
	head, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := newStream("many")
	const workers = 32
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if _, err := s.Append(ctx(t), fmt.Sprintf("%s-%06d", prefix, i), eventstore.NoStream, ev("test.many", `{}`)); err != nil {
					errc <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	got := readAllAfter(t, s, head, prefix)
	if len(got) != n {
		t.Fatalf("global log has %d of %d events", len(got), n)
	}
	streams := map[string]bool{}
	for _, e := range got {
		if e.Revision != 0 || streams[e.Stream] {
			t.Fatalf("stream %s: revision %d (seen before: %v)", e.Stream, e.Revision, streams[e.Stream])
		}
		streams[e.Stream] = true
	}
	for _, i := range []int{0, n / 2, n - 1} {
		stream := fmt.Sprintf("%s-%06d", prefix, i)
		if es := readStream(t, s, stream); len(es) != 1 {
			t.Fatalf("stream %s has %d events", stream, len(es))
		}
		if _, err := s.Append(ctx(t), stream, eventstore.NoStream, ev("test.many", `{}`)); !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			t.Fatalf("second no-stream append to %s: %v", stream, err)
		}
	}
}

// testReadWhileCreating reads streams while they are being created: a read
// sees either no stream or some of its events, never an existing stream
// with no events.
func testReadWhileCreating(t *testing.T, h Harness) {
	s := open(t, h)
	for round := 0; round < 20; round++ {
		stream := newStream("creating")
		done := make(chan struct{})
		errc := make(chan error, 1)
		go func() {
			defer close(done)
			if _, err := s.Append(ctx(t), stream, eventstore.NoStream, evs(3, "test.x")...); err != nil {
				errc <- err
			}
		}()
		for {
			for _, opts := range []eventstore.ReadStreamOptions{
				{Direction: eventstore.Backwards, FromEnd: true, Max: 1},
				{From: 0, Max: 10},
			} {
				page, err := s.ReadStream(ctx(t), stream, opts)
				if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
					t.Fatal(err)
				}
				if err == nil && len(page) == 0 {
					t.Fatalf("round %d: stream %s exists but a read from its %v returned no event", round, stream, opts)
				}
			}
			select {
			case <-done:
			default:
				continue
			}
			break
		}
		select {
		case err := <-errc:
			t.Fatal(err)
		default:
		}
	}
}
