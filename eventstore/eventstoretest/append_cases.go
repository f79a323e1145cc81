package eventstoretest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

func testAppendAndReadStream(t *testing.T, h Harness) {
	s := open(t, h)
	stream := newStream("append")
	in := evs(3, "test.created")
	in[1].Metadata = nil
	before := time.Now().Add(-5 * time.Minute)
	res := mustAppend(t, s, stream, eventstore.NoStream, in...)
	if res.NextExpectedRevision != 2 {
		t.Fatalf("NextExpectedRevision = %d, want 2", res.NextExpectedRevision)
	}
	got := readStream(t, s, stream)
	if len(got) != 3 {
		t.Fatalf("read %d events, want 3", len(got))
	}
	for i, e := range got {
		if e.Revision != uint64(i) {
			t.Errorf("event %d: revision %d", i, e.Revision)
		}
		if e.ID != in[i].ID || e.Type != in[i].Type || e.Stream != stream {
			t.Errorf("event %d: got id=%s type=%s stream=%s, want %s %s %s", i, e.ID, e.Type, e.Stream, in[i].ID, in[i].Type, stream)
		}
		if !bytes.Equal(e.Data, in[i].Data) {
			t.Errorf("event %d: data %q, want %q", i, e.Data, in[i].Data)
		}
		if len(in[i].Metadata) == 0 && len(e.Metadata) != 0 {
			t.Errorf("event %d: metadata %q, want none", i, e.Metadata)
		}
		if len(in[i].Metadata) > 0 && !bytes.Equal(e.Metadata, in[i].Metadata) {
			t.Errorf("event %d: metadata %q, want %q", i, e.Metadata, in[i].Metadata)
		}
		if e.Recorded.Before(before) || e.Recorded.After(time.Now().Add(5*time.Minute)) {
			t.Errorf("event %d: recorded %s is not the commit time", i, e.Recorded)
		}
		if e.Recorded.Location() != time.UTC {
			t.Errorf("event %d: recorded time not in UTC", i)
		}
		if i > 0 && e.Position.Compare(got[i-1].Position) <= 0 {
			t.Errorf("event %d: position %s not after %s", i, e.Position, got[i-1].Position)
		}
	}
	if res.Position != got[2].Position {
		t.Errorf("append result position %s, last event at %s", res.Position, got[2].Position)
	}
	res2 := mustAppend(t, s, stream, eventstore.Exact(2), evs(2, "test.more")...)
	if res2.NextExpectedRevision != 4 {
		t.Fatalf("second append NextExpectedRevision = %d, want 4", res2.NextExpectedRevision)
	}
	if res2.Position.Compare(res.Position) <= 0 {
		t.Errorf("second append position %s not after %s", res2.Position, res.Position)
	}
}

func testExpectedRevision(t *testing.T, h Harness) {
	s := open(t, h)
	cases := []struct {
		name     string
		existing int // events already in the stream
		expected eventstore.ExpectedRevision
		ok       bool
	}{
		{"any on missing", 0, eventstore.Any, true},
		{"any on existing", 2, eventstore.Any, true},
		{"no-stream on missing", 0, eventstore.NoStream, true},
		{"no-stream on existing", 1, eventstore.NoStream, false},
		{"stream-exists on missing", 0, eventstore.StreamExists, false},
		{"stream-exists on existing", 1, eventstore.StreamExists, true},
		{"exact on missing", 0, eventstore.Exact(0), false},
		{"exact right", 3, eventstore.Exact(2), true},
		{"exact behind", 3, eventstore.Exact(1), false},
		{"exact ahead", 3, eventstore.Exact(3), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stream := newStream("expect")
			if c.existing > 0 {
				mustAppend(t, s, stream, eventstore.NoStream, evs(c.existing, "test.seed")...)
			}
			res, err := s.Append(ctx(t), stream, c.expected, ev("test.x", `{}`))
			if c.ok {
				if err != nil {
					t.Fatalf("append: %v", err)
				}
				if res.NextExpectedRevision != uint64(c.existing) {
					t.Fatalf("NextExpectedRevision = %d, want %d", res.NextExpectedRevision, c.existing)
				}
				return
			}
			if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
				t.Fatalf("err = %v, want wrong expected revision", err)
			}
			if n := len(readStreamOrNone(t, s, stream)); n != c.existing {
				t.Fatalf("stream has %d events after a refused append, want %d", n, c.existing)
			}
		})
	}
}

func readStreamOrNone(t testing.TB, s eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	page, err := s.ReadStream(ctx(t), stream, eventstore.ReadStreamOptions{Max: 10000})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return page
}

