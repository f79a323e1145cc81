package projections_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
)

// gather returns every series of reg as name{label="value"} → value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{"
			for i, l := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
			}
			key += "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// headless is a log whose head cannot be read.
type headless struct{ eventstore.LogReader }

func (headless) Head(context.Context) (eventstore.Position, error) {
	return eventstore.Position{}, errors.New("the log is away")
}

func TestRegisterMetrics(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last eventstore.AppendResult
	for range 10 {
		if last, err = store.Append(ctx, "s-"+uuid.NewString(), eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: "test.counted", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	r := projections.NewRunner(store, &counter{typ: "test.counted"}, projections.Options{})
	reg := prometheus.NewRegistry()
	projections.RegisterMetrics(reg, store, r)
	const (
		position    = `hocvu_projection_position{projection="counter"}`
		lag         = `hocvu_projection_lag_positions{projection="counter"}`
		stuck       = `hocvu_projection_stuck{projection="counter"}`
		quarantined = `hocvu_projection_quarantined_events_total{projection="counter"}`
	)
	// Not started: nothing applied, the whole log behind.
	got := gather(t, reg)
	want := map[string]float64{position: 0, lag: float64(last.Position.Commit), stuck: 0, quarantined: 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("before the run: %v; want %v", got, want)
	}
	go func() { _ = r.Run(ctx) }()
	if err := r.WaitFor(ctx, last.Position); err != nil {
		t.Fatal(err)
	}
	got = gather(t, reg)
	want = map[string]float64{position: float64(last.Position.Commit), lag: 0, stuck: 0, quarantined: 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("caught up: %v; want %v", got, want)
	}
	// An unreadable head: the lag is -1 and the projection not stuck.
	reg = prometheus.NewRegistry()
	projections.RegisterMetrics(reg, headless{store}, r)
	got = gather(t, reg)
	if got[lag] != -1 || got[stuck] != 0 {
		t.Errorf("without the head: lag %v, stuck %v; want -1, 0", got[lag], got[stuck])
	}
}
