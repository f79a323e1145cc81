package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // the xAPI ETag
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

const (
	testActivity = "https://hoctap.example/bai-1"
	anMbox       = "mailto:an@example.com"
)

var anAgent = `{"objectType":"Agent","mbox":"` + anMbox + `","name":"An"}`

// docRes is one document resource under test.
type docRes struct {
	name    string
	path    string
	idParam string
	res     documents.Resource
	// base are the parameters other than the id.
	base func() url.Values
}

var (
	stateRes = docRes{"state", "/xapi/activities/state", "stateId", documents.State, func() url.Values {
		return url.Values{"activityId": {testActivity}, "agent": {anAgent}}
	}}
	activityProfileRes = docRes{"activity profile", "/xapi/activities/profile", "profileId", documents.ActivityProfile, func() url.Values {
		return url.Values{"activityId": {testActivity}}
	}}
	agentProfileRes = docRes{"agent profile", "/xapi/agents/profile", "profileId", documents.AgentProfile, func() url.Values {
		return url.Values{"agent": {anAgent}}
	}}
	allRes   = []docRes{stateRes, activityProfileRes, agentProfileRes}
	versions = []string{"1.0.3", "2.0.0"}
)

// q returns the resource's parameters with the document id.
func (r docRes) q(id string) url.Values {
	v := r.base()
	v.Set(r.idParam, id)
	return v
}

// key returns the document key of id (for reading its stream).
func (r docRes) key(id string) documents.Key {
	k := documents.Key{Resource: r.res, ID: id}
	if r.res != documents.AgentProfile {
		k.ActivityID = testActivity
	}
	if r.res != documents.ActivityProfile {
		k.Agent = "mbox:" + anMbox
	}
	return k
}

func etagOf(content []byte) string {
	sum := sha1.Sum(content) //nolint:gosec // the xAPI ETag
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func hdr(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// create stores a document with If-None-Match: * (valid for every resource).
func (s *lrsServer) create(r docRes, id, ct string, body []byte, version string) {
	s.t.Helper()
	expect(s.t, s.do(call{method: "PUT", path: r.path, query: r.q(id), body: body, contentType: ct, version: version,
		headers: hdr("If-None-Match", "*")}), 204)
}

func (s *lrsServer) getDoc(r docRes, id, version string) response {
	s.t.Helper()
	return s.do(call{method: "GET", path: r.path, query: r.q(id), version: version})
}

func (s *lrsServer) ids(r docRes, q url.Values, version string) []string {
	s.t.Helper()
	res := s.do(call{method: "GET", path: r.path, query: q, version: version})
	expect(s.t, res, 200)
	var ids []string
	res.json(s.t, &ids)
	sort.Strings(ids)
	return ids
}

func TestDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		for _, r := range allRes {
			t.Run(v+"/"+r.name, func(t *testing.T) {
				t.Parallel()
				s := newLRS(t, httpapi.Limits{})
				cases := []struct {
					id, ct string
					body   []byte
				}{
					{"json", "application/json", []byte(`{"tiến độ": 0.5, "trang": [1, 2, 3]}`)},
					{"text", "text/plain; charset=utf-8", []byte("Xin chào\n")},
					{"no-type", "", []byte{0, 1, 2, 0xff}},
					{"empty", "application/octet-stream", []byte{}},
					{"vi-VN tài liệu/? &=#", "application/xml", []byte("<a/>")},
				}
				for _, c := range cases {
					s.create(r, c.id, c.ct, c.body, v)
					got := s.getDoc(r, c.id, v)
					expect(t, got, 200)
					if !bytes.Equal(got.body, c.body) {
						t.Errorf("%s: body %q, want %q", c.id, got.body, c.body)
					}
					wantCT := c.ct
					if wantCT == "" {
						wantCT = "application/octet-stream"
					}
					if ct := got.header.Get("Content-Type"); ct != wantCT {
						t.Errorf("%s: Content-Type %q, want %q", c.id, ct, wantCT)
					}
					if et := got.header.Get("ETag"); et != etagOf(c.body) {
						t.Errorf("%s: ETag %q, want %q", c.id, et, etagOf(c.body))
					}
					if !regexp.MustCompile(`^"[0-9a-f]{40}"$`).MatchString(got.header.Get("ETag")) {
						t.Errorf("%s: ETag %q is not a quoted SHA-1", c.id, got.header.Get("ETag"))
					}
					if _, err := http.ParseTime(got.header.Get("Last-Modified")); err != nil {
						t.Errorf("%s: Last-Modified %q: %v", c.id, got.header.Get("Last-Modified"), err)
					}
					if got.header.Get("X-Experience-API-Version") == "" {
						t.Errorf("%s: no version header", c.id)
					}
				}
				expect(t, s.getDoc(r, "missing", v), 404)
			})
		}
	}
}

func TestLargeAndBinaryDocuments(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	big := make([]byte, 10<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	for i, r := range allRes {
		ct := []string{"application/octet-stream", "image/png", "application/pdf"}[i]
		id := "big-" + ct
		s.create(r, id, ct, big, "")
		got := s.getDoc(r, id, "")
		expect(t, got, 200)
		if !bytes.Equal(got.body, big) {
			t.Fatalf("%s %s: the 10 MiB document did not round-trip byte for byte (%d bytes back)", r.name, ct, len(got.body))
		}
		if got.header.Get("Content-Type") != ct || got.header.Get("Content-Length") != strconv.Itoa(len(big)) || got.header.Get("ETag") != etagOf(big) {
			t.Errorf("%s: headers %v", r.name, got.header)
		}
	}
}

func TestDocumentBodyLimit(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{MaxBody: 1024})
	for _, r := range allRes {
		for _, m := range []string{"PUT", "POST"} {
			res := s.do(call{method: m, path: r.path, query: r.q("too-big"), body: bytes.Repeat([]byte("x"), 2048),
				contentType: "text/plain", headers: hdr("If-None-Match", "*")})
			expect(t, res, 413)
		}
		expect(t, s.getDoc(r, "too-big", ""), 404)
	}
}

