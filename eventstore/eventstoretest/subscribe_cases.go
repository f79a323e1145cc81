package eventstoretest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// collector drains a subscription in the background of a test.
type collector struct {
	t      testing.TB
	sub    eventstore.Subscription
	events chan eventstore.RecordedEvent
	marks  chan eventstore.Message // checkpoints and caught-up
	errc   chan error
}

func subscribe(t testing.TB, s eventstore.Store, opts eventstore.SubscribeOptions) *collector {
	t.Helper()
	sub, err := s.SubscribeAll(ctx(t), opts)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	c := &collector{t: t, sub: sub, events: make(chan eventstore.RecordedEvent, 1<<16), marks: make(chan eventstore.Message, 1<<16), errc: make(chan error, 1)}
	rctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = sub.Close() })
	go func() {
		for {
			m, err := sub.Recv(rctx)
			if err != nil {
				c.errc <- err
				return
			}
			switch {
			case m.Event != nil:
				c.events <- *m.Event
			default:
				c.marks <- m
			}
		}
	}()
	return c
}

// take waits for n events whose stream has the prefix, failing on timeout.
func (c *collector) take(n int, prefix string) []eventstore.RecordedEvent {
	c.t.Helper()
	out := make([]eventstore.RecordedEvent, 0, n)
	timeout := time.After(60 * time.Second)
	for len(out) < n {
		select {
		case e := <-c.events:
			if strings.HasPrefix(e.Stream, prefix) {
				out = append(out, e)
			}
		case err := <-c.errc:
			c.t.Fatalf("subscription ended after %d of %d events: %v", len(out), n, err)
		case <-timeout:
			c.t.Fatalf("timed out after %d of %d events", len(out), n)
		}
	}
	return out
}

// quiet checks that no further event with the prefix arrives while the
// subscription catches up with a marker event appended afterwards; the
// marker has type typ so that it passes the subscription's filter.
func (c *collector) quiet(s eventstore.Store, prefix, typ string) {
	c.t.Helper()
	marker := prefix + "-marker-" + uuid.NewString()
	mustAppend(c.t, s, marker, eventstore.NoStream, ev(typ, `{}`))
	timeout := time.After(60 * time.Second)
	for {
		select {
		case e := <-c.events:
			if e.Stream == marker {
				return
			}
			if strings.HasPrefix(e.Stream, prefix) {
				c.t.Fatalf("unexpected extra event %s on %s (revision %d)", e.ID, e.Stream, e.Revision)
			}
		case err := <-c.errc:
			c.t.Fatalf("subscription ended: %v", err)
		case <-timeout:
			c.t.Fatalf("timed out waiting for marker")
		}
	}
}

func (c *collector) waitCaughtUp() {
	c.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case m := <-c.marks:
			if m.CaughtUp {
				return
			}
		case err := <-c.errc:
			c.t.Fatalf("subscription ended: %v", err)
		case <-timeout:
			c.t.Fatalf("timed out waiting for caught-up")
		}
	}
}

func checkOrder(t testing.TB, got []eventstore.RecordedEvent, want []eventstore.EventData) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID {
			t.Fatalf("event %d is %s, want %s", i, got[i].ID, want[i].ID)
		}
		if i > 0 && got[i].Position.Compare(got[i-1].Position) <= 0 {
			t.Fatalf("event %d: position %s not after %s", i, got[i].Position, got[i-1].Position)
		}
	}
}

func testSubscriptionHistoryThenLive(t *testing.T, h Harness) {
	s := open(t, h)
	head, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := newStream("sub")
	var want []eventstore.EventData
	for i := 0; i < 20; i++ {
		b := evs(3, "test.hist")
		mustAppend(t, s, prefix+"-"+letter(i%4), eventstore.Any, b...)
		want = append(want, b...)
	}
	c := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	got := c.take(len(want), prefix)
	c.waitCaughtUp()
	live := evs(5, "test.live")
	for i := range live {
		mustAppend(t, s, prefix+"-live", eventstore.Any, live[i])
	}
	want = append(want, live...)
	got = append(got, c.take(len(live), prefix)...)
	checkOrder(t, got, want)
	c.quiet(s, prefix, "test.marker")
}

