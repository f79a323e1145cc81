package forwarding

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/eventstore"
)

var (
	descDelivered    = prometheus.NewDesc("hocvu_forward_delivered_statements_total", "Statements the forward's target acknowledged.", []string{"forward"}, nil)
	descFailed       = prometheus.NewDesc("hocvu_forward_failed_attempts_total", "Delivery attempts that failed.", []string{"forward"}, nil)
	descRetried      = prometheus.NewDesc("hocvu_forward_retries_total", "Delivery attempts after a failed one.", []string{"forward"}, nil)
	descDeadLettered = prometheus.NewDesc("hocvu_forward_dead_lettered_statements_total", "Statements moved to the dead letters.", []string{"forward"}, nil)
	descQuarantined  = prometheus.NewDesc("hocvu_forward_quarantined_events_total", "Poison events the forward skipped and recorded in the quarantine (hocvu projections quarantine --projection forward-NAME).", []string{"forward"}, nil)
	descPending      = prometheus.NewDesc("hocvu_forward_pending_statements", "Statements of the batch in flight.", []string{"forward"}, nil)
	descPosition     = prometheus.NewDesc("hocvu_forward_position", "Global log position (commit) the forward has handled through.", []string{"forward"}, nil)
	descLag          = prometheus.NewDesc("hocvu_forward_lag_positions", "Position of the newest statement minus the forward's position, 0 when it has nothing left to deliver (events for the embedded store, bytes of log for KurrentDB).", []string{"forward"}, nil)
	descErrStatus    = prometheus.NewDesc("hocvu_forward_last_error_status", "HTTP status of the last failed attempt (0: no answer; absent: none yet).", []string{"forward"}, nil)
	descErrTime      = prometheus.NewDesc("hocvu_forward_last_error_timestamp_seconds", "When the last attempt failed.", []string{"forward"}, nil)
)

// Collector exports the progress of the forwards this process delivers
// (the counters continue from the log when another process takes over).
func (s *Supervisor) Collector(log eventstore.StreamReader) prometheus.Collector {
	return &collector{s: s, log: log}
}

type collector struct {
	s   *Supervisor
	log eventstore.StreamReader
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDelivered, descFailed, descRetried, descDeadLettered, descQuarantined, descPending, descPosition, descLag, descErrStatus, descErrTime} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	live := c.s.Running()
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	head, herr := LastStatement(ctx, c.log)
	cancel()
	for name, l := range live {
		p := l.Progress
		ch <- prometheus.MustNewConstMetric(descDelivered, prometheus.CounterValue, float64(p.Delivered), name)
		ch <- prometheus.MustNewConstMetric(descFailed, prometheus.CounterValue, float64(p.Failed), name)
		ch <- prometheus.MustNewConstMetric(descRetried, prometheus.CounterValue, float64(p.Retried), name)
		ch <- prometheus.MustNewConstMetric(descDeadLettered, prometheus.CounterValue, float64(p.DeadLettered), name)
		ch <- prometheus.MustNewConstMetric(descQuarantined, prometheus.CounterValue, float64(p.Quarantined), name)
		pending := 0
		if p.Pending != nil {
			pending = len(p.Pending.Events)
		}
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(pending), name)
		ch <- prometheus.MustNewConstMetric(descPosition, prometheus.GaugeValue, float64(l.Scanned.Commit), name)
		if herr == nil {
			ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(Lag(head, l.Scanned)), name)
		}
		if e := p.LastError; e != nil {
			ch <- prometheus.MustNewConstMetric(descErrStatus, prometheus.GaugeValue, float64(e.Status), name)
			ch <- prometheus.MustNewConstMetric(descErrTime, prometheus.GaugeValue, float64(e.At.UnixMilli())/1000, name)
		}
	}
}

// Lag is head minus pos in commit positions (0 when pos is at or past it).
func Lag(head, pos eventstore.Position) uint64 {
	if head.Commit <= pos.Commit {
		return 0
	}
	return head.Commit - pos.Commit
}
