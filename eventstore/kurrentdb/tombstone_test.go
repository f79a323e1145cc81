package kurrentdb_test

import (
	"errors"
	"io"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
)

// TestTombstone checks KurrentDB's tombstone semantics through the
// adapter, over the fake server: reads find nothing, appends and a second
// tombstone fail with ErrStreamDeleted, a never-written stream can be
// tombstoned too, the tombstone survives a server restart, and the
// stream's events stay in $all (until a scavenge, which the fake lacks).
func TestTombstone(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	st := openStore(t, srv.URL(), testOptions())
	defer st.Close()
	ctx := testCtx(t)
	stream := "tomb-" + uuid.NewString()
	ev := newEvent("t")
	if _, err := st.Append(ctx, stream, eventstore.NoStream, ev, newEvent("t")); err != nil {
		t.Fatal(err)
	}
	if err := st.Tombstone(ctx, stream); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		if _, err := st.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("%s: ReadStream err = %v, want ErrStreamNotFound", when, err)
		}
		if _, err := st.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1}); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("%s: ReadStream backwards err = %v, want ErrStreamNotFound", when, err)
		}
		for _, exp := range []eventstore.ExpectedRevision{eventstore.Any, eventstore.NoStream, eventstore.Exact(1)} {
			if _, err := st.Append(ctx, stream, exp, newEvent("t")); !errors.Is(err, kurrentdb.ErrStreamDeleted) {
				t.Fatalf("%s: Append (%v) err = %v, want ErrStreamDeleted", when, exp, err)
			}
		}
		if err := st.Tombstone(ctx, stream); !errors.Is(err, kurrentdb.ErrStreamDeleted) {
			t.Fatalf("%s: second Tombstone err = %v, want ErrStreamDeleted", when, err)
		}
	}
	check("after the tombstone")
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	check("after a server restart")

	never := "tomb-never-" + uuid.NewString()
	if err := st.Tombstone(ctx, never); err != nil {
		t.Fatalf("Tombstone of a stream never written: %v", err)
	}
	if _, err := st.Append(ctx, never, eventstore.NoStream, newEvent("t")); !errors.Is(err, kurrentdb.ErrStreamDeleted) {
		t.Fatalf("Append to a tombstoned name never written: err = %v, want ErrStreamDeleted", err)
	}

	// $all still holds the deleted stream's events (KurrentDB keeps them
	// until a scavenge), and the adapter shows no tombstone event.
	all, err := st.ReadAll(ctx, eventstore.ReadAllOptions{Max: 10000})
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, e := range all {
		if e.ID == ev.ID {
			seen = true
		}
		if e.Type == kurrenttest.TombstoneType {
			t.Fatal("the adapter returned the tombstone event")
		}
	}
	if !seen {
		t.Fatal("the tombstoned stream's event is not in $all: the fake scavenges, KurrentDB does not")
	}
	// Other streams are untouched.
	other := "tomb-other-" + uuid.NewString()
	if _, err := st.Append(ctx, other, eventstore.NoStream, newEvent("t")); err != nil {
		t.Fatal(err)
	}
	if evs, err := st.ReadStream(ctx, other, eventstore.ReadStreamOptions{}); err != nil || len(evs) != 1 {
		t.Fatalf("another stream: %d events, %v", len(evs), err)
	}
}

// TestTombstoneClientErrors checks what the official client itself sees
// from the fake after a tombstone: ErrorCodeStreamDeleted on read and on
// append, as from KurrentDB, and a refused tombstone on a wrong expected
// revision.
func TestTombstoneClientErrors(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	cfg, err := esdb.ParseConnectionString(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c, err := esdb.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := testCtx(t)
	stream := "tomb-client-" + uuid.NewString()
	data := esdb.EventData{EventType: "t", ContentType: esdb.ContentTypeJson, Data: []byte(`{}`)}
	if _, err := c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{}, data); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TombstoneStream(ctx, stream, esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Revision(5)}); err == nil {
		t.Fatal("a tombstone with a wrong expected revision succeeded")
	}
	res, err := c.TombstoneStream(ctx, stream, esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Revision(0)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Position.Commit == 0 {
		t.Fatal("the tombstone has no position")
	}
	code := func(err error) esdb.ErrorCode {
		var e *esdb.Error
		if !errors.As(err, &e) {
			t.Fatalf("not a client error: %v", err)
		}
		return e.Code()
	}
	rs, err := c.ReadStream(ctx, stream, esdb.ReadStreamOptions{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rs.Recv()
	rs.Close()
	if errors.Is(err, io.EOF) || code(err) != esdb.ErrorCodeStreamDeleted {
		t.Fatalf("read after tombstone: %v, want ErrorCodeStreamDeleted", err)
	}
	_, err = c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{}, data)
	if err == nil || code(err) != esdb.ErrorCodeStreamDeleted {
		t.Fatalf("append after tombstone: %v, want ErrorCodeStreamDeleted", err)
	}
}
