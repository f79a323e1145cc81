package loadgen

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSizes(t *testing.T) {
	for in, want := range map[string][]int64{
		"0,1M,5M":             {0, 1_000_000, 5_000_000},
		"5M, 1M,0":            {0, 1_000_000, 5_000_000},
		"20M,1m,20M":          {1_000_000, 20_000_000},
		"250000,500k,2.5M":    {250_000, 500_000, 2_500_000},
		"1G,1.25k":            {1_250, 1_000_000_000},
		"300":                 {300},
		"0.5M,1K":             {1_000, 500_000},
		"9223372036854775807": {9223372036854775807},
	} {
		got, err := ParseSizes(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseSizes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1M,", ",", "-1", "1.5", "1.0001k", "M", "1T", "1MB", "1e6", "+5", "1_000", "one", "1 M", "2e12M"} {
		if got, err := ParseSizes(in); err == nil {
			t.Errorf("ParseSizes(%q) = %v; want an error", in, got)
		}
	}
}

func TestSizeLabel(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 300: "300", 1_000: "1k", 1_250: "1,250", 500_000: "500k", 1_000_000: "1M",
		2_500_000: "2.5M", 2_830_000: "2,830,000", 2_831_500: "2,831,500", 2_800_000: "2.8M", 20_000_000: "20M", 1_000_000_000: "1G"} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%d) = %q; want %q", n, got, want)
		}
		if got, err := ParseSizes(strings.ReplaceAll(sizeLabel(n), ",", "")); n%1000 == 0 && (err != nil || got[0] != n) {
			t.Errorf("ParseSizes(sizeLabel(%d)) = %v, %v", n, got, err)
		}
	}
}

func TestScalingTables(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	gets := func(p95 float64, more bool) []getLatency {
		return []getLatency{{label: "by id", p50: ms(0.3), p95: ms(p95), ok: true}, {label: "more page", p50: ms(2), p95: ms(3.5), ok: more}}
	}
	got := scalingTables([]sizeResult{
		{Size: 0, CatchUp: 1400 * time.Millisecond, Slowest: "analytics-duckdb", Ingested: 100_000, Ingest: 20 * time.Second, Lag: ms(210.4),
			PeakRSS: 180_400_000, HWM: 190_600_000, Disk: diskUsage{Events: 120_000_000, Index: 150_000_000, Other: 30_000_000}, Gets: gets(0.9, false)},
		{Size: 1_000_000, Stored: 1_000_110, Load: 16 * time.Second, CatchUp: 95 * time.Second, Slowest: "statement-index", Ingested: 100_000,
			Ingest: 40 * time.Second, Lag: ms(1500), PeakRSS: 350_000_000, HWM: 420_000_000,
			Disk: diskUsage{Events: 1_100_000_000, Index: 1_500_000_000, Other: 600_000_000}, Gets: gets(1.2, true),
			ReadAmp: 11, SettledReadAmp: 4, HasReadAmp: true, Settle: 61 * time.Second, Settled: true, SettledGets: gets(0.7, true)},
	})
	want := "| store size | statements stored | bulk load | catch-up (slowest read model) | ingest over HTTP | analytics lag | peak RSS, ingest + queries | peak RSS, whole serve | disk per statement (events + index + other) |\n" +
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
		"| 0 | 0 | — | 1s (analytics-duckdb) | 5,000 statements/s | 210ms | 180 MB | 191 MB | 3,000 B (1,200 + 1,500 + 300) |\n" +
		"| 1M | 1,000,110 | 16s (62,506/s) | 1m35s (statement-index) | 2,500 statements/s | 1.5s | 350 MB | 420 MB | 2,909 B (1,000 + 1,364 + 545) |\n" +
		"\nGET /xapi/statements right after the ingest, p95 (p50):\n\n" +
		"| store size | statement index read amplification | by id | more page |\n| --- | ---: | ---: | ---: |\n" +
		"| 0 | — | 900µs (300µs) | — |\n" +
		"| 1M | 11 | 1.2ms (300µs) | 3.5ms (2ms) |\n" +
		"\nGET /xapi/statements once the compactions had settled, p95 (p50):\n\n" +
		"| store size | statement index read amplification | by id | more page |\n| --- | ---: | ---: | ---: |\n" +
		"| 0 | — | — | — |\n" +
		"| 1M | 4, settled after 1m1s | 700µs (300µs) | 3.5ms (2ms) |\n\n"
	if got != want {
		t.Errorf("tables:\n%s\nwant:\n%s", got, want)
	}
	if got := scalingTables([]sizeResult{{Size: 0}}); !strings.HasSuffix(got, "| 0 | 0 | — | 0s | 0 statements/s | 0s | — | — | — |\n\n") {
		t.Errorf("a size without figures:\n%s", got)
	}
}

