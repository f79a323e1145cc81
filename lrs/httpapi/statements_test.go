package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

func TestAboutNeedsNoCredentialsOrVersion(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	r := s.do(call{method: "GET", path: "/xapi/about", key: "-", version: "-"})
	expect(t, r, 200)
	var about struct {
		Version []string `json:"version"`
	}
	r.json(t, &about)
	if fmt.Sprint(about.Version) != "[1.0.3 2.0.0]" {
		t.Fatalf("versions %v", about.Version)
	}
}

func TestVersionHeader(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	cases := []struct {
		sent   string
		status int
		echoed string
	}{
		{"-", 400, "1.0.3"}, // the default of Config.DefaultVersion
		{"0.95", 400, "1.0.3"},
		{"3.0.0", 400, "1.0.3"},
		{"1.0.0", 200, "1.0.3"},
		{"1.0.3", 200, "1.0.3"},
		{"2.0.0", 200, "2.0.0"},
	}
	for _, c := range cases {
		r := s.do(call{method: "GET", path: "/xapi/statements", version: c.sent})
		if r.status != c.status || r.header.Get("X-Experience-API-Version") != c.echoed {
			t.Errorf("version %q: status %d header %q, want %d %q (%s)", c.sent, r.status, r.header.Get("X-Experience-API-Version"), c.status, c.echoed, r.body)
		}
	}
}

func TestAuthAndScopes(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	r := s.do(call{method: "GET", path: "/xapi/statements", key: "-"})
	expect(t, r, 401)
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("401 without a Basic challenge: %v", r.header)
	}
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", key: testKey, secret: "wrong"}), 401)
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", key: "nobody", secret: "x"}), 401)

	stateKey, stateSecret := s.credential(auth.ScopeState)
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", key: stateKey, secret: stateSecret}), 403)
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: statement("an", "completed", "bai-1"), key: stateKey, secret: stateSecret}), 403)

	readKey, readSecret := s.credential(auth.ScopeStatementsRead)
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", key: readKey, secret: readSecret}), 200)
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: statement("an", "completed", "bai-1"), key: readKey, secret: readSecret}), 403)

	// A revoked credential stops working at once.
	if err := s.registry.Revoke(t.Context(), readKey); err != nil {
		t.Fatal(err)
	}
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", key: readKey, secret: readSecret}), 401)
}

func TestReadMineSeesOnlyOwnStatements(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	mineKey, mineSecret := s.credential(auth.ScopeStatementsWrite, auth.ScopeStatementsReadMine)
	other := s.post(statement("an", "completed", "bai-1"))[0]
	r := s.do(call{method: "POST", path: "/xapi/statements", body: statement("binh", "completed", "bai-2"), key: mineKey, secret: mineSecret})
	expect(t, r, 200)
	var mine []string
	r.json(t, &mine)
	r = s.do(call{method: "GET", path: "/xapi/statements", key: mineKey, secret: mineSecret})
	expect(t, r, 200)
	var res statementResult
	r.json(t, &res)
	if fmt.Sprint(ids(res)) != fmt.Sprint(mine) {
		t.Fatalf("read/mine sees %v, want only %v", ids(res), mine)
	}
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {other}}, key: mineKey, secret: mineSecret}), 404)
}

