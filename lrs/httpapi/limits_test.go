package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

// problemsOf decodes the problems of an xAPI error response.
func problemsOf(t testing.TB, r response) []struct{ Path, Rule string } {
	t.Helper()
	var body struct {
		Error struct {
			Problems []struct{ Path, Rule string } `json:"problems"`
		} `json:"error"`
	}
	r.json(t, &body)
	return body.Error.Problems
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
	r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"agent": {`{"mbox":"mailto:a@example.com","n":1e400}`}}})
	expect(t, r, 400)
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
