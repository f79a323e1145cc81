package main

import (
	"context"
	"net/http"
	_ "net/http/pprof" // profiles behind --pprof
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticsapi"
	"github.com/hocvu/hocvu/frontdoor"
	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/httpapi"
)

type serveCmd struct {
	storeConfig        `embed:""`
	analyticsConfig    `embed:""`
	dashboardConfig    `embed:""`
	AnalyticsProjector bool          `name:"analytics-projector" env:"HOCVU_ANALYTICS_PROJECTOR" default:"true" negatable:"" help:"Run the analytics projector in this process (--no-analytics-projector when 'hocvu project' runs it)."`
	Listen             string        `name:"listen" env:"HOCVU_LISTEN" default:"127.0.0.1:8080" help:"Address to serve HTTP on (host:port; port 0 picks a free one)."`
	ShutdownTimeout    time.Duration `name:"shutdown-timeout" env:"HOCVU_SHUTDOWN_TIMEOUT" default:"15s" help:"How long to let in-flight requests finish on SIGINT/SIGTERM."`
	APIKey             string        `name:"api-key" env:"HOCVU_API_KEY" help:"Seed an all-scope credential with this key at start (with --api-secret)."`
	APISecret          string        `name:"api-secret" env:"HOCVU_API_SECRET" help:"Secret of the seeded credential (stored only as a bcrypt hash)."`
	AuthorityHome      string        `name:"authority-home" env:"HOCVU_AUTHORITY_HOME" default:"https://hocvu.local/" help:"homePage of the authority account that statements get from their credential."`
	MaxBody            int64         `name:"max-body" env:"HOCVU_MAX_BODY" default:"16777216" help:"Largest request body in bytes (413 above it)."`
	MaxBatch           int           `name:"max-batch" env:"HOCVU_MAX_BATCH" default:"1000" help:"Most statements in one POST (413 above it)."`
	MaxPage            int           `name:"max-page" env:"HOCVU_MAX_PAGE" default:"500" help:"Most statements in one GET page (and the page size for limit=0)."`
	Pprof              bool          `name:"pprof" env:"HOCVU_PPROF" help:"Serve Go profiles under /debug/pprof/ (for diagnosing performance; do not expose publicly)."`
}

func (c *serveCmd) Run(ctx context.Context, g *globals) error {
	log := g.log
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	store, exclusive, err := openStore(ctx, c.storeConfig, log, reg)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing event store", "err", err)
		}
	}()
	core, err := startCore(ctx, store, exclusive, c.DataDir, log, reg)
	if err != nil {
		return err
	}
	defer core.Close()
	if c.APIKey != "" || c.APISecret != "" {
		if c.APIKey == "" || c.APISecret == "" {
			return errorf("set both --api-key and --api-secret (HOCVU_API_KEY, HOCVU_API_SECRET), or neither")
		}
		if err := core.registry.Seed(ctx, c.APIKey, c.APISecret, "seeded from HOCVU_API_KEY", c.AuthorityHome); err != nil {
			return err
		}
	}
	if len(core.registry.List()) == 0 {
		log.Warn("no credentials exist: every xAPI request will get 401; set HOCVU_API_KEY and HOCVU_API_SECRET or run `hocvu credentials create`")
	}

	engine, ps, err := openAnalytics(ctx, c.analyticsConfig, c.DataDir, log)
	if err != nil {
		return err
	}
	defer engine.Close()
	runners := core.runners()
	if c.AnalyticsProjector {
		proj := analytics.NewProjection(engine, ps, store)
		run, stop := startSharedRunner(store, exclusive, proj, runnerOptions(proj.Name(), g), log)
		defer stop()
		registerProjectionMetrics(reg, store, run)
		runners = append(runners, run)
	}

	srv := httpserver.New(httpserver.Config{
		Logger:          log,
		Registry:        reg,
		ShutdownTimeout: c.ShutdownTimeout,
		Ready: map[string]httpserver.Check{
			"eventstore": func(ctx context.Context) error { _, err := store.Head(ctx); return err },
			"read-models": func(ctx context.Context) error {
				for _, r := range core.runners() {
					if st := r.Status(); !st.CaughtUp {
						return errorf("%s is catching up (at %s)", st.Name, st.Applied)
					}
				}
				return nil
			},
		},
	})
	httpapi.New(httpapi.Config{
		Logger:            log,
		Build:             httpapi.BuildInfo{Name: "hocvu", Version: buildVersion()},
		Auth:              core.registry,
		Statements:        readModel{core.index, core.indexRun},
		Writer:            core.writer,
		Visibility:        readModel{core.index, core.indexRun},
		Blobs:             core.blobs,
		Documents:         core.documents,
		Limits:            httpapi.Limits{MaxBody: c.MaxBody, MaxBatch: c.MaxBatch, MaxPage: c.MaxPage},
		ConsistentThrough: core.ConsistentThrough,
	}).Mount(srv.Echo)
	verify := func(key, secret, scope string) (bool, bool) {
		cred, err := core.registry.Verify(key, secret)
		if err != nil {
			return false, false
		}
		return true, cred.Has(scope)
	}
	analyticsapi.New(engine).Mount(srv.Echo.Group("/api/analytics", httpserver.BasicAuth(verify, auth.ScopeAnalytics)))
	srv.Echo.GET("/api/projections", projectionsStatus(store, runners))
	if c.Pprof {
		srv.Echo.Any("/debug/pprof/*", echo.WrapHandler(http.DefaultServeMux))
	}
	stopDashboard, err := c.dashboardConfig.mount(ctx, srv.Echo, store, engine, log)
	if err != nil {
		return err
	}
	defer stopDashboard()
	frontdoor.Mount(srv.Echo)

	if err := srv.Listen(c.Listen); err != nil {
		return err
	}
	head, _ := store.Head(ctx)
	log.Info("hocvu serving", "addr", "http://"+srv.Addr().String(), "xapi", "http://"+srv.Addr().String()+"/xapi/",
		"data_dir", c.DataDir, "eventstore", c.storeName(), "analytics", engine.Engine(), "analytics_projector", c.AnalyticsProjector,
		"log_head", head.String(), "version", buildVersion())
	if err := srv.Serve(ctx); err != nil {
		return err
	}
	log.Info("hocvu stopped")
	return nil
}