func TestStoreAndGetWithLRSFields(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	before := time.Now().Add(-time.Second)
	st := statement("an", "completed", "bai-1")
	st["authority"] = map[string]any{"mbox": "mailto:forged@example.com"}
	id := s.post(st)[0]
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("LRS-assigned id %q is not a UUID", id)
	}
	r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {id}}})
	expect(t, r, 200)
	var got map[string]any
	r.json(t, &got)
	stored, err := time.Parse(time.RFC3339Nano, got["stored"].(string))
	if err != nil || stored.Before(before) || stored.After(time.Now().Add(time.Second)) {
		t.Errorf("stored = %v (%v)", got["stored"], err)
	}
	if got["timestamp"] != got["stored"] {
		t.Errorf("missing timestamp should be set to stored: %v vs %v", got["timestamp"], got["stored"])
	}
	if got["version"] != "2.0.0" {
		t.Errorf("version = %v", got["version"])
	}
	auth := got["authority"].(map[string]any)
	if acc, _ := auth["account"].(map[string]any); acc["name"] != testKey {
		t.Errorf("authority %v is not the credential's", auth)
	}
	if r.header.Get("Last-Modified") == "" || r.header.Get("X-Experience-API-Consistent-Through") == "" {
		t.Errorf("missing headers: %v", r.header)
	}
	ct, err := time.Parse(time.RFC3339Nano, r.header.Get("X-Experience-API-Consistent-Through"))
	if err != nil || ct.Before(stored.Add(-2*time.Millisecond)) {
		t.Errorf("consistent-through %v before the statement's stored %v", ct, stored)
	}
	// Given timestamp is kept; 1.0.3 requests default version to 1.0.0.
	st2 := statement("an", "completed", "bai-2")
	st2["timestamp"] = "2025-10-10T08:00:00+07:00"
	r = s.do(call{method: "POST", path: "/xapi/statements", body: st2, version: "1.0.3"})
	expect(t, r, 200)
	var id2 []string
	r.json(t, &id2)
	r = s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {id2[0]}}})
	r.json(t, &got)
	if got["timestamp"] != "2025-10-10T08:00:00+07:00" || got["version"] != "1.0.0" {
		t.Errorf("timestamp %v version %v", got["timestamp"], got["version"])
	}
}

func TestPutIdempotencyAndConflicts(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	id := uuid.NewString()
	st := statement("an", "completed", "bai-1")
	put := func(body any, q url.Values) response {
		return s.do(call{method: "PUT", path: "/xapi/statements", query: q, body: body})
	}
	expect(t, put(st, url.Values{"statementId": {id}}), 204)
	expect(t, put(st, url.Values{"statementId": {id}}), 204) // same content: no-op
	// Same statement with different key order and an upper-case id: still the same.
	expect(t, s.do(call{method: "PUT", path: "/xapi/statements", contentType: "application/json", query: url.Values{"statementId": {strings.ToUpper(id)}}, body: `{"object":{"id":"https://hoctap.example/bai-1","objectType":"Activity","definition":{"name":{"en-US":"bai-1","vi-VN":"bài bai-1"}}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"en-US":"completed","vi-VN":"động từ completed"}},"actor":{"name":"an","mbox":"mailto:an@example.com","objectType":"Agent"}}`}), 204)
	different := statement("an", "failed", "bai-1")
	expect(t, put(different, url.Values{"statementId": {id}}), 409)
	expect(t, put(st, nil), 400)
	expect(t, put(st, url.Values{"statementId": {"not-a-uuid"}}), 400)
	withID := statement("an", "completed", "bai-1")
	withID["id"] = uuid.NewString()
	expect(t, put(withID, url.Values{"statementId": {id}}), 400)
	expect(t, put(st, url.Values{"statementId": {uuid.NewString()}, "extra": {"1"}}), 400)
	// A POST of the stored id with other content is a conflict too.
	different["id"] = id
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: different}), 409)
	got := s.query(url.Values{"agent": {agentParam("an")}})
	if len(got.Statements) != 1 {
		t.Fatalf("%d statements stored, want 1", len(got.Statements))
	}
}

