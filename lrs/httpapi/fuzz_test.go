package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

// FuzzPostStatements sends arbitrary bodies and query strings to the
// statements resource: whatever arrives, the LRS answers with a 2xx or 4xx
// status, never a 5xx and never a panic. The seed corpus runs in every
// `go test`; `go test -fuzz FuzzPostStatements ./lrs/httpapi` explores.
func FuzzPostStatements(f *testing.F) {
	seeds := []string{
		`{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}`,
		`[{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}]`,
		`{"actor":{"objectType":"Group","member":[]},"verb":{"id":"x"},"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://x.y/z"},"object":{"objectType":"StatementRef","id":"00000000-0000-0000-0000-000000000000"}}}`,
		`{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"not-a-uuid"}}`,
		`{"id":"7ccd3322-e1a5-411a-a67d-6a735c76f119","actor":{"account":{"homePage":"http://x.y","name":"n"}},"verb":{"id":"http://x.y/v","display":{"vi-VN":"xong","":"x"}},"object":{"id":"http://x.y/o"},"result":{"score":{"scaled":2},"duration":"PT1H"},"timestamp":"2026-13-40T25:61:61Z"}`,
		`{"actor":null}`, `[]`, `[1,2,3]`, `"string"`, `{`, `{"a":1,"a":2}`, "\xff\xfe", `{"context":{"extensions":{"not an iri":1}}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(`{}`), "statementId=7ccd3322-e1a5-411a-a67d-6a735c76f119")
	f.Add([]byte(`{}`), "agent=%7B%22mbox%22%3A1%7D&since=x")
	// One LRS serves every input: inputs only add statements, and each
	// answer is judged on its own.
	srv := newLRS(f, httpapi.Limits{MaxBody: 1 << 20, MaxBatch: 50})
	f.Fuzz(func(t *testing.T, body []byte, rawQuery string) {
		srv := *srv
		srv.t = t
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			q = nil
		}
		for _, method := range []string{"POST", "PUT", "GET"} {
			r := srv.do(call{method: method, path: "/xapi/statements", query: q, body: body, contentType: "application/json"})
			if r.status >= 500 {
				t.Fatalf("%s %q with %q: status %d: %s", method, rawQuery, body, r.status, r.body)
			}
		}
	})
}
