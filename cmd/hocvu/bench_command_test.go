package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/internal/proctest"
)

// TestBenchReport runs `hocvu bench` end to end on a tiny campaign (the
// real binary for every child: simulate, serve, projections rebuild) and
// checks the report it prints and writes with --out: every measurement,
// in order, in the markdown table of docs/benchmarks.md.
func TestBenchReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "report.md")
	code, stdout, stderr := proctest.Run(t, nil, "bench", "--data-dir="+dir, "--learners=100", "--ingest=100",
		"--clients=2", "--batch=25", "--runs=1", "--out="+out)
	if code != 0 {
		t.Fatalf("hocvu bench exit %d\n%s", code, stderr)
	}
	written, err := os.ReadFile(out)
	if err != nil || string(written) != stdout {
		t.Errorf("--out wrote %q (%v); want what bench printed", written, err)
	}
	if !regexp.MustCompile(`^### hocvu bench — \d{4}-\d\d-\d\d \d\d:\d\d UTC\n\nMachine: .+, \d+ CPUs \(.+\), \w+/\w+, go.+\. Hocvu .+\. Campaign: 100 learners \(seed 7\), [\d,]+ statements; analytics on duckdb\.\n\n\| measurement \| result \| notes \|\n\| --- \| --- \| --- \|\n`).MatchString(stdout) {
		t.Errorf("report heading:\n%s", stdout)
	}
	var rows []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| measurement") && !strings.HasPrefix(line, "| ---") {
			rows = append(rows, line)
		}
	}
	latency := `p50 [\d.]+[µm]?s · p95 [\d.]+[µm]?s · p99 [\d.]+[µm]?s`
	want := []string{
		`bulk load \(simulate --mode bulk\) \| [\d,]+ statements in \d+s \| [\d,]+ statements/s into the embedded store`,
		`catch-up of activity-definitions .* \| [\dms]+ \| [\d,]+ events/s`,
		`catch-up of analytics-duckdb .* \| [\dms]+ \| [\d,]+ events/s`,
		`catch-up of document-index .* \| [\dms]+ \| [\d,]+ events/s`,
		`catch-up of statement-index .* \| [\dms]+ \| [\d,]+ events/s`,
		`ingest over HTTP \(POST, batches of 25, 2 clients\) \| [\d,]+ statements/s \| 100 statements in [\d.]+m?s, validation, fsync and index included`,
		`analytics lag after the ingest \| [\d.]+[µm]?s \| until every projection had applied the log's head`,
	}
	for _, q := range []string{"summary", "trend", "by_commune", "by_group", "by_course", "by_activity", "funnel", "fast_completions", "bursts", "progress", "mentors", "teams"} {
		want = append(want, `query `+q+` .*\| `+latency+` \| `)
	}
	for _, q := range []string{"by id", "by agent", `by verb \(page of 100\)`, "by activity", "by agent and verb", `unfiltered \(page of 100\)`} {
		want = append(want, `GET /xapi/statements `+q+` \| `+latency+` \| `)
	}
	want = append(want, `analytics rebuild \(duckdb, alone\) \| \d+[ms]+ \| [\d,]+ statements/s`)
	if len(rows) != len(want) {
		t.Fatalf("%d rows; want %d:\n%s", len(rows), len(want), stdout)
	}
	for i, w := range want {
		if !regexp.MustCompile(`^\| ` + w + ` \|$`).MatchString(rows[i]) {
			t.Errorf("row %d: %q; want /%s/", i, rows[i], w)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "events")); err != nil {
		t.Errorf("--data-dir: %v", err)
	}
}