func TestBatchIsAllOrNothing(t *testing.T) {
	s := newLRS(t, httpapi.Limits{MaxBatch: 5})
	existing := s.post(statement("an", "completed", "bai-1"))[0]
	conflicting := statement("an", "failed", "bai-1")
	conflicting["id"] = existing
	invalidSt := statement("an", "completed", "bai-3")
	invalidSt["verb"] = map[string]any{"id": "not an iri"}
	dupID := uuid.NewString()
	a, b := statement("binh", "completed", "x"), statement("binh", "completed", "y")
	a["id"], b["id"] = dupID, dupID
	cases := []struct {
		name   string
		body   any
		status int
	}{
		{"one conflicting", []any{statement("binh", "completed", "bai-2"), conflicting}, 409},
		{"one invalid", []any{statement("binh", "completed", "bai-2"), invalidSt}, 400},
		{"duplicate ids", []any{a, b}, 400},
		{"too many", []any{statement("c", "v", "1"), statement("c", "v", "2"), statement("c", "v", "3"), statement("c", "v", "4"), statement("c", "v", "5"), statement("c", "v", "6")}, 413},
		{"empty array", []any{}, 400},
		{"not a statement", []any{"hello"}, 400},
	}
	for _, c := range cases {
		r := s.do(call{method: "POST", path: "/xapi/statements", body: c.body})
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
		}
	}
	if got := s.query(nil); len(got.Statements) != 1 {
		t.Fatalf("refused batches stored something: %v", ids(got))
	}
	// An equivalent re-POST of a stored statement inside a batch is fine.
	again := statement("an", "completed", "bai-1")
	again["id"] = existing
	got := s.post(again, statement("binh", "completed", "bai-2"))
	if got[0] != existing || len(got) != 2 {
		t.Fatalf("ids %v", got)
	}
	if all := s.query(nil); len(all.Statements) != 2 {
		t.Fatalf("%d statements, want 2", len(all.Statements))
	}
}

func TestMalformedRequests(t *testing.T) {
	s := newLRS(t, httpapi.Limits{MaxBody: 4096})
	cases := []struct {
		name   string
		c      call
		status int
	}{
		{"malformed JSON", call{method: "POST", path: "/xapi/statements", body: `{"actor":`, contentType: "application/json"}, 400},
		{"duplicate keys", call{method: "POST", path: "/xapi/statements", body: `{"actor":{"mbox":"mailto:a@b.c"},"actor":{"mbox":"mailto:d@e.f"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/o"}}`, contentType: "application/json"}, 400},
		{"trailing garbage", call{method: "POST", path: "/xapi/statements", body: `{"actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/o"}} x`, contentType: "application/json"}, 400},
		{"not JSON content type", call{method: "POST", path: "/xapi/statements", body: `hello`, contentType: "text/plain"}, 400},
		{"huge body", call{method: "POST", path: "/xapi/statements", body: strings.Repeat(" ", 5000) + `{}`, contentType: "application/json"}, 413},
		{"null property", call{method: "POST", path: "/xapi/statements", body: `{"actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/o"},"result":null}`, contentType: "application/json"}, 400},
		{"unknown query parameter", call{method: "GET", path: "/xapi/statements", query: url.Values{"foo": {"bar"}}}, 400},
		{"statementId with a filter", call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {uuid.NewString()}, "verb": {"http://x.y/v"}}}, 400},
		{"bad agent", call{method: "GET", path: "/xapi/statements", query: url.Values{"agent": {`{"name":"no ifi"}`}}}, 400},
		{"bad since", call{method: "GET", path: "/xapi/statements", query: url.Values{"since": {"yesterday"}}}, 400},
		{"bad limit", call{method: "GET", path: "/xapi/statements", query: url.Values{"limit": {"-1"}}}, 400},
		{"bad format", call{method: "GET", path: "/xapi/statements", query: url.Values{"format": {"full"}}}, 400},
		{"bad boolean", call{method: "GET", path: "/xapi/statements", query: url.Values{"ascending": {"yes"}}}, 400},
		{"unknown statement", call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {uuid.NewString()}}}, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(c.c)
			expect(t, r, c.status)
			var body struct {
				Error struct {
					Status  int    `json:"status"`
					Message string `json:"message"`
				} `json:"error"`
			}
			r.json(t, &body)
			if body.Error.Status != c.status || body.Error.Message == "" {
				t.Fatalf("error body %s", r.body)
			}
		})
	}
	// Validation errors name the field and the rule.
	r := s.do(call{method: "POST", path: "/xapi/statements", body: `[{"actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/o"}},{"actor":{"mbox":"a@b.c"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/o"}}]`, contentType: "application/json"})
	expect(t, r, 400)
	if !strings.Contains(string(r.body), `"path":"/1/actor/mbox"`) || !strings.Contains(string(r.body), `"rule":"ifi.mbox"`) {
		t.Fatalf("error does not name path and rule: %s", r.body)
	}
}

