package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/lrs/httpapi"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/documentindex"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// lrsServer is a whole LRS (embedded store, statement index, writer,
// credentials, HTTP API) behind an httptest server.
type lrsServer struct {
	t        testing.TB
	URL      string
	registry *auth.Registry
	store    eventstore.Store
	// clock is the documents' and the credentials' clock: real time
	// unless a test sets it.
	clock *testClock
}

// testClock is a clock a test can stop and move.
type testClock struct {
	mu  sync.Mutex
	now time.Time // zero: real time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

// Set stops the clock at t (zero: real time again).
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

const (
	testKey    = "test-key"
	testSecret = "test-secret"
)

func newLRS(t testing.TB, limits httpapi.Limits) *lrsServer {
	t.Helper()
	return newLRSWith(t, limits, nil)
}

// newLRSWith is newLRS with the statement visibility wrapped (nil: as is)
// and the API's configuration changed by configure.
func newLRSWith(t testing.TB, limits httpapi.Limits, wrap func(lrs.Visibility) lrs.Visibility, configure ...func(*httpapi.Config)) *lrsServer {
	t.Helper()
	dir := t.TempDir()
	store, err := pebblestore.Open(filepath.Join(dir, "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := statementindex.Open(filepath.Join(dir, "index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := attachments.OpenStore(filepath.Join(dir, "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	docIx, err := documentindex.Open(filepath.Join(dir, "documents"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := documentindex.OpenDefinitions(filepath.Join(dir, "definitions"), nil)
	if err != nil {
		t.Fatal(err)
	}
	quarantine := projections.NewLogQuarantine(store)
	run := projections.NewRunner(store, ix, projections.Options{Quarantine: quarantine})
	docRun := projections.NewRunner(store, docIx, projections.Options{Quarantine: quarantine})
	defRun := projections.NewRunner(store, defs, projections.Options{Quarantine: quarantine})
	ctx, cancel := context.WithCancel(context.Background())
	var runners sync.WaitGroup
	for _, r := range []*projections.Runner{run, docRun, defRun} {
		runners.Add(1)
		go func() { defer runners.Done(); _ = r.Run(ctx) }()
	}
	clock := &testClock{}
	// The lowest bcrypt cost keeps the many credential checks quick.
	reg := auth.NewRegistryWith(store, slog.New(slog.DiscardHandler), auth.Options{Cost: bcrypt.MinCost, Now: clock.Now})
	if err := reg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reg.Seed(ctx, testKey, testSecret, "test", "https://lrs.test/"); err != nil {
		t.Fatal(err)
	}
	rm := statementindex.Live{Index: ix, Runner: run}
	var vis lrs.Visibility = rm
	if wrap != nil {
		vis = wrap(rm)
	}
	writer := lrs.NewStatementWriter(store, rm, lrs.WriterOptions{})
	docs := documents.New(store, blobs, documentindex.Live{Index: docIx, Runner: docRun}, documents.Options{
		Definitions: documentindex.LiveDefinitions{Definitions: defs, Runner: defRun},
		Now:         clock.Now,
	})
	e := echo.New()
	cfg := httpapi.Config{
		Auth: reg, Statements: rm, Writer: writer, Visibility: vis, Blobs: blobs, Documents: docs, Limits: limits,
		ConsistentThrough: func() time.Time { return ix.ConsistentThrough() },
		Build:             httpapi.BuildInfo{Name: "hocvu", Version: "test"},
	}
	for _, f := range configure {
		f(&cfg)
	}
	httpapi.New(cfg).Mount(e)
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		writer.Close()
		cancel()
		runners.Wait()
		_ = ix.Close()
		_ = docIx.Close()
		_ = defs.Close()
		_ = store.Close()
	})
	return &lrsServer{t: t, URL: srv.URL, registry: reg, store: store, clock: clock}
}

// credential adds a credential with the given scopes and returns its key.
func (s *lrsServer) credential(scopes ...string) (string, string) {
	s.t.Helper()
	key, secret := auth.NewKey(), auth.NewSecret()
	if err := s.registry.Set(context.Background(), auth.Credential{Key: key, Name: "scoped", Scopes: scopes, AuthorityHome: "https://lrs.test/"}, secret); err != nil {
		s.t.Fatal(err)
	}
	return key, secret
}

// call is one request to the LRS.
type call struct {
	method, path string
	query        url.Values
	body         any // []byte, string, or a value to encode as JSON
	contentType  string
	version      string // "" means 2.0.0; "-" sends none
	key, secret  string // "" means the test credential; "-" sends none
	headers      map[string]string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON (%d): %v\n%s", r.status, err, r.body)
	}
}

func (s *lrsServer) do(c call) response {
	s.t.Helper()
	r, err := s.try(c)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// testClient gives up on a request after two minutes, so that a request
// the LRS never answers fails its test instead of hanging the suite.
var testClient = &http.Client{Timeout: 2 * time.Minute}

// try is do for goroutines other than the test's: it returns errors
// instead of failing the test.
func (s *lrsServer) try(c call) (response, error) {
	var body io.Reader
	ct := c.contentType
	switch b := c.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		body = bytes.NewReader(data)
		if ct == "" {
			ct = "application/json"
		}
	}
	u := s.URL + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	req, err := http.NewRequest(c.method, u, body)
	if err != nil {
		return response{}, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	switch c.version {
	case "":
		req.Header.Set("X-Experience-API-Version", "2.0.0")
	case "-":
	default:
		req.Header.Set("X-Experience-API-Version", c.version)
	}
	switch c.key {
	case "":
		req.SetBasicAuth(testKey, testSecret)
	case "-":
	default:
		req.SetBasicAuth(c.key, c.secret)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	res, err := testClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: res.StatusCode, header: res.Header, body: data}, nil
}

// expect fails the test unless the response has the status.
func expect(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
}

func statement(actor, verb, activity string) map[string]any {
	return map[string]any{
		"actor":  map[string]any{"objectType": "Agent", "mbox": "mailto:" + actor + "@example.com", "name": actor},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/" + verb, "display": map[string]any{"en-US": verb, "vi-VN": "động từ " + verb}},
		"object": map[string]any{"objectType": "Activity", "id": "https://hoctap.example/" + activity, "definition": map[string]any{"name": map[string]any{"en-US": activity, "vi-VN": "bài " + activity}}},
	}
}

func agentParam(actor string) string {
	b, _ := json.Marshal(map[string]any{"mbox": "mailto:" + actor + "@example.com"})
	return string(b)
}

// post stores statements and returns their ids.
func (s *lrsServer) post(sts ...map[string]any) []string {
	s.t.Helper()
	var body any = sts
	if len(sts) == 1 {
		body = sts[0]
	}
	r := s.do(call{method: "POST", path: "/xapi/statements", body: body})
	expect(s.t, r, 200)
	var ids []string
	r.json(s.t, &ids)
	return ids
}

type statementResult struct {
	Statements []map[string]any `json:"statements"`
	More       string           `json:"more"`
}

func (s *lrsServer) query(q url.Values) statementResult {
	s.t.Helper()
	r := s.do(call{method: "GET", path: "/xapi/statements", query: q})
	expect(s.t, r, 200)
	var res statementResult
	r.json(s.t, &res)
	return res
}

func ids(sr statementResult) []string {
	out := []string{}
	for _, st := range sr.Statements {
		out = append(out, st["id"].(string))
	}
	return out
}
