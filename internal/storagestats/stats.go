// Package storagestats exports the health of Hocvu's embedded storage
// engines (the Pebble databases of the event store and of the local read
// models) as Prometheus metrics, one series per store: how much
// compaction work is owed, how many compactions run, how many files a
// read may have to visit. An operator reads them to tell a slow disk or
// a backlog of compactions from a slow query; `hocvu bench --sizes`
// waits on them before it measures queries again on a settled store.
//
// The storage packages fill a [Stats]; this package knows no engine.
package storagestats

import "github.com/prometheus/client_golang/prometheus"

// Stats is a point-in-time view of one store's LSM tree.
type Stats struct {
	// CompactionDebtBytes is the engine's estimate of the bytes still to
	// compact before the tree is in shape (Pebble's EstimatedDebt). It
	// need not reach 0 on an idle store: Pebble compacts a level only once
	// it is enough over its target size.
	CompactionDebtBytes uint64
	// CompactionsInProgress and FlushesInProgress count the background
	// jobs running now.
	CompactionsInProgress int64
	FlushesInProgress     int64
	// Compactions and Flushes count the jobs done since the store opened.
	Compactions int64
	Flushes     int64
	// ReadAmplification is how many sorted runs a point read may visit
	// (the L0 sublevels plus each non-empty lower level).
	ReadAmplification int
	// L0Sublevels is the depth of level 0, the usual cause of a high
	// read amplification.
	L0Sublevels int32
	// DiskBytes is the space the store's files take.
	DiskBytes uint64
}

// Source is a store that reports its Stats; ok is false when it cannot
// (closed).
type Source interface {
	StorageStats() (s Stats, ok bool)
}

// Register exports the stats of each source, labelled store="<name>".
func Register(reg prometheus.Registerer, sources map[string]Source) {
	reg.MustRegister(&collector{sources: sources})
}

var (
	descDebt = prometheus.NewDesc("hocvu_storage_compaction_debt_bytes",
		"Estimated bytes the store still has to compact before its LSM tree is in shape (some may remain on an idle store).", []string{"store"}, nil)
	descCompacting = prometheus.NewDesc("hocvu_storage_compactions_in_progress",
		"Compactions running now.", []string{"store"}, nil)
	descFlushing = prometheus.NewDesc("hocvu_storage_flushes_in_progress",
		"Memtable flushes running now.", []string{"store"}, nil)
	descCompactions = prometheus.NewDesc("hocvu_storage_compactions_total",
		"Compactions done since the store opened.", []string{"store"}, nil)
	descFlushes = prometheus.NewDesc("hocvu_storage_flushes_total",
		"Memtable flushes done since the store opened.", []string{"store"}, nil)
	descReadAmp = prometheus.NewDesc("hocvu_storage_read_amplification",
		"Sorted runs a point read may visit (L0 sublevels plus non-empty lower levels); above about 10, reads slow down.", []string{"store"}, nil)
	descL0 = prometheus.NewDesc("hocvu_storage_l0_sublevels",
		"Depth of level 0 of the LSM tree.", []string{"store"}, nil)
	descDisk = prometheus.NewDesc("hocvu_storage_disk_bytes",
		"Space the store's files take on disk.", []string{"store"}, nil)
)

type collector struct {
	sources map[string]Source
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDebt, descCompacting, descFlushing, descCompactions, descFlushes, descReadAmp, descL0, descDisk} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for name, src := range c.sources {
		s, ok := src.StorageStats()
		if !ok {
			continue
		}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
		}
		gauge(descDebt, float64(s.CompactionDebtBytes))
		gauge(descCompacting, float64(s.CompactionsInProgress))
		gauge(descFlushing, float64(s.FlushesInProgress))
		ch <- prometheus.MustNewConstMetric(descCompactions, prometheus.CounterValue, float64(s.Compactions), name)
		ch <- prometheus.MustNewConstMetric(descFlushes, prometheus.CounterValue, float64(s.Flushes), name)
		gauge(descReadAmp, float64(s.ReadAmplification))
		gauge(descL0, float64(s.L0Sublevels))
		gauge(descDisk, float64(s.DiskBytes))
	}
}
