package storagestats_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hocvu/hocvu/internal/storagestats"
)

type fixed struct {
	s  storagestats.Stats
	ok bool
}

func (f fixed) StorageStats() (storagestats.Stats, bool) { return f.s, f.ok }

func TestRegisterExportsEachOpenStore(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	storagestats.Register(reg, map[string]storagestats.Source{
		"events": fixed{storagestats.Stats{CompactionDebtBytes: 1 << 20, CompactionsInProgress: 1, Compactions: 7, Flushes: 3,
			ReadAmplification: 9, L0Sublevels: 4, DiskBytes: 5000}, true},
		"statement-index": fixed{storagestats.Stats{ReadAmplification: 2, DiskBytes: 100}, true},
		"closed":          fixed{storagestats.Stats{DiskBytes: 1}, false},
	})
	want := `
# HELP hocvu_storage_compaction_debt_bytes Estimated bytes the store still has to compact before its LSM tree is in shape (some may remain on an idle store).
# TYPE hocvu_storage_compaction_debt_bytes gauge
hocvu_storage_compaction_debt_bytes{store="events"} 1.048576e+06
hocvu_storage_compaction_debt_bytes{store="statement-index"} 0
# HELP hocvu_storage_compactions_total Compactions done since the store opened.
# TYPE hocvu_storage_compactions_total counter
hocvu_storage_compactions_total{store="events"} 7
hocvu_storage_compactions_total{store="statement-index"} 0
# HELP hocvu_storage_read_amplification Sorted runs a point read may visit (L0 sublevels plus non-empty lower levels); above about 10, reads slow down.
# TYPE hocvu_storage_read_amplification gauge
hocvu_storage_read_amplification{store="events"} 9
hocvu_storage_read_amplification{store="statement-index"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"hocvu_storage_compaction_debt_bytes", "hocvu_storage_compactions_total", "hocvu_storage_read_amplification"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg); n != 16 {
		t.Errorf("%d series, want 8 for each of the two open stores", n)
	}
}
