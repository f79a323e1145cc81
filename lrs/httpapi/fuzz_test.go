package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

// The fuzz targets below cover every input surface of the xAPI API: a
// statement body as JSON and as multipart/mixed, documents, the query
// parameters of GET /statements and its more tokens. Whatever arrives,
// the LRS must answer (no hang: the test client gives up after two
// minutes), with a status below 500, without a panic, and within memory
// linear in the input: judge fails an input whose request allocated more
// than fuzzAllocBase + fuzzAllocPerByte per byte of input (the whole
// process, server and client, is counted, so the bound is loose; it
// catches the superlinear cases, such as the duplicate-key scan whose
// memory grew with the square of the depth). The seed corpora run in
// every `go test`; `go test -fuzz FuzzX ./lrs/httpapi` explores.
const (
	fuzzAllocBase    = 64 << 20
	fuzzAllocPerByte = 256
)

// judge sends c and fails the input on a transport error (a hang), a 5xx
// or memory beyond the bound for n bytes of input.
func judge(t *testing.T, srv *lrsServer, c call, n int) response {
	t.Helper()
	var r response
	var err error
	alloc := allocated(func() { r, err = srv.try(c) })
	if err != nil {
		t.Fatalf("%s %s?%s: %v", c.method, c.path, c.query.Encode(), err)
	}
	if r.status >= 500 {
		t.Fatalf("%s %s?%s: status %d: %s", c.method, c.path, c.query.Encode(), r.status, r.body)
	}
	if limit := uint64(fuzzAllocBase + fuzzAllocPerByte*n); alloc > limit {
		t.Fatalf("%s %s: %d bytes of input took %d MiB (bound %d MiB)", c.method, c.path, n, alloc>>20, limit>>20)
	}
	return r
}

// fuzzLRS is one LRS for every input of a fuzz target (inputs only add
// data, and each answer is judged on its own), with a few statements to
// read.
func fuzzLRS(f *testing.F) *lrsServer {
	srv := newLRS(f, httpapi.Limits{MaxBody: 1 << 20, MaxBatch: 50, MaxPageBytes: 64 << 10})
	for i := 0; i < 3; i++ {
		srv.post(statement("an", "completed", "bai-"+strings.Repeat("x", i)))
	}
	return srv
}

// inputSeeds are bodies that probe the bounds of docs/limits.md.
var inputSeeds = []string{
	`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/act/1"},"result":{"score":{"raw":1e400}}}`,
	`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/act/1"},"result":{"score":{"raw":1` + strings.Repeat("0", 5000) + `}}}`,
	`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://x.y/v"},"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/o"},"context":{"extensions":{"http://x.y/e":1e309}}}}`,
	`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://x.y/v"},"object":{"id":"http://x.y/o"},"result":{"score":{"scaled":1e-1000000,"min":-1e-400}}}`,
	strings.Repeat("[", 30000) + strings.Repeat("]", 30000),
	strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70),
	`{"` + strings.Repeat("k", 20000) + `":{"x":1,"x":2,"x":3}}`,
	`[` + strings.Repeat(`{"a":1,"a":1},`, 200) + `{}]`,
}

// FuzzPostStatements sends arbitrary bodies and query strings to the
// statements resource.
func FuzzPostStatements(f *testing.F) {
	seeds := []string{
		`{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}`,
		`[{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"}}]`,
		`{"actor":{"objectType":"Group","member":[]},"verb":{"id":"x"},"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://x.y/z"},"object":{"objectType":"StatementRef","id":"00000000-0000-0000-0000-000000000000"}}}`,
		`{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"not-a-uuid"}}`,
		`{"id":"7ccd3322-e1a5-411a-a67d-6a735c76f119","actor":{"account":{"homePage":"http://x.y","name":"n"}},"verb":{"id":"http://x.y/v","display":{"vi-VN":"xong","":"x"}},"object":{"id":"http://x.y/o"},"result":{"score":{"scaled":2},"duration":"PT1H"},"timestamp":"2026-13-40T25:61:61Z"}`,
		`{"actor":null}`, `[]`, `[1,2,3]`, `"string"`, `{`, `{"a":1,"a":2}`, "\xff\xfe", `{"context":{"extensions":{"not an iri":1}}}`,
	}
	for _, s := range append(seeds, inputSeeds...) {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(`{}`), "statementId=7ccd3322-e1a5-411a-a67d-6a735c76f119")
	f.Add([]byte(`{}`), "agent=%7B%22mbox%22%3A1%7D&since=x")
	srv := fuzzLRS(f)
	f.Fuzz(func(t *testing.T, body []byte, rawQuery string) {
		srv := *srv
		srv.t = t
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			q = nil
		}
		for _, method := range []string{"POST", "PUT", "GET"} {
			judge(t, &srv, call{method: method, path: "/xapi/statements", query: q, body: body, contentType: "application/json"}, len(body)+len(rawQuery))
		}
	})
}

