package eventstoretest

import (
	"errors"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
)

func testReadStreamDirections(t *testing.T, h Harness) {
	s := open(t, h)
	stream := newStream("dir")
	mustAppend(t, s, stream, eventstore.NoStream, evs(10, "test.x")...)
	revs := func(es []eventstore.RecordedEvent) []uint64 {
		out := make([]uint64, len(es))
		for i, e := range es {
			out[i] = e.Revision
		}
		return out
	}
	cases := []struct {
		name string
		opts eventstore.ReadStreamOptions
		want []uint64
	}{
		{"forwards from start", eventstore.ReadStreamOptions{Max: 3}, []uint64{0, 1, 2}},
		{"forwards from 7", eventstore.ReadStreamOptions{From: 7}, []uint64{7, 8, 9}},
		{"forwards past the end", eventstore.ReadStreamOptions{From: 10}, []uint64{}},
		{"backwards from end", eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 3}, []uint64{9, 8, 7}},
		{"backwards from 2", eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: 2}, []uint64{2, 1, 0}},
		{"backwards from beyond the end", eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: 50, Max: 2}, []uint64{9, 8}},
		{"forwards from end", eventstore.ReadStreamOptions{FromEnd: true}, []uint64{9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ReadStream(ctx(t), stream, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if g := revs(got); !equalU64(g, c.want) {
				t.Fatalf("revisions %v, want %v", g, c.want)
			}
		})
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testReadMissingStream(t *testing.T, h Harness) {
	s := open(t, h)
	_, err := s.ReadStream(ctx(t), newStream("missing"), eventstore.ReadStreamOptions{})
	if !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("err = %v, want ErrStreamNotFound", err)
	}
	_, err = s.ReadStream(ctx(t), newStream("missing"), eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true})
	if !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("backwards: err = %v, want ErrStreamNotFound", err)
	}
}

func testGlobalLogOrder(t *testing.T, h Harness) {
	s := open(t, h)
	head, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := newStream("global")
	a, b := prefix+"-a", prefix+"-b"
	var want []eventstore.EventData
	for i := 0; i < 5; i++ {
		x, y := evs(2, "test.a"), evs(1, "test.b")
		mustAppend(t, s, a, eventstore.Any, x...)
		mustAppend(t, s, b, eventstore.Any, y...)
		want = append(append(want, x...), y...)
	}
	got := readAllAfter(t, s, head, prefix)
	if len(got) != len(want) {
		t.Fatalf("global log has %d of our events, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].ID != want[i].ID {
			t.Fatalf("event %d in global log is %s, want %s (commit order)", i, got[i].ID, want[i].ID)
		}
		if i > 0 && got[i].Position.Compare(got[i-1].Position) <= 0 {
			t.Fatalf("position %s at %d not after %s", got[i].Position, i, got[i-1].Position)
		}
	}
	// Global and stream reads agree on positions.
	sa := readStream(t, s, a)
	byID := map[string]eventstore.Position{}
	for _, e := range got {
		byID[e.ID.String()] = e.Position
	}
	for _, e := range sa {
		if byID[e.ID.String()] != e.Position {
			t.Fatalf("event %s: stream read position %s, global read %s", e.ID, e.Position, byID[e.ID.String()])
		}
	}
	// ReadAll from an event's position is inclusive.
	page, err := s.ReadAll(ctx(t), eventstore.ReadAllOptions{From: got[3].Position, Max: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].ID != got[3].ID {
		t.Fatalf("ReadAll from %s returned %v, want the event at that position", got[3].Position, page)
	}
}

func testHeadAdvances(t *testing.T, h Harness) {
	s := open(t, h)
	h1, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	res := mustAppend(t, s, newStream("head"), eventstore.Any, ev("test.x", `{}`))
	h2, err := s.Head(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if h2.Compare(h1) <= 0 || h2.Compare(res.Position) < 0 {
		t.Fatalf("head %s -> %s after appending at %s", h1, h2, res.Position)
	}
}