func TestDocumentParameters(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	for _, r := range allRes {
		s.create(r, "doc", "application/json", []byte(`{}`), "")
	}
	with := func(r docRes, id string, change func(url.Values)) url.Values {
		q := r.base()
		if id != "" {
			q.Set(r.idParam, id)
		}
		change(q)
		return q
	}
	del := func(k string) func(url.Values) { return func(q url.Values) { q.Del(k) } }
	set := func(k, v string) func(url.Values) { return func(q url.Values) { q.Set(k, v) } }
	add := func(k, v string) func(url.Values) { return func(q url.Values) { q.Add(k, v) } }
	none := func(url.Values) {}
	type tc struct {
		name    string
		r       docRes
		methods []string
		id      string
		change  func(url.Values)
		version string
		status  int
	}
	all := []string{"GET", "PUT", "POST", "DELETE"}
	cases := []tc{
		{"missing activityId", stateRes, all, "doc", del("activityId"), "", 400},
		{"missing activityId", activityProfileRes, all, "doc", del("activityId"), "", 400},
		{"activityId not an IRI", stateRes, all, "doc", set("activityId", "1"), "", 400},
		{"activityId not an IRI", activityProfileRes, all, "doc", set("activityId", "true"), "", 400},
		{"missing agent", stateRes, all, "doc", del("agent"), "", 400},
		{"missing agent", agentProfileRes, all, "doc", del("agent"), "", 400},
		{"agent not JSON", stateRes, all, "doc", set("agent", "not JSON"), "", 400},
		{"agent true", agentProfileRes, all, "doc", set("agent", "true"), "", 400},
		{"agent without IFI", agentProfileRes, all, "doc", set("agent", `{"key":"value"}`), "", 400},
		{"agent with two IFIs", stateRes, all, "doc", set("agent", `{"mbox":"mailto:a@b.c","openid":"http://a.example/"}`), "", 400},
		{"agent is a group", agentProfileRes, all, "doc", set("agent", `{"objectType":"Group","member":[{"mbox":"mailto:a@b.c"}]}`), "", 400},
		{"agent mbox not mailto", stateRes, all, "doc", set("agent", `{"mbox":"a@b.c"}`), "", 400},
		{"registration not a UUID", stateRes, all, "doc", set("registration", "not UUID"), "", 400},
		{"registration true", stateRes, all, "doc", set("registration", "true"), "", 400},
		{"unknown parameter", stateRes, all, "doc", set("extra", "1"), "", 400},
		{"wrong case", stateRes, all, "", set("StateId", "doc"), "", 400},
		{"registration on a profile", activityProfileRes, all, "doc", set("registration", "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"), "", 400},
		{"agent on an activity profile", activityProfileRes, all, "doc", set("agent", anAgent), "", 400},
		{"activityId on an agent profile", agentProfileRes, all, "doc", set("activityId", testActivity), "", 400},
		{"repeated parameter", stateRes, all, "doc", add("activityId", testActivity), "", 400},
		{"empty id", agentProfileRes, all, "", set("profileId", ""), "", 400},
		{"missing stateId", stateRes, []string{"PUT", "POST"}, "", none, "", 400},
		{"missing profileId", activityProfileRes, []string{"PUT", "POST", "DELETE"}, "", none, "", 400},
		{"missing profileId", agentProfileRes, []string{"PUT", "POST", "DELETE"}, "", none, "", 400},
		{"since not a timestamp", stateRes, []string{"GET"}, "", set("since", "not a timestamp"), "", 400},
		{"since true", agentProfileRes, []string{"GET"}, "", set("since", "true"), "", 400},
		{"since on a write", stateRes, []string{"PUT", "POST", "DELETE"}, "doc", set("since", "2020-01-01T00:00:00Z"), "", 400},
		{"since with stateId in 2.0", stateRes, []string{"GET"}, "doc", set("since", "2020-01-01T00:00:00Z"), "2.0.0", 400},
		{"since with profileId in 2.0", activityProfileRes, []string{"GET"}, "doc", set("since", "2020-01-01T00:00:00Z"), "2.0.0", 400},
		{"since with stateId in 1.0.3 is ignored", stateRes, []string{"GET"}, "doc", set("since", "2020-01-01T00:00:00Z"), "1.0.3", 200},
		{"registration accepted", stateRes, []string{"GET"}, "", set("registration", "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE"), "", 200},
		{"since accepted", stateRes, []string{"GET"}, "", set("since", "2020-01-01T00:00:00.000+07:00"), "", 200},
		{"agent with account", agentProfileRes, []string{"GET"}, "", set("agent", `{"account":{"homePage":"https://hoctap.example","name":"an"}}`), "", 200},
	}
	for _, c := range cases {
		for _, m := range c.methods {
			var body any
			if m == "PUT" || m == "POST" {
				body = `{"x":1}`
			}
			res := s.do(call{method: m, path: c.r.path, query: with(c.r, c.id, c.change), body: body, contentType: "application/json",
				version: c.version, headers: hdr("If-None-Match", "*")})
			if res.status != c.status {
				t.Errorf("%s %s %s: status %d, want %d: %s", c.r.name, m, c.name, res.status, c.status, res.body)
			}
			if res.status == 400 {
				var e struct {
					Error struct{ Message string } `json:"error"`
				}
				if json.Unmarshal(res.body, &e) != nil || e.Error.Message == "" {
					t.Errorf("%s %s %s: 400 without an explanation: %s", c.r.name, m, c.name, res.body)
				}
			}
		}
	}
	// Nothing a refused request sent was stored.
	for _, r := range allRes {
		got := s.getDoc(r, "doc", "")
		expect(t, got, 200)
		if string(got.body) != `{}` {
			t.Errorf("%s: a refused request changed the document: %s", r.name, got.body)
		}
	}
}

