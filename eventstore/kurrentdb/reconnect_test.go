package kurrentdb_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
)

// logCapture is a slog.Handler that records messages so that a test can
// wait for something the adapter reports (instead of sleeping).
type logCapture struct {
	mu     sync.Mutex
	msgs   []string
	notify chan struct{} // closed and replaced on every record
}

var debugLogs = os.Getenv("HOCVU_TEST_DEBUG_LOGS") != ""

func newLogCapture() *logCapture { return &logCapture{notify: make(chan struct{})} }

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCapture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *logCapture) WithGroup(string) slog.Handler            { return c }
func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	if debugLogs {
		var b strings.Builder
		r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
		fmt.Fprintln(os.Stderr, time.Now().Format("15:04:05.000"), r.Level, r.Message, b.String())
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, r.Message)
	close(c.notify)
	c.notify = make(chan struct{})
	c.mu.Unlock()
	return nil
}

// count returns how many records had the message, and a channel closed at
// the next record.
func (c *logCapture) count(msg string) (int, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range c.msgs {
		if m == msg {
			n++
		}
	}
	return n, c.notify
}

// waitFor waits until msg has been logged at least n times.
func (c *logCapture) waitFor(t testing.TB, msg string, n int) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		got, next := c.count(msg)
		if got >= n {
			return
		}
		select {
		case <-next:
		case <-timeout:
			t.Fatalf("timed out waiting for %d log records %q (have %d)", n, msg, got)
		}
	}
}

