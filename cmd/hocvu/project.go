package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
	"github.com/hocvu/hocvu/projections/projectionsapi"
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
	privacy, err := openPrivacy(ctx, c.storeConfig, store, log)
	if err != nil {
		return err
	}
	defer privacy.Close()
	engine, ps, err := c.awaitAnalytics(ctx, c.analyticsConfig, c.DataDir, c.MemoryBudget.split(), log)
	if err != nil {
		return err
	}
	defer engine.Close()
	privacy.mapPseudonyms(ps)
	proj := analyticsfacts.NewProjection(engine, ps, store)
	if err := refuseAhead(ctx, store, proj, analyticsRebuildHint); err != nil {
		return err
	}
	opts := runnerOptions(proj.Name(), g, projections.NewLogQuarantine(store))
	if c.BatchSize > 0 {
		opts.MaxBatch = c.BatchSize
	}
	runner, stop := startSharedRunner(store, exclusive, proj, opts, log)
	projections.RegisterMetrics(reg, store, runner)
	proj.RegisterMetrics(reg)
	if c.Forwarding {
		lookup, closeLookup, err := openStatementLookup(store, c.storeConfig, privacy, log)
		if err != nil {
			stop()
			return err
		}
		defer closeLookup()
		fwd, err := startForwarding(ctx, store, exclusive, c.DataDir, true, c.forwardSecretsConfig, ps, lookup, privacy, log, reg)
		if err != nil {
			stop()
			return err
		}
		defer fwd.Close()
	}

	srv := httpserver.New(httpserver.Config{
		Logger: log, Registry: reg,
		Ready: map[string]httpserver.Check{
			proj.Name(): projectionsapi.Ready(runner),
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