func testWrongExpectedRevisionError(t *testing.T, h Harness) {
	s := open(t, h)
	stream := newStream("wer")
	_, err := s.Append(ctx(t), stream, eventstore.StreamExists, ev("test.x", `{}`))
	var wer *eventstore.WrongExpectedRevisionError
	if !errors.As(err, &wer) {
		t.Fatalf("err = %v (%T), want *WrongExpectedRevisionError", err, err)
	}
	if wer.ActualExists || wer.Stream != stream || !wer.Expected.IsStreamExists() {
		t.Errorf("error fields = %+v", *wer)
	}
	mustAppend(t, s, stream, eventstore.NoStream, evs(5, "test.seed")...)
	_, err = s.Append(ctx(t), stream, eventstore.Exact(1), ev("test.x", `{}`))
	if !errors.As(err, &wer) {
		t.Fatalf("err = %v, want *WrongExpectedRevisionError", err)
	}
	if !wer.ActualExists || wer.Actual != 4 {
		t.Errorf("actual = %d (exists %v), want 4", wer.Actual, wer.ActualExists)
	}
	if rev, ok := wer.Expected.Revision(); !ok || rev != 1 {
		t.Errorf("expected = %s, want 1", wer.Expected)
	}
	if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		t.Errorf("errors.Is(err, ErrWrongExpectedRevision) is false")
	}
	if err.Error() == "" {
		t.Errorf("empty error message")
	}
}

func testIdempotentRetry(t *testing.T, h Harness) {
	s := open(t, h)
	t.Run("no-stream", func(t *testing.T) {
		stream := newStream("idem")
		batch := evs(3, "test.x")
		first := mustAppend(t, s, stream, eventstore.NoStream, batch...)
		again := mustAppend(t, s, stream, eventstore.NoStream, batch...)
		if again != first {
			t.Errorf("retry result %+v, first %+v", again, first)
		}
		// Still idempotent once more events follow.
		mustAppend(t, s, stream, eventstore.Exact(2), ev("test.y", `{}`))
		mustAppend(t, s, stream, eventstore.NoStream, batch...)
		if n := len(readStream(t, s, stream)); n != 4 {
			t.Fatalf("stream has %d events, want 4", n)
		}
	})
	t.Run("exact", func(t *testing.T) {
		stream := newStream("idem")
		mustAppend(t, s, stream, eventstore.NoStream, evs(2, "test.seed")...)
		batch := evs(2, "test.x")
		first := mustAppend(t, s, stream, eventstore.Exact(1), batch...)
		again := mustAppend(t, s, stream, eventstore.Exact(1), batch...)
		if again != first {
			t.Errorf("retry result %+v, first %+v", again, first)
		}
		if n := len(readStream(t, s, stream)); n != 4 {
			t.Fatalf("stream has %d events, want 4", n)
		}
	})
	t.Run("any", func(t *testing.T) {
		stream := newStream("idem")
		mustAppend(t, s, stream, eventstore.NoStream, evs(1, "test.seed")...)
		batch := evs(2, "test.x")
		first := mustAppend(t, s, stream, eventstore.Any, batch...)
		again := mustAppend(t, s, stream, eventstore.Any, batch...)
		if again != first {
			t.Errorf("retry result %+v, first %+v", again, first)
		}
		if n := len(readStream(t, s, stream)); n != 3 {
			t.Fatalf("stream has %d events, want 3", n)
		}
	})
	t.Run("stream-exists", func(t *testing.T) {
		stream := newStream("idem")
		mustAppend(t, s, stream, eventstore.NoStream, evs(1, "test.seed")...)
		batch := evs(2, "test.x")
		first := mustAppend(t, s, stream, eventstore.StreamExists, batch...)
		again := mustAppend(t, s, stream, eventstore.StreamExists, batch...)
		if again != first {
			t.Errorf("retry result %+v, first %+v", again, first)
		}
		if n := len(readStream(t, s, stream)); n != 3 {
			t.Fatalf("stream has %d events, want 3", n)
		}
	})
	t.Run("different ids are not a retry", func(t *testing.T) {
		stream := newStream("idem")
		mustAppend(t, s, stream, eventstore.NoStream, evs(2, "test.x")...)
		_, err := s.Append(ctx(t), stream, eventstore.NoStream, evs(2, "test.x")...)
		if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			t.Fatalf("err = %v, want wrong expected revision", err)
		}
	})
	t.Run("partial match is not a retry", func(t *testing.T) {
		stream := newStream("idem")
		batch := evs(2, "test.x")
		mustAppend(t, s, stream, eventstore.NoStream, batch...)
		other := []eventstore.EventData{batch[0], ev("test.x", `{}`)}
		_, err := s.Append(ctx(t), stream, eventstore.NoStream, other...)
		if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			t.Fatalf("err = %v, want wrong expected revision", err)
		}
	})
}

