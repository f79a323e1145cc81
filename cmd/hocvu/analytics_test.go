package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/internal/proctest"
)

// campaignStatement is a lesson completion carrying the campaign's context.
func campaignStatement(learner int, commune string, at time.Time) map[string]any {
	return map[string]any{
		"id":        uuid.NewString(),
		"actor":     map[string]any{"account": map[string]any{"homePage": "https://vneid.example", "name": fmt.Sprintf("hv-%05d", learner)}},
		"verb":      map[string]any{"id": vocab.VerbCompleted},
		"object":    map[string]any{"id": fmt.Sprintf("https://hoctap.example/khoa-1/bai-%d", learner%7), "definition": map[string]any{"type": vocab.TypeLesson}},
		"result":    map[string]any{"completion": true, "duration": "PT12M"},
		"timestamp": at.Format(time.RFC3339),
		"context": map[string]any{"extensions": map[string]any{
			vocab.ExtCommune: commune, vocab.ExtTargetGroup: vocab.TargetGroups[learner%4],
		}},
	}
}

func doJSON(t *testing.T, method, url string, body any, out any) int {
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
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, data)
		}
	}
	if res.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, url, res.StatusCode, data)
	}
	return res.StatusCode
}

type result struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// TestStatementReachesClickHouse: a statement POSTed to the LRS shows up
// in the named queries of the ClickHouse analytics; the delay is measured
// and logged (not asserted: speed lives in benchmarks).
func TestStatementReachesClickHouse(t *testing.T) {
	srv := chtest.Start(t)
	dsn := srv.DSN("hocvu_e2e")
	p := proctest.Start(t, append(creds, "HOCVU_CLICKHOUSE_URL="+dsn), "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir())
	if err := p.WaitReady(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	st := campaignStatement(1, "21172", time.Date(2025, 10, 10, 3, 0, 0, 0, time.UTC))
	posted := time.Now()
	if code := doJSON(t, "POST", p.URL()+"/xapi/statements", st, nil); code != 200 {
		t.Fatalf("POST: %d", code)
	}
	var res result
	for {
		if code := doJSON(t, "GET", p.URL()+"/api/analytics/summary?commune=21172", nil, &res); code != 200 {
			t.Fatalf("analytics: %d", code)
		}
		if len(res.Rows) == 1 && res.Rows[0][2] == float64(1) {
			break
		}
		if time.Since(posted) > 30*time.Second {
			t.Fatalf("the statement did not reach the analytics: %v", res.Rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("POST to named-query visibility: %s", time.Since(posted).Round(time.Millisecond))
	if res.Columns[2] != "lesson_completions" || res.Rows[0][1] != float64(1) {
		t.Fatalf("summary %v %v", res.Columns, res.Rows)
	}
	// Without the analytics scope the API refuses.
	req, _ := http.NewRequest("GET", p.URL()+"/api/analytics/summary", nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Fatalf("analytics without credentials: %d", r.StatusCode)
	}
}

// TestProjectorKilledDuringReplay kills `hocvu project` with SIGKILL at
// random moments while it replays the log into ClickHouse in small batches;
// after the last restart the analytics equal a clean rebuild.
func TestProjectorKilledDuringReplay(t *testing.T) {
	srv := chtest.Start(t)
	dir := t.TempDir()
	p := proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir, "--no-analytics-projector", "--clickhouse="+srv.DSN("unused"))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	const n = 6000
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 200 {
		var batch []map[string]any
		for j := i; j < i+200; j++ {
			batch = append(batch, campaignStatement(rng.IntN(900), []string{"21172", "21175", "21178"}[j%3], base.Add(time.Duration(j)*37*time.Minute)))
		}
		if code := doJSON(t, "POST", p.URL()+"/xapi/statements", batch, nil); code != 200 {
			t.Fatalf("POST: %d", code)
		}
	}
	p.Signal(syscall.SIGTERM)
	if code, err := p.Wait(30 * time.Second); code != 0 || err != nil {
		t.Fatalf("stop serve: %d %v", code, err)
	}
	dsn := srv.DSN("hocvu_killed")
	var logs strings.Builder // of every projector, for a failure
	for round := 0; round < 5; round++ {
		pr := proctest.Start(t, nil, "project", "--listen=127.0.0.1:0", "--data-dir="+dir, "--clickhouse="+dsn, "--batch-size=150", "--pseudonym-key=0123456789abcdef0123456789abcdef")
		time.Sleep(time.Duration(100+rng.IntN(700)) * time.Millisecond)
		pr.Signal(syscall.SIGKILL)
		_, _ = pr.Wait(30 * time.Second)
		fmt.Fprintf(&logs, "--- projector %d (killed)\n%s", round, pr.Logs())
	}
	pr := proctest.Start(t, nil, "project", "--listen=127.0.0.1:0", "--data-dir="+dir, "--clickhouse="+dsn, "--batch-size=150", "--pseudonym-key=0123456789abcdef0123456789abcdef")
	if err := pr.WaitReady(120 * time.Second); err != nil {
		t.Fatal(err)
	}
	pr.Signal(syscall.SIGTERM)
	_, _ = pr.Wait(30 * time.Second)
	fmt.Fprintf(&logs, "--- last projector\n%s", pr.Logs())

	query := func(dsn string) string {
		code, out, errOut := proctest.Run(t, nil, "analytics", "query", "by_commune", "--json", "--data-dir="+dir, "--clickhouse="+dsn, "--pseudonym-key=0123456789abcdef0123456789abcdef")
		if code != 0 {
			t.Fatalf("query: %d %s", code, errOut)
		}
		return out
	}
	killed := query(dsn)
	clean := srv.DSN("hocvu_clean")
	code, _, errOut := proctest.Run(t, nil, "projections", "rebuild", "analytics", "--data-dir="+dir, "--clickhouse="+clean, "--pseudonym-key=0123456789abcdef0123456789abcdef")
	if code != 0 {
		t.Fatalf("rebuild: %d %s", code, errOut)
	}
	if want := query(clean); killed != want {
		t.Fatalf("after kills the analytics differ from a clean rebuild:\n got %s\nwant %s\n%s", killed, want, logs.String())
	}
	if !strings.Contains(killed, fmt.Sprint(n/3)) {
		t.Fatalf("expected %d lesson completions per commune in %s", n/3, killed)
	}
}
