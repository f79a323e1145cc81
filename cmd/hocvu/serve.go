package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

type serveCmd struct {
	Listen          string        `name:"listen" env:"HOCVU_LISTEN" default:"127.0.0.1:8080" help:"Address to serve HTTP on (host:port; port 0 picks a free one)."`
	DataDir         string        `name:"data-dir" env:"HOCVU_DATA_DIR" default:"./data" type:"path" help:"Directory for the embedded event store and local read models."`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"HOCVU_SHUTDOWN_TIMEOUT" default:"15s" help:"How long to let in-flight requests finish on SIGINT/SIGTERM."`
}

func (c *serveCmd) Run(ctx context.Context, g *globals) error {
	log := g.log
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	store, err := openEventStore(c.DataDir, g, reg)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing event store", "err", err)
		}
	}()

	srv := httpserver.New(httpserver.Config{
		Logger:          log,
		Registry:        reg,
		ShutdownTimeout: c.ShutdownTimeout,
		Ready: map[string]httpserver.Check{
			"eventstore": func(ctx context.Context) error { _, err := store.Head(ctx); return err },
		},
	})
	httpapi.New(httpapi.Config{Logger: log, Build: httpapi.BuildInfo{Name: "hocvu", Version: buildVersion()}}).Mount(srv.Echo)

	if err := srv.Listen(c.Listen); err != nil {
		return err
	}
	head, _ := store.Head(ctx)
	log.Info("hocvu serving", "addr", "http://"+srv.Addr().String(), "xapi", "http://"+srv.Addr().String()+"/xapi/",
		"data_dir", c.DataDir, "eventstore", "embedded", "log_head", head.String(), "version", buildVersion())
	if err := srv.Serve(ctx); err != nil {
		return err
	}
	log.Info("hocvu stopped")
	return nil
}

// openEventStore opens the embedded store under dataDir/events and exports
// its counters as metrics.
func openEventStore(dataDir string, g *globals, reg prometheus.Registerer) (eventstore.Store, error) {
	dir := filepath.Join(dataDir, "events")
	s, err := pebblestore.Open(dir, pebblestore.Options{Logger: g.log})
	if err != nil {
		return nil, fmt.Errorf("open embedded event store: %w", err)
	}
	st := s.Stats()
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_eventstore_commit_groups_total", Help: "Commit groups (WAL syncs) of the embedded event store."},
			func() float64 { return float64(st.Groups.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_eventstore_appends_total", Help: "Appends that wrote events."},
			func() float64 { return float64(st.Appends.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hocvu_eventstore_events_total", Help: "Events written."},
			func() float64 { return float64(st.Events.Load()) }),
	)
	return s, nil
}
