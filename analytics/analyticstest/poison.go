package analyticstest

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// poisonEvents are events that no analytics projection can apply, as
// they could reach the log below the LRS's validation (issue 12, F1): a
// statement that is not JSON, one that is not an object, one without a
// stored time, one stored (so it says) after 2106, beyond the range of
// fact times, and a reference-data part that belongs to no load.
func poisonEvents() []eventstore.EventData {
	stmt := func(data string) eventstore.EventData {
		return eventstore.EventData{ID: uuid.New(), Type: lrs.EventStatementStored, Data: []byte(data)}
	}
	return []eventstore.EventData{
		stmt(`{"id":"` + uuid.NewString() + `","stored":`),
		stmt(`[1,2,3]`),
		stmt(`{"id":"` + uuid.NewString() + `","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/act/1"}}`),
		stmt(`{"id":"` + uuid.NewString() + `","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/act/1"},"stored":"2106-02-07T06:28:16Z","timestamp":"2026-01-01T00:00:00Z"}`),
		{ID: uuid.New(), Type: reference.EventType(reference.KindCommunes), Data: []byte(`{"load":"poison","part":7,"parts":1}`)},
	}
}

// logWithPoison appends d's events to a fresh embedded log, with the
// poison events spread among them (each in its own stream), and returns
// the log and the poison events' ids.
func logWithPoison(t *testing.T, d *Dataset) (*pebblestore.Store, []uuid.UUID) {
	t.Helper()
	store, err := pebblestore.Open(filepath.Join(t.TempDir(), "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	poison := poisonEvents()
	every := len(d.Events)/len(poison) + 1
	var ids []uuid.UUID
	var run []eventstore.EventData
	stream := ""
	flush := func() {
		if len(run) > 0 {
			if _, err := store.Append(ctx(t), stream, eventstore.Any, run...); err != nil {
				t.Fatal(err)
			}
		}
		run = run[:0]
	}
	add := func(s string, ev eventstore.EventData) {
		if s != stream {
			flush()
			stream = s
		}
		run = append(run, ev)
	}
	for i, ev := range d.Events {
		if i%every == every/2 && len(ids) < len(poison) {
			p := poison[len(ids)]
			s := lrs.StatementsStream
			if p.Type != lrs.EventStatementStored {
				s = reference.Stream
			}
			add(s, p)
			ids = append(ids, p.ID)
		}
		add(ev.Stream, eventstore.EventData{ID: ev.ID, Type: ev.Type, Data: ev.Data, Metadata: ev.Metadata})
	}
	flush()
	if len(ids) != len(poison) {
		t.Fatalf("placed %d of %d poison events", len(ids), len(poison))
	}
	return store, ids
}

// runToHead runs p under a projections.Runner with the log's quarantine
// until it has applied the whole log, as serve and project do.
func runToHead(t *testing.T, store *pebblestore.Store, p *analyticsfacts.Projection) projections.Status {
	t.Helper()
	c := ctx(t)
	head, err := store.Head(c)
	if err != nil {
		t.Fatal(err)
	}
	r := projections.NewRunner(store, p, projections.Options{MaxBatch: 500, RetryBackoff: time.Millisecond,
		Quarantine: projections.NewLogQuarantine(store)})
	rctx, cancel := context.WithCancel(c)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(rctx) }()
	defer func() { cancel(); <-done }()
	// A failure other than a poison event is retried for ever: it
	// fails the test at once instead.
	if err := r.Await(c, func(st projections.Status) bool {
		return st.LastErr != nil || st.CaughtUp && st.Applied.Compare(head) >= 0
	}); err != nil {
		t.Fatalf("%v: %+v", err, r.Status())
	}
	st := r.Status()
	if st.LastErr != nil {
		t.Fatalf("projection failed on something other than a poison event: %v", st.LastErr)
	}
	return st
}

// quarantineRecords reads the quarantine stream raw: how many records
// name each event, for projection.
func quarantineRecords(t *testing.T, store *pebblestore.Store, projection string) map[string]int {
	t.Helper()
	recs := map[string]int{}
	l := projections.NewLogQuarantine(store)
	list, err := l.List(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range list {
		if q.Projection == projection {
			recs[q.EventID]++
		}
	}
	raw := 0
	err = eventstore.ReplayStream(ctx(t), store, projections.QuarantineStream, func(*eventstore.RecordedEvent) { raw++ })
	if err != nil {
		t.Fatal(err)
	}
	if raw != len(list) {
		t.Fatalf("the quarantine holds %d records for %d events: some were recorded twice", raw, len(list))
	}
	return recs
}

// testPoisonEvents is F1 of issue 12 on the engine: events the projection
// cannot apply, in the log among the dataset's, are quarantined once each
// and skipped, the projection reaches the head of the log and answers
// every query as if they were not there, and a rebuild from the start
// skips them again rather than halting, without recording them twice.
func testPoisonEvents(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(5)
	store, poison := logWithPoison(t, d)
	p := analyticsfacts.NewProjection(e, pseudonymizer(t), store)
	want := make([]string, 0, len(poison))
	for _, id := range poison {
		want = append(want, id.String())
	}
	slices.Sort(want)
	check := func(when string, st projections.Status, skipped int, queries bool) {
		t.Helper()
		recs := quarantineRecords(t, store, p.Name())
		got := make([]string, 0, len(recs))
		for id, n := range recs {
			if n != 1 {
				t.Errorf("%s: event %s quarantined %d times", when, id, n)
			}
			got = append(got, id)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: quarantined %v, want the poison events %v", when, got, want)
		}
		if st.Quarantined != uint64(skipped) {
			t.Errorf("%s: the runner counts %d quarantined events, want %d", when, st.Quarantined, skipped)
		}
		if queries {
			CheckAll(t, e, d)
		}
	}
	check("first run", runToHead(t, store, p), len(poison), true)
	// A restart resumes at the head, but first replays the reference-data
	// stream, poison included.
	check("restart", runToHead(t, store, analyticsfacts.NewProjection(e, pseudonymizer(t), store)), 0, false)
	if err := p.Reset(ctx(t)); err != nil {
		t.Fatal(err)
	}
	st := runToHead(t, store, p)
	check(fmt.Sprintf("rebuild to %s", st.Applied), st, len(poison), true)
}
