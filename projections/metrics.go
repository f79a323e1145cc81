package projections

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/eventstore"
)

// RegisterMetrics exports, for each runner, labelled with its projection's
// name: how far it is behind the log's head (hocvu_projection_position,
// hocvu_projection_lag_positions), the poison events it skipped
// (hocvu_projection_quarantined_events_total) and whether it is stuck
// (hocvu_projection_stuck). The log's head is read at each scrape, within
// a second; when it cannot be read, the lag is -1 and the projection is
// not reported stuck (docs/deploy.md lists the metrics and their alerts).
func RegisterMetrics(reg prometheus.Registerer, log eventstore.LogReader, runners ...*Runner) {
	head := func() (eventstore.Position, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return log.Head(ctx)
	}
	for _, r := range runners {
		labels := prometheus.Labels{"projection": r.Name()}
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_projection_quarantined_events_total", Help: "Poison events the projection skipped and recorded in the quarantine (hocvu projections quarantine), since this process started.", ConstLabels: labels},
				func() float64 { return float64(r.Status().Quarantined) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hocvu_projection_stuck", Help: "1 while the projection keeps failing without progress behind the log (see /readyz and the ERROR log lines), else 0.", ConstLabels: labels},
				func() float64 {
					h, err := head()
					if err != nil || !r.Stuck(h) {
						return 0
					}
					return 1
				}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hocvu_projection_position", Help: "Global log position (commit) a projection has applied through.", ConstLabels: labels},
				func() float64 { return float64(r.Status().Applied.Commit) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hocvu_projection_lag_positions", Help: "Head of the log minus the projection's position (events for the embedded store, bytes of log for KurrentDB).", ConstLabels: labels},
				func() float64 {
					h, err := head()
					if err != nil {
						return -1
					}
					applied := r.Status().Applied.Commit
					if h.Commit < applied {
						return 0
					}
					return float64(h.Commit - applied)
				}),
		)
	}
}