// TestConcurrencyHeaders checks If-Match / If-None-Match and the rules for
// writes without them (1.0.3 Communication 3.1, 2.0 4.1.4), per resource
// and version.
func TestConcurrencyHeaders(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		for _, r := range allRes {
			t.Run(v+"/"+r.name, func(t *testing.T) {
				t.Parallel()
				s := newLRS(t, httpapi.Limits{})
				v1 := []byte(`{"v":1}`)
				v2 := []byte(`{"v":2}`)
				put := func(body []byte, h map[string]string) response {
					return s.do(call{method: "PUT", path: r.path, query: r.q("d"), body: body, contentType: "application/json", version: v, headers: h})
				}
				post := func(body []byte, h map[string]string) response {
					return s.do(call{method: "POST", path: r.path, query: r.q("d"), body: body, contentType: "application/json", version: v, headers: h})
				}
				del := func(h map[string]string) response {
					return s.do(call{method: "DELETE", path: r.path, query: r.q("d"), version: v, headers: h})
				}
				content := func() string {
					t.Helper()
					g := s.getDoc(r, "d", v)
					if g.status == 404 {
						return "<none>"
					}
					expect(t, g, 200)
					return string(g.body)
				}

				// Absent document.
				expect(t, put(v1, hdr("If-Match", etagOf(v1))), 412)
				expect(t, put(v1, hdr("If-Match", "*")), 412)
				expect(t, post(v1, hdr("If-Match", etagOf(v1))), 412)
				expect(t, del(hdr("If-Match", etagOf(v1))), 412)
				expect(t, del(nil), 204) // deleting nothing is fine
				if r.res == documents.State {
					expect(t, put(v1, nil), 204) // State permits writes without headers
					expect(t, del(nil), 204)
				} else {
					res := put(v1, nil)
					expect(t, res, 400) // a profile PUT must carry a concurrency header
					if !strings.Contains(string(res.body), "If-None-Match") {
						t.Errorf("the 400 does not say what to send: %s", res.body)
					}
				}
				if got := content(); got != "<none>" {
					t.Fatalf("refused writes stored %s", got)
				}

				// Create with If-None-Match: *, which then fails.
				expect(t, put(v1, hdr("If-None-Match", "*")), 204)
				expect(t, put(v2, hdr("If-None-Match", "*")), 412)
				expect(t, post(v2, hdr("If-None-Match", "*")), 412)
				expect(t, put(v2, hdr("If-None-Match", etagOf(v1))), 412)
				expect(t, put(v2, hdr("If-None-Match", `W/`+etagOf(v1))), 412) // weak comparison
				if got := content(); got != string(v1) {
					t.Fatalf("content %s after failed preconditions", got)
				}

				// If-Match: wrong, unquoted, weak, then right.
				for _, bad := range []string{`"1111111111111111111111111111111111111111"`, "1234", `W/` + etagOf(v1), etagOf(v2)} {
					expect(t, put(v2, hdr("If-Match", bad)), 412)
					expect(t, post([]byte(`{"x":1}`), hdr("If-Match", bad)), 412)
					expect(t, del(hdr("If-Match", bad)), 412)
				}
				if got := content(); got != string(v1) {
					t.Fatalf("content %s after failed If-Match", got)
				}
				res := put(v2, hdr("If-Match", etagOf(v1)))
				expect(t, res, 204)
				if res.header.Get("ETag") != etagOf(v2) {
					t.Errorf("PUT answered ETag %q, want %q", res.header.Get("ETag"), etagOf(v2))
				}
				expect(t, put(v2, hdr("If-Match", strings.ToUpper(etagOf(v2)))), 204) // hex case does not matter
				expect(t, put(v2, hdr("If-Match", `"abc", `+etagOf(v2))), 204)        // a list
				expect(t, put(v2, hdr("If-Match", "*")), 204)
				expect(t, put(v2, hdr("If-None-Match", etagOf(v1))), 204) // lists another tag

				// PUT without headers to an existing document.
				res = put(v1, nil)
				if r.res == documents.State && v == "1.0.3" {
					expect(t, res, 204) // 1.0.3: State permits PUT without headers
					if got := content(); got != string(v1) {
						t.Fatalf("content %s, want overwritten", got)
					}
					expect(t, put(v2, nil), 204)
				} else {
					expect(t, res, 409)
					if !strings.Contains(string(res.body), "If-Match") {
						t.Errorf("the 409 does not explain what to do: %s", res.body)
					}
					if got := content(); got != string(v2) {
						t.Fatalf("a 409 changed the document to %s", got)
					}
				}

				// POST with the right If-Match merges.
				expect(t, post([]byte(`{"w":3}`), hdr("If-Match", etagOf(v2))), 204)
				merged := []byte(`{"v":2,"w":3}`)
				if got := content(); got != string(merged) {
					t.Fatalf("merged %s, want %s", got, merged)
				}
				// POST without headers merges too.
				expect(t, post([]byte(`{"v":4}`), nil), 204)
				merged = []byte(`{"v":4,"w":3}`)
				// DELETE with the right ETag.
				expect(t, del(hdr("If-Match", etagOf(merged))), 204)
				expect(t, s.getDoc(r, "d", v), 404)
				expect(t, del(hdr("If-Match", "*")), 412)
				// Re-create after delete.
				expect(t, put(v1, hdr("If-None-Match", "*")), 204)
				expect(t, del(nil), 204)
				expect(t, s.getDoc(r, "d", v), 404)
			})
		}
	}
}

