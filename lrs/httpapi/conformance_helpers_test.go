package httpapi_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/hocvu/hocvu/lrs"
)

// problemsOf returns the problems of an xAPI error response.
func problemsOf(t testing.TB, r response) []lrs.Problem {
	t.Helper()
	var body struct {
		Error struct {
			Problems []lrs.Problem `json:"problems"`
		} `json:"error"`
	}
	r.json(t, &body)
	return body.Error.Problems
}

// hasProblem reports whether r's error names rule at path.
func hasProblem(t testing.TB, r response, path, rule string) bool {
	t.Helper()
	for _, p := range problemsOf(t, r) {
		if p.Path == path && p.Rule == rule {
			return true
		}
	}
	return false
}

// getStatement returns the statement with id in format (as a 1.0.3 or
// 2.0.0 request), or fails.
func (s *lrsServer) getStatement(id, format, version string) map[string]any {
	s.t.Helper()
	r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {id}, "format": {format}}, version: version})
	expect(s.t, r, 200)
	var st map[string]any
	r.json(s.t, &st)
	return st
}

// mustJSON encodes v.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
