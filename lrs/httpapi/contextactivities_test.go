package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

// withSingleContextActivities returns a statement whose context has a
// single Activity under parent and category (and an array under grouping),
// and whose object is a SubStatement with a single category Activity.
func withSingleContextActivities(actor string) map[string]any {
	st := statement(actor, "attempted", "bai-1")
	st["context"] = map[string]any{"contextActivities": map[string]any{
		"parent":   map[string]any{"id": "https://hoctap.example/khoa-1", "objectType": "Activity"},
		"grouping": []any{map[string]any{"id": "https://hoctap.example/chuong-trinh"}},
		"category": map[string]any{"id": "https://hoctap.example/profile"},
	}}
	st["object"] = map[string]any{"objectType": "SubStatement",
		"actor":  map[string]any{"mbox": "mailto:" + actor + "@example.com"},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/completed"},
		"object": map[string]any{"id": "https://hoctap.example/bai-1"},
		"context": map[string]any{"contextActivities": map[string]any{
			"category": map[string]any{"id": "https://hoctap.example/sub-profile"},
		}},
	}
	return st
}

// checkContextActivityArrays fails unless every contextActivities value of
// st and of its SubStatement is an array, and the single Activities sent
// came back as arrays of one.
func checkContextActivityArrays(t *testing.T, what string, st map[string]any) {
	t.Helper()
	ctx, _ := st["context"].(map[string]any)
	sub, _ := st["object"].(map[string]any)
	subCtx, _ := sub["context"].(map[string]any)
	for _, c := range []struct {
		ctx  map[string]any
		keys map[string]int
	}{{ctx, map[string]int{"parent": 1, "grouping": 1, "category": 1}}, {subCtx, map[string]int{"category": 1}}} {
		ca, _ := c.ctx["contextActivities"].(map[string]any)
		for k, n := range c.keys {
			list, ok := ca[k].([]any)
			if !ok || len(list) != n {
				t.Errorf("%s: contextActivities %s = %v, want an array of %d", what, k, ca[k], n)
			}
		}
	}
}

// TestContextActivitiesComeBackAsArrays checks Data 2.4.6.2.s4.b3/b4 (IEEE
// 9274.1.1 4.2.4.2): a single context Activity is returned as an array of
// one, in statements and SubStatements, in every format, single and list
// GETs, with attachments=true, and for statements stored before the LRS
// wrote arrays itself (their events keep the client's shape).
func TestContextActivitiesComeBackAsArrays(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	// A statement event as an earlier Hocvu stored it: the client's
	// single Activities kept in the log.
	oldID := uuid.NewString()
	old := withSingleContextActivities("cu")
	old["id"], old["stored"], old["timestamp"], old["version"] = oldID, "2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.000Z", "2.0.0"
	old["authority"] = map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://lrs.test/", "name": testKey}}
	data, _ := json.Marshal(old)
	meta, _ := json.Marshal(lrs.StatementStoredMeta{Batch: uuid.NewString(), Credential: testKey, XAPIVersion: "2.0.0"})
	if _, err := s.store.Append(context.Background(), lrs.StatementsStream, eventstore.Any,
		eventstore.EventData{ID: uuid.MustParse(oldID), Type: lrs.EventStatementStored, Data: data, Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			// The write waits until the index shows it, and so the old event too.
			id := s.postAs(v, withSingleContextActivities("an"))
			for _, sid := range []string{id, oldID} {
				for _, format := range []string{"exact", "ids", "canonical"} {
					checkContextActivityArrays(t, fmt.Sprintf("%s %s", sid, format), s.getStatement(sid, format, v))
				}
			}
			for _, format := range []string{"exact", "ids", "canonical"} {
				r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"format": {format}}, version: v})
				expect(t, r, 200)
				var res statementResult
				r.json(t, &res)
				if len(res.Statements) < 2 {
					t.Fatalf("%d statements", len(res.Statements))
				}
				for _, st := range res.Statements {
					checkContextActivityArrays(t, "list "+format, st)
				}
			}
			// attachments=true: the statement part of multipart/mixed.
			r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {oldID}, "attachments": {"true"}}, version: v})
			expect(t, r, 200)
			_, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
			if err != nil {
				t.Fatal(err)
			}
			first, err := multipart.NewReader(bytes.NewReader(r.body), params["boundary"]).NextPart()
			if err != nil {
				t.Fatal(err)
			}
			var st map[string]any
			if err := json.NewDecoder(first).Decode(&st); err != nil {
				t.Fatal(err)
			}
			checkContextActivityArrays(t, "attachments=true", st)
			// New statements are stored as they are returned.
			evs, err := s.store.ReadStream(context.Background(), lrs.StatementsStream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(evs[0].Data, &st); err != nil || st["id"] != id {
				t.Fatalf("last event %s: %v", evs[0].Data, err)
			}
			checkContextActivityArrays(t, "stored event", st)
		})
	}
}