// FuzzPostStatementsMultipart sends multipart/mixed statement requests:
// the statements part, the raw header lines of an attachment part and its
// data are arbitrary (the boundary is fixed, so that mutations reach the
// parts rather than the framing).
func FuzzPostStatementsMultipart(f *testing.F) {
	data := []byte("chứng chỉ số")
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	st := `{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"},` +
		`"attachments":[{"usageType":"http://id.tincanapi.com/attachment/certificate","display":{"vi-VN":"chứng chỉ"},"contentType":"text/plain","length":` +
		`17,"sha2":"` + hash + `"}]}`
	signed := `{"actor":{"mbox":"mailto:an@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://hoctap.example/bai-1"},` +
		`"attachments":[{"usageType":"http://adlnet.gov/expapi/attachments/signature","display":{"en-US":"signature"},"contentType":"application/octet-stream","length":10,"sha2":"` + hash + `"}]}`
	hdrs := "Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + hash + "\r\n"
	f.Add([]byte(st), []byte(hdrs), data)
	f.Add([]byte(`[`+st+`,`+st+`]`), []byte(hdrs), data)
	f.Add([]byte(st), []byte("Content-Type: text/plain\r\nX-Experience-API-Hash: 00\r\n"), data)
	f.Add([]byte(st), []byte("Content-Type: text/plain\r\n"), data)
	f.Add([]byte(st), []byte("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\nX-Experience-API-Hash: "+hash+"\r\n"), data)
	f.Add([]byte(signed), []byte("Content-Type: application/octet-stream\r\nX-Experience-API-Hash: "+hash+"\r\n"), []byte("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
	f.Add([]byte(`{}`), []byte(""), []byte(""))
	for _, s := range inputSeeds {
		f.Add([]byte(s), []byte(hdrs), data)
	}
	srv := fuzzLRS(f)
	const boundary = "fuzz-boundary-9c1f"
	f.Fuzz(func(t *testing.T, statements, header, attachment []byte) {
		srv := *srv
		srv.t = t
		var body bytes.Buffer
		body.WriteString("--" + boundary + "\r\nContent-Type: application/json\r\n\r\n")
		body.Write(statements)
		body.WriteString("\r\n--" + boundary + "\r\n")
		body.Write(header)
		body.WriteString("\r\n")
		body.Write(attachment)
		body.WriteString("\r\n--" + boundary + "--\r\n")
		for _, method := range []string{"POST", "PUT"} {
			var q url.Values
			if method == "PUT" {
				q = url.Values{"statementId": {"7ccd3322-e1a5-411a-a67d-6a735c76f119"}}
			}
			judge(t, &srv, call{method: method, path: "/xapi/statements", query: q, body: body.Bytes(),
				contentType: "multipart/mixed; boundary=" + boundary}, body.Len())
		}
	})
}

// FuzzDocuments sends arbitrary requests to the document resources (State,
// Activity Profile, Agent Profile) and the Activities and Agents
// resources: method, resource, query string, body, Content-Type and
// concurrency header.
func FuzzDocuments(f *testing.F) {
	methods := []string{"GET", "PUT", "POST", "DELETE", "HEAD"}
	paths := []string{"/xapi/activities/state", "/xapi/activities/profile", "/xapi/agents/profile", "/xapi/activities", "/xapi/agents"}
	agent := url.QueryEscape(`{"mbox":"mailto:an@example.com"}`)
	act := url.QueryEscape("https://hoctap.example/bai-1")
	seeds := []struct {
		method, path        uint8
		query, body, ct, im string
	}{
		{1, 0, "activityId=" + act + "&agent=" + agent + "&stateId=s1", `{"a":1}`, "application/json", ""},
		{2, 0, "activityId=" + act + "&agent=" + agent + "&stateId=s1", `{"b":{"c":[1,2]}}`, "application/json", ""},
		{2, 0, "activityId=" + act + "&agent=" + agent + "&stateId=s1", `{"n":1e400}`, "application/json", ""},
		{2, 0, "activityId=" + act + "&agent=" + agent + "&stateId=s1", `{"d":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "application/json", ""},
		{0, 0, "activityId=" + act + "&agent=" + agent + "&since=1600-01-01T00:00:00Z", "", "", ""},
		{3, 0, "activityId=" + act + "&agent=" + agent, "", "", ""},
		{1, 1, "activityId=" + act + "&profileId=p1", "binary\x00data", "application/octet-stream", `"abc"`},
		{1, 1, "activityId=" + act + "&profileId=p1", "{}", "application/json", "*"},
		{2, 2, "agent=" + agent + "&profileId=p1", `{"x":"y"}`, "application/json; charset=utf-8", ""},
		{0, 2, "agent=" + url.QueryEscape(`{"mbox":"mailto:a@b.c","x":1e400}`), "", "", ""},
		{0, 2, "agent=" + url.QueryEscape(strings.Repeat("[", 1000)), "", "", ""},
		{0, 3, "activityId=" + act, "", "", ""},
		{0, 4, "agent=" + agent, "", "", ""},
		{4, 0, "activityId=" + act + "&agent=" + agent + "&stateId=s1&registration=not-a-uuid", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, []byte(s.body), s.ct, s.im)
	}
	srv := fuzzLRS(f)
	f.Fuzz(func(t *testing.T, method, path uint8, rawQuery string, body []byte, contentType, ifMatch string) {
		srv := *srv
		srv.t = t
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			q = nil
		}
		c := call{method: methods[int(method)%len(methods)], path: paths[int(path)%len(paths)], query: q, body: body, contentType: contentType}
		if ifMatch != "" && validHeaderValue(ifMatch) {
			c.headers = map[string]string{"If-Match": ifMatch}
		}
		if !validHeaderValue(contentType) {
			c.contentType = "application/json"
		}
		judge(t, &srv, c, len(rawQuery)+len(body)+len(contentType)+len(ifMatch))
	})
}

// validHeaderValue reports whether an HTTP client can send v as a header
// value (RFC 9110 field-value: visible characters, space, tab, obs-text).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzGetStatements sends arbitrary query strings and more tokens to GET
// /xapi/statements: token is either the raw value of more or, base64url
// encoded, what a token carries.
func FuzzGetStatements(f *testing.F) {
	queries := []string{
		"", "limit=1", "limit=0&ascending=true", "limit=99999999999999999999", "since=1969-12-31T23:59:59Z", "until=1600-01-01T00:00:00Z",
		"since=0000-01-01T00:00:00Z&until=9999-12-31T23:59:59.999Z", "until=0001-01-01T00:00:00Z", "format=canonical&attachments=true",
		"agent=" + url.QueryEscape(`{"mbox":"mailto:an@example.com"}`) + "&related_agents=true",
		"agent=" + url.QueryEscape(`{"mbox":"mailto:a@b.c","n":1e400}`), "verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fcompleted",
		"statementId=7ccd3322-e1a5-411a-a67d-6a735c76f119&format=ids", "registration=x&activity=y",
	}
	tokens := []string{
		`{"p":"limit=1","u":1893456000000000000,"a":{"s":1,"q":1}}`,
		`{"p":"limit=1&ascending=true","u":-9223372036854775808,"a":{"s":-1,"q":18446744073709551615}}`,
		`{"p":"since=1600-01-01T00:00:00Z","u":9223372036854775807,"a":{"s":9223372036854775807,"q":0}}`,
		`{"p":"%zz","u":0}`, `{"p":"more=x"}`, `null`, `[]`, `{"a":{"s":1e400}}`,
	}
	for _, q := range queries {
		f.Add(q, "")
	}
	for _, tok := range tokens {
		f.Add("", tok)
		f.Add("limit=2", tok)
	}
	f.Add("more=!!!", "")
	srv := fuzzLRS(f)
	f.Fuzz(func(t *testing.T, rawQuery, token string) {
		srv := *srv
		srv.t = t
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			q = nil
		}
		if token != "" {
			if q == nil {
				q = url.Values{}
			}
			q.Set("more", base64.RawURLEncoding.EncodeToString([]byte(token)))
		}
		for _, method := range []string{"GET", "HEAD"} {
			r := judge(t, &srv, call{method: method, path: "/xapi/statements", query: q}, len(rawQuery)+len(token))
			if r.status == 200 && method == "GET" && !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/") {
				var res statementResult
				r.json(t, &res) // a 200 is always a whole StatementResult (or statement)
			}
		}
	})
}
