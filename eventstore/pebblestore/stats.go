package pebblestore

import (
	"github.com/hocvu/hocvu/internal/storagestats"
)

var _ storagestats.Source = (*Store)(nil)

// StorageStats reports the state of the log's LSM tree (compaction debt,
// jobs running, read amplification, disk); ok is false once the store is
// closed. projections/pebblemodel has the same conversion for the read
// models (Pebble is imported by its adapters only).
func (s *Store) StorageStats() (storagestats.Stats, bool) {
	done, err := s.reading()
	if err != nil {
		return storagestats.Stats{}, false
	}
	defer done()
	m := s.db.Metrics()
	return storagestats.Stats{
		CompactionDebtBytes:   m.Compact.EstimatedDebt,
		CompactionsInProgress: m.Compact.NumInProgress,
		FlushesInProgress:     m.Flush.NumInProgress,
		Compactions:           m.Compact.Count,
		Flushes:               m.Flush.Count,
		ReadAmplification:     m.ReadAmp(),
		L0Sublevels:           m.Levels[0].Sublevels,
		DiskBytes:             m.DiskSpaceUsage(),
	}, true
}
