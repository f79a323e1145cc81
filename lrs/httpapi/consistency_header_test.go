package httpapi_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

// TestEveryStatementsResponseIsConsistentThrough checks 1.0.3
// Communication 2.1.3.s2.b5 (IEEE 9274.1.1 4.1.6.1): "on all responses to
// Statements Resource requests" the LRS includes
// X-Experience-API-Consistent-Through, errors included: refused queries,
// writes, authentication and scope failures, a missing version header, a
// method the resource does not have and the alternate request syntax.
func TestEveryStatementsResponseIsConsistentThrough(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	stored := s.post(statement("an", "completed", "bai-1"))[0]
	readOnlyKey, readOnlySecret := s.credential(auth.ScopeStatementsRead)
	writeOnlyKey, writeOnlySecret := s.credential(auth.ScopeStatementsWrite)
	agent := agentParam("an")
	for _, v := range versions {
		alt := url.Values{"X-Experience-API-Version": {v}, "Authorization": {"Basic dGVzdC1rZXk6dGVzdC1zZWNyZXQ="}, "statementId": {stored}}
		cases := []struct {
			name   string
			c      call
			status int
		}{
			{"query", call{method: "GET", query: url.Values{"limit": {"1"}}}, 200},
			{"HEAD", call{method: "HEAD"}, 200},
			{"single statement", call{method: "GET", query: url.Values{"statementId": {stored}}}, 200},
			{"statementId with agent", call{method: "GET", query: url.Values{"statementId": {stored}, "agent": {agent}}}, 400},
			{"voidedStatementId with verb", call{method: "GET", query: url.Values{"voidedStatementId": {stored}, "verb": {"http://adlnet.gov/expapi/verbs/completed"}}}, 400},
			{"LIMIT in capitals", call{method: "GET", query: url.Values{"LIMIT": {"1"}}}, 400},
			{"HEAD refused", call{method: "HEAD", query: url.Values{"LIMIT": {"1"}}}, 400},
			{"more token broken", call{method: "GET", query: url.Values{"more": {"%%%"}}}, 400},
			{"unknown statement", call{method: "GET", query: url.Values{"statementId": {uuid.NewString()}}}, 404},
			{"no version header", call{method: "GET", version: "-"}, 400},
			{"unsupported version", call{method: "GET", version: "0.95"}, 400},
			{"no credentials", call{method: "GET", key: "-"}, 401},
			{"wrong secret", call{method: "GET", key: testKey, secret: "wrong"}, 401},
			{"read scope cannot write", call{method: "POST", body: statement("an", "completed", "bai-2"), key: readOnlyKey, secret: readOnlySecret}, 403},
			{"write scope cannot read", call{method: "GET", key: writeOnlyKey, secret: writeOnlySecret}, 403},
			{"POST", call{method: "POST", body: statement("an", "completed", "bai-3")}, 200},
			{"POST invalid", call{method: "POST", body: `{"actor":{}}`, contentType: "application/json"}, 400},
			{"PUT", call{method: "PUT", query: url.Values{"statementId": {uuid.NewString()}}, body: statement("an", "completed", "bai-4")}, 204},
			{"PUT without statementId", call{method: "PUT", body: statement("an", "completed", "bai-5")}, 400},
			{"PUT conflict", call{method: "PUT", query: url.Values{"statementId": {stored}}, body: statement("an", "failed", "bai-1")}, 409},
			{"DELETE", call{method: "DELETE"}, 404},
			{"alternate syntax with a parameter in the query", call{method: "POST", query: url.Values{"method": {"GET"}, "limit": {"1"}}, body: alt.Encode(), contentType: "application/x-www-form-urlencoded", key: "-", version: "-"}, 400},
		}
		if v == "1.0.3" {
			cases = append(cases, struct {
				name   string
				c      call
				status int
			}{"alternate syntax GET", call{method: "POST", query: url.Values{"method": {"GET"}}, body: alt.Encode(), contentType: "application/x-www-form-urlencoded", key: "-", version: "-"}, 200})
		}
		for _, c := range cases {
			t.Run(v+"/"+c.name, func(t *testing.T) {
				c.c.path = "/xapi/statements"
				if c.c.version == "" {
					c.c.version = v
				}
				r := s.do(c.c)
				expect(t, r, c.status)
				h := r.header.Get("X-Experience-API-Consistent-Through")
				if _, err := time.Parse(time.RFC3339Nano, h); err != nil {
					t.Errorf("X-Experience-API-Consistent-Through %q: %v (headers %v)", h, err, r.header)
				}
				if r.header.Get("X-Experience-API-Version") == "" {
					t.Errorf("no X-Experience-API-Version: %v", r.header)
				}
			})
		}
	}
	// Other resources do not claim it.
	r := s.do(call{method: "GET", path: "/xapi/activities", query: url.Values{"activityId": {"https://hoctap.example/bai-1"}}})
	expect(t, r, 200)
	if h := r.header.Get("X-Experience-API-Consistent-Through"); h != "" {
		t.Errorf("the Activities resource answered X-Experience-API-Consistent-Through %q", h)
	}
}