func TestDocumentMerge(t *testing.T) {
	t.Parallel()
	for _, r := range allRes {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := newLRS(t, httpapi.Limits{})
			post := func(id string, body string, ct string) response {
				return s.do(call{method: "POST", path: r.path, query: r.q(id), body: body, contentType: ct})
			}
			// POST to an absent document stores it as sent, whatever it is.
			expect(t, post("new-text", "1", "application/x-www-form-urlencoded"), 204)
			expect(t, post("new-json", `{"car":{"make":"Ford","model":"Escape"},"driver":"Dale","n":12345678901234567890}`, "application/json; charset=utf-8"), 204)
			if g := s.getDoc(r, "new-text", ""); string(g.body) != "1" || g.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
				t.Errorf("stored %q as %q", g.body, g.header.Get("Content-Type"))
			}
			// Top-level merge: whole properties are replaced; numbers keep their text.
			expect(t, post("new-json", `{"car":{"make":"Dodge"},"series":"nextel"}`, "application/json"), 204)
			g := s.getDoc(r, "new-json", "")
			if string(g.body) != `{"car":{"make":"Dodge"},"driver":"Dale","n":12345678901234567890,"series":"nextel"}` {
				t.Errorf("merged to %s", g.body)
			}
			if g.header.Get("Content-Type") != "application/json; charset=utf-8" || g.header.Get("ETag") != etagOf(g.body) {
				t.Errorf("merged headers %v", g.header)
			}
			before := string(g.body)
			// Refused merges change nothing.
			for _, c := range []struct{ name, body, ct string }{
				{"posted not JSON type", "abc", "application/x-www-form-urlencoded"},
				{"posted not JSON type (octet)", `{"a":1}`, "application/octet-stream"},
				{"posted invalid JSON", `{"a":`, "application/json"},
				{"posted trailing data", `{"a":1}{`, "application/json"},
				{"posted array", `[1,2]`, "application/json"},
				{"posted string", `"s"`, "application/json"},
				{"posted null", `null`, "application/json"},
				// The bounds of docs/limits.md hold wherever the LRS parses JSON.
				{"posted number out of range", `{"score":{"raw":1e400}}`, "application/json"},
				{"posted too deep", `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "application/json"},
			} {
				res := post("new-json", c.body, c.ct)
				if res.status != 400 {
					t.Errorf("%s: status %d, want 400", c.name, res.status)
				}
			}
			if g := s.getDoc(r, "new-json", ""); string(g.body) != before {
				t.Errorf("a refused merge changed the document to %s", g.body)
			}
			// Existing document not JSON.
			expect(t, post("new-text", `{"a":1}`, "application/json"), 400)
			// Existing document JSON-typed but not an object.
			s.create(r, "json-array", "application/json", []byte(`[1]`), "")
			expect(t, post("json-array", `{"a":1}`, "application/json"), 400)
			if g := s.getDoc(r, "new-text", ""); string(g.body) != "1" {
				t.Errorf("refused merge changed %q", g.body)
			}
			// HTML-ish characters stay as sent.
			expect(t, post("new-json", `{"html":"<b>&</b>"}`, "application/json"), 204)
			if g := s.getDoc(r, "new-json", ""); !strings.Contains(string(g.body), `"html":"<b>&</b>"`) {
				t.Errorf("merged %s", g.body)
			}
		})
	}
}

func TestDocumentListAndSince(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)
	reg1, reg2 := "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", "0d5d3b6c-84b0-4b39-9bde-6cbc34c2d9d4"
	for _, r := range allRes {
		s.clock.Set(t0)
		s.create(r, "a", "application/json", []byte(`{}`), "")
		s.clock.Set(t0.Add(time.Second))
		s.create(r, "b", "text/plain", []byte(`b`), "")
		s.clock.Set(t0.Add(2 * time.Second))
		s.create(r, "c", "text/plain", []byte(`c`), "")
		if got := s.getDoc(r, "a", ""); got.header.Get("Last-Modified") != t0.Format(http.TimeFormat) {
			t.Errorf("%s: Last-Modified %q, want %q", r.name, got.header.Get("Last-Modified"), t0.Format(http.TimeFormat))
		}
		list := func(change func(url.Values)) string {
			q := r.base()
			change(q)
			return fmt.Sprint(s.ids(r, q, ""))
		}
		since := func(ts string) func(url.Values) { return func(q url.Values) { q.Set("since", ts) } }
		for _, c := range []struct {
			change func(url.Values)
			want   string
		}{
			{func(url.Values) {}, "[a b c]"},
			{since(t0.Add(-time.Millisecond).Format(time.RFC3339Nano)), "[a b c]"},
			{since(t0.Format(time.RFC3339Nano)), "[b c]"}, // exclusive
			{since(t0.Add(time.Second).In(time.FixedZone("ICT", 7*3600)).Format(time.RFC3339Nano)), "[c]"},
			{since(t0.Add(time.Hour).Format(time.RFC3339)), "[]"},
		} {
			if got := list(c.change); got != c.want {
				t.Errorf("%s: list %s, want %s", r.name, got, c.want)
			}
		}
		// An update moves a document past since; a delete removes it.
		s.clock.Set(t0.Add(3 * time.Second))
		expect(t, s.do(call{method: "POST", path: r.path, query: r.q("a"), body: `{"x":1}`, contentType: "application/json"}), 204)
		expect(t, s.do(call{method: "DELETE", path: r.path, query: r.q("b")}), 204)
		if got := list(since(t0.Add(2500 * time.Millisecond).Format(time.RFC3339Nano))); got != "[a]" {
			t.Errorf("%s: after update and delete: %s", r.name, got)
		}
		if got := list(func(url.Values) {}); got != "[a c]" {
			t.Errorf("%s: after delete: %s", r.name, got)
		}
		// HEAD of the list.
		h := s.do(call{method: "HEAD", path: r.path, query: r.base()})
		if h.status != 200 || len(h.body) != 0 || h.header.Get("ETag") == "" {
			t.Errorf("%s: HEAD list: %d %q %v", r.name, h.status, h.body, h.header)
		}
	}
	s.clock.Set(time.Time{})

	// Other Activities and Agents are not listed.
	other := url.Values{"activityId": {"https://hoctap.example/other"}, "agent": {anAgent}}
	if got := s.ids(stateRes, other, ""); len(got) != 0 {
		t.Errorf("another activity lists %v", got)
	}
	// The same Agent written differently (other name, no objectType) is the same Agent.
	sameAgent := url.Values{"activityId": {testActivity}, "agent": {`{"mbox":"` + anMbox + `","name":"Another name"}`}}
	if got := s.ids(stateRes, sameAgent, ""); fmt.Sprint(got) != "[a c]" {
		t.Errorf("the same agent by IFI lists %v", got)
	}

	// Registrations: without registration the list covers all of them.
	st := func(id, reg string) url.Values {
		q := stateRes.q(id)
		if reg != "" {
			q.Set("registration", reg)
		}
		return q
	}
	for _, x := range []struct{ id, reg string }{{"r1-only", reg1}, {"shared", reg1}, {"shared", reg2}, {"r2-only", strings.ToUpper(reg2)}} {
		expect(t, s.do(call{method: "PUT", path: stateRes.path, query: st(x.id, x.reg), body: x.id + x.reg, contentType: "text/plain"}), 204)
	}
	reg := func(r string) url.Values {
		q := stateRes.base()
		if r != "" {
			q.Set("registration", r)
		}
		return q
	}
	for _, c := range []struct{ reg, want string }{
		{reg1, "[r1-only shared]"},
		{strings.ToUpper(reg2), "[r2-only shared]"},
		{"", "[a c r1-only r2-only shared]"},
	} {
		if got := fmt.Sprint(s.ids(stateRes, reg(c.reg), "")); got != c.want {
			t.Errorf("registration %q lists %s, want %s", c.reg, got, c.want)
		}
	}
	// A document id is addressed with its registration.
	if g := s.do(call{method: "GET", path: stateRes.path, query: st("shared", reg2)}); string(g.body) != "shared"+reg2 {
		t.Errorf("shared under reg2: %s", g.body)
	}
	expect(t, s.do(call{method: "GET", path: stateRes.path, query: st("shared", "")}), 404)
}

func TestStateDeleteAll(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			s := newLRS(t, httpapi.Limits{})
			reg1, reg2 := "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", "0d5d3b6c-84b0-4b39-9bde-6cbc34c2d9d4"
			put := func(q url.Values, reg, id string) {
				q = url.Values{"activityId": q["activityId"], "agent": q["agent"], "stateId": {id}}
				if reg != "" {
					q.Set("registration", reg)
				}
				expect(t, s.do(call{method: "PUT", path: stateRes.path, query: q, body: "x", contentType: "text/plain", version: v}), 204)
			}
			mine := stateRes.base()
			otherAgent := url.Values{"activityId": {testActivity}, "agent": {`{"mbox":"mailto:binh@example.com"}`}}
			otherActivity := url.Values{"activityId": {"https://hoctap.example/bai-2"}, "agent": {anAgent}}
			for _, id := range []string{"s1", "s2"} {
				put(mine, "", id)
				put(mine, reg1, id)
				put(mine, reg2, id)
				put(otherAgent, "", id)
				put(otherActivity, reg1, id)
			}
			// DELETE with a registration removes only that registration's state.
			q := stateRes.base()
			q.Set("registration", reg1)
			expect(t, s.do(call{method: "DELETE", path: stateRes.path, query: q, version: v}), 204)
			if got := s.ids(stateRes, q, v); len(got) != 0 {
				t.Errorf("reg1 still lists %v", got)
			}
			q.Set("registration", reg2)
			if got := fmt.Sprint(s.ids(stateRes, q, v)); got != "[s1 s2]" {
				t.Errorf("reg2 lists %s", got)
			}
			// Concurrency headers make no sense for several documents.
			expect(t, s.do(call{method: "DELETE", path: stateRes.path, query: stateRes.base(), version: v, headers: hdr("If-Match", `"x"`)}), 400)
			// Without registration: every registration.
			expect(t, s.do(call{method: "DELETE", path: stateRes.path, query: stateRes.base(), version: v}), 204)
			if got := s.ids(stateRes, stateRes.base(), v); len(got) != 0 {
				t.Errorf("after delete all: %v", got)
			}
			expect(t, s.getDoc(stateRes, "s1", v), 404)
			// Others untouched.
			if got := fmt.Sprint(s.ids(stateRes, otherAgent, v)); got != "[s1 s2]" {
				t.Errorf("other agent lists %s", got)
			}
			if got := fmt.Sprint(s.ids(stateRes, otherActivity, v)); got != "[s1 s2]" {
				t.Errorf("other activity lists %s", got)
			}
			// Deleting nothing is fine.
			expect(t, s.do(call{method: "DELETE", path: stateRes.path, query: stateRes.base(), version: v}), 204)
		})
	}
}

// TestConcurrentWritersRace races writers on one document: with the same
// If-Match exactly one wins; concurrent creations with If-None-Match: *
// have one winner; merges without headers all apply (no lost update).
func TestConcurrentWritersRace(t *testing.T) {
	t.Parallel()
	const n = 16
	race := func(t *testing.T, s *lrsServer, n int, mk func(i int) call) []int {
		t.Helper()
		statuses := make([]int, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := s.try(mk(i))
				statuses[i], errs[i] = res.status, err
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return statuses
	}
	count := func(statuses []int) map[int]int {
		m := map[int]int{}
		for _, st := range statuses {
			m[st]++
		}
		return m
	}
	for _, r := range allRes {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := newLRS(t, httpapi.Limits{})
			v0 := []byte(`{"writer":"none"}`)
			s.create(r, "d", "application/json", v0, "")
			for _, method := range []string{"PUT", "POST", "DELETE"} {
				etag := s.getDoc(r, "d", "").header.Get("ETag")
				statuses := race(t, s, n, func(i int) call {
					c := call{method: method, path: r.path, query: r.q("d"), headers: hdr("If-Match", etag)}
					if method != "DELETE" {
						// Contents differ from every earlier one: ETags are
						// content hashes, so rewriting the same content would
						// keep the ETag and rightly let another If-Match pass.
						c.body, c.contentType = fmt.Sprintf(`{"round":%q,"writer":%d}`, method, i), "application/json"
					}
					return c
				})
				if got := count(statuses); got[204] != 1 || got[412] != n-1 {
					t.Fatalf("%s with one If-Match: %v, want one 204 and %d 412", method, got, n-1)
				}
				if method == "DELETE" {
					expect(t, s.getDoc(r, "d", ""), 404)
					continue
				}
				winner := -1
				for i, st := range statuses {
					if st == 204 {
						winner = i
					}
				}
				var doc map[string]any
				s.getDoc(r, "d", "").json(t, &doc)
				if fmt.Sprint(doc["writer"]) != strconv.Itoa(winner) {
					t.Fatalf("%s: document %v, want the winner's (%d)", method, doc, winner)
				}
			}
			// Racing creations.
			statuses := race(t, s, n, func(i int) call {
				return call{method: "PUT", path: r.path, query: r.q("d"), body: fmt.Sprintf(`{"creator":%d}`, i), contentType: "application/json",
					headers: hdr("If-None-Match", "*")}
			})
			if got := count(statuses); got[204] != 1 || got[412] != n-1 {
				t.Fatalf("creations: %v", got)
			}
			// Racing merges without headers: every key arrives.
			s.create(r, "m", "application/json", []byte(`{}`), "")
			statuses = race(t, s, n, func(i int) call {
				return call{method: "POST", path: r.path, query: r.q("m"), body: fmt.Sprintf(`{"k%02d":%d}`, i, i), contentType: "application/json"}
			})
			if got := count(statuses); got[204] != n {
				t.Fatalf("merges: %v", got)
			}
			var doc map[string]any
			s.getDoc(r, "m", "").json(t, &doc)
			if len(doc) != n {
				t.Fatalf("merged document has %d keys, want %d: %v", len(doc), n, doc)
			}
		})
	}
	// Racing State PUTs without headers: under 2.0 the first creates and
	// the others find it existing (409); under 1.0.3 all overwrite.
	for _, v := range versions {
		t.Run("state without headers "+v, func(t *testing.T) {
			t.Parallel()
			s := newLRS(t, httpapi.Limits{})
			const m = 8
			statuses := race(t, s, m, func(i int) call {
				return call{method: "PUT", path: stateRes.path, query: stateRes.q("p"), body: strconv.Itoa(i), contentType: "text/plain", version: v}
			})
			got := count(statuses)
			if v == "1.0.3" && got[204] != m || v == "2.0.0" && (got[204] != 1 || got[409] != m-1) {
				t.Fatalf("%v", got)
			}
		})
	}
}

func TestDocumentScopes(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	stateKey, stateSecret := s.credential(auth.ScopeState)
	profileKey, profileSecret := s.credential(auth.ScopeProfile)
	readKey, readSecret := s.credential(auth.ScopeAllRead)
	stmtKey, stmtSecret := s.credential(auth.ScopeStatementsWrite, auth.ScopeStatementsRead)
	defineKey, defineSecret := s.credential(auth.ScopeDefine)
	for _, r := range allRes {
		s.create(r, "d", "text/plain", []byte("x"), "")
	}
	type cred struct{ key, secret string }
	for _, c := range []struct {
		name   string
		cred   cred
		r      docRes
		method string
		status int
	}{
		{"state reads state", cred{stateKey, stateSecret}, stateRes, "GET", 200},
		{"state writes state", cred{stateKey, stateSecret}, stateRes, "PUT", 204},
		{"state cannot read profiles", cred{stateKey, stateSecret}, activityProfileRes, "GET", 403},
		{"state cannot write profiles", cred{stateKey, stateSecret}, agentProfileRes, "PUT", 403},
		{"profile writes activity profile", cred{profileKey, profileSecret}, activityProfileRes, "PUT", 204},
		{"profile reads agent profile", cred{profileKey, profileSecret}, agentProfileRes, "GET", 200},
		{"profile cannot read state", cred{profileKey, profileSecret}, stateRes, "GET", 403},
		{"all/read reads state", cred{readKey, readSecret}, stateRes, "GET", 200},
		{"all/read reads profiles", cred{readKey, readSecret}, agentProfileRes, "HEAD", 200},
		{"all/read cannot write", cred{readKey, readSecret}, stateRes, "DELETE", 403},
		{"all/read cannot put", cred{readKey, readSecret}, activityProfileRes, "PUT", 403},
		{"statements scopes cannot read documents", cred{stmtKey, stmtSecret}, stateRes, "GET", 403},
		{"define cannot write documents", cred{defineKey, defineSecret}, agentProfileRes, "POST", 403},
		{"no credentials", cred{"-", ""}, stateRes, "GET", 401},
	} {
		var body any
		h := hdr("If-Match", etagOf([]byte("x")))
		if c.method == "PUT" || c.method == "POST" {
			body = "x"
		}
		if c.method == "GET" || c.method == "HEAD" {
			h = nil
		}
		res := s.do(call{method: c.method, path: c.r.path, query: c.r.q("d"), body: body, contentType: "text/plain", key: c.cred.key, secret: c.cred.secret, headers: h})
		if res.status != c.status {
			t.Errorf("%s: %s %s: status %d, want %d: %s", c.name, c.method, c.r.path, res.status, c.status, res.body)
		}
	}
	// Activities and Agents.
	for _, c := range []struct {
		name   string
		cred   cred
		status int
	}{
		{"all/read", cred{readKey, readSecret}, 200},
		{"define", cred{defineKey, defineSecret}, 200},
		{"state", cred{stateKey, stateSecret}, 200},
		{"statements/read", cred{stmtKey, stmtSecret}, 200},
	} {
		for _, path := range []string{"/xapi/activities?activityId=" + url.QueryEscape(testActivity), "/xapi/agents?agent=" + url.QueryEscape(anAgent)} {
			res := s.do(call{method: "GET", path: path, key: c.cred.key, secret: c.cred.secret})
			if res.status != c.status {
				t.Errorf("%s: GET %s: %d, want %d", c.name, path, res.status, c.status)
			}
		}
	}
	writeOnly, writeSecret := s.credential(auth.ScopeStatementsWrite)
	expect(t, s.do(call{method: "GET", path: "/xapi/agents?agent=" + url.QueryEscape(anAgent), key: writeOnly, secret: writeSecret}), 403)
}

func TestDocumentHeadAndVersionHeader(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	for _, r := range allRes {
		s.create(r, "d", "text/plain", []byte("hello"), "")
		res := s.do(call{method: "HEAD", path: r.path, query: r.q("d")})
		if res.status != 200 || len(res.body) != 0 || res.header.Get("ETag") != etagOf([]byte("hello")) || res.header.Get("Last-Modified") == "" {
			t.Errorf("%s: HEAD %d %q %v", r.name, res.status, res.body, res.header)
		}
		expect(t, s.do(call{method: "GET", path: r.path, query: r.q("d"), version: "-"}), 400)
		for _, v := range []string{"1.0.3", "2.0.0"} {
			if got := s.getDoc(r, "d", v).header.Get("X-Experience-API-Version"); got != v {
				t.Errorf("%s: version header %q for %s", r.name, got, v)
			}
		}
	}
}

func TestDocumentAlternateSyntax(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	form := url.Values{
		"activityId": {testActivity}, "agent": {anAgent}, "stateId": {"alt"},
		"X-Experience-API-Version": {"1.0.3"}, "Content-Type": {"application/json"},
		"content": {`{"via":"form"}`},
	}
	res := s.do(call{method: "POST", path: "/xapi/activities/state", query: url.Values{"method": {"PUT"}}, body: form.Encode(),
		contentType: "application/x-www-form-urlencoded", version: "1.0.3"})
	expect(t, res, 204)
	got := s.getDoc(stateRes, "alt", "1.0.3")
	if string(got.body) != `{"via":"form"}` || got.header.Get("Content-Type") != "application/json" {
		t.Errorf("stored %q as %q", got.body, got.header.Get("Content-Type"))
	}
}

// TestDocumentEvents checks that every change is an event on the
// document's own stream, in the documented format.
func TestDocumentEvents(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	reg := "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"
	q := stateRes.q("ev")
	q.Set("registration", strings.ToUpper(reg))
	expect(t, s.do(call{method: "PUT", path: stateRes.path, query: q, body: `{"a":1}`, contentType: "application/json", version: "1.0.3"}), 204)
	expect(t, s.do(call{method: "POST", path: stateRes.path, query: q, body: `{"b":2}`, contentType: "application/json"}), 204)
	expect(t, s.do(call{method: "DELETE", path: stateRes.path, query: q}), 204)
	key := stateRes.key("ev")
	key.Registration = reg
	if !regexp.MustCompile(`^xapi-doc-[0-9a-f]{64}$`).MatchString(key.Stream()) {
		t.Fatalf("stream name %q", key.Stream())
	}
	evs, err := s.store.ReadStream(context.Background(), key.Stream(), eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].Type != documents.EventDocumentSet || evs[1].Type != documents.EventDocumentSet || evs[2].Type != documents.EventDocumentDeleted {
		t.Fatalf("events %v", evs)
	}
	var set, merged map[string]any
	if err := json.Unmarshal(evs[0].Data, &set); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(evs[1].Data, &merged); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"resource": "state", "activityId": testActivity, "agent": "mbox:" + anMbox, "registration": reg, "id": "ev",
		"contentType": "application/json", "size": 7.0, "sha1": strings.Trim(etagOf([]byte(`{"a":1}`)), `"`)}
	for k, v := range want {
		if set[k] != v {
			t.Errorf("set event %s = %v, want %v", k, set[k], v)
		}
	}
	if merged["merged"] != true || merged["sha1"] != strings.Trim(etagOf([]byte(`{"a":1,"b":2}`)), `"`) {
		t.Errorf("merge event %v", merged)
	}
	var meta documents.Meta
	if err := json.Unmarshal(evs[0].Metadata, &meta); err != nil || meta.Credential != testKey || meta.XAPIVersion != "1.0.3" || meta.Method != "PUT" {
		t.Errorf("metadata %s (%v)", evs[0].Metadata, err)
	}
	var deleted documents.DeletedData
	if err := json.Unmarshal(evs[2].Data, &deleted); err != nil || deleted.Key() != key || deleted.Updated.IsZero() {
		t.Errorf("deleted event %s (%v)", evs[2].Data, err)
	}
	// Content is not in the events.
	for _, ev := range evs {
		if bytes.Contains(ev.Data, []byte(`"a":1`)) {
			t.Errorf("event carries the document: %s", ev.Data)
		}
	}
}

func TestActivitiesResource(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	get := func(id string) map[string]any {
		t.Helper()
		res := s.do(call{method: "GET", path: "/xapi/activities", query: url.Values{"activityId": {id}}})
		expect(t, res, 200)
		var obj map[string]any
		res.json(t, &obj)
		return obj
	}
	// Unknown: the plain Activity.
	if got := get("https://hoctap.example/unknown"); fmt.Sprint(got) != fmt.Sprint(map[string]any{"objectType": "Activity", "id": "https://hoctap.example/unknown"}) {
		t.Errorf("unknown activity: %v", got)
	}
	// Learned from a statement stored with define (the test key has "all"),
	// visible at once.
	st := statement("an", "completed", "bai-1")
	st["object"].(map[string]any)["definition"].(map[string]any)["extensions"] = map[string]any{"https://hoctap.example/ext/level": 3}
	s.post(st)
	want, _ := json.Marshal(st["object"])
	if got, _ := json.Marshal(get(testActivity)); string(got) != string(want) {
		t.Errorf("activity %s, want %s", got, want)
	}
	// A credential without define changes nothing.
	noDefine, noDefineSecret := s.credential(auth.ScopeStatementsWrite)
	st2 := statement("an", "completed", "bai-1")
	st2["object"].(map[string]any)["definition"] = map[string]any{"name": map[string]any{"en-US": "hijacked"}}
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: st2, key: noDefine, secret: noDefineSecret}), 200)
	if got, _ := json.Marshal(get(testActivity)); string(got) != string(want) {
		t.Errorf("a statement without define changed the definition: %s", got)
	}
	// With define the newer definition merges: languages and extensions
	// add up, other properties are replaced.
	st3 := statement("binh", "attempted", "bai-1")
	st3["object"].(map[string]any)["definition"] = map[string]any{
		"name":        map[string]any{"en-US": "Lesson 1", "fr-FR": "Leçon 1"},
		"description": map[string]any{"vi-VN": "Bài học đầu tiên"},
		"type":        "http://adlnet.gov/expapi/activities/lesson",
		"extensions":  map[string]any{"https://hoctap.example/ext/minutes": 15},
	}
	// Context activities count too.
	st3["context"] = map[string]any{"contextActivities": map[string]any{"parent": []any{
		map[string]any{"id": "https://hoctap.example/khoa-1", "definition": map[string]any{"name": map[string]any{"vi-VN": "Khoá 1"}}},
	}}}
	s.post(st3)
	got := get(testActivity)
	def := got["definition"].(map[string]any)
	if fmt.Sprint(def["name"]) != fmt.Sprint(map[string]any{"en-US": "Lesson 1", "fr-FR": "Leçon 1", "vi-VN": "bài bai-1"}) ||
		def["type"] != "http://adlnet.gov/expapi/activities/lesson" || len(def["extensions"].(map[string]any)) != 2 || def["description"] == nil {
		t.Errorf("merged definition %v", def)
	}
	if parent := get("https://hoctap.example/khoa-1"); parent["definition"] == nil {
		t.Errorf("context activity not learned: %v", parent)
	}
	for _, c := range []struct {
		q      string
		status int
	}{
		{"", 400},
		{"activityId=not-an-iri", 400},
		{"activityId=" + url.QueryEscape(testActivity) + "&extra=1", 400},
		{"activityId=" + url.QueryEscape(testActivity) + "&activityId=" + url.QueryEscape(testActivity), 400},
	} {
		expect(t, s.do(call{method: "GET", path: "/xapi/activities?" + c.q}), c.status)
	}
	h := s.do(call{method: "HEAD", path: "/xapi/activities", query: url.Values{"activityId": {testActivity}}})
	if h.status != 200 || len(h.body) != 0 {
		t.Errorf("HEAD activities: %d %q", h.status, h.body)
	}
}

