package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	_ "net/http/pprof" // profiles behind --pprof
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/hocvu/hocvu/analytics/analyticsapi"
	"github.com/hocvu/hocvu/campaign/xapiprofile"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/forwarding/forwardingapi"
	"github.com/hocvu/hocvu/frontdoor"
	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/httpapi"
	"github.com/hocvu/hocvu/privacy/peopleapi"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
	"github.com/hocvu/hocvu/projections/projectionsapi"
	"github.com/hocvu/hocvu/schemas"
)

type serveCmd struct {
	storeConfig        `embed:""`
	startupConfig      `embed:""`
	analyticsConfig    `embed:""`
	dashboardConfig    `embed:""`
	forwardingConfig   `embed:""`
	AnalyticsProjector bool          `name:"analytics-projector" env:"HOCVU_ANALYTICS_PROJECTOR" default:"true" negatable:"" help:"Run the analytics projector in this process (--no-analytics-projector when 'hocvu project' runs it)."`
	Listen             string        `name:"listen" env:"HOCVU_LISTEN" default:"127.0.0.1:8080" help:"Address to serve HTTP on (host:port; port 0 picks a free one)."`
	ShutdownTimeout    time.Duration `name:"shutdown-timeout" env:"HOCVU_SHUTDOWN_TIMEOUT" default:"15s" help:"How long to let in-flight requests finish on SIGINT/SIGTERM."`
	APIKey             string        `name:"api-key" env:"HOCVU_API_KEY" help:"Seed an all-scope credential with this key at start (with --api-secret)."`
	APISecret          string        `name:"api-secret" env:"HOCVU_API_SECRET" help:"Secret of the seeded credential (stored only as a bcrypt hash)."`
	AuthorityHome      string        `name:"authority-home" env:"HOCVU_AUTHORITY_HOME" default:"https://hocvu.local/" help:"homePage of the authority account that statements get from their credential."`
	MaxBody            int64         `name:"max-body" env:"HOCVU_MAX_BODY" default:"16777216" help:"Largest request body in bytes (413 above it)."`
	MaxBatch           int           `name:"max-batch" env:"HOCVU_MAX_BATCH" default:"1000" help:"Most statements in one POST (413 above it)."`
	MaxPage            int           `name:"max-page" env:"HOCVU_MAX_PAGE" default:"500" help:"Most statements in one GET page (and the page size for limit=0)."`
	DefaultXAPIVersion string        `name:"default-xapi-version" env:"HOCVU_DEFAULT_XAPI_VERSION" default:"1.0.3" enum:"1.0.3,2.0.0" help:"xAPI version in the X-Experience-API-Version header of answers to requests that name none or one this LRS does not implement (1.0.3 or 2.0.0); requests naming 1.0.x or 2.0.x are answered in theirs."`
	MaxPageBytes       int           `name:"max-page-bytes" env:"HOCVU_MAX_PAGE_BYTES" default:"4194304" help:"Most bytes of statements in one GET page (a larger statement comes alone); the page ends early with a more link."`
	ValidateProfile    bool          `name:"validate-profile" env:"HOCVU_VALIDATE_PROFILE" help:"Refuse (400, naming the template and the rule) statements that do not follow the campaign's xAPI Profile (docs/vocabulary.md); off, every valid xAPI statement is accepted."`
	SnapshotDir        string        `name:"snapshot-dir" env:"HOCVU_SNAPSHOT_DIR" type:"path" help:"Directory where POST /api/projections/snapshot (operators) writes snapshots of the local read models, each in a new sub-directory named by time, to start a replica from (docs/deploy.md). Empty: snapshots are refused."`
	Pprof              bool          `name:"pprof" env:"HOCVU_PPROF" help:"Serve Go profiles under /debug/pprof/ (for diagnosing performance; do not expose publicly)."`
	connLimits         `embed:""`
}

