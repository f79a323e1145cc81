package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/httpapi"
	"github.com/hocvu/hocvu/projections"
)

// allocated returns the bytes allocated while fn ran (the whole process:
// the server and the client).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// F1 (a): the statements of issue 12 that stopped every projection are
// refused with 400 and the path of the number, and nothing is stored.
func TestUnrepresentableNumbersAreRefused(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	const head = `{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/act/1"}`
	cases := []struct{ body, path string }{
		{head + `,"result":{"score":{"raw":1e400}}}`, "/result/score/raw"},
		{head + `,"result":{"score":{"raw":-1e400}}}`, "/result/score/raw"},
		{head + `,"result":{"score":{"raw":1` + strings.Repeat("0", 100000) + `}}}`, "/result/score/raw"},
		{head + `,"context":{"extensions":{"http://example.com/x":{"deep":[1e309]}}}}`, "/context/extensions/http:~1~1example.com~1x/deep/0"},
		{`[` + head + `},` + head + `,"result":{"extensions":{"http://example.com/x":1e309}}}]`, "/1/result/extensions/http:~1~1example.com~1x"},
		{`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"objectType":"SubStatement",` +
			`"actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/act/2"},` +
			`"context":{"extensions":{"http://example.com/x":1e309}}}}`, "/object/context/extensions/http:~1~1example.com~1x"},
	}
	for _, c := range cases {
		r := s.do(call{method: "POST", path: "/xapi/statements", body: c.body, contentType: "application/json"})
		expect(t, r, 400)
		ps := problemsOf(t, r)
		if len(ps) != 1 || ps[0].Path != c.path || ps[0].Rule != "json.number-range" {
			t.Errorf("%.120s: problems %v, want json.number-range at %s", c.body, ps, c.path)
		}
		if !strings.HasPrefix(c.body, "[") {
			r := s.do(call{method: "PUT", path: "/xapi/statements", body: c.body, contentType: "application/json",
				query: url.Values{"statementId": {uuid.NewString()}}})
			expect(t, r, 400)
		}
	}
	if got := s.query(nil); len(got.Statements) != 0 {
		t.Fatalf("refused statements were stored: %v", ids(got))
	}
	// The agent parameter follows the same bound.
	for _, agent := range []string{`{"mbox":"mailto:a@example.com","n":1e400}`, `{"mbox":"mailto:a@example.com","n":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`} {
		r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"agent": {agent}}})
		expect(t, r, 400)
		r = s.do(call{method: "GET", path: "/xapi/agents", query: url.Values{"agent": {agent}}})
		expect(t, r, 400)
	}
}

// F2: a body nested far deeper than any statement is refused at once
// (one pass, constant memory) with the rule that says why.
func TestDeepBodiesAreRefusedQuickly(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	for _, body := range []string{
		strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		strings.Repeat(`{"a":`, 50000) + "1" + strings.Repeat("}", 50000),
	} {
		r := s.do(call{method: "POST", path: "/xapi/statements", body: body, contentType: "application/json"})
		expect(t, r, 400)
		if ps := problemsOf(t, r); len(ps) != 1 || ps[0].Rule != "json.max-depth" {
			t.Errorf("problems %v, want json.max-depth", ps)
		}
	}
}

// F7: since and until are exact over the whole timestamp range, also
// before 1970, after 2262 and at the zero time.
func TestSinceUntilBoundaries(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	stored := s.post(statement("an", "completed", "bai-1"), statement("an", "completed", "bai-2"))
	for _, c := range []struct {
		param, value string
		all          bool
	}{
		{"since", "1969-12-31T23:59:59Z", true},
		{"since", "1600-01-01T00:00:00Z", true},
		{"since", "0001-01-01T00:00:00Z", true},
		{"since", "0000-01-01T00:00:00Z", true},
		{"since", "2262-04-12T00:00:00Z", false},
		{"since", "9999-12-31T23:59:59.999Z", false},
		{"until", "1969-12-31T23:59:59Z", false},
		{"until", "1600-01-01T00:00:00Z", false},
		{"until", "0001-01-01T00:00:00Z", false},
		{"until", "0000-01-01T00:00:00Z", false},
		{"until", "2262-04-12T00:00:00Z", true},
		{"until", "9999-12-31T23:59:59.999+07:00", true},
	} {
		got := s.query(url.Values{c.param: {c.value}})
		if want := c.all; (len(got.Statements) == len(stored)) != want || (!want && len(got.Statements) != 0) {
			t.Errorf("%s=%s: %d statements, want all %v", c.param, c.value, len(got.Statements), want)
		}
	}
}

