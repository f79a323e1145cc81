package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/internal/proctest"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
)

// poisonEvents are two statement events appended below the LRS's
// validation: the statement of issue 12 with a score of 1e400 (which the
// read models now decode leniently, so it is stored and served), and one
// that no projection can decode (which they quarantine and skip).
func poisonEvents(t *testing.T) (lenient, undecodable eventstore.EventData) {
	t.Helper()
	meta, _ := json.Marshal(lrs.StatementStoredMeta{Batch: uuid.NewString(), Credential: "durability", XAPIVersion: "2.0.0"})
	id := uuid.New()
	now := time.Now().UTC().Format(lrs.StoredLayout)
	data := fmt.Sprintf(`{"id":%q,"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},`+
		`"object":{"id":"http://example.com/act/1"},"result":{"score":{"raw":1e400}},"context":{"extensions":{"http://example.com/x":-1e309}},`+
		`"stored":%q,"timestamp":%q,"authority":{"account":{"homePage":"https://hocvu.local/","name":"durability"}},"version":"2.0.0"}`, id, now, now)
	lenient = eventstore.EventData{ID: id, Type: lrs.EventStatementStored, Data: []byte(data), Metadata: meta}
	undecodable = eventstore.EventData{ID: uuid.New(), Type: lrs.EventStatementStored, Data: []byte(`{"id":"` + uuid.NewString() + `","stored":`), Metadata: meta}
	return lenient, undecodable
}