func testInvalidAppends(t *testing.T, h Harness) {
	s := open(t, h)
	good := ev("test.x", `{}`)
	noID := good
	noID.ID = uuid.Nil
	noType := ev("", `{}`)
	cases := []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"empty stream name", "", []eventstore.EventData{good}},
		{"system stream", "$system-" + uuid.NewString(), []eventstore.EventData{good}},
		{"no events", newStream("invalid"), nil},
		{"nil id", newStream("invalid"), []eventstore.EventData{noID}},
		{"no type", newStream("invalid"), []eventstore.EventData{noType}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Append(ctx(t), c.stream, eventstore.Any, c.events...)
			if !errors.Is(err, eventstore.ErrInvalidEvent) {
				t.Fatalf("err = %v, want ErrInvalidEvent", err)
			}
		})
	}
}

func testLargeEvents(t *testing.T, h Harness) {
	s := open(t, h)
	stream := newStream("large")
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	data := append(append([]byte(`{"blob":"`), big...), '"', '}')
	in := []eventstore.EventData{
		{ID: uuid.New(), Type: "test.large", Data: data},
		{ID: uuid.New(), Type: "test.large", Data: data, Metadata: []byte(`{"big":true}`)},
	}
	mustAppend(t, s, stream, eventstore.NoStream, in...)
	got := readStream(t, s, stream)
	if len(got) != 2 {
		t.Fatalf("read %d events, want 2", len(got))
	}
	for i := range got {
		if !bytes.Equal(got[i].Data, data) {
			t.Fatalf("event %d: 1 MiB payload did not round-trip (len %d)", i, len(got[i].Data))
		}
	}
}

// testTooLarge: an append larger than the store accepts fails with
// ErrTooLarge, stores nothing, and leaves the store working.
func testTooLarge(t *testing.T, h Harness) {
	s := open(t, h)
	check := func(t *testing.T, events []eventstore.EventData) {
		stream := newStream("toolarge")
		_, err := s.Append(ctx(t), stream, eventstore.NoStream, events...)
		if !errors.Is(err, eventstore.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if _, err := s.ReadStream(ctx(t), stream, eventstore.ReadStreamOptions{Max: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("after a refused append: %v, want ErrStreamNotFound", err)
		}
		mustAppend(t, s, stream, eventstore.NoStream, ev("test.x", `{}`))
	}
	blob := func(n int) []byte {
		return append(append([]byte(`"`), bytes.Repeat([]byte("x"), n-2)...), '"')
	}
	t.Run("event over MaxEventSize", func(t *testing.T) {
		big := eventstore.EventData{ID: uuid.New(), Type: "test.huge", Data: blob(eventstore.MaxEventSize + 1)}
		check(t, []eventstore.EventData{big})
		_, err := s.Append(ctx(t), newStream("toolarge"), eventstore.Any, big)
		if !errors.Is(err, eventstore.ErrInvalidEvent) {
			t.Fatalf("err = %v, want ErrInvalidEvent too", err)
		}
	})
	if h.MaxAppendSize <= 0 {
		return
	}
	t.Run("append over the store's limit", func(t *testing.T) {
		per := min(1<<20, h.MaxAppendSize/2)
		var events []eventstore.EventData
		for total := 0; total <= h.MaxAppendSize; total += per {
			events = append(events, eventstore.EventData{ID: uuid.New(), Type: "test.part", Data: blob(per)})
		}
		check(t, events)
	})
}

func testClosedStore(t *testing.T, h Harness) {
	s := h.New(t)
	stream := newStream("closed")
	mustAppend(t, s, stream, eventstore.NoStream, ev("test.x", `{}`))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := s.Append(ctx(t), stream, eventstore.Any, ev("test.x", `{}`)); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("append after close: err = %v, want ErrClosed", err)
	}
	if _, err := s.ReadStream(ctx(t), stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("read after close: err = %v, want ErrClosed", err)
	}
}

func testReopen(t *testing.T, h Harness) {
	s := h.New(t)
	stream := newStream("reopen")
	batch := evs(3, "test.x")
	first := mustAppend(t, s, stream, eventstore.NoStream, batch...)
	s = h.Reopen(t, s)
	t.Cleanup(func() { _ = s.Close() })
	got := readStream(t, s, stream)
	if len(got) != 3 {
		t.Fatalf("after reopen: %d events, want 3", len(got))
	}
	head, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if head.Compare(first.Position) < 0 {
		t.Fatalf("after reopen: head %s before last append %s", head, first.Position)
	}
	next := mustAppend(t, s, stream, eventstore.Exact(2), ev("test.y", `{}`))
	if next.NextExpectedRevision != 3 || next.Position.Compare(first.Position) <= 0 {
		t.Fatalf("append after reopen: %+v (before: %+v)", next, first)
	}
	// A retry of an append made before the restart is still recognised.
	again := mustAppend(t, s, stream, eventstore.NoStream, batch...)
	if again != first {
		t.Fatalf("retry after reopen: %+v, want %+v", again, first)
	}
	if n := len(readStream(t, s, stream)); n != 4 {
		t.Fatalf("stream has %d events, want 4", n)
	}
}