func TestQueries(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	reg := uuid.NewString()
	withReg := statement("an", "completed", "bai-1")
	withReg["context"] = map[string]any{"registration": reg, "contextActivities": map[string]any{"parent": []any{map[string]any{"id": "https://hoctap.example/khoa-1"}}},
		"instructor": map[string]any{"mbox": "mailto:thay@example.com"}}
	i1 := s.post(withReg)[0]
	i2 := s.post(statement("an", "passed", "bai-1"))[0]
	i3 := s.post(statement("binh", "completed", "bai-2"))[0]
	cases := []struct {
		name string
		q    url.Values
		want []string
	}{
		{"all newest first", nil, []string{i3, i2, i1}},
		{"ascending", url.Values{"ascending": {"true"}}, []string{i1, i2, i3}},
		{"agent", url.Values{"agent": {agentParam("an")}}, []string{i2, i1}},
		{"verb", url.Values{"verb": {"http://adlnet.gov/expapi/verbs/completed"}}, []string{i3, i1}},
		{"activity", url.Values{"activity": {"https://hoctap.example/bai-1"}}, []string{i2, i1}},
		{"agent+verb", url.Values{"agent": {agentParam("an")}, "verb": {"http://adlnet.gov/expapi/verbs/completed"}}, []string{i1}},
		{"registration", url.Values{"registration": {reg}}, []string{i1}},
		{"parent activity narrow", url.Values{"activity": {"https://hoctap.example/khoa-1"}}, []string{}},
		{"parent activity related", url.Values{"activity": {"https://hoctap.example/khoa-1"}, "related_activities": {"true"}}, []string{i1}},
		{"instructor related", url.Values{"agent": {agentParam("thay")}, "related_agents": {"true"}}, []string{i1}},
		{"limit", url.Values{"limit": {"1"}}, []string{i3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(s.query(c.q)); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	// since (exclusive) and until (inclusive) by stored time.
	var st map[string]any
	r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {i2}}})
	r.json(t, &st)
	got := ids(s.query(url.Values{"until": {st["stored"].(string)}, "ascending": {"true"}}))
	if len(got) < 2 || got[len(got)-1] != i2 {
		t.Fatalf("until %s: %v", st["stored"], got)
	}
	for _, id := range ids(s.query(url.Values{"since": {st["stored"].(string)}})) {
		if id == i2 || id == i1 {
			t.Fatalf("since %s returned %s", st["stored"], id)
		}
	}
}

