package main_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/membudget"
	"github.com/hocvu/hocvu/internal/proctest"
)

// TestMemoryBudgetRefusesGarbage: a malformed or too small budget, by
// flag or environment, stops the command before it opens anything.
func TestMemoryBudgetRefusesGarbage(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--memory-budget=lots"}, `memory budget "lots": want a size such as 384MiB`},
		{nil, []string{"--memory-budget=64MiB"}, "below the minimum of 128MiB"},
		{[]string{"HOCVU_MEMORY_BUDGET=-1"}, nil, "HOCVU_MEMORY_BUDGET"},
	} {
		dir := t.TempDir()
		args := append([]string{"serve", "--listen=127.0.0.1:0", "--data-dir=" + dir}, tc.args...)
		code, _, stderr := proctest.Run(t, tc.env, args...)
		if code != 2 || !strings.Contains(stderr, "--memory-budget") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v %v: exit %d, stderr %s; want exit 2 and %q", tc.env, tc.args, code, stderr, tc.want)
		}
	}
	code, _, stderr := proctest.Run(t, nil, "projections", "rebuild", "statement-index", "--data-dir="+t.TempDir(), "--memory-budget=1e9x")
	if code != 2 || !strings.Contains(stderr, "--memory-budget") {
		t.Errorf("projections rebuild with a bad budget: exit %d, stderr %s", code, stderr)
	}
}

// TestSmallMemoryBudgetServes: the smallest budget still serves writes
// and reads (embedded store, read models and DuckDB analytics all on
// their small shares), the Go heap's soft limit is the budget's share,
// and GOMEMLIMIT wins over it.
func TestSmallMemoryBudgetServes(t *testing.T) {
	dir := t.TempDir()
	budget := membudget.Format(membudget.Min)
	p := proctest.Start(t, append(creds, "GOMEMLIMIT="), "serve", "--listen=127.0.0.1:0", "--data-dir="+dir,
		"--memory-budget="+budget, "--log-level=debug")
	postOK(t, p, 50)
	if err := p.WaitReady(time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := countStatements(t, p.URL()); n != 50 {
		t.Fatalf("GET /xapi/statements under a %s budget: %d statements, want 50", budget, n)
	}
	if got, want := goMemLimit(t, p), membudget.Split(membudget.Min).GoHeap; got != want {
		t.Errorf("go_gc_gomemlimit_bytes = %d, want the Go heap's share %d", got, want)
	}
	b := membudget.Split(membudget.Min)
	if logs := p.Logs(); !strings.Contains(logs, `"msg":"memory budget","total":"`+budget+`"`) ||
		!strings.Contains(logs, `"duckdb_memory_limit":"`+membudget.Format(b.DuckDB)+`"`) {
		t.Errorf("no memory budget log line with the split:\n%s", logs)
	}
	stopProcess(t, p)

	p = proctest.Start(t, append(creds, "GOMEMLIMIT=300MiB", "HOCVU_MEMORY_BUDGET="+budget), "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if got := goMemLimit(t, p); got != 300<<20 {
		t.Errorf("with GOMEMLIMIT=300MiB: go_gc_gomemlimit_bytes = %d, want %d", got, 300<<20)
	}
	if n := countStatements(t, p.URL()); n != 50 {
		t.Fatalf("after restart: %d statements, want 50", n)
	}
	stopProcess(t, p)
}

// goMemLimit reads the Go runtime's memory limit from /metrics.
func goMemLimit(t *testing.T, p *proctest.Process) int64 {
	t.Helper()
	_, body := get(t, p.URL()+"/metrics")
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go_gc_gomemlimit_bytes "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int64(f)
		}
	}
	t.Fatal(fmt.Errorf("no go_gc_gomemlimit_bytes in /metrics"))
	return 0
}
