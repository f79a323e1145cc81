package documentindex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/projections/documentindex"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

type events struct {
	t   *testing.T
	pos uint64
}

func (e *events) next(typ string, data any, meta any) eventstore.RecordedEvent {
	e.t.Helper()
	e.pos++
	d, err := json.Marshal(data)
	if err != nil {
		e.t.Fatal(err)
	}
	var m []byte
	if meta != nil {
		if m, err = json.Marshal(meta); err != nil {
			e.t.Fatal(err)
		}
	}
	return eventstore.RecordedEvent{ID: uuid.New(), Type: typ, Data: d, Metadata: m, Position: eventstore.Position{Commit: e.pos, Prepare: e.pos}}
}

func set(k documents.Key, at time.Time) documents.SetData {
	return documents.SetData{KeyData: documents.KeyData(k),
		ContentType: "text/plain", Size: 1, Updated: at}
}

func deleted(k documents.Key) documents.DeletedData {
	return documents.DeletedData{KeyData: documents.KeyData(k)}
}

func list(t *testing.T, ix *documentindex.Index, q documents.ListQuery) string {
	t.Helper()
	es, err := ix.List(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, e := range es {
		out = append(out, e.Registration+"/"+e.ID)
	}
	return fmt.Sprint(out)
}

func TestIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := documentindex.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{t: t}
	state := func(reg, id string) documents.Key {
		return documents.Key{Resource: documents.State, ActivityID: "https://a.example/1", Agent: "mbox:mailto:an@example.com", Registration: reg, ID: id}
	}
	prof := documents.Key{Resource: documents.ActivityProfile, ActivityID: "https://a.example/1", ID: "p"}
	batch := []eventstore.RecordedEvent{
		ev.next(documents.EventDocumentSet, set(state("", "s1"), t0), nil),
		ev.next(documents.EventDocumentSet, set(state("r1", "s1"), t0.Add(time.Second)), nil),
		ev.next(documents.EventDocumentSet, set(state("", "s2"), t0.Add(2*time.Second)), nil),
		ev.next(documents.EventDocumentSet, set(prof, t0), nil),
		ev.next("xapi.document.future.v9", map[string]any{}, nil), // skipped
		ev.next(documents.EventDocumentDeleted, deleted(state("", "s2")), nil),
		ev.next(documents.EventDocumentSet, set(state("", "s3"), t0.Add(3*time.Second)), nil),
	}
	if err := ix.Apply(ctx, batch, batch[len(batch)-1].Position); err != nil {
		t.Fatal(err)
	}
	// Replaying a batch (after a crash before the runner saw the commit)
	// changes nothing.
	if err := ix.Apply(ctx, batch, batch[len(batch)-1].Position); err != nil {
		t.Fatal(err)
	}
	q := documents.ListQuery{Resource: documents.State, ActivityID: "https://a.example/1", Agent: "mbox:mailto:an@example.com"}
	if got := list(t, ix, q); got != "[/s1 /s3]" {
		t.Errorf("no registration: %s", got)
	}
	q.AllRegistrations = true
	if got := list(t, ix, q); got != "[/s1 /s3 r1/s1]" {
		t.Errorf("all registrations: %s", got)
	}
	q.Since = t0
	if got := list(t, ix, q); got != "[/s3 r1/s1]" {
		t.Errorf("since: %s", got)
	}
	if got := list(t, ix, documents.ListQuery{Resource: documents.ActivityProfile, ActivityID: "https://a.example/1"}); got != "[/p]" {
		t.Errorf("profile: %s", got)
	}
	if got := list(t, ix, documents.ListQuery{Resource: documents.AgentProfile, ActivityID: "https://a.example/1"}); got != "[]" {
		t.Errorf("agent profile: %s", got)
	}
	// Checkpoint-only apply, then reopen.
	if err := ix.Apply(ctx, nil, eventstore.Position{Commit: 100, Prepare: 100}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = documentindex.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if cp, _ := ix.Checkpoint(ctx); cp.Commit != 100 {
		t.Errorf("checkpoint after reopen %v", cp)
	}
	if got := list(t, ix, documents.ListQuery{Resource: documents.State, ActivityID: "https://a.example/1", Agent: "mbox:mailto:an@example.com", AllRegistrations: true}); got != "[/s1 /s3 r1/s1]" {
		t.Errorf("after reopen: %s", got)
	}
	if _, err := documentindex.Open(dir, nil); err == nil {
		t.Error("a second Open of the same directory must fail")
	}
	if err := ix.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if cp, _ := ix.Checkpoint(ctx); !cp.IsStart() {
		t.Errorf("checkpoint after reset %v", cp)
	}
	if got := list(t, ix, documents.ListQuery{Resource: documents.ActivityProfile, ActivityID: "https://a.example/1"}); got != "[]" {
		t.Errorf("after reset: %s", got)
	}
}

func statementEvent(ev *events, st map[string]any, define bool) eventstore.RecordedEvent {
	return ev.next(lrs.EventStatementStored, st, lrs.StatementStoredMeta{Batch: "b", XAPIVersion: "2.0.0", Define: define})
}

func TestDefinitions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := documentindex.OpenDefinitions(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{t: t}
	act := func(id string, def map[string]any) map[string]any {
		return map[string]any{"objectType": "Activity", "id": id, "definition": def}
	}
	st := func(obj map[string]any, ctxActs map[string]any) map[string]any {
		s := map[string]any{"id": uuid.NewString(), "actor": map[string]any{"mbox": "mailto:an@example.com"},
			"verb": map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed"}, "object": obj}
		if ctxActs != nil {
			s["context"] = map[string]any{"contextActivities": ctxActs}
		}
		return s
	}
	batch := []eventstore.RecordedEvent{
		statementEvent(ev, st(act("https://a.example/1", map[string]any{
			"name": map[string]any{"en-US": "One"}, "type": "http://t.example/a", "extensions": map[string]any{"https://x.example/e1": 1},
			"choices": []any{map[string]any{"id": "a"}}}), nil), true),
		// Without define: ignored.
		statementEvent(ev, st(act("https://a.example/1", map[string]any{"name": map[string]any{"en-US": "Hijacked"}}), nil), false),
		statementEvent(ev, st(act("https://a.example/1", map[string]any{
			"name": map[string]any{"vi-VN": "Một"}, "type": "http://t.example/b", "extensions": map[string]any{"https://x.example/e2": json.Number("12345678901234567890")},
			"choices": []any{map[string]any{"id": "b"}}}), map[string]any{
			"parent":   []any{act("https://a.example/parent", map[string]any{"name": map[string]any{"en": "Parent"}})},
			"category": act("https://a.example/single", map[string]any{"name": map[string]any{"en": "Single"}}),
		}), true),
		// A SubStatement's activity counts; an Agent object does not.
		statementEvent(ev, st(map[string]any{"objectType": "SubStatement", "actor": map[string]any{"mbox": "mailto:b@example.com"},
			"verb": map[string]any{"id": "http://v.example/v"}, "object": act("https://a.example/sub", map[string]any{"name": map[string]any{"en": "Sub"}})}, nil), true),
		statementEvent(ev, st(map[string]any{"objectType": "Agent", "mbox": "mailto:c@example.com"}, nil), true),
		ev.next(lrs.EventStatementStored+"x", map[string]any{}, nil),
	}
	if err := d.Apply(ctx, batch, batch[len(batch)-1].Position); err != nil {
		t.Fatal(err)
	}
	get := func(id string) string {
		t.Helper()
		def, found, err := d.Definition(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			return "<none>"
		}
		b, _ := json.Marshal(def)
		return string(b)
	}
	want := `{"choices":[{"id":"b"}],"extensions":{"https://x.example/e1":1,"https://x.example/e2":12345678901234567890},"name":{"en-US":"One","vi-VN":"Một"},"type":"http://t.example/b"}`
	if got := get("https://a.example/1"); got != want {
		t.Errorf("merged:\n%s\nwant\n%s", got, want)
	}
	for id, w := range map[string]string{
		"https://a.example/parent":  `{"name":{"en":"Parent"}}`,
		"https://a.example/single":  `{"name":{"en":"Single"}}`,
		"https://a.example/sub":     `{"name":{"en":"Sub"}}`,
		"https://a.example/unknown": "<none>",
	} {
		if got := get(id); got != w {
			t.Errorf("%s: %s, want %s", id, got, w)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = documentindex.OpenDefinitions(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if cp, _ := d.Checkpoint(ctx); cp != batch[len(batch)-1].Position {
		t.Errorf("checkpoint %v", cp)
	}
	if got := get("https://a.example/1"); got != want {
		t.Errorf("after reopen: %s", got)
	}
	if err := d.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := get("https://a.example/1"); got != "<none>" {
		t.Errorf("after reset: %s", got)
	}
}

func TestMergeDefinitionDoesNotModifyArguments(t *testing.T) {
	known := map[string]any{"name": map[string]any{"en": "a"}}
	newer := map[string]any{"name": map[string]any{"vi": "b"}}
	out := documentindex.MergeDefinition(known, newer)
	if len(known["name"].(map[string]any)) != 1 || len(newer["name"].(map[string]any)) != 1 || len(out["name"].(map[string]any)) != 2 {
		t.Errorf("known %v newer %v out %v", known, newer, out)
	}
}