func TestPagingStaysCorrectWhileStatementsArrive(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	for i := 0; i < 25; i++ {
		s.post(statement("an", "completed", fmt.Sprintf("bai-%d", i)))
	}
	for _, asc := range []bool{false, true} {
		// What exists when paging starts is the result, however many
		// statements arrive meanwhile.
		want := ids(s.query(url.Values{"agent": {agentParam("an")}, "ascending": {"true"}}))
		q := url.Values{"limit": {"10"}, "agent": {agentParam("an")}}
		if asc {
			q.Set("ascending", "true")
		}
		res := s.query(q)
		var got []string
		pages := 0
		for {
			pages++
			got = append(got, ids(res)...)
			// New statements keep arriving between pages.
			s.post(statement("an", "completed", "late"))
			if res.More == "" {
				break
			}
			if !strings.HasPrefix(res.More, "/xapi/statements?") {
				t.Fatalf("more %q is not a relative statements URL", res.More)
			}
			r := s.do(call{method: "GET", path: res.More})
			expect(t, r, 200)
			res = statementResult{}
			r.json(t, &res)
		}
		exp := append([]string(nil), want...)
		if !asc {
			for i, j := 0, len(exp)-1; i < j; i, j = i+1, j-1 {
				exp[i], exp[j] = exp[j], exp[i]
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(exp) || pages != (len(want)+9)/10 {
			t.Fatalf("asc=%v: %d pages\n got %v\nwant %v", asc, pages, got, exp)
		}
	}
}

func TestFormats(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	id := s.post(statement("an", "completed", "bai-1"))[0]
	get := func(q url.Values, lang string) map[string]any {
		q.Set("statementId", id)
		r := s.do(call{method: "GET", path: "/xapi/statements", query: q, headers: map[string]string{"Accept-Language": lang}})
		expect(t, r, 200)
		var st map[string]any
		r.json(t, &st)
		return st
	}
	idsF := get(url.Values{"format": {"ids"}}, "")
	if a := idsF["actor"].(map[string]any); a["name"] != nil || a["mbox"] == nil {
		t.Errorf("ids format actor: %v", a)
	}
	if o := idsF["object"].(map[string]any); o["definition"] != nil {
		t.Errorf("ids format object keeps its definition: %v", o)
	}
	canon := get(url.Values{"format": {"canonical"}}, "vi-VN")
	name := canon["object"].(map[string]any)["definition"].(map[string]any)["name"].(map[string]any)
	if len(name) != 1 || name["vi-VN"] == nil {
		t.Errorf("canonical with Accept-Language vi-VN: name %v", name)
	}
	exact := get(url.Values{"format": {"exact"}}, "vi-VN")
	if n := exact["object"].(map[string]any)["definition"].(map[string]any)["name"].(map[string]any); len(n) != 2 {
		t.Errorf("exact format dropped languages: %v", n)
	}
}

func TestVoiding(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	target := s.post(statement("an", "completed", "bai-1"))[0]
	voiding := map[string]any{
		"actor":  map[string]any{"mbox": "mailto:admin@example.com"},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"},
		"object": map[string]any{"objectType": "StatementRef", "id": target},
	}
	voidingID := s.post(voiding)[0]
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {target}}}), 404)
	r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"voidedStatementId": {target}}})
	expect(t, r, 200)
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"voidedStatementId": {voidingID}}}), 404)
	if got := ids(s.query(nil)); fmt.Sprint(got) != fmt.Sprint([]string{voidingID}) {
		t.Fatalf("query returns %v, want only the voiding statement", got)
	}
	// Voiding a statement the LRS has not seen is stored.
	unknown := uuid.NewString()
	voiding["object"] = map[string]any{"objectType": "StatementRef", "id": unknown}
	s.post(voiding)
	// A voiding statement must reference a statement.
	bad := map[string]any{"actor": map[string]any{"mbox": "mailto:admin@example.com"}, "verb": map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"}, "object": map[string]any{"id": "https://hoctap.example/bai-1"}}
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: bad}), 400)
}

func TestHeadAndCORS(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	s.post(statement("an", "completed", "bai-1"))
	r := s.do(call{method: "HEAD", path: "/xapi/statements"})
	expect(t, r, 200)
	if len(r.body) != 0 || r.header.Get("X-Experience-API-Consistent-Through") == "" {
		t.Fatalf("HEAD: body %q headers %v", r.body, r.header)
	}
	r = s.do(call{method: "OPTIONS", path: "/xapi/statements", key: "-", version: "-", headers: map[string]string{
		"Origin": "https://portal.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type,x-experience-api-version"}})
	if r.status >= 300 || r.header.Get("Access-Control-Allow-Origin") == "" || !strings.Contains(strings.ToLower(r.header.Get("Access-Control-Allow-Headers")), "x-experience-api-version") {
		t.Fatalf("CORS preflight: %d %v", r.status, r.header)
	}
}

