package pebblemodel

import (
	"github.com/cockroachdb/pebble/v2"

	"github.com/hocvu/hocvu/internal/storagestats"
)

// StorageStats reports the state of the database's LSM tree (compaction
// debt, jobs running, read amplification, disk). The read model that
// owns the DB calls it under its own lock, never after Close.
func (d *DB) StorageStats() storagestats.Stats {
	return lsmStats(d.db.Metrics())
}

// lsmStats is the part of Pebble's metrics that storagestats exports
// (eventstore/pebblestore has the same conversion for the log: Pebble is
// imported by its adapters only).
func lsmStats(m *pebble.Metrics) storagestats.Stats {
	return storagestats.Stats{
		CompactionDebtBytes:   m.Compact.EstimatedDebt,
		CompactionsInProgress: m.Compact.NumInProgress,
		FlushesInProgress:     m.Flush.NumInProgress,
		Compactions:           m.Compact.Count,
		Flushes:               m.Flush.Count,
		ReadAmplification:     m.ReadAmp(),
		L0Sublevels:           m.Levels[0].Sublevels,
		DiskBytes:             m.DiskSpaceUsage(),
	}
}