// call makes one xAPI request with a client that gives up after a
// minute: a write that hangs fails the test instead of the suite.
func call(t *testing.T, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth("durability", "durability-secret")
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

// metric reads one sample of /metrics (-1 when absent).
func metric(t *testing.T, p *proctest.Process, name, projection string) float64 {
	t.Helper()
	_, body := get(t, p.URL()+"/metrics")
	re := regexp.MustCompile(`(?m)^` + name + `\{projection="` + regexp.QuoteMeta(projection) + `"\} (\S+)$`)
	m := re.FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// awaitMetric polls /metrics until the sample equals want.
func awaitMetric(t *testing.T, p *proctest.Process, name, projection string, want float64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for got := metric(t, p, name, projection); got != want; got = metric(t, p, name, projection) {
		if time.Now().After(deadline) {
			t.Fatalf("%s{projection=%q} = %v, want %v\n%s", name, projection, got, want, p.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quarantined lists the quarantine through the command line.
func quarantined(t *testing.T, env []string, args ...string) []projections.Quarantined {
	t.Helper()
	code, out, stderr := proctest.Run(t, env, append([]string{"projections", "quarantine", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("projections quarantine: exit %d: %s", code, stderr)
	}
	var recs []projections.Quarantined
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var r projections.Quarantined
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		recs = append(recs, r)
	}
	return recs
}

// checkQuarantine wants exactly one record per projection that reads
// statements in full, each naming the undecodable event.
func checkQuarantine(t *testing.T, recs []projections.Quarantined, undecodable uuid.UUID) {
	t.Helper()
	got := map[string]int{}
	for _, r := range recs {
		if r.EventID != undecodable.String() || r.EventType != lrs.EventStatementStored || r.Stream != lrs.StatementsStream || r.Error == "" {
			t.Errorf("unexpected record %+v", r)
		}
		got[r.Projection]++
	}
	if got["statement-index"] != 1 || got["analytics-duckdb"] != 1 || len(got) != 2 {
		t.Fatalf("quarantine records per projection %v, want one each for statement-index and analytics-duckdb", got)
	}
}

// serving proves the LRS serves reads and writes around the poison.
func serving(t *testing.T, p *proctest.Process, lenient eventstore.EventData, stored ...string) {
	t.Helper()
	st := campaignStatement(7, "21172", time.Now())
	code, body := call(t, "POST", p.URL()+"/xapi/statements", st)
	if code != 200 {
		t.Fatalf("POST after the poison event: %d %s\n%s", code, body, p.Logs())
	}
	for _, id := range append(stored, st["id"].(string), lenient.ID.String()) {
		if code, body := call(t, "GET", p.URL()+"/xapi/statements?statementId="+id, nil); code != 200 {
			t.Fatalf("GET %s: %d %s", id, code, body)
		}
	}
	if code, body := call(t, "GET", p.URL()+"/xapi/statements?statementId="+lenient.ID.String()+"&format=canonical", nil); code != 200 || !strings.Contains(string(body), "1e400") {
		t.Fatalf("GET the 1e400 statement: %d %s", code, body)
	}
	if res, body := get(t, p.URL()+"/readyz"); res.StatusCode != 200 {
		t.Fatalf("/readyz: %d %s", res.StatusCode, body)
	}
}

func stop(t *testing.T, p *proctest.Process) {
	t.Helper()
	p.Signal(syscall.SIGTERM)
	if code, err := p.Wait(30 * time.Second); code != 0 || err != nil {
		t.Fatalf("stop: exit %d, %v\n%s", code, err, p.Logs())
	}
}

// F1 of issue 12, end to end: events that the projections cannot apply,
// appended straight to the log, do not stop the LRS. It keeps serving
// writes and reads, /readyz stays true, each projection quarantines the
// undecodable event once (also over a restart and a rebuild), and a
// restarted LRS is ready.
func TestPoisonEventDoesNotStopTheLRS(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		dir := t.TempDir()
		serve := func() *proctest.Process {
			p := proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
			if err := p.WaitReady(time.Minute); err != nil {
				t.Fatalf("%v\n%s", err, p.Logs())
			}
			return p
		}
		p := serve()
		first := campaignStatement(1, "21172", time.Now())
		if code, body := call(t, "POST", p.URL()+"/xapi/statements", first); code != 200 {
			t.Fatalf("POST: %d %s", code, body)
		}
		stop(t, p)
		// The embedded store is this process's alone: append while the
		// LRS is stopped, below every check of the API.
		lenient, undecodable := poisonEvents(t)
		store, err := pebblestore.Open(filepath.Join(dir, "events"), pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(context.Background(), lrs.StatementsStream, eventstore.Any, lenient, undecodable); err != nil {
			t.Fatal(err)
		}
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
		p = serve() // before issue 12: 503 forever
		serving(t, p, lenient, first["id"].(string))
		awaitMetric(t, p, "hocvu_projection_quarantined_events_total", "statement-index", 1)
		awaitMetric(t, p, "hocvu_projection_quarantined_events_total", "analytics-duckdb", 1)
		if !strings.Contains(p.Logs(), `"alert":"projection-poison-event"`) {
			t.Errorf("no alert log line:\n%s", p.Logs())
		}
		stop(t, p)
		checkQuarantine(t, quarantined(t, nil, "--data-dir="+dir), undecodable.ID)
		// A rebuild meets the poison again and does not record it twice.
		if code, _, stderr := proctest.Run(t, nil, "projections", "rebuild", "statement-index", "--data-dir="+dir); code != 0 {
			t.Fatalf("rebuild: %d %s", code, stderr)
		}
		checkQuarantine(t, quarantined(t, nil, "--data-dir="+dir), undecodable.ID)
		p = serve()
		serving(t, p, lenient, first["id"].(string))
	})

	t.Run("kurrentdb", func(t *testing.T) {
		kdb := kurrenttest.New(t, kurrenttest.Options{})
		env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+kdb.URL())
		dir := t.TempDir()
		serve := func() *proctest.Process {
			p := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
			if err := p.WaitReady(time.Minute); err != nil {
				t.Fatalf("%v\n%s", err, p.Logs())
			}
			return p
		}
		p := serve()
		first := campaignStatement(1, "21172", time.Now())
		if code, body := call(t, "POST", p.URL()+"/xapi/statements", first); code != 200 {
			t.Fatalf("POST: %d %s", code, body)
		}
		// Append while the LRS runs, through the KurrentDB protocol.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		client, err := kurrentdb.Open(ctx, kdb.URL(), kurrentdb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		lenient, undecodable := poisonEvents(t)
		if _, err := client.Append(ctx, lrs.StatementsStream, eventstore.Any, lenient, undecodable); err != nil {
			t.Fatal(err)
		}
		serving(t, p, lenient, first["id"].(string)) // before issue 12: the POST hung
		awaitMetric(t, p, "hocvu_projection_quarantined_events_total", "statement-index", 1)
		awaitMetric(t, p, "hocvu_projection_quarantined_events_total", "analytics-duckdb", 1)
		// KurrentDB is shared: the command works beside the running LRS.
		checkQuarantine(t, quarantined(t, env, "--data-dir="+t.TempDir()), undecodable.ID)
		stop(t, p)
		p = serve()
		serving(t, p, lenient, first["id"].(string))
		checkQuarantine(t, quarantined(t, env, "--data-dir="+t.TempDir()), undecodable.ID)
	})
}

// The forwarders follow the same policy, as wired by serve: an event a
// forward cannot decode, appended below the LRS, is recorded in the
// quarantine under forward-NAME, counted and alerted, and the forward
// delivers the statements around it.
func TestPoisonEventDoesNotStopAForward(t *testing.T) {
	kdb := kurrenttest.New(t, kurrenttest.Options{})
	hook := newReceiver(t)
	env := append(append([]string{}, creds...), "HOCVU_EVENTSTORE_URL="+kdb.URL(), "SSL_CERT_FILE="+hook.certFile,
		"HOCVU_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef", "HOCVU_FORWARD_SECRETS_KEY="+strings.Repeat("ab", 32))
	p := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	if err := p.WaitReady(time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	spec := map[string]any{"name": "lms", "start": "beginning", "batchSize": 1,
		"target": map[string]any{"kind": "webhook", "url": hook.URL + "/hocvu", "secret": hookSecret}}
	if code := doJSON(t, "POST", p.URL()+"/api/forwards", spec, nil); code != http.StatusCreated {
		t.Fatalf("create forward: %d", code)
	}
	first, second := campaignStatement(1, "21172", time.Now()), campaignStatement(2, "21172", time.Now())
	if code, body := call(t, "POST", p.URL()+"/xapi/statements", first); code != 200 {
		t.Fatalf("POST: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := kurrentdb.Open(ctx, kdb.URL(), kurrentdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_, undecodable := poisonEvents(t)
	if _, err := client.Append(ctx, lrs.StatementsStream, eventstore.Any, undecodable); err != nil {
		t.Fatal(err)
	}
	if code, body := call(t, "POST", p.URL()+"/xapi/statements", second); code != 200 {
		t.Fatalf("POST after the poison event: %d %s", code, body)
	}
	waitUntil(t, time.Minute, "both statements at the webhook", func() bool { return len(hook.ids(t)) >= 2 })
	if got := hook.ids(t); !sortedEqual(got, []string{first["id"].(string), second["id"].(string)}) {
		t.Errorf("the webhook received %v", got)
	}
	waitUntil(t, time.Minute, "the forward's quarantine metric", func() bool {
		_, body := get(t, p.URL()+"/metrics")
		return strings.Contains(string(body), `hocvu_forward_quarantined_events_total{forward="lms"} 1`+"\n")
	})
	if !strings.Contains(p.Logs(), `"alert":"projection-poison-event","projection":"forward-lms"`) {
		t.Errorf("no alert log line for the forward:\n%s", p.Logs())
	}
	recs := quarantined(t, env, "--data-dir="+t.TempDir(), "--projection=forward-lms")
	if len(recs) != 1 || recs[0].EventID != undecodable.ID.String() || recs[0].Stream != lrs.StatementsStream {
		t.Fatalf("quarantine of forward-lms: %+v, want the undecodable event %s", recs, undecodable.ID)
	}
	stop(t, p)
}

// TestRegistryPoisonIsCounted: an undecodable event in each registry's
// stream (credentials, dashboard users, forwards), appended below every
// check, neither stops serve nor goes unseen: each registry counts it on
// /metrics.
func TestRegistryPoisonIsCounted(t *testing.T) {
	dir := t.TempDir()
	store, err := pebblestore.Open(filepath.Join(dir, "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for stream, typ := range map[string]string{"credentials": "credential.set.v1", "dashboard-users": "dashboard.user.set.v1", "forwards": "forward.created.v1"} {
		if _, err := store.Append(context.Background(), stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{"key":`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	p := proctest.Start(t, []string{"HOCVU_API_KEY=durability", "HOCVU_API_SECRET=durability-secret"}, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if err := p.WaitReady(time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, registry := range []string{"credentials", "dashboard-users", "forwards"} {
		if got := metricSeries(t, p.URL(), `hocvu_registry_skipped_events_total{registry="`+registry+`"}`); got != 1 {
			t.Errorf("hocvu_registry_skipped_events_total{registry=%q} = %v, want 1\n%s", registry, got, p.Logs())
		}
	}
	if code, body := call(t, "GET", p.URL()+"/xapi/statements", nil); code != 200 {
		t.Fatalf("GET statements with the seeded credential: %d %s", code, body)
	}
}