// TestBenchScaling runs `hocvu bench --sizes` end to end on two tiny
// sizes (the real binary for every child) and checks the scaling report:
// one row per size, in increasing order, in all three tables (the GETs
// after the ingest and once the compactions had settled), with the GET
// mix covering every filter, and the data directory of each size removed.
func TestBenchScaling(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := proctest.Run(t, nil, "bench", "--data-dir="+dir, "--sizes=300,0", "--ingest=200",
		"--clients=2", "--batch=25", "--runs=1", "--settle=2m")
	if code != 0 {
		t.Fatalf("hocvu bench --sizes exit %d\n%s", code, stderr)
	}
	if !regexp.MustCompile(`^### hocvu bench --sizes — \d{4}-\d\d-\d\d \d\d:\d\d UTC\n\nMachine: .+, \d+ CPUs \(.+\), \w+/\w+, go.+\. Hocvu .+\. Each size bulk-loaded \(seed 7\) into a new data directory, then .+; ingest of 200 statements over HTTP \(batches of 25, 2 clients\); GET latencies over 1 runs after one warm-up\.\n\n`).MatchString(stdout) {
		t.Errorf("report heading:\n%s", stdout)
	}
	var rows []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| store size") && !strings.HasPrefix(line, "| ---") {
			rows = append(rows, line)
		}
	}
	mb, lat := `[\d,]+ MB`, `[\d.]+[µm]?s \([\d.]+[µm]?s\)`
	want := []string{
		`0 \| 0 \| — \| \d+s \([a-z-]+\) \| [\d,]+ statements/s \| [\d.]+m?s \| ` + mb + ` \| ` + mb + ` \| [\d,]+ B \([\d,]+ \+ [\d,]+ \+ [\d,]+\)`,
		`300 \| [1-9][\d,]* \| \d+s \([\d,]+/s\) \| \d+s \([a-z-]+\) \| [\d,]+ statements/s \| [\d.]+m?s \| ` + mb + ` \| ` + mb + ` \| [\d,]+ B \([\d,]+ \+ [\d,]+ \+ [\d,]+\)`,
		`0 \| \d+` + strings.Repeat(` \| `+lat, 10),
		`300 \| \d+` + strings.Repeat(` \| `+lat, 10),
		// Measured again once the compactions had settled.
		`0 \| \d+, settled after \d+s` + strings.Repeat(` \| `+lat, 10),
		`300 \| \d+, settled after \d+s` + strings.Repeat(` \| `+lat, 10),
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows; want %d:\n%s", len(rows), len(want), stdout)
	}
	for i, w := range want {
		if !regexp.MustCompile(`^\| ` + w + ` \|$`).MatchString(rows[i]) {
			t.Errorf("row %d: %q; want /%s/", i, rows[i], w)
		}
	}
	for _, filter := range []string{"since/until", "related_agents", "related_activities", "more page"} {
		if !strings.Contains(stdout, filter) {
			t.Errorf("the GET table has no %s column:\n%s", filter, stdout)
		}
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) != 0 {
		t.Errorf("the data directory holds %v (%v); want each size's directory removed", left, err)
	}
}

// A size kept by one run (--keep) is taken as it is by the next with
// --reuse: no second bulk load, the same statements, and the row says so.
func TestBenchScalingReuse(t *testing.T) {
	dir := t.TempDir()
	args := []string{"bench", "--data-dir=" + dir, "--sizes=300", "--keep", "--ingest=50", "--clients=1", "--batch=25", "--runs=1", "--settle=0"}
	row := func(stdout string) string {
		for _, line := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(line, "| 300 |") {
				return line
			}
		}
		t.Fatalf("no row for 300:\n%s", stdout)
		return ""
	}
	code, first, stderr := proctest.Run(t, nil, args...)
	if code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	if strings.Contains(row(first), "earlier run") {
		t.Fatalf("first run says it reused: %s", row(first))
	}
	code, second, stderr := proctest.Run(t, nil, append(args, "--reuse")...)
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "bulk loading") || !strings.Contains(stderr, "reusing") {
		t.Errorf("second run's progress does not say it reused the bulk load:\n%s", stderr)
	}
	// The analytics keep the pseudonym key of the first run: a new one
	// would change every learner's pseudonym in the kept facts' place.
	key, err := os.ReadFile(filepath.Join(dir, "size-300", "pseudonym.key"))
	if err != nil {
		t.Fatalf("the kept size has no pseudonym key: %v", err)
	}
	cells := func(r string) []string { return strings.Split(r, " | ") }
	a, b := cells(row(first)), cells(row(second))
	if a[1] != b[1] {
		t.Errorf("statements stored: %s, then %s", a[1], b[1])
	}
	if !strings.HasSuffix(b[2], ", an earlier run's") || !strings.HasSuffix(b[3], ", resumed") {
		t.Errorf("the reused row is not marked: %s", row(second))
	}
	if again, err := os.ReadFile(filepath.Join(dir, "size-300", "pseudonym.key")); err != nil || string(again) != string(key) {
		t.Errorf("the pseudonym key changed with the reuse (%v)", err)
	}
	// A different seed is another campaign: never reused (the bulk load
	// into the kept directory may run or fail, but not be skipped).
	code, third, _ := proctest.Run(t, nil, append(args, "--reuse", "--seed=8")...)
	if code == 0 && strings.Contains(row(third), "earlier run") {
		t.Errorf("another seed reused the directory: %s", row(third))
	}
}

func TestBenchRefusesBadSizes(t *testing.T) {
	code, _, stderr := proctest.Run(t, nil, "bench", "--sizes=0,1T")
	if code != 2 || !strings.Contains(stderr, `size "1T"`) {
		t.Errorf("--sizes=0,1T: exit %d\n%s\nwant 2 and the size named", code, stderr)
	}
}
