package documentindex_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/documentindex"
)

// runToHead runs p under a projections.Runner with the log's quarantine,
// as serve does, until it has applied the whole log, and returns the
// ids of the events it quarantined.
func runToHead(t *testing.T, store *pebblestore.Store, p projections.Projection) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := projections.NewLogQuarantine(store)
	r := projections.NewRunner(store, p, projections.Options{RetryBackoff: time.Millisecond, Quarantine: q})
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(rctx) }()
	defer func() { stop(); <-done }()
	// Any failure but a poison event would be retried for ever: it fails
	// the test at once instead.
	if err := r.Await(ctx, func(st projections.Status) bool {
		return st.LastErr != nil || st.CaughtUp && st.Applied.Compare(head) >= 0
	}); err != nil {
		t.Fatalf("%v: %+v", err, r.Status())
	}
	if err := r.Status().LastErr; err != nil {
		t.Fatalf("%s failed on something other than a poison event: %v", p.Name(), err)
	}
	recs, err := q.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, rec := range recs {
		if rec.Projection == p.Name() {
			ids = append(ids, rec.EventID)
		}
	}
	return ids
}

func appendEvent(t *testing.T, store *pebblestore.Store, stream, typ string, data, meta []byte) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := store.Append(context.Background(), stream, eventstore.Any, eventstore.EventData{ID: id, Type: typ, Data: data, Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	return id
}

// Issue 12, F1: a document event the index cannot decode, written below
// the LRS, is quarantined and skipped; the documents around it are listed.
func TestDocumentIndexQuarantinesPoisonEvents(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ix, err := documentindex.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	key := func(id string) documents.Key {
		return documents.Key{Resource: documents.ActivityProfile, ActivityID: "https://a.example/1", ID: id}
	}
	doc := func(id string) []byte {
		data, _ := json.Marshal(set(key(id), t0))
		return data
	}
	appendEvent(t, store, key("before").Stream(), documents.EventDocumentSet, doc("before"), nil)
	bad := appendEvent(t, store, key("bad").Stream(), documents.EventDocumentSet, []byte(`{"resource":`), nil)
	appendEvent(t, store, key("after").Stream(), documents.EventDocumentSet, doc("after"), nil)
	if got := runToHead(t, store, ix); len(got) != 1 || got[0] != bad.String() {
		t.Fatalf("quarantined %v, want the undecodable event %s", got, bad)
	}
	if got := list(t, ix, documents.ListQuery{Resource: documents.ActivityProfile, ActivityID: "https://a.example/1"}); got != "[/after /before]" {
		t.Errorf("listed %s, want the documents around the poison event", got)
	}
}

// Issue 18: an erasure the index cannot decode, or without a subject, and
// a sealed document event without its sealed member are quarantined and
// skipped; the documents around them are listed.
func TestDocumentIndexQuarantinesPoisonErasures(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ix, err := documentindex.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	key := func(id string) documents.Key {
		return documents.Key{Resource: documents.AgentProfile, Agent: "subject:abc", ID: id}
	}
	doc := func(id string) []byte {
		data, _ := json.Marshal(set(key(id), t0))
		return data
	}
	appendEvent(t, store, key("before").Stream(), documents.EventDocumentSet, doc("before"), nil)
	poison := []uuid.UUID{
		appendEvent(t, store, erasure.Stream, erasure.EventErased, []byte(`{"subject":`), nil),
		appendEvent(t, store, erasure.Stream, erasure.EventErased, []byte(`{"by":"cli"}`), nil),
		appendEvent(t, store, key("bad").Stream(), documents.EventDocumentSealed, doc("bad"), nil),
	}
	appendEvent(t, store, key("after").Stream(), documents.EventDocumentSet, doc("after"), nil)
	got := runToHead(t, store, ix)
	if len(got) != len(poison) {
		t.Fatalf("quarantined %v, want %v", got, poison)
	}
	for i := range poison {
		if got[i] != poison[i].String() {
			t.Errorf("quarantined %v, want %v", got, poison)
		}
	}
	if got := list(t, ix, documents.ListQuery{Resource: documents.AgentProfile, Agent: "subject:abc"}); got != "[/after /before]" {
		t.Errorf("listed %s, want the documents around the poison events", got)
	}
}

// Issue 12, F1: a statement event whose metadata or activities the
// activity definitions cannot decode is quarantined and skipped; the
// definitions of the statements around it are kept.
func TestDefinitionsQuarantinePoisonEvents(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	d, err := documentindex.OpenDefinitions(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	meta, _ := json.Marshal(lrs.StatementStoredMeta{Batch: "b", XAPIVersion: "2.0.0", Define: true})
	statement := func(activity string) []byte {
		b, _ := json.Marshal(map[string]any{"id": uuid.NewString(), "actor": map[string]any{"mbox": "mailto:an@example.com"},
			"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed"},
			"object": map[string]any{"id": activity, "definition": map[string]any{"name": map[string]any{"en": activity}}}})
		return b
	}
	appendEvent(t, store, lrs.StatementsStream, lrs.EventStatementStored, statement("https://a.example/before"), meta)
	poison := []uuid.UUID{
		appendEvent(t, store, lrs.StatementsStream, lrs.EventStatementStored, statement("https://a.example/bad-meta"), []byte(`{"define":`)),
		appendEvent(t, store, lrs.StatementsStream, lrs.EventStatementStored, []byte(`{"object":{"definition":{}},"id":`), meta),
	}
	appendEvent(t, store, lrs.StatementsStream, lrs.EventStatementStored, statement("https://a.example/after"), meta)
	got := runToHead(t, store, d)
	if len(got) != len(poison) || got[0] != poison[0].String() || got[1] != poison[1].String() {
		t.Fatalf("quarantined %v, want %v", got, poison)
	}
	for _, id := range []string{"https://a.example/before", "https://a.example/after"} {
		if _, ok, err := d.Definition(context.Background(), id); err != nil || !ok {
			t.Errorf("definition of %s: %v %v", id, ok, err)
		}
	}
}
