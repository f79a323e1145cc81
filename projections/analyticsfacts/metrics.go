package analyticsfacts

import "github.com/prometheus/client_golang/prometheus"

// RegisterMetrics exports what the projection counts besides its runner's
// figures (projections.RegisterMetrics).
func (p *Projection) RegisterMetrics(reg prometheus.Registerer) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_analytics_timestamp_fallbacks_total",
		Help:        "Statements whose timestamp is outside the times analytics represents (1970 to 2106) and that took their stored time instead, since this process started (docs/analytics.md).",
		ConstLabels: prometheus.Labels{"projection": p.Name()}},
		func() float64 { return float64(p.TimestampFallbacks()) }))
}