func TestAlternateRequestSyntax(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	id := uuid.NewString()
	form := url.Values{
		"statementId":              {id},
		"X-Experience-API-Version": {"1.0.3"},
		"Authorization":            {"Basic dGVzdC1rZXk6dGVzdC1zZWNyZXQ="}, // test-key:test-secret
		"Content-Type":             {"application/json"},
		"content":                  {`{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}`},
	}
	r := s.do(call{method: "POST", path: "/xapi/statements", query: url.Values{"method": {"PUT"}}, body: form.Encode(), contentType: "application/x-www-form-urlencoded", key: "-", version: "-"})
	expect(t, r, 204)
	expect(t, s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {id}}}), 200)
	// GET through the alternate syntax.
	get := url.Values{"statementId": {id}, "X-Experience-API-Version": {"1.0.3"}, "Authorization": form["Authorization"]}
	r = s.do(call{method: "POST", path: "/xapi/statements", query: url.Values{"method": {"GET"}}, body: get.Encode(), contentType: "application/x-www-form-urlencoded", key: "-", version: "-"})
	expect(t, r, 200)
	// Extra query parameters, a non-POST, and xAPI 2.0 are refused.
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", query: url.Values{"method": {"PUT"}, "statementId": {id}}, body: form.Encode(), contentType: "application/x-www-form-urlencoded"}), 400)
	expect(t, s.do(call{method: "PUT", path: "/xapi/statements", query: url.Values{"method": {"PUT"}}, body: form.Encode(), contentType: "application/x-www-form-urlencoded"}), 400)
	form.Set("X-Experience-API-Version", "2.0.0")
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", query: url.Values{"method": {"PUT"}}, body: form.Encode(), contentType: "application/x-www-form-urlencoded", key: "-", version: "-"}), 400)
}

func TestConcurrentWritersOfOneID(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	for round := 0; round < 5; round++ {
		id := uuid.NewString()
		const writers = 8
		statuses := make([]int, writers)
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				// Every writer sends different content under the same id.
				r := s.do(call{method: "PUT", path: "/xapi/statements", query: url.Values{"statementId": {id}}, body: statement(fmt.Sprintf("w%d", w), "completed", "bai-1")})
				statuses[w] = r.status
			}(w)
		}
		wg.Wait()
		won := 0
		for _, st := range statuses {
			switch st {
			case 204:
				won++
			case 409:
			default:
				t.Fatalf("unexpected status %d", st)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d writers won (statuses %v)", round, won, statuses)
		}
	}
}

// stuckVisibility holds every WaitFor until released, as a statement index
// that has fallen far behind would.
type stuckVisibility struct {
	next    lrs.Visibility
	release chan struct{}
}

func (v stuckVisibility) WaitFor(ctx context.Context, pos eventstore.Position) error {
	select {
	case <-v.release:
		return v.next.WaitFor(ctx, pos)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A write whose statements are durable answers 200 after VisibleWithin
// even when the query API has not caught up, instead of holding the
// client; the statements are stored and show up once it catches up.
func TestStatementWriteAnswersWhenVisibilityLags(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unstick := func() { once.Do(func() { close(release) }) }
	// The index comes unstuck by itself after a while, so that a
	// regression fails below instead of hanging the suite.
	timer := time.AfterFunc(30*time.Second, unstick)
	defer timer.Stop()
	s := newLRSWith(t, httpapi.Limits{VisibleWithin: 200 * time.Millisecond}, func(v lrs.Visibility) lrs.Visibility {
		return stuckVisibility{next: v, release: release}
	})
	start := time.Now()
	ids := s.post(statement("lan", "completed", "bai-1"))
	select {
	case <-release:
		t.Fatal("POST answered only once the index caught up")
	default:
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Fatalf("POST answered after %s, before VisibleWithin: it did not wait for visibility", waited)
	}
	if len(ids) != 1 {
		t.Fatalf("ids = %v", ids)
	}
	unstick()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {ids[0]}}})
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored statement %s not found: %d %s", ids[0], r.status, r.body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