// TestSubscriptionSurvivesConnectionLoss drops the connection several ways
// while events keep being appended, some through the backing store and
// some through the adapter, and checks that the subscription delivers every
// event exactly once, in order, with a single CaughtUp:
//   - the server restarts (every connection drops, it is back at once);
//   - the server ends the subscription stream, the connection stays up;
//   - the server is down long enough for the client to give up discovery
//     (so the adapter must replace the client) while appends continue.
func TestSubscriptionSurvivesConnectionLoss(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	logs := newLogCapture()
	opts := testOptions()
	opts.Logger = slog.New(logs)
	opts.IdleCheckpoint = -1
	// One discovery attempt: while the server is down the client gives up
	// at once and the adapter has to create a new one.
	st := openStore(t, srv.URL()+"&maxDiscoverAttempts=1&discoveryInterval=10", opts)
	t.Cleanup(func() { _ = st.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	prefix := "reconnect-" + uuid.NewString()
	const total, lag = 600, 40
	// The writer stays at most lag events ahead of the reader, so that
	// appends and disruptions interleave.
	credits := make(chan struct{}, lag)
	for range lag {
		credits <- struct{}{}
	}
	written := make(chan uuid.UUID, total)
	writeErr := make(chan error, 1)
	go func() {
		defer close(written)
		for i := range total {
			select {
			case <-credits:
			case <-ctx.Done():
				writeErr <- ctx.Err()
				return
			}
			ev := eventstore.EventData{ID: uuid.New(), Type: "test.reconnect", Data: []byte(fmt.Sprintf(`{"i":%d}`, i))}
			if i%2 == 0 {
				if _, err := srv.Store().Append(ctx, prefix+"-direct", eventstore.Any, ev); err != nil {
					writeErr <- err
					return
				}
			} else if err := appendRetrying(ctx, st, prefix+"-adapter", ev); err != nil {
				writeErr <- err
				return
			}
			written <- ev.ID
		}
	}()

	sub, err := st.SubscribeAll(ctx, eventstore.SubscribeOptions{Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	// Keep reading all the time: a test that stops reading while it
	// waits for something would hold the subscription up.
	msgs := make(chan eventstore.Message, 4*total)
	recvErr := make(chan error, 1)
	go func() {
		for {
			m, err := sub.Recv(ctx)
			if err != nil {
				recvErr <- err
				return
			}
			msgs <- m
		}
	}()
	next := func() eventstore.Message {
		t.Helper()
		select {
		case m := <-msgs:
			return m
		case err := <-recvErr:
			t.Fatalf("Recv: %v", err)
		}
		return eventstore.Message{}
	}

	var got []eventstore.RecordedEvent
	caughtUp := 0
	const dropped = "kurrentdb: subscription dropped, resubscribing"
	for len(got) < total {
		m := next()
		switch {
		case m.CaughtUp:
			caughtUp++
			continue
		case m.Event == nil:
			continue
		}
		got = append(got, *m.Event)
		select {
		case credits <- struct{}{}:
		default:
		}
		switch len(got) {
		case 100:
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			logs.waitFor(t, dropped, 1)
		case 250:
			if srv.DropSubscriptions() == 0 {
				t.Fatal("no subscription to drop")
			}
			logs.waitFor(t, dropped, 2)
		case 400:
			srv.Stop()
			logs.waitFor(t, dropped, 3)
			// Stay down until the adapter has failed to resubscribe a few
			// times (the writer appends up to lag events meanwhile).
			failed, _ := logs.count("kurrentdb: resubscribe failed")
			logs.waitFor(t, "kurrentdb: resubscribe failed", failed+3)
			if err := srv.Resume(); err != nil {
				t.Fatal(err)
			}
		}
	}
	select {
	case err := <-writeErr:
		t.Fatalf("writer: %v", err)
	default:
	}
	var want []uuid.UUID
	for id := range written {
		want = append(want, id)
	}
	if len(want) != total {
		t.Fatalf("writer wrote %d events, want %d", len(want), total)
	}
	for i := range got {
		if got[i].ID != want[i] {
			t.Fatalf("event %d is %s, want %s (gap or duplicate)", i, got[i].ID, want[i])
		}
		if i > 0 && got[i].Position.Compare(got[i-1].Position) <= 0 {
			t.Fatalf("event %d: position %s not after %s", i, got[i].Position, got[i-1].Position)
		}
	}
	if caughtUp != 1 {
		t.Errorf("CaughtUp delivered %d times, want once", caughtUp)
	}
	if n, _ := logs.count("kurrentdb: subscription resumed"); n < 3 {
		t.Errorf("subscription resumed %d times, want at least 3", n)
	}
	// Nothing more arrives: a marker appended now is the next event.
	marker := eventstore.EventData{ID: uuid.New(), Type: "test.marker", Data: []byte(`{}`)}
	if err := appendRetrying(ctx, st, prefix+"-marker", marker); err != nil {
		t.Fatal(err)
	}
	for {
		m := next()
		if m.Event != nil {
			if m.Event.ID != marker.ID {
				t.Fatalf("unexpected extra event %s on %s", m.Event.ID, m.Event.Stream)
			}
			break
		}
	}
}

// appendRetrying appends ev, retrying with the same event id while the
// server is unreachable (a retry after a lost answer is idempotent).
func appendRetrying(ctx context.Context, st eventstore.Store, stream string, ev eventstore.EventData) error {
	for {
		_, err := st.Append(ctx, stream, eventstore.Any, ev)
		if err == nil || errors.Is(err, eventstore.ErrInvalidEvent) || errors.Is(err, eventstore.ErrWrongExpectedRevision) || ctx.Err() != nil {
			return err
		}
		select {
		case <-time.After(20 * time.Millisecond): // pacing of retries, not synchronisation
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// TestCaughtUpWithoutServerSupport runs against a server that never sends
// CaughtUp (as older KurrentDB servers): the adapter sends it once, after
// the history that existed at subscribe time.
func TestCaughtUpWithoutServerSupport(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{NoCaughtUp: true})
	st := openStore(t, srv.URL(), testOptions())
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	prefix := "nocaughtup-" + uuid.NewString()
	for i := range 10 {
		if _, err := st.Append(ctx, prefix, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "test.x", Data: []byte(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := st.SubscribeAll(ctx, eventstore.SubscribeOptions{Filter: eventstore.Filter{StreamPrefixes: []string{prefix}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	events, caughtUp := 0, 0
	for events < 15 {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case m.CaughtUp:
			caughtUp++
			if events != 10 {
				t.Fatalf("CaughtUp after %d events, want after the 10 historical ones", events)
			}
			for i := range 5 {
				if _, err := st.Append(ctx, prefix, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: "test.live", Data: []byte(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
					t.Fatal(err)
				}
			}
		case m.Event != nil:
			events++
		}
	}
	if caughtUp != 1 {
		t.Fatalf("CaughtUp delivered %d times, want once", caughtUp)
	}

	// A subscription starting at the head is caught up at once.
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sub2, err := st.SubscribeAll(ctx, eventstore.SubscribeOptions{After: head})
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	m, err := sub2.Recv(ctx)
	if err != nil || !m.CaughtUp {
		t.Fatalf("first message from the head: %+v, %v; want CaughtUp", m, err)
	}
}

// TestCloseEndsSubscriptions checks that closing the store ends its
// subscriptions with ErrSubscriptionClosed wrapping ErrClosed.
func TestCloseEndsSubscriptions(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	st := openStore(t, srv.URL(), testOptions())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sub, err := st.SubscribeAll(ctx, eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		for {
			if _, err := sub.Recv(ctx); err != nil {
				errc <- err
				return
			}
		}
	}()
	_ = st.Close()
	err = <-errc
	if !errors.Is(err, eventstore.ErrSubscriptionClosed) || !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("Recv after the store closed: %v, want ErrSubscriptionClosed and ErrClosed", err)
	}
	if _, err := st.SubscribeAll(ctx, eventstore.SubscribeOptions{}); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("SubscribeAll after close: %v", err)
	}
	if _, err := st.Head(ctx); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("Head after close: %v", err)
	}
	if _, err := st.ReadAll(ctx, eventstore.ReadAllOptions{}); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("ReadAll after close: %v", err)
	}
}

// TestOpenUnreachable checks that Open fails, and says where it tried,
// when nothing listens.
func TestOpenUnreachable(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	url := srv.URL() + "&maxDiscoverAttempts=1"
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := kurrentdb.Open(ctx, url, kurrentdb.Options{})
	if err == nil || !strings.Contains(err.Error(), srv.Addr()) {
		t.Fatalf("Open with no server: %v", err)
	}
}
