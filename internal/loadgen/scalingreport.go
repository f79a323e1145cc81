package loadgen

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// scalingHeader is what the scaling report says of the run besides its
// results.
type scalingHeader struct {
	Time                   time.Time
	Version                string
	Seed                   uint64
	Engine                 string
	Ingest, Clients, Batch int
	Runs                   int
}

// scalingReport is the markdown report of a scaling run: a heading with
// the date, a line naming the machine and the run, and scalingTables.
func scalingReport(h scalingHeader, rs []sizeResult) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "### hocvu bench --sizes — %s\n\n", h.Time.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d CPUs (%s), %s/%s, %s. Hocvu %s. Each size bulk-loaded (seed %d) into a new data directory, then `hocvu serve` (analytics on %s, in the process; default memory budget); "+
		"ingest of %s statements over HTTP (batches of %d, %d clients); GET latencies over %d runs after one warm-up.\n\n",
		host, runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), h.Version, h.Seed, h.Engine,
		human(int64(h.Ingest)), h.Batch, h.Clients, h.Runs)
	b.WriteString(scalingTables(rs))
	return b.String()
}

// scalingTables renders the results: one row per size in a table of
// load, catch-up, ingest, memory and disk, then one row per size in a
// table of GET /xapi/statements latencies (p95, with p50 in brackets).
func scalingTables(rs []sizeResult) string {
	var b strings.Builder
	b.WriteString("| store size | statements stored | bulk load | catch-up (slowest read model) | ingest over HTTP | analytics lag | peak RSS, ingest + queries | peak RSS, whole serve | disk per statement (events + index + other) |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rs {
		load := "—"
		if r.Size > 0 {
			load = fmt.Sprintf("%s (%s/s)", r.Load.Round(time.Second), human(rate(r.Stored, r.Load)))
		}
		catchUp := r.CatchUp.Round(time.Second).String()
		if r.Slowest != "" {
			catchUp += " (" + r.Slowest + ")"
		}
		if r.Reused {
			load += ", an earlier run's"
			catchUp += ", resumed"
		}
		total := r.Stored + int64(r.Ingested)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s statements/s | %s | %s | %s | %s |\n",
			sizeLabel(r.Size), human(r.Stored), load, catchUp, human(rate(int64(r.Ingested), r.Ingest)),
			r.Lag.Round(time.Millisecond), megabytes(r.PeakRSS), megabytes(r.HWM), perStatement(r.Disk, total))
	}
	if len(rs) == 0 || len(rs[0].Gets) == 0 {
		return b.String() + "\n"
	}
	b.WriteString("\nGET /xapi/statements right after the ingest, p95 (p50):\n\n")
	getTable(&b, rs, func(r sizeResult) (string, []getLatency) {
		if !r.HasReadAmp {
			return "", r.Gets
		}
		return fmt.Sprintf("%g", r.ReadAmp), r.Gets
	})
	if slices.ContainsFunc(rs, func(r sizeResult) bool { return len(r.SettledGets) > 0 }) {
		b.WriteString("\nGET /xapi/statements once the compactions had settled, p95 (p50):\n\n")
		getTable(&b, rs, func(r sizeResult) (string, []getLatency) {
			if len(r.SettledGets) == 0 {
				return "", nil
			}
			wait := "settled after " + r.Settle.Round(time.Second).String()
			if !r.Settled {
				wait = "still compacting after " + r.Settle.Round(time.Second).String()
			}
			return fmt.Sprintf("%g, %s", r.SettledReadAmp, wait), r.SettledGets
		})
	}
	return b.String() + "\n"
}

// getTable writes one row per size of the GET latencies that gets picks,
// after a column of what it says of the store then (the statement
// index's read amplification).
func getTable(b *strings.Builder, rs []sizeResult, gets func(sizeResult) (string, []getLatency)) {
	labels := rs[0].Gets
	b.WriteString("| store size | statement index read amplification |")
	for _, g := range labels {
		b.WriteString(" " + g.label + " |")
	}
	b.WriteString("\n| --- | ---: |" + strings.Repeat(" ---: |", len(labels)) + "\n")
	for _, r := range rs {
		note, gs := gets(r)
		if note == "" {
			note = "—"
		}
		b.WriteString("| " + sizeLabel(r.Size) + " | " + note + " |")
		for i := range labels {
			if i < len(gs) && gs[i].ok {
				fmt.Fprintf(b, " %s (%s) |", gs[i].p95, gs[i].p50)
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
}

// rate is n per second of d (0 for no time).
func rate(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}

// megabytes writes bytes in MB (10⁶), "—" for none measured.
func megabytes(n int64) string {
	if n <= 0 {
		return "—"
	}
	return human((n+500_000)/1_000_000) + " MB"
}

// perStatement writes the disk per statement, in total and by part, in
// bytes.
func perStatement(d diskUsage, statements int64) string {
	if statements <= 0 {
		return "—"
	}
	per := func(n int64) string { return human((n + statements/2) / statements) }
	return fmt.Sprintf("%s B (%s + %s + %s)", per(d.total()), per(d.Events), per(d.Index), per(d.Other))
}
