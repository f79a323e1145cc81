package main

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/httpserver"
)

// Run runs the analytics projector until SIGINT/SIGTERM, with its own
// health and metrics endpoints.
func (c *projectCmd) Run(ctx context.Context, g *globals) error {
	log := g.log
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	store, exclusive, err := c.awaitStore(ctx, c.storeConfig, log, reg)
	if err != nil {
		return err
	}
	defer store.Close()
	engine, ps, err := c.awaitAnalytics(ctx, c.analyticsConfig, c.DataDir, log)
	if err != nil {
		return err
	}
	defer engine.Close()
	proj := analytics.NewProjection(engine, ps, store)
	if err := refuseAhead(ctx, store, proj, analyticsRebuildHint); err != nil {
		return err
	}
	opts := runnerOptions(proj.Name(), g)
	if c.BatchSize > 0 {
		opts.MaxBatch = c.BatchSize
	}
	runner, stop := startSharedRunner(store, exclusive, proj, opts, log)
	registerProjectionMetrics(reg, store, runner)

	srv := httpserver.New(httpserver.Config{
		Logger: log, Registry: reg,
		Ready: map[string]httpserver.Check{
			proj.Name(): func(ctx context.Context) error {
				if st := runner.Status(); !st.CaughtUp {
					return errors.New("catching up")
				}
				return nil
			},
		},
	})
	if err := srv.Listen(c.Listen); err != nil {
		return err
	}
	log.Info("hocvu projecting", "projection", proj.Name(), "addr", "http://"+srv.Addr().String(), "eventstore", c.storeName(), "version", buildVersion())
	err = srv.Serve(ctx)
	stop()
	log.Info("hocvu projector stopped", "position", runner.Status().Applied.String())
	return err
}
