package eventstore

import "github.com/prometheus/client_golang/prometheus"

// RegisterFoldSkips exports how many events a Fold over stream skipped as
// poison (its Skipped count), as hocvu_registry_skipped_events_total
// labelled registry=stream: the live registries (credentials, dashboard
// users, forwards) call it with their fold's count (docs/limits.md).
func RegisterFoldSkips(reg prometheus.Registerer, stream string, skipped func() uint64) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_registry_skipped_events_total",
		Help:        "Events of a registry's stream (credentials, dashboard-users, forwards) it could not decode and skipped, since this process started (docs/limits.md).",
		ConstLabels: prometheus.Labels{"registry": stream}},
		func() float64 { return float64(skipped()) }))
}