func letter(i int) string { return string(rune('a' + i)) }

func testSubscriptionFilters(t *testing.T, h Harness) {
	s := open(t, h)
	head, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := newStream("filter")
	typ := "test.filter." + strings.ReplaceAll(uuid.NewString(), "-", "") + "."
	var wantStream, wantBoth []eventstore.EventData
	for i := 0; i < 10; i++ {
		keep := eventstore.EventData{ID: uuid.New(), Type: typ + "kept", Data: []byte(`{}`)}
		drop := eventstore.EventData{ID: uuid.New(), Type: "test.other", Data: []byte(`{}`)}
		inStream := prefix + "-in"
		outStream := "other-" + prefix
		mustAppend(t, s, inStream, eventstore.Any, keep, drop)
		mustAppend(t, s, outStream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: typ + "elsewhere", Data: []byte(`{}`)})
		wantBoth = append(wantBoth, keep)
		wantStream = append(wantStream, keep, drop)
	}
	// by type: events in both streams with the type prefix
	byType := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{EventTypePrefixes: []string{typ}}})
	got := byType.take(20, "")
	for _, e := range got {
		if !strings.HasPrefix(e.Type, typ) {
			t.Fatalf("type filter let through %s", e.Type)
		}
	}
	byStream := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	checkOrder(t, byStream.take(20, ""), wantStream)
	both := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{StreamPrefixes: []string{prefix}, EventTypePrefixes: []string{typ}}})
	checkOrder(t, both.take(10, ""), wantBoth)
	both.quiet(s, prefix, typ+"marker")
}

func testSubscriptionResume(t *testing.T, h Harness) {
	s := open(t, h)
	head, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := newStream("resume")
	all := evs(30, "test.resume")
	for i := range all {
		mustAppend(t, s, prefix, eventstore.Any, all[i])
	}
	c := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	first := c.take(12, prefix)
	checkpoint := first[len(first)-1].Position
	// A new subscription from the checkpoint continues exactly after it.
	c2 := subscribe(t, s, eventstore.SubscribeOptions{After: checkpoint, Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	checkOrder(t, c2.take(18, prefix), all[12:])
	c2.quiet(s, prefix, "test.marker")

	// A filtered subscription reports checkpoints past filtered-out events.
	onlyMarkers := subscribe(t, s, eventstore.SubscribeOptions{After: head, Filter: eventstore.Filter{EventTypePrefixes: []string{"test.none-" + uuid.NewString()}}})
	end := mustAppend(t, s, prefix, eventstore.Any, ev("test.resume", `{}`))
	timeout := time.After(60 * time.Second)
	for {
		select {
		case m := <-onlyMarkers.marks:
			if m.Checkpoint != nil && m.Checkpoint.Compare(end.Position) >= 0 {
				return
			}
		case e := <-onlyMarkers.events:
			t.Fatalf("filter let through %s", e.Type)
		case err := <-onlyMarkers.errc:
			t.Fatalf("subscription ended: %v", err)
		case <-timeout:
			t.Fatalf("no checkpoint at or after %s", end.Position)
		}
	}
}

func testSubscriptionClose(t *testing.T, h Harness) {
	s := open(t, h)
	sub, err := s.SubscribeAll(ctx(t), eventstore.SubscribeOptions{Filter: eventstore.Filter{StreamPrefixes: []string{newStream("never")}}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		for {
			if _, err := sub.Recv(context.Background()); err != nil {
				errc <- err
				return
			}
		}
	}()
	time.AfterFunc(50*time.Millisecond, func() { _ = sub.Close() })
	select {
	case err := <-errc:
		if !errors.Is(err, eventstore.ErrSubscriptionClosed) {
			t.Fatalf("Recv after Close: %v, want ErrSubscriptionClosed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Recv did not return after Close")
	}
	// Recv honours its context.
	sub2, err := s.SubscribeAll(ctx(t), eventstore.SubscribeOptions{Filter: eventstore.Filter{StreamPrefixes: []string{newStream("never")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	rctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for {
		_, err := sub2.Recv(rctx)
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Recv with expired context: %v", err)
			}
			return
		}
	}
}
