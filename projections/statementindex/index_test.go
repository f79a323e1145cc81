package statementindex_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/statementindex"
)

var base = time.Date(2026, 10, 10, 8, 0, 0, 0, time.UTC)

type fixture struct {
	t   *testing.T
	ix  *statementindex.Index
	dir string
	pos uint64
	n   int
	// keys is the keyring of a sealing index (nil in clear).
	keys *sealingtest.Keys
}

// newFixture opens an empty index; under a "sealed" subtest of
// bothModes the index seals the people in statements.
func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	ix, err := statementindex.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	f := &fixture{t: t, ix: ix, dir: dir}
	if strings.HasSuffix(t.Name(), "/sealed") {
		f.keys = sealingtest.NewKeys()
		if err := ix.UseSealer(sealing.Sealer{Keys: f.keys}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// bothModes runs body against an index in clear and a sealing one: the
// answers must be the same.
func bothModes(t *testing.T, body func(t *testing.T)) {
	t.Run("clear", body)
	t.Run("sealed", body)
}

func agent(name string) map[string]any {
	return map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://hoctap.example", "name": name}}
}

func activity(id string) map[string]any {
	return map[string]any{"objectType": "Activity", "id": "https://hoctap.example/" + id}
}

func verb(v string) map[string]any {
	return map[string]any{"id": "http://adlnet.gov/expapi/verbs/" + v}
}

// stmt builds a statement; the fixture assigns id and stored.
func stmt(actor string, v string, obj map[string]any) map[string]any {
	return map[string]any{"actor": agent(actor), "verb": verb(v), "object": obj}
}

func ref(id string) map[string]any { return map[string]any{"objectType": "StatementRef", "id": id} }

// add applies statements as one batch and returns their ids.
func (f *fixture) add(sts ...map[string]any) []string {
	f.t.Helper()
	var evs []eventstore.RecordedEvent
	var ids []string
	for _, st := range sts {
		f.n++
		f.pos++
		if _, ok := st["id"]; !ok {
			st["id"] = uuid.NewString()
		}
		if _, ok := st["stored"]; !ok {
			st["stored"] = base.Add(time.Duration(f.n) * time.Second).Format(time.RFC3339Nano)
		}
		data, err := json.Marshal(st)
		if err != nil {
			f.t.Fatal(err)
		}
		evs = append(evs, eventstore.RecordedEvent{
			ID: uuid.New(), Type: lrs.EventStatementStored, Stream: lrs.StatementsStream,
			Position: eventstore.Position{Commit: f.pos, Prepare: f.pos}, Data: data,
		})
		ids = append(ids, st["id"].(string))
	}
	if err := f.ix.Apply(context.Background(), evs, evs[len(evs)-1].Position); err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// erase applies the erasure event of subject.
func (f *fixture) erase(subject string) {
	f.t.Helper()
	f.pos++
	data, _ := json.Marshal(erasure.Erased{Subject: subject, At: base, By: "test"})
	ev := eventstore.RecordedEvent{ID: uuid.New(), Type: erasure.EventErased, Stream: erasure.Stream,
		Position: eventstore.Position{Commit: f.pos, Prepare: f.pos}, Data: data}
	if err := f.ix.Apply(context.Background(), []eventstore.RecordedEvent{ev}, ev.Position); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) query(q lrs.Query) []string {
	f.t.Helper()
	sts, _, err := f.ix.Query(context.Background(), q)
	if err != nil {
		f.t.Fatal(err)
	}
	return idsOf(sts)
}

func idsOf(sts []lrs.StoredStatement) []string {
	out := []string{}
	for _, s := range sts {
		out = append(out, s.ID.String())
	}
	return out
}

func eq(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func akey(name string) string {
	k, _ := xapi.AgentKey(agent(name))
	return k
}

func TestOrderPagingAndTime(t *testing.T) { bothModes(t, testOrderPagingAndTime) }

func testOrderPagingAndTime(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := 0; i < 7; i++ {
		ids = append(ids, f.add(stmt("an", "completed", activity(fmt.Sprintf("bai-%d", i))))...)
	}
	rev := func(s []string) []string {
		out := make([]string, len(s))
		for i := range s {
			out[i] = s[len(s)-1-i]
		}
		return out
	}
	if got := f.query(lrs.Query{}); !eq(got, rev(ids)) {
		t.Fatalf("default order is not newest first:\n got %v\nwant %v", got, rev(ids))
	}
	if got := f.query(lrs.Query{Ascending: true}); !eq(got, ids) {
		t.Fatalf("ascending:\n got %v\nwant %v", got, ids)
	}
	// Paging: 3 + 3 + 1, cursors chain without gaps or repeats.
	for _, asc := range []bool{false, true} {
		var all []string
		var after *lrs.Cursor
		pages := 0
		for {
			sts, next, err := f.ix.Query(context.Background(), lrs.Query{Limit: 3, Ascending: asc, After: after})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			all = append(all, idsOf(sts)...)
			if next == nil {
				break
			}
			after = next
		}
		want := rev(ids)
		if asc {
			want = ids
		}
		if !eq(all, want) || pages != 3 {
			t.Fatalf("paging asc=%v: %d pages, %v", asc, pages, all)
		}
	}
	// since is exclusive, until inclusive (statement i stored at base+(i+1)s).
	got := f.query(lrs.Query{Since: base.Add(2 * time.Second), Until: base.Add(5 * time.Second), Ascending: true})
	if !eq(got, ids[2:5]) {
		t.Fatalf("since/until: %v, want %v", got, ids[2:5])
	}
}

func TestFilters(t *testing.T) { bothModes(t, testFilters) }

func testFilters(t *testing.T) {
	f := newFixture(t)
	reg := uuid.NewString()
	s1 := stmt("an", "completed", activity("bai-1"))
	s1["context"] = map[string]any{
		"registration":      reg,
		"instructor":        agent("co-giao"),
		"contextActivities": map[string]any{"parent": []any{activity("khoa-1")}},
	}
	s2 := stmt("binh", "completed", activity("bai-2"))
	s2["authority"] = agent("portal")
	s3 := stmt("an", "passed", activity("bai-2"))
	s4 := stmt("chi", "mentored", agent("an")) // agent as object
	sub := map[string]any{"objectType": "SubStatement", "actor": agent("dung"), "verb": verb("completed"), "object": activity("bai-9")}
	s5 := stmt("chi", "planned", sub)
	team := map[string]any{"objectType": "Group", "member": []any{agent("em")}}
	s6 := stmt("binh", "attended", activity("bai-3"))
	s6["context"] = map[string]any{"team": team}
	ids := f.add(s1, s2, s3, s4, s5, s6)
	cases := []struct {
		name string
		q    lrs.Query
		want []string
	}{
		{"agent as actor or object", lrs.Query{Agent: akey("an"), Ascending: true}, []string{ids[0], ids[2], ids[3]}},
		{"verb", lrs.Query{Verb: "http://adlnet.gov/expapi/verbs/completed", Ascending: true}, []string{ids[0], ids[1]}},
		{"activity", lrs.Query{Activity: "https://hoctap.example/bai-2", Ascending: true}, []string{ids[1], ids[2]}},
		{"agent and verb", lrs.Query{Agent: akey("an"), Verb: "http://adlnet.gov/expapi/verbs/passed"}, []string{ids[2]}},
		{"registration", lrs.Query{Registration: reg}, []string{ids[0]}},
		{"context activity needs related", lrs.Query{Activity: "https://hoctap.example/khoa-1"}, []string{}},
		{"related activities", lrs.Query{Activity: "https://hoctap.example/khoa-1", RelatedActivities: true}, []string{ids[0]}},
		{"instructor needs related", lrs.Query{Agent: akey("co-giao")}, []string{}},
		{"related agents: instructor", lrs.Query{Agent: akey("co-giao"), RelatedAgents: true}, []string{ids[0]}},
		{"related agents: authority", lrs.Query{Agent: akey("portal"), RelatedAgents: true}, []string{ids[1]}},
		{"related agents: team member", lrs.Query{Agent: akey("em"), RelatedAgents: true}, []string{ids[5]}},
		{"substatement actor is related only", lrs.Query{Agent: akey("dung")}, []string{}},
		{"substatement actor related", lrs.Query{Agent: akey("dung"), RelatedAgents: true}, []string{ids[4]}},
		{"substatement activity related", lrs.Query{Activity: "https://hoctap.example/bai-9", RelatedActivities: true}, []string{ids[4]}},
		{"no match", lrs.Query{Agent: akey("an"), Verb: "http://adlnet.gov/expapi/verbs/attended"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := f.query(c.q); !eq(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestVoiding(t *testing.T) { bothModes(t, testVoiding) }

func testVoiding(t *testing.T) {
	f := newFixture(t)
	ids := f.add(stmt("an", "completed", activity("bai-1")), stmt("an", "completed", activity("bai-2")))
	voiding := f.add(stmt("admin", "voided", ref(ids[0])))[0]
	// The voided statement is gone; the voiding statement targets it, so
	// it matches the voided statement's filters (xAPI 1.0.3 §2.1.4,
	// conformance 7.2.4.b "still returns Statements which target it").
	got := f.query(lrs.Query{Agent: akey("an"), Ascending: true})
	if !eq(got, []string{ids[1], voiding}) {
		t.Fatalf("got %v, want [%s %s]", got, ids[1], voiding)
	}
	// An access export (IncludeVoided) gets the voided statement too.
	if got := f.query(lrs.Query{Agent: akey("an"), Ascending: true, IncludeVoided: true}); !eq(got, []string{ids[0], ids[1], voiding}) {
		t.Fatalf("with voided: got %v, want [%s %s %s]", got, ids[0], ids[1], voiding)
	}
	st, found, err := f.ix.Get(context.Background(), uuid.MustParse(ids[0]))
	if err != nil || !found || !st.Voided {
		t.Fatalf("Get voided: found=%v voided=%v err=%v", found, st.Voided, err)
	}
	// A voiding statement cannot be voided: this one has no effect.
	f.add(stmt("admin", "voided", ref(voiding)))
	if st, _, _ := f.ix.Get(context.Background(), uuid.MustParse(voiding)); st.Voided {
		t.Fatal("a voiding statement was voided")
	}
	// Voiding a statement the index has not seen yet takes effect on arrival.
	later := uuid.NewString()
	lateVoiding := f.add(stmt("admin", "voided", ref(later)))[0]
	s := stmt("an", "completed", activity("bai-3"))
	s["id"] = later
	f.add(s)
	if st, _, _ := f.ix.Get(context.Background(), uuid.MustParse(later)); !st.Voided {
		t.Fatal("statement voided before it arrived is not voided")
	}
	if got := f.query(lrs.Query{Activity: "https://hoctap.example/bai-3"}); !eq(got, []string{lateVoiding}) {
		t.Fatalf("got %v, want only the voiding statement %s", got, lateVoiding)
	}
}

func TestStatementRefInheritsFilters(t *testing.T) { bothModes(t, testStatementRefInheritsFilters) }

func testStatementRefInheritsFilters(t *testing.T) {
	f := newFixture(t)
	target := f.add(stmt("an", "completed", activity("bai-1")))[0]
	r1 := f.add(stmt("binh", "commented", ref(target)))[0]
	r2 := f.add(stmt("chi", "liked", ref(r1)))[0] // chain: r2 -> r1 -> target
	got := f.query(lrs.Query{Activity: "https://hoctap.example/bai-1", Ascending: true})
	if !eq(got, []string{target, r1, r2}) {
		t.Fatalf("targeting statements not returned: %v", got)
	}
	// Reference first, target later.
	late := uuid.NewString()
	r3 := f.add(stmt("dung", "commented", ref(late)))[0]
	s := stmt("em", "completed", activity("bai-7"))
	s["id"] = late
	f.add(s)
	got = f.query(lrs.Query{Activity: "https://hoctap.example/bai-7", Ascending: true})
	if !eq(got, []string{r3, late}) {
		t.Fatalf("late target: %v, want [%s %s]", got, r3, late)
	}
	// The referencing statement's own time still applies.
	got = f.query(lrs.Query{Agent: akey("an"), Ascending: true})
	if !eq(got, []string{target, r1, r2}) {
		t.Fatalf("agent filter through refs: %v", got)
	}
}

// TestLateTargetAfterReopen: a StatementRef whose target arrives only
// after the index was closed and opened again still inherits the
// target's filters (the reference markers are read back at open).
func TestLateTargetAfterReopen(t *testing.T) {
	f := newFixture(t)
	late := uuid.NewString()
	r := f.add(stmt("dung", "commented", ref(late)))[0]
	if err := f.ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := statementindex.Open(f.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	f.ix = ix
	s := stmt("em", "completed", activity("bai-7"))
	s["id"] = late
	f.add(s)
	if got := f.query(lrs.Query{Activity: "https://hoctap.example/bai-7", Ascending: true}); !eq(got, []string{r, late}) {
		t.Fatalf("late target after reopen: %v, want [%s %s]", got, r, late)
	}
}

func TestCheckpointReopenAndReset(t *testing.T) {
	f := newFixture(t)
	f.add(stmt("an", "completed", activity("bai-1")), stmt("an", "completed", activity("bai-2")))
	before := f.query(lrs.Query{})
	cp, _ := f.ix.Checkpoint(context.Background())
	if cp.Commit != 2 {
		t.Fatalf("checkpoint %s, want 2", cp)
	}
	if err := f.ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := statementindex.Open(f.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.ix = ix
	if cp2, _ := ix.Checkpoint(context.Background()); cp2 != cp {
		t.Fatalf("checkpoint after reopen %s, want %s", cp2, cp)
	}
	if got := f.query(lrs.Query{}); !eq(got, before) {
		t.Fatalf("after reopen: %v, want %v", got, before)
	}
	if ct := ix.ConsistentThrough(); !ct.Equal(base.Add(2 * time.Second)) {
		t.Fatalf("consistent through %s", ct)
	}
	if err := ix.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.query(lrs.Query{}); len(got) != 0 {
		t.Fatalf("after reset: %v", got)
	}
	if cp, _ := ix.Checkpoint(context.Background()); !cp.IsStart() {
		t.Fatalf("checkpoint after reset: %s", cp)
	}
}

// F7: since and until before 1970 or after 2262 wrapped around as
// unsigned nanoseconds (since=1969-12-31T23:59:59Z found nothing,
// until=1600-01-01 everything). Every time of the spec's range is exact.
func TestSinceUntilOverTheWholeTimestampRange(t *testing.T) {
	f := newFixture(t)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	stored := []time.Time{lrs.MinStored, at("2026-10-10T08:00:00Z"), lrs.MaxStored}
	var all []string
	for _, st := range stored {
		s := stmt("an", "completed", activity("bai"))
		s["stored"] = st.Format(time.RFC3339Nano)
		all = append(all, f.add(s)...)
	}
	// Stored times outside the range are held at its ends, in order.
	early, late := stmt("an", "completed", activity("bai")), stmt("an", "completed", activity("bai"))
	early["stored"], late["stored"] = "1900-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"
	edge := f.add(early, late)
	cases := []struct {
		since, until string
		want         []string
	}{
		{"1969-12-31T23:59:59Z", "", append([]string{all[0], edge[0]}, all[1], all[2], edge[1])},
		{"1600-01-01T00:00:00Z", "", append([]string{all[0], edge[0]}, all[1], all[2], edge[1])},
		{"0000-01-01T00:00:00Z", "", append([]string{all[0], edge[0]}, all[1], all[2], edge[1])},
		{"1970-01-01T00:00:00Z", "", []string{all[1], all[2], edge[1]}},
		{"2262-04-11T23:47:16.854775806Z", "", []string{all[2], edge[1]}},
		{"2262-04-11T23:47:16.854775807Z", "", []string{}},
		{"2263-01-01T00:00:00Z", "", []string{}},
		{"9999-12-31T23:59:59.999Z", "", []string{}},
		{"", "1969-12-31T23:59:59.999999999Z", []string{}},
		{"", "1600-01-01T00:00:00Z", []string{}},
		{"", "0000-01-01T00:00:00Z", []string{}},
		{"", "1970-01-01T00:00:00Z", []string{all[0], edge[0]}},
		{"", "2262-04-11T23:47:16.854775806Z", []string{all[0], edge[0], all[1]}},
		{"", "2262-04-11T23:47:16.854775807Z", append([]string{all[0], edge[0]}, all[1], all[2], edge[1])},
		{"", "9999-12-31T23:59:59.999Z", append([]string{all[0], edge[0]}, all[1], all[2], edge[1])},
		{"1600-01-01T00:00:00Z", "1969-01-01T00:00:00Z", []string{}},
		{"1600-01-01T00:00:00Z", "2100-01-01T00:00:00Z", []string{all[0], edge[0], all[1]}},
		{"2100-01-01T00:00:00Z", "9999-01-01T00:00:00Z", []string{all[2], edge[1]}},
	}
	for _, c := range cases {
		q := lrs.Query{Ascending: true}
		if c.since != "" {
			q.Since = at(c.since)
		}
		if c.until != "" {
			q.Until = at(c.until)
		}
		if got := f.query(q); !eq(got, c.want) {
			t.Errorf("since %q until %q: %v, want %v", c.since, c.until, got, c.want)
		}
	}
}

// F1: a number no float64 holds does not make a statement undecodable
// (the index reads numbers as json.Number); an event that cannot be
// decoded at all is reported as that event's poison, for the runner to
// quarantine, and leaves the index as it was.
func TestUnusualAndPoisonEvents(t *testing.T) {
	f := newFixture(t)
	st := stmt("an", "completed", activity("bai"))
	st["result"] = map[string]any{"score": map[string]any{"raw": json.Number("1e400")}, "extensions": map[string]any{"http://example.com/x": json.Number("-1" + strings.Repeat("0", 400))}}
	ids := f.add(st)
	if got := f.query(lrs.Query{Agent: akey("an")}); !eq(got, ids) {
		t.Fatalf("statement with 1e400: %v", got)
	}
	before, _ := f.ix.Checkpoint(context.Background())
	for _, data := range []string{`{"id":`, `[1,2]`, `{"id":"not-a-uuid","stored":"2026-10-10T08:00:00Z"}`, `{"id":"` + uuid.NewString() + `","stored":"yesterday"}`} {
		ev := eventstore.RecordedEvent{ID: uuid.New(), Type: lrs.EventStatementStored, Stream: lrs.StatementsStream,
			Position: eventstore.Position{Commit: 1000, Prepare: 1000}, Data: []byte(data)}
		good := eventstore.RecordedEvent{ID: uuid.New(), Type: lrs.EventStatementStored, Stream: lrs.StatementsStream,
			Position: eventstore.Position{Commit: 999, Prepare: 999}, Data: mustJSON(t, stmt("binh", "completed", activity("bai")))}
		err := f.ix.Apply(context.Background(), []eventstore.RecordedEvent{good, ev}, ev.Position)
		var pe *projections.EventError
		if !errors.As(err, &pe) || pe.Event.ID != ev.ID {
			t.Fatalf("%s: %v, want the poison of event %s", data, err, ev.ID)
		}
		if cp, _ := f.ix.Checkpoint(context.Background()); cp != before {
			t.Fatalf("%s: checkpoint moved to %s", data, cp)
		}
		if got := f.query(lrs.Query{Agent: akey("binh")}); len(got) != 0 {
			t.Fatalf("%s: half a batch applied: %v", data, got)
		}
	}
}

func mustJSON(t *testing.T, st map[string]any) []byte {
	t.Helper()
	st["id"] = uuid.NewString()
	st["stored"] = base.Format(time.RFC3339Nano)
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// F3: a page is bounded by the bytes of its statements too, and always
// holds one; paging with the cursor visits every statement once.
func TestPagesAreBoundedInBytes(t *testing.T) {
	f := newFixture(t)
	var all []string
	for i := 0; i < 10; i++ {
		st := stmt("an", "completed", activity("bai"))
		pad := 1000
		if i == 6 {
			pad = 10000 // larger than a whole page
		}
		st["result"] = map[string]any{"response": strings.Repeat("x", pad)}
		all = append(all, f.add(st)...)
	}
	for _, asc := range []bool{true, false} {
		want := slices.Clone(all)
		if !asc {
			slices.Reverse(want)
		}
		var got []string
		var sizes []int
		q := lrs.Query{Ascending: asc, MaxBytes: 2500, Limit: 100}
		for {
			sts, next, err := f.ix.Query(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, st := range sts {
				n += len(st.JSON)
			}
			if len(sts) == 0 || (len(sts) > 1 && n > 2500) {
				t.Fatalf("page of %d statements, %d bytes", len(sts), n)
			}
			got = append(got, idsOf(sts)...)
			sizes = append(sizes, len(sts))
			if next == nil {
				break
			}
			q.After = next
		}
		if !eq(got, want) {
			t.Fatalf("asc=%v: pages %v\n got %v\nwant %v", asc, sizes, got, want)
		}
		if len(sizes) < 5 {
			t.Fatalf("asc=%v: pages %v: not bounded by bytes", asc, sizes)
		}
	}
}