// connLimits bound what a slow or idle client can hold (httpserver.Config).
type connLimits struct {
	ReadHeaderTimeout time.Duration `name:"read-header-timeout" env:"HOCVU_READ_HEADER_TIMEOUT" default:"10s" help:"Longest time to receive a request's headers; the connection is closed past it (0: no limit)."`
	ReadTimeout       time.Duration `name:"read-timeout" env:"HOCVU_READ_TIMEOUT" default:"5m" help:"Longest time to receive a whole request, body included; 408 past it (0: no limit)."`
	WriteTimeout      time.Duration `name:"write-timeout" env:"HOCVU_WRITE_TIMEOUT" default:"5m" help:"Longest time from a request's headers to the end of its answer (0: no limit)."`
	IdleTimeout       time.Duration `name:"idle-timeout" env:"HOCVU_IDLE_TIMEOUT" default:"2m" help:"How long a kept-alive connection may wait for its next request (0: no limit)."`
	MinBodyRate       int64         `name:"min-body-rate" env:"HOCVU_MIN_BODY_RATE" default:"1024" help:"Slowest a request body may arrive, in bytes/s averaged from the server's first read of it once 10 s have passed; 408 below it (0: no minimum)."`
	TrustedProxies    []string      `name:"trusted-proxies" env:"HOCVU_TRUSTED_PROXIES" sep:"," placeholder:"CIDR" help:"Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; rate limits and logs then use that client address. Empty: the connection's address, headers ignored."`
}

