package eventstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// syncBuffer is a log destination safe for the follower's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// counter folds "count.v1" events holding a JSON number into a sum; any
// other data of that type is poison. It reports each event it was given.
type counter struct {
	mu   sync.Mutex
	sum  int
	seen chan uint64 // revisions applied or refused, when set
}

func (c *counter) apply(ev *eventstore.RecordedEvent) error {
	if c.seen != nil {
		defer func() { c.seen <- ev.Revision }()
	}
	if ev.Type != "count.v1" {
		return nil // a newer version's event type: not poison
	}
	var n int
	if err := json.Unmarshal(ev.Data, &n); err != nil {
		return err
	}
	c.mu.Lock()
	c.sum += n
	c.mu.Unlock()
	return nil
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sum
}

func appendData(t *testing.T, s eventstore.Store, stream, typ string, data ...string) eventstore.AppendResult {
	t.Helper()
	evs := make([]eventstore.EventData, len(data))
	for i, d := range data {
		evs[i] = eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(d)}
	}
	res, err := s.Append(context.Background(), stream, eventstore.Any, evs...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func openFoldStore(t *testing.T) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Load folds the whole stream, page by page, skipping (logging, counting,
// reporting) the events apply refuses and moving past them; an unknown
// event type is not poison.
func TestFoldLoadSkipsPoison(t *testing.T) {
	s := openFoldStore(t)
	ctx := context.Background()
	var c counter
	var log syncBuffer
	var reported []uint64
	f := eventstore.NewFold("counts", c.apply, eventstore.FoldOptions{
		Logger: slog.New(slog.NewJSONHandler(&log, nil)),
		Page:   2,
		OnSkip: func(ev *eventstore.RecordedEvent, err error) { reported = append(reported, ev.Revision) },
	})
	if f.Expected() != eventstore.NoStream {
		t.Errorf("expected revision of an empty fold: %v", f.Expected())
	}
	if err := f.Load(ctx, s); err != nil { // the stream does not exist yet
		t.Fatal(err)
	}
	appendData(t, s, "counts", "count.v1", "1", "2", `"three"`, "4")
	appendData(t, s, "counts", "newer.v9", "{}")
	appendData(t, s, "counts-other", "count.v1", "100") // same prefix, another stream
	last := appendData(t, s, "counts", "count.v1", "{", "8")
	if err := f.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	if c.total() != 15 {
		t.Errorf("sum %d, want 15 (1+2+4+8)", c.total())
	}
	if f.Skipped() != 2 || len(reported) != 2 || reported[0] != 2 || reported[1] != 5 {
		t.Errorf("skipped %d, reported revisions %v; want 2, [2 5]", f.Skipped(), reported)
	}
	if rev, ok := f.Revision(); !ok || rev != 6 || f.Expected() != eventstore.Exact(6) || f.Position() != last.Position {
		t.Errorf("revision %d %v, expected %v, position %v; want 6 (the last event, poison or not)", rev, ok, f.Expected(), f.Position())
	}
	lines := log.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want one per skipped event: %v", len(lines), lines)
	}
	for i, l := range lines {
		if l["level"] != "ERROR" || l["alert"] != eventstore.AlertRegistryPoisonEvent || l["stream"] != "counts" ||
			l["event_type"] != "count.v1" || l["revision"] != float64(reported[i]) || l["event_id"] == "" || l["position"] == "" || l["err"] == "" {
			t.Errorf("log line %v", l)
		}
	}
	// Loading again reads only what is new; applying an old event again
	// changes nothing.
	appendData(t, s, "counts", "count.v1", "16")
	if err := f.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	evs, err := s.ReadStream(ctx, "counts", eventstore.ReadStreamOptions{From: 0, Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		f.Apply(&evs[i])
	}
	if c.total() != 31 || f.Skipped() != 2 {
		t.Errorf("after a reload and re-applying: sum %d, skipped %d; want 31, 2", c.total(), f.Skipped())
	}
}

// Follow applies what is appended after Load, skips poison on the way and
// never stops on it.
func TestFoldFollowSkipsPoison(t *testing.T) {
	s := openFoldStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	appendData(t, s, "counts", "count.v1", "1")
	c := counter{seen: make(chan uint64, 16)}
	f := eventstore.NewFold("counts", c.apply, eventstore.FoldOptions{})
	if err := f.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	<-c.seen
	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Follow(fctx, s)
	}()
	defer func() { stop(); <-done }()
	appendData(t, s, "counts", "count.v1", "not a number", "2")
	appendData(t, s, "counts-other", "count.v1", "100")
	appendData(t, s, "counts", "count.v1", "4")
	for want := uint64(1); want <= 3; want++ {
		select {
		case rev := <-c.seen:
			if rev != want {
				t.Fatalf("followed revision %d, want %d", rev, want)
			}
		case <-ctx.Done():
			t.Fatalf("the follower did not apply revision %d", want)
		}
	}
	if c.total() != 7 || f.Skipped() != 1 {
		t.Errorf("sum %d, skipped %d; want 7, 1", c.total(), f.Skipped())
	}
}

// A read failure is Load's error; the fold keeps what it applied.
func TestFoldLoadReportsReadFailures(t *testing.T) {
	var c counter
	f := eventstore.NewFold("counts", c.apply, eventstore.FoldOptions{})
	boom := errors.New("disk on fire")
	if err := f.Load(context.Background(), failingReader{boom}); !errors.Is(err, boom) {
		t.Fatalf("Load = %v, want %v", err, boom)
	}
}

type failingReader struct{ err error }

func (r failingReader) ReadStream(context.Context, string, eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	return nil, r.err
}
