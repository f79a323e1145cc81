package loadgen

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/campaign/simulate"
)

func TestPercentiles(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	hundred := make([]time.Duration, 100)
	for i := range hundred { // 100 ms down to 1 ms: sorted in place
		hundred[i] = ms(float64(100 - i))
	}
	for _, tc := range []struct {
		name          string
		ds            []time.Duration
		p50, p95, p99 time.Duration
	}{
		{"one", []time.Duration{ms(3.14159)}, ms(3.1), ms(3.1), ms(3.1)},
		{"three, p95 and p99 the last", []time.Duration{ms(9), ms(1), ms(5)}, ms(5), ms(9), ms(9)},
		{"a hundred", hundred, ms(51), ms(96), ms(100)},
		{"rounded to 0.1 ms", []time.Duration{250 * time.Microsecond, 1049 * time.Microsecond}, 1 * time.Millisecond, 1 * time.Millisecond, 1 * time.Millisecond},
	} {
		p50, p95, p99 := Percentiles(tc.ds)
		if p50 != tc.p50 || p95 != tc.p95 || p99 != tc.p99 {
			t.Errorf("%s: p50 %s · p95 %s · p99 %s; want %s · %s · %s", tc.name, p50, p95, p99, tc.p50, tc.p95, tc.p99)
		}
	}
}

func TestHuman(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 4530505: "4,530,505", 123456789012: "123,456,789,012", -1234: "-1,234", -123: "-123"} {
		if got := human(n); got != want {
			t.Errorf("human(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestCountStatements(t *testing.T) {
	out := "campaign: seed 7, 300 learners (287 active), 3445 statements from 2025-10-01 to 2026-12-31, planned in 12ms\n" +
		"  lesson completions 1223, certificates 142 (110 learners)\n"
	if n := countStatements(out); n != 3445 {
		t.Errorf("countStatements = %d; want 3445", n)
	}
	if n := countStatements("no campaign here\n"); n != 0 {
		t.Errorf("countStatements of no count = %d; want 0", n)
	}
	if n := countStatements("99999999999999999999999 statements from"); n != 0 {
		t.Errorf("countStatements of an overflowing count = %d; want 0", n)
	}
}

func TestReport(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 35, 0, 0, time.FixedZone("ICT", 7*3600))
	got := report(reportHeader{Time: at, Version: "v1.2.3", Learners: 400000, Seed: 7, Statements: 4530505, Engine: "clickhouse"},
		[]row{{"bulk load", "4,530,505 statements in 1m14s", "61,544 statements/s"}, {"query trend ", "p50 1ms · p95 2ms · p99 3ms", ""}})
	lines := strings.Split(got, "\n")
	if lines[0] != "### hocvu bench — 2026-11-29 02:35 UTC" {
		t.Errorf("heading %q", lines[0])
	}
	if !strings.HasPrefix(lines[2], "Machine: ") || !strings.HasSuffix(lines[2], ". Hocvu v1.2.3. Campaign: 400000 learners (seed 7), 4,530,505 statements; analytics on clickhouse.") {
		t.Errorf("machine line %q", lines[2])
	}
	table := strings.Join(lines[4:], "\n")
	want := "| measurement | result | notes |\n| --- | --- | --- |\n" +
		"| bulk load | 4,530,505 statements in 1m14s | 61,544 statements/s |\n" +
		"| query trend  | p50 1ms · p95 2ms · p99 3ms |  |\n\n"
	if table != want {
		t.Errorf("table:\n%s\nwant:\n%s", table, want)
	}
}

// statementsServer answers POST /xapi/statements like the LRS (200) and
// counts the statements and requests it got, or answers status when not 0.
type statementsServer struct {
	status int
	mu     sync.Mutex
	sizes  []int
	auth   []string
}

func (s *statementsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var sts []map[string]any
	if r.Method != http.MethodPost || r.URL.Path != "/xapi/statements" || r.Header.Get("X-Experience-API-Version") != "2.0.0" ||
		json.NewDecoder(r.Body).Decode(&sts) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	user, pass, _ := r.BasicAuth()
	s.mu.Lock()
	s.sizes = append(s.sizes, len(sts))
	s.auth = append(s.auth, user+":"+pass)
	s.mu.Unlock()
	if s.status != 0 {
		w.WriteHeader(s.status)
		return
	}
	_ = json.NewEncoder(w).Encode(make([]string, len(sts)))
}

func testCampaign(t *testing.T) *simulate.Campaign {
	t.Helper()
	cfg := simulate.DefaultConfig()
	cfg.Seed, cfg.Learners = 1007, 100
	camp, err := simulate.Generate(t.Context(), cfg, simulate.Authority("https://hocvu.local/", benchKey))
	if err != nil {
		t.Fatal(err)
	}
	if camp.Len() < 250 {
		t.Fatalf("the campaign has %d statements; the test needs 250", camp.Len())
	}
	return camp
}

func TestPostSomeBatches(t *testing.T) {
	camp := testCampaign(t)
	s := &statementsServer{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	posted, _, err := postSome(t.Context(), camp, srv.URL, 250, 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	total, batches := 0, map[int]int{}
	for _, n := range s.sizes {
		total += n
		batches[n]++
	}
	if posted != 250 || total != 250 || batches[100] != 2 || batches[50] != 1 || len(s.sizes) != 3 {
		t.Errorf("posted %d, server got %d statements in batches %v; want 250 in two of 100 and one of 50", posted, total, s.sizes)
	}
	for _, a := range s.auth {
		if a != benchKey+":"+benchSecret {
			t.Errorf("credentials %q; want the bench credential", a)
		}
	}
	// More than the campaign holds: all of it.
	s.sizes = nil
	if posted, _, err = postSome(t.Context(), camp, srv.URL, camp.Len()+10, 2, 1000); err != nil || posted != camp.Len() {
		t.Errorf("posting past the campaign: posted %d, %v; want %d", posted, err, camp.Len())
	}
}

func TestPostSomeFailsOnAnError(t *testing.T) {
	srv := httptest.NewServer(&statementsServer{status: http.StatusBadRequest})
	defer srv.Close()
	if _, _, err := postSome(t.Context(), testCampaign(t), srv.URL, 250, 2, 10); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("err = %v; want the 400", err)
	}
}

func TestWaitCaughtUp(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		// statement-index is at the head from the first call, analytics
		// from the third.
		behind := max(0, 3-n)
		_, _ = w.Write([]byte(`{"projections":[{"name":"statement-index","behind":0},{"name":"analytics","behind":` + string(rune('0'+behind)) + `}]}`))
	}))
	defer srv.Close()
	got, err := waitCaughtUp(t.Context(), srv.URL, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["statement-index"] > got["analytics"] || calls != 3 {
		t.Errorf("caught up %v after %d calls; want both, statement-index first, after 3 calls", got, calls)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := waitCaughtUp(ctx, srv.URL, time.Minute); err == nil {
		t.Error("a cancelled wait returned no error")
	}
}
