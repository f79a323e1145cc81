package lrs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
)

// writer is a statement writer that is idle or not.
type writer bool

func (w writer) Idle() bool { return bool(w) }

// applied is a statement index that has applied the log through a
// position, the newest statement having been stored at last.
type applied struct {
	pos  eventstore.Position
	last time.Time
}

func (a applied) Applied() eventstore.Position { return a.pos }
func (a applied) LastStored() time.Time        { return a.last }

// unreadable is a log whose head cannot be read.
type unreadable struct{ eventstore.LogReader }

func (unreadable) Head(context.Context) (eventstore.Position, error) {
	return eventstore.Position{}, errors.New("the log is away")
}

func TestConsistentThrough(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var head eventstore.AppendResult
	for range 3 {
		if head, err = store.Append(t.Context(), "s-"+uuid.NewString(), eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "test.event", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	last := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	before := last.Add(-time.Millisecond)
	caughtUp := applied{pos: head.Position, last: last}
	behind := applied{pos: eventstore.Position{Commit: head.Position.Commit - 1}, last: last}
	for _, tc := range []struct {
		name string
		c    lrs.Consistency
		now  bool      // now minus 1 ms
		want time.Time // otherwise
	}{
		{"only writer, idle, index at the head: now", lrs.Consistency{Exclusive: true, Writer: writer(true), Log: store, Index: caughtUp}, true, time.Time{}},
		{"only writer, a write in flight", lrs.Consistency{Exclusive: true, Writer: writer(false), Log: store, Index: caughtUp}, false, before},
		{"only writer, index behind", lrs.Consistency{Exclusive: true, Writer: writer(true), Log: store, Index: behind}, false, before},
		{"only writer, head unreadable", lrs.Consistency{Exclusive: true, Writer: writer(true), Log: unreadable{store}, Index: caughtUp}, false, before},
		{"shared store, idle, index at the head", lrs.Consistency{Exclusive: false, Writer: writer(true), Log: store, Index: caughtUp}, false, before},
		{"shared store, nothing applied", lrs.Consistency{Writer: writer(true), Log: store, Index: applied{}}, false, time.Time{}},
		{"only writer, behind, nothing applied", lrs.Consistency{Exclusive: true, Writer: writer(false), Log: store, Index: applied{}}, false, time.Time{}},
	} {
		from := time.Now().Add(-time.Millisecond)
		got := tc.c.Through()
		to := time.Now().Add(-time.Millisecond)
		if tc.now {
			if got.Before(from) || got.After(to) {
				t.Errorf("%s: %s; want now minus 1 ms, between %s and %s", tc.name, got, from, to)
			}
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("%s: %s; want %s", tc.name, got, tc.want)
		}
	}
}