// pages follows more links from a first GET and returns the ids in order
// and the statements per page.
func (s *lrsServer) pages(q url.Values) ([]string, []int) {
	s.t.Helper()
	var got []string
	var sizes []int
	res := s.query(q)
	for {
		got = append(got, ids(res)...)
		sizes = append(sizes, len(res.Statements))
		if res.More == "" {
			return got, sizes
		}
		r := s.do(call{method: "GET", path: res.More})
		expect(s.t, r, 200)
		res = statementResult{}
		r.json(s.t, &res)
	}
}

// F3: a GET page was bounded in statements only (4 parallel pages of 40
// statements with 7 MiB names took 4 GB). A page now ends before the
// statement that would take it past MaxPageBytes, with a more link that
// continues exactly there; a larger statement comes alone.
func TestPagesAreBoundedInBytes(t *testing.T) {
	const pageBytes = 64 << 10
	s := newLRS(t, httpapi.Limits{MaxPageBytes: pageBytes})
	var posted []string
	for i := 0; i < 12; i++ {
		st := statement("an", "completed", fmt.Sprintf("bai-%d", i))
		pad := 20 << 10
		if i == 5 {
			pad = 200 << 10 // larger than a page
		}
		st["result"] = map[string]any{"response": strings.Repeat("đ", pad/2)}
		posted = append(posted, s.post(st)...)
	}
	for _, asc := range []bool{true, false} {
		q := url.Values{"limit": {"10"}}
		want := slices.Clone(posted)
		if asc {
			q.Set("ascending", "true")
		} else {
			slices.Reverse(want)
		}
		got, sizes := s.pages(q)
		if !slices.Equal(got, want) {
			t.Fatalf("asc=%v: pages %v\n got %v\nwant %v", asc, sizes, got, want)
		}
		if slices.Max(sizes) > 3 || !slices.Contains(sizes, 1) {
			t.Fatalf("asc=%v: statements per page %v; 20 KiB statements fit 3 to a 64 KiB page, the 200 KiB one alone", asc, sizes)
		}
	}
	// With attachments=true the page is the same, as multipart.
	r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"attachments": {"true"}, "ascending": {"true"}}})
	expect(t, r, 200)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/mixed") || !strings.Contains(string(r.body), `"more":"/xapi/statements?more=`) {
		t.Fatalf("multipart page: %s %.300s", r.header.Get("Content-Type"), r.body)
	}
}

// A page of huge statements costs each statement's memory about once:
// it is streamed, not built whole, and the byte bound stops it early.
func TestHugeStatementsPageInBoundedMemory(t *testing.T) {
	const huge = 3 << 20
	s := newLRS(t, httpapi.Limits{MaxBody: 8 << 20, MaxPageBytes: 4 << 20})
	for i := 0; i < 4; i++ {
		st := statement("an", "completed", fmt.Sprintf("bai-%d", i))
		st["actor"].(map[string]any)["name"] = strings.Repeat("n", huge)
		s.post(st)
	}
	var res statementResult
	alloc := allocated(func() {
		r := s.do(call{method: "GET", path: "/xapi/statements"})
		expect(t, r, 200)
		r.json(t, &res)
	})
	if len(res.Statements) != 1 || res.More == "" {
		t.Fatalf("page of %d statements of %d MiB, more %q", len(res.Statements), huge>>20, res.More)
	}
	// One statement read from the index, its bytes through the client,
	// and the client's decoding: about 4 times its size. Built whole, the
	// page of four was more than 10 times.
	t.Logf("allocated %d MiB", alloc>>20)
	if alloc > 8*huge {
		t.Errorf("a GET of one %d MiB statement allocated %d MiB", huge>>20, alloc>>20)
	}
}

// F1: an event the statement index cannot decode, appended to the log
// below validation while the LRS runs, stopped every later write for
// good. Now the index quarantines it and writes and reads go on.
func TestPoisonEventInTheLogDoesNotStopWrites(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	before := s.post(statement("an", "completed", "bai-1"))
	poison := uuid.New()
	if _, err := s.store.Append(context.Background(), lrs.StatementsStream, eventstore.Any,
		eventstore.EventData{ID: poison, Type: lrs.EventStatementStored, Data: []byte(`{"id":`)}); err != nil {
		t.Fatal(err)
	}
	after := s.post(statement("an", "completed", "bai-2"))
	got, _ := s.pages(url.Values{"ascending": {"true"}})
	if want := append(before, after...); !slices.Equal(got, want) {
		t.Fatalf("statements %v, want %v", got, want)
	}
	recs, err := projections.NewLogQuarantine(s.store).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].EventID != poison.String() || recs[0].Projection != "statement-index" {
		t.Fatalf("quarantine %+v", recs)
	}
}
