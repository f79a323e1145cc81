package eventstore_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/eventstore"
)

func TestRegisterFoldSkips(t *testing.T) {
	reg := prometheus.NewRegistry()
	n := uint64(0)
	eventstore.RegisterFoldSkips(reg, "credentials", func() uint64 { return n })
	eventstore.RegisterFoldSkips(reg, "forwards", func() uint64 { return 7 })
	n = 3
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 1 || mfs[0].GetName() != "hocvu_registry_skipped_events_total" || len(mfs[0].GetMetric()) != 2 {
		t.Fatalf("gathered %v; want one counter family of two series", mfs)
	}
	got := map[string]float64{}
	for _, m := range mfs[0].GetMetric() {
		if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetName() != "registry" || m.GetCounter() == nil {
			t.Fatalf("series %v; want a counter labelled registry", m)
		}
		got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
	}
	if got["credentials"] != 3 || got["forwards"] != 7 {
		t.Errorf("skips %v; want credentials 3 (read at the scrape), forwards 7", got)
	}
}
