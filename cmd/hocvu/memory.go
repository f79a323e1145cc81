package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/alecthomas/kong"

	"github.com/hocvu/hocvu/internal/membudget"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// memoryBudget is the --memory-budget flag: a size in bytes, parsed (and
// refused when malformed or out of range) while the command line is.
type memoryBudget int64

// Decode implements kong.MapperValue.
func (m *memoryBudget) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("size", &s); err != nil {
		return err
	}
	n, err := membudget.Parse(s)
	if err != nil {
		return err
	}
	*m = memoryBudget(n)
	return nil
}

// split is the budget's parts (internal/membudget).
func (m memoryBudget) split() membudget.Budget { return membudget.Split(int64(m)) }

// memoryConfig is the process memory budget. storeConfig embeds it, so
// every command that opens the stores takes it.
type memoryConfig struct {
	MemoryBudget memoryBudget `name:"memory-budget" env:"HOCVU_MEMORY_BUDGET" default:"384MiB" help:"Memory budget of this process (e.g. 384MiB, 1GiB; at least 128MiB), split between the Pebble caches and memtables of the event store and the read models, DuckDB's memory_limit and the Go heap's soft limit (GOMEMLIMIT, when set, wins for the Go heap). It does not cover the OS page cache (docs/deploy.md)."`
}

// modelMemory opens a block cache for the read models of this process;
// memory gives each its share. The caller closes the cache once its read
// models are open (each holds its own reference).
func (mc memoryConfig) modelMemory() (cache *pebblemodel.Cache, memory func(index bool) pebblemodel.Memory) {
	b := mc.MemoryBudget.split()
	cache = pebblemodel.NewCache(b.ModelCache)
	return cache, func(index bool) pebblemodel.Memory {
		if index {
			return pebblemodel.Memory{Cache: cache, MemTableSize: uint64(b.IndexMemTable)}
		}
		return pebblemodel.Memory{Cache: cache, MemTableSize: uint64(b.ModelMemTable)}
	}
}

// applyGoLimit sets the Go runtime's soft memory limit to the Go heap's
// share of budget, unless the GOMEMLIMIT environment variable is set
// (which then wins), and logs the split. It returns a function that
// restores the previous limit (for tests that run several commands in one
// process).
func applyGoLimit(budget memoryBudget, log *slog.Logger) (restore func()) {
	b := budget.split()
	attrs := []any{
		"total", membudget.Format(b.Total),
		"eventstore_cache", membudget.Format(b.EventCache), "eventstore_memtable", membudget.Format(b.EventMemTable),
		"readmodel_cache", membudget.Format(b.ModelCache), "index_memtable", membudget.Format(b.IndexMemTable),
		"readmodel_memtable", membudget.Format(b.ModelMemTable), "duckdb_memory_limit", membudget.Format(b.DuckDB),
	}
	if env := os.Getenv("GOMEMLIMIT"); env != "" {
		log.Debug("memory budget", append(attrs, "go_memory_limit", fmt.Sprintf("GOMEMLIMIT=%s", env))...)
		return func() {}
	}
	prev := debug.SetMemoryLimit(b.GoHeap)
	log.Debug("memory budget", append(attrs, "go_memory_limit", membudget.Format(b.GoHeap))...)
	return func() { debug.SetMemoryLimit(prev) }
}

// selectedBudget returns the --memory-budget of the parsed command, if it
// has one.
func selectedBudget(kctx *kong.Context) (memoryBudget, bool) {
	for _, f := range kctx.Flags() {
		if f.Name == "memory-budget" {
			b, ok := kctx.FlagValue(f).(memoryBudget)
			return b, ok
		}
	}
	return 0, false
}
