// Package membudget splits one process memory budget (hocvu's
// --memory-budget, HOCVU_MEMORY_BUDGET) between the parts of Hocvu that
// hold memory of their own, in one place, so that the parts add up to the
// budget.
//
// The split, for a budget T (384 MiB by default):
//
//	part                                       share   at 384 MiB   counted as
//	event store (Pebble) block cache           T/12    32 MiB       1×
//	event store memtable                       T/24    16 MiB       2× (one filling, one flushing)
//	read models' shared Pebble block cache     T/12    32 MiB       1×
//	statement index memtable                   T/12    32 MiB       2×
//	document index, activity definitions       T/96     4 MiB       2× each
//	  memtables
//	DuckDB memory_limit (embedded analytics)   T/6     64 MiB       1×
//	Go heap soft limit (debug.SetMemoryLimit)  rest   144 MiB       1×
//
// Pebble keeps up to two memtables per database before it stalls writes
// (MemTableStopWritesThreshold), so each memtable counts twice; the Go
// heap gets what the others leave. The Go limit is a soft limit (the
// garbage collector works harder near it); an explicit GOMEMLIMIT wins
// over it.
//
// The budget does not cover the operating system's page cache (Pebble and
// DuckDB read their files through it; the kernel gives it back under
// pressure), the binary's own code, thread stacks, the C allocator's
// fragmentation, nor DuckDB memory outside its buffer manager; nor, of
// course, servers outside the process (ClickHouse, KurrentDB).
package membudget

import (
	"fmt"
	"strings"

	units "github.com/docker/go-units"
)

const (
	// Default is the budget when none is given: under the 400 MB of
	// resident memory that issue 17 sets, with room for what the budget
	// does not cover.
	Default int64 = 384 << 20
	// Min is the smallest budget accepted: below it the caches and
	// memtables are too small to be useful.
	Min int64 = 128 << 20
	// Max is the largest budget accepted (1 TiB), far above any use, so
	// that a typo does not overflow the parts.
	Max int64 = 1 << 40
	// DefaultString is Default as a flag default.
	DefaultString = "384MiB"
)

// Budget is the split of a total budget, in bytes.
type Budget struct {
	// Total is the whole budget.
	Total int64
	// EventCache is the embedded event store's Pebble block cache.
	EventCache int64
	// EventMemTable is the embedded event store's Pebble memtable size.
	EventMemTable int64
	// ModelCache is the Pebble block cache the local read models share.
	ModelCache int64
	// IndexMemTable is the statement index's Pebble memtable size.
	IndexMemTable int64
	// ModelMemTable is the memtable size of each smaller read model (the
	// document index, the activity definitions).
	ModelMemTable int64
	// DuckDB is DuckDB's memory_limit (embedded analytics).
	DuckDB int64
	// GoHeap is the Go runtime's soft memory limit.
	GoHeap int64
}

// Split divides total (at least Min; smaller values are raised to Min)
// into its parts; see the package documentation for the shares.
func Split(total int64) Budget {
	total = max(total, Min)
	b := Budget{
		Total:         total,
		EventCache:    total / 12,
		EventMemTable: total / 24,
		ModelCache:    total / 12,
		IndexMemTable: total / 12,
		ModelMemTable: total / 96,
		DuckDB:        total / 6,
	}
	b.GoHeap = total - b.fixed()
	return b
}

// fixed is what the parts other than the Go heap may hold at most: the
// caches, DuckDB, and two memtables per Pebble database (the event store,
// the statement index and two smaller read models).
func (b Budget) fixed() int64 {
	return b.EventCache + 2*b.EventMemTable + b.ModelCache + 2*b.IndexMemTable + 2*2*b.ModelMemTable + b.DuckDB
}

// Parse reads a size such as 384MiB, 512MB, 1GiB, 1g or a plain number of
// bytes. Units are binary (MB is MiB, as in docker's --memory). It refuses
// sizes under Min or over Max.
func Parse(s string) (int64, error) {
	n, err := units.RAMInBytes(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("memory budget %q: want a size such as 384MiB, 512MB or 1GiB: %w", s, err)
	}
	if n < Min {
		return 0, fmt.Errorf("memory budget %q is below the minimum of %s", s, Format(Min))
	}
	if n > Max {
		return 0, fmt.Errorf("memory budget %q is above the maximum of %s", s, Format(Max))
	}
	return n, nil
}

// Format writes n bytes in binary units, e.g. "384MiB".
func Format(n int64) string {
	return units.BytesSize(float64(n))
}