func TestAgentsResource(t *testing.T) {
	t.Parallel()
	s := newLRS(t, httpapi.Limits{})
	for _, v := range versions {
		for _, c := range []struct {
			agent string
			want  string
		}{
			{anAgent, `{"mbox":["mailto:an@example.com"],"name":["An"],"objectType":"Person"}`},
			{`{"account":{"homePage":"https://hoctap.example","name":"an"}}`, `{"account":[{"homePage":"https://hoctap.example","name":"an"}],"objectType":"Person"}`},
			{`{"mbox_sha1sum":"ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}`, `{"mbox_sha1sum":["ebd31e95054c018b10727ccffd2ef2ec3a016ee9"],"objectType":"Person"}`},
			{`{"openid":"https://openid.example/an"}`, `{"objectType":"Person","openid":["https://openid.example/an"]}`},
		} {
			res := s.do(call{method: "GET", path: "/xapi/agents", query: url.Values{"agent": {c.agent}}, version: v})
			expect(t, res, 200)
			var got any
			res.json(t, &got)
			if b, _ := json.Marshal(got); string(b) != c.want {
				t.Errorf("%s: Person %s, want %s", v, b, c.want)
			}
		}
		for _, bad := range []url.Values{
			{},
			{"agent": {"not JSON"}},
			{"agent": {`{"key":"value"}`}},
			{"agent": {`{"objectType":"Group","member":[{"mbox":"mailto:a@b.c"}]}`}},
			{"agent": {anAgent}, "extra": {"1"}},
		} {
			expect(t, s.do(call{method: "GET", path: "/xapi/agents", query: bad, version: v}), 400)
		}
	}
}