// postAs POSTs one statement as an xAPI version request and returns its id.
func (s *lrsServer) postAs(version string, st map[string]any) string {
	s.t.Helper()
	r := s.do(call{method: "POST", path: "/xapi/statements", body: st, version: version})
	expect(s.t, r, 200)
	var ids []string
	r.json(s.t, &ids)
	return ids[0]
}

// TestContextActivityShapeIsNotAConflict checks the Statement Comparison
// Requirements (Data 2.3.1.s9 with 2.4.6.2.s4.b3): a single context
// Activity and an array of that one Activity are the same statement, for
// PUT and POST with an id already stored, in statements and SubStatements;
// a different array is a conflict.
func TestContextActivityShapeIsNotAConflict(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	asArrays := func(st map[string]any) map[string]any {
		ctx := st["context"].(map[string]any)["contextActivities"].(map[string]any)
		ctx["parent"] = []any{ctx["parent"]}
		ctx["category"] = []any{ctx["category"]}
		sub := st["object"].(map[string]any)["context"].(map[string]any)["contextActivities"].(map[string]any)
		sub["category"] = []any{sub["category"]}
		return st
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			for _, c := range []struct {
				name        string
				first, then map[string]any
			}{
				{"single then array", withSingleContextActivities("an"), asArrays(withSingleContextActivities("an"))},
				{"array then single", asArrays(withSingleContextActivities("an")), withSingleContextActivities("an")},
			} {
				id := uuid.NewString()
				c.first["id"], c.then["id"] = id, id
				expect(t, s.do(call{method: "PUT", path: "/xapi/statements", query: url.Values{"statementId": {id}}, body: c.first, version: v}), 204)
				if r := s.do(call{method: "PUT", path: "/xapi/statements", query: url.Values{"statementId": {id}}, body: c.then, version: v}); r.status != 204 {
					t.Errorf("%s: PUT again %d: %s", c.name, r.status, r.body)
				}
				if r := s.do(call{method: "POST", path: "/xapi/statements", body: []any{c.then}, version: v}); r.status != 200 {
					t.Errorf("%s: POST again %d: %s", c.name, r.status, r.body)
				}
				other := withSingleContextActivities("an")
				other["id"] = id
				other["context"].(map[string]any)["contextActivities"].(map[string]any)["parent"] = []any{
					map[string]any{"id": "https://hoctap.example/khoa-1"}, map[string]any{"id": "https://hoctap.example/khoa-2"}}
				if r := s.do(call{method: "POST", path: "/xapi/statements", body: other, version: v}); r.status != 409 {
					t.Errorf("%s: a different parent list: %d, want 409", c.name, r.status)
				}
			}
		})
	}
}

// TestSignedStatementWithSingleContextActivity checks signature
// verification (Data 2.6.s4; IEEE 9274.1.1 4.2.6: the JWS payload is
// "logically equivalent" to the statement): a payload with a single
// context Activity matches a statement with an array of it, and back.
func TestSignedStatementWithSingleContextActivity(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	sign := newSigner(t)
	arrays := func() map[string]any {
		st := withSingleContextActivities("an")
		ca := st["context"].(map[string]any)["contextActivities"].(map[string]any)
		ca["parent"], ca["category"] = []any{ca["parent"]}, []any{ca["category"]}
		return st
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			expect(t, s.postSigned(t, sign, withSingleContextActivities("an"), arrays(), v), 200)
			expect(t, s.postSigned(t, sign, arrays(), withSingleContextActivities("an"), v), 200)
			other := arrays()
			other["context"].(map[string]any)["contextActivities"].(map[string]any)["parent"] = []any{}
			expect(t, s.postSigned(t, sign, withSingleContextActivities("an"), other, v), 400)
		})
	}
}