func TestScalingReportHeading(t *testing.T) {
	at := time.Date(2026, 12, 7, 20, 5, 0, 0, time.FixedZone("ICT", 7*3600))
	got := scalingReport(scalingHeader{Time: at, Version: "v1.2.3", Seed: 7, Engine: "duckdb", Ingest: 100000, Clients: 16, Batch: 100, Runs: 30}, nil)
	lines := strings.Split(got, "\n")
	if lines[0] != "### hocvu bench --sizes — 2026-12-07 13:05 UTC" {
		t.Errorf("heading %q", lines[0])
	}
	if !strings.HasPrefix(lines[2], "Machine: ") || !strings.HasSuffix(lines[2], ". Hocvu v1.2.3. Each size bulk-loaded (seed 7) into a new data directory, then `hocvu serve` (analytics on duckdb, in the process; default memory budget); ingest of 100,000 statements over HTTP (batches of 100, 16 clients); GET latencies over 30 runs after one warm-up.") {
		t.Errorf("machine line %q", lines[2])
	}
}

func TestParseStatusField(t *testing.T) {
	status := "Name:\thocvu\nVmPeak:\t 2000000 kB\nVmHWM:\t  190348 kB\nVmRSS:\t  180112 kB\nThreads:\t12\n"
	for field, want := range map[string]int64{"VmHWM": 190348 << 10, "VmRSS": 180112 << 10} {
		if got, err := parseStatusField(bufio.NewScanner(strings.NewReader(status)), field); err != nil || got != want {
			t.Errorf("%s = %d, %v; want %d", field, got, err, want)
		}
	}
	if _, err := parseStatusField(bufio.NewScanner(strings.NewReader(status)), "VmSwap"); err == nil {
		t.Error("a missing field gave no error")
	}
	if _, err := parseStatusField(bufio.NewScanner(strings.NewReader("VmRSS:\t lots kB\n")), "VmRSS"); err == nil {
		t.Error("a malformed field gave no error")
	}
}

func TestRSSOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc: not Linux")
	}
	s := sampleRSS(os.Getpid(), time.Millisecond)
	peak := s.stop()
	hwm, err := procStatus(os.Getpid(), "VmHWM")
	if err != nil || peak <= 0 || hwm < peak {
		t.Errorf("peak VmRSS %d, VmHWM %d (%v); want 0 < peak ≤ VmHWM", peak, hwm, err)
	}
}

func TestMeasureDisk(t *testing.T) {
	dir := t.TempDir()
	for name, n := range map[string]int{"events/000001.sst": 100, "events/MANIFEST": 20, "index/a/000002.sst": 300,
		"analytics.duckdb": 50, "documents/000003.sst": 7, "pseudonym.key": 3} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := measureDisk(dir)
	if err != nil || d != (diskUsage{Events: 120, Index: 300, Other: 60}) || d.total() != 480 {
		t.Errorf("measureDisk = %+v, %v; want events 120, index 300, other 60", d, err)
	}
	if _, err := measureDisk(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory gave no error")
	}
}

func TestStatementQueries(t *testing.T) {
	s := sampled{id: "0d4b6c1e-0000-4000-8000-000000000001", agent: `{"account":{"homePage":"https://x","name":"l1"}}`,
		activity: "https://x/lesson/1", stored: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	six := statementQueries(s, false)
	all := statementQueries(s, true)
	if len(six) != 6 || len(all) != 10 || !slices.Equal(six, all[:6]) {
		t.Fatalf("the mix: %d queries, %d with every filter; want 6 and the same 6 then 4 more", len(six), len(all))
	}
	want := map[string]string{
		"since/until (an hour, page of 100)":             "since=2026-12-07T11%3A00%3A00Z&until=2026-12-07T12%3A00%3A00Z&limit=100",
		"agent with related_agents (page of 100)":        "agent=%7B%22account%22%3A%7B%22homePage%22%3A%22https%3A%2F%2Fx%22%2C%22name%22%3A%22l1%22%7D%7D&related_agents=true&limit=100",
		"activity with related_activities (page of 100)": "activity=https%3A%2F%2Fx%2Flesson%2F1&related_activities=true&limit=100",
	}
	for _, q := range all[6:9] {
		if q.query != want[q.label] || q.more {
			t.Errorf("%s: %q (more %v); want %q", q.label, q.query, q.more, want[q.label])
		}
	}
	if !all[9].more || all[9].query != "" {
		t.Errorf("the last query %+v; want the more page", all[9])
	}
}
