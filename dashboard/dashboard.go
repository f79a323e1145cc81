// Package dashboard serves the province leadership dashboard under
// /dashboard/: server-rendered HTML shells (html/template) and small
// vanilla JavaScript modules that fetch the dashboard's data endpoint and
// draw tables and SVG charts. Every asset is embedded in the binary, so the
// dashboard works offline (no CDN).
//
// Numbers come only from the analytics named queries: the browser reads
// GET /dashboard/api/{query} (JSON) and /dashboard/csv/{query} (CSV), which
// run the same engine as /api/analytics/ after checking the session and
// applying the user's role (Scope). The commune report
// (/dashboard/report/{code}) is built from the same queries by
// dashboard/report. The browser only derives presentation: percentages of
// a target, changes between two returned numbers, sorting.
//
// Access: users (dashboard/users) sign in with a password; a session is a
// random 256-bit id in an HttpOnly, SameSite=Lax cookie (Secure when
// configured), held in memory with an idle and an absolute expiry. Sign-in
// and sign-out forms carry a CSRF token. Failed sign-ins are limited per
// user name (a lock that doubles with each failure past the fifth), per
// client address (a budget that refills every few seconds), and per
// device cookie, which exempts a browser where the user signed in before
// from the other two, so strangers cannot lock users out (auth.go,
// limiter.go, device.go, docs/dashboard.md). A province user sees
// everything; a commune user only its own commune, on every route.
package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/users"
	"github.com/hocvu/hocvu/internal/ratelimit"
)

// Querier answers named queries (an analytics.Engine).
type Querier interface {
	Query(ctx context.Context, name string, p analytics.Params) (*analytics.Result, error)
}

// Config configures the dashboard.
type Config struct {
	// Analytics answers the named queries (required).
	Analytics Querier
	// Users is the live user registry (required; a *users.Registry).
	Users UserStore
	// Logger receives sign-in events and errors (default: discard).
	Logger *slog.Logger
	// Secure marks cookies Secure (set it when users reach Hocvu over
	// HTTPS, e.g. behind a TLS-terminating proxy).
	Secure bool
	// SessionIdle ends a session after this long without a request
	// (default 12h); SessionMaxAge after this long in all (default 7 days).
	SessionIdle, SessionMaxAge time.Duration
	// CampaignStart is the campaign's first month (YYYY-MM, default
	// 2025-05): the expected pace towards the first year's targets starts
	// there.
	CampaignStart string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// UserStore looks users up and checks their passwords (users.Registry).
type UserStore interface {
	Get(username string) (users.User, bool)
	// Verify returns users.ErrUnauthorized for an unknown user or a wrong
	// password, after the same work in both cases.
	Verify(username, password string) (users.User, error)
}

// The sign-in limits (docs/dashboard.md, docs/limits.md).
const (
	// SignInFree failures in a row for one user name lock it for
	// SignInLock, doubled by each further failure up to SignInMaxLock;
	// the failures are forgotten SignInForget after the last one, or on a
	// successful sign-in. Device cookies have the same backoff of their own.
	SignInFree    = 5
	SignInLock    = time.Minute
	SignInMaxLock = 30 * time.Minute
	SignInForget  = 24 * time.Hour
	// SignInAddrBurst failures from one client address (IPv6: one /64)
	// are allowed at once, then one more every SignInAddrEvery.
	SignInAddrBurst = 30
	SignInAddrEvery = 20 * time.Second
)

// Dashboard is the HTTP handler set. Create it with New and Mount it.
type Dashboard struct {
	cfg         Config
	log         *slog.Logger
	sessions    *SessionStore
	devices     *devices
	userLimit   *Backoff
	deviceLimit *Backoff
	addrLimit   *ratelimit.Buckets
}

// Prefix is where the dashboard is mounted.
const Prefix = "/dashboard"

// Cookie names.
const (
	sessionCookie = "hocvu_session"
	loginCSRF     = "hocvu_login_csrf"
)

// New creates the dashboard.
func New(cfg Config) *Dashboard {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 12 * time.Hour
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = 7 * 24 * time.Hour
	}
	if cfg.CampaignStart == "" {
		cfg.CampaignStart = "2025-05"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dashboard{
		cfg:         cfg,
		log:         cfg.Logger,
		sessions:    NewSessionStore(cfg.SessionIdle, cfg.SessionMaxAge, cfg.Now),
		devices:     newDevices(cfg.Now),
		userLimit:   NewBackoff(SignInFree, SignInLock, SignInMaxLock, SignInForget, cfg.Now),
		deviceLimit: NewBackoff(SignInFree, SignInLock, SignInMaxLock, SignInForget, cfg.Now),
		addrLimit:   ratelimit.New(SignInAddrBurst, SignInAddrEvery, cfg.Now),
	}
}

// Sessions exposes the session store (for tests and metrics).
func (d *Dashboard) Sessions() *SessionStore { return d.sessions }

// Mount installs the dashboard's routes on e under /dashboard.
func (d *Dashboard) Mount(e *echo.Echo) {
	e.GET(Prefix, func(c echo.Context) error { return c.Redirect(http.StatusFound, Prefix+"/") })
	g := e.Group(Prefix, d.headers, d.loadSession)
	g.GET("/assets/*", d.assets)
	g.GET("/login", d.loginForm)
	g.POST("/login", d.login)
	g.POST("/logout", d.logout)

	g.GET("/", d.page("overview", provinceOnly), d.requirePage)
	g.GET("/communes", d.page("communes", provinceOnly), d.requirePage)
	g.GET("/commune/:code", d.communePage, d.requirePage)
	g.GET("/courses", d.page("courses", anyRole), d.requirePage)
	g.GET("/integrity", d.page("integrity", anyRole), d.requirePage)
	g.GET("/report/:code", d.report, d.requirePage)

	g.GET("/api/queries", d.catalog, d.requireAPI)
	g.GET("/api/:name", d.data, d.requireAPI)
	g.GET("/csv/:name", d.csv, d.requireAPI)
}

// headers sets the security headers of every dashboard response.
func (d *Dashboard) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp(""))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// csp is the Content-Security-Policy: only the dashboard's own scripts,
// styles and data; styleSrc adds a source for an inline style (the report).
func csp(styleSrc string) string {
	style := "'self'"
	if styleSrc != "" {
		style += " " + styleSrc
	}
	return "default-src 'none'; script-src 'self'; style-src " + style + "; img-src 'self' data:; connect-src 'self'; " +
		"font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}