// ipExtractor is the client-address extractor for the trusted proxies:
// nil (use the connection's peer) when there are none.
func (l connLimits) ipExtractor() (echo.IPExtractor, error) {
	if len(l.TrustedProxies) == 0 {
		return nil, nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range l.TrustedProxies {
		p = strings.TrimSpace(p)
		if !strings.Contains(p, "/") {
			ip, err := netip.ParseAddr(p)
			if err != nil {
				return nil, errorf("--trusted-proxies: %q is neither an address nor a CIDR range", p)
			}
			p = netip.PrefixFrom(ip, ip.BitLen()).String()
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, errorf("--trusted-proxies: %q is neither an address nor a CIDR range", p)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// apply copies the limits into an HTTP server configuration (where zero
// means the default and a negative value no limit).
func (l connLimits) apply(cfg *httpserver.Config) {
	off := func(d time.Duration) time.Duration {
		if d <= 0 {
			return -1
		}
		return d
	}
	cfg.ReadHeaderTimeout, cfg.ReadTimeout = off(l.ReadHeaderTimeout), off(l.ReadTimeout)
	cfg.WriteTimeout, cfg.IdleTimeout = off(l.WriteTimeout), off(l.IdleTimeout)
	cfg.MinBodyRate = l.MinBodyRate
	if cfg.MinBodyRate <= 0 {
		cfg.MinBodyRate = -1
	}
}

// profileChecker is the campaign-profile check of statement writes, nil
// unless --validate-profile.
func (c *serveCmd) profileChecker() lrs.ProfileChecker {
	if !c.ValidateProfile {
		return nil
	}
	return xapiprofile.DefaultChecker()
}

func (c *serveCmd) Run(ctx context.Context, g *globals) error {
	log := g.log
	// Flags first, then the port (httpserver.Server.Listen): a bad flag or
	// a busy port fails before any store is opened or projector started.
	extractIP, err := c.connLimits.ipExtractor()
	if err != nil {
		return err
	}
	if (c.APIKey == "") != (c.APISecret == "") {
		return errorf("set both --api-key and --api-secret (HOCVU_API_KEY, HOCVU_API_SECRET), or neither")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The readiness checks read store and core, which are set before Serve
	// starts answering /readyz.
	var (
		store eventstore.Store
		core  *lrsCore
	)
	srvCfg := httpserver.Config{
		Logger:          log,
		Registry:        reg,
		ShutdownTimeout: c.ShutdownTimeout,
		Ready: map[string]httpserver.Check{
			"eventstore": func(ctx context.Context) error { _, err := store.Head(ctx); return err },
			// Caught up once, and not stuck (failing without progress
			// behind the log); the analytics projector is not needed to
			// serve the xAPI and has its own metrics.
			"read-models": func(ctx context.Context) error {
				for _, r := range core.runners() {
					if err := projectionsapi.Ready(r)(ctx); err != nil {
						return err
					}
				}
				return nil
			},
		},
	}
	c.connLimits.apply(&srvCfg)
	srv := httpserver.New(srvCfg)
	srv.Echo.IPExtractor = extractIP
	if err := srv.Listen(c.Listen); err != nil {
		return err
	}
	defer srv.Close()

	store, exclusive, err := c.awaitStore(ctx, c.storeConfig, log, reg)
	if err != nil {
		return err
	}
	c.warnBodyLimit(log, c.MaxBody)
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing event store", "err", err)
		}
	}()
	core, err = startCore(ctx, store, exclusive, c.storeConfig, log, reg)
	if err != nil {
		return err
	}
	defer core.Close()
	if c.APIKey != "" {
		if err := core.registry.Seed(ctx, c.APIKey, c.APISecret, "seeded from HOCVU_API_KEY", c.AuthorityHome); err != nil {
			return err
		}
	}
	if len(core.registry.List()) == 0 {
		log.Warn("no credentials exist: every xAPI request will get 401; set HOCVU_API_KEY and HOCVU_API_SECRET or run `hocvu credentials create`")
	}

	engine, ps, err := c.awaitAnalytics(ctx, c.analyticsConfig, c.DataDir, c.MemoryBudget.split(), log)
	if err != nil {
		return err
	}
	defer engine.Close()
	core.privacy.mapPseudonyms(ps)
	fwd, err := startForwarding(ctx, store, exclusive, c.DataDir, c.Forwarding, c.forwardSecretsConfig, ps, core.live(), core.privacy, log, reg)
	if err != nil {
		return err
	}
	defer fwd.Close()
	// Also without the projector: an API that took writes before a stale
	// analytics checkpoint is rebuilt would hide the gap from it.
	if err := refuseAhead(ctx, store, analyticsfacts.NewProjection(engine, ps, store), analyticsRebuildHint); err != nil {
		return err
	}
	runners := core.runners()
	if c.AnalyticsProjector {
		proj := analyticsfacts.NewProjection(engine, ps, store)
		run, stop := startSharedRunner(store, exclusive, proj, runnerOptions(proj.Name(), g, core.quarantine), log)
		defer stop()
		projections.RegisterMetrics(reg, store, run)
		proj.RegisterMetrics(reg)
		runners = append(runners, run)
	}

	httpapi.New(httpapi.Config{
		Logger:            log,
		Build:             httpapi.BuildInfo{Name: "hocvu", Version: buildVersion()},
		Auth:              core.registry,
		Statements:        core.live(),
		Writer:            core.writer,
		Visibility:        core.live(),
		Blobs:             core.blobs,
		Documents:         core.documents,
		Limits:            httpapi.Limits{MaxBody: c.MaxBody, MaxBatch: c.MaxBatch, MaxPage: c.MaxPage, MaxPageBytes: c.MaxPageBytes},
		ConsistentThrough: core.consistency().Through,
		DefaultVersion:    schemas.Version(c.DefaultXAPIVersion),
		Profile:           c.profileChecker(),
	}).Mount(srv.Echo)
	verify := func(ctx context.Context, key, secret, addr, scope string) (bool, bool, error) {
		cred, err := core.registry.Authenticate(ctx, key, secret, addr)
		if errors.Is(err, auth.ErrUnauthorized) {
			return false, false, nil
		}
		if err != nil {
			return false, false, err
		}
		return true, cred.Has(scope), nil
	}
	analyticsapi.New(engine).Mount(srv.Echo.Group("/api/analytics", httpserver.BasicAuth(verify, auth.ScopeAnalytics)))
	srv.Echo.GET("/api/projections", projectionsapi.Status(store.Head, projectionsapi.Statuses(runners), verify))
	projectionsapi.MountSnapshot(srv.Echo, newSnapshotter(c.SnapshotDir, core, store).take, verify)
	forwardingapi.Mount(srv.Echo.Group("/api/forwards", httpserver.BasicAuth(verify, auth.ScopeForwards)), fwd.service)
	var eraser peopleapi.Eraser // nil: sealing off, the routes answer 503
	if core.privacy != nil {
		eraser = core.privacy.erasures
	}
	peopleapi.Mount(srv.Echo.Group("/api/people", httpserver.BasicAuth(verify, auth.ScopePeople)), eraser, core.exporter(), log)
	if c.Pprof {
		srv.Echo.Any("/debug/pprof/*", echo.WrapHandler(http.DefaultServeMux))
	}
	stopDashboard, err := c.dashboardConfig.mount(ctx, srv.Echo, store, engine, log, reg)
	if err != nil {
		return err
	}
	defer stopDashboard()
	frontdoor.Mount(srv.Echo)

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
