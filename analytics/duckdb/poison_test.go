package duckdb_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// A reference-data event that does not apply is quarantined like any
// poison event, and the projection starts again past it: at start it
// replays the reference-data stream, where the event still is.
func TestPoisonReferenceEventDoesNotStopAnalytics(t *testing.T) {
	dir := t.TempDir()
	store, err := pebblestore.Open(filepath.Join(dir, "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, cancelT := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelT()
	bad := uuid.New()
	res, err := store.Append(c, reference.Stream, eventstore.Any,
		eventstore.EventData{ID: bad, Type: reference.EventType(reference.KindCommunes), Data: []byte(`{"load":"x","part":7,"parts":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := analytics.NewPseudonymizer([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	q := projections.NewLogQuarantine(store)
	run := func() {
		e := openEngine(t, filepath.Join(dir, "a.duckdb"))
		defer e.Close()
		r := projections.NewRunner(store, analyticsfacts.NewProjection(e, ps, store), projections.Options{Quarantine: q, RetryBackoff: time.Millisecond})
		rctx, cancel := context.WithCancel(c)
		done := make(chan struct{})
		go func() { defer close(done); _ = r.Run(rctx) }()
		defer func() { cancel(); <-done }()
		if err := r.Await(c, func(st projections.Status) bool { return st.CaughtUp && st.Applied.Compare(res.Position) >= 0 }); err != nil {
			t.Fatalf("%v: %+v", err, r.Status())
		}
	}
	run()
	run() // restarts past the event, replaying it from the stream
	recs, err := q.List(c)
	if err != nil || len(recs) != 1 || recs[0].EventID != bad.String() {
		t.Fatalf("quarantine %+v, %v", recs, err)
	}
}
