package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/schemas"
)

// StatementReader is the statement read model (the statement index).
type StatementReader interface {
	lrs.StatementQuerier
	// LastStored is the newest stored time visible to queries.
	LastStored() time.Time
}

// Limits bound requests.
type Limits struct {
	// MaxBody bounds a request body in bytes (default 16 MiB).
	MaxBody int64
	// MaxBatch bounds the statements of one POST (default 1000;
	// lrs.ServiceOptions.MaxBatch).
	MaxBatch int
	// MaxPage bounds the statements of one GET page (default 500).
	MaxPage int
	// MaxPageBytes bounds a GET page by the stored size of its statements
	// too (default 4 MiB): the page ends before the statement that would
	// pass it, with a more link; one larger statement comes alone.
	MaxPageBytes int
	// VisibleWithin bounds how long a statement write waits, once its
	// statements are durable, for the query API to show them (default
	// 10 s; lrs.ServiceOptions.VisibleWithin). Past it the write still
	// succeeds (the statements are stored) and
	// X-Experience-API-Consistent-Through tells clients what the queries
	// reflect; a warning is logged.
	VisibleWithin time.Duration
}

// Config configures the xAPI HTTP API.
type Config struct {
	Logger     *slog.Logger
	Build      BuildInfo
	Auth       Authenticator
	Statements StatementReader
	// Writer, Visibility and Blobs serve the statement writes, which the
	// API hands to an lrs.StatementService built from them; Blobs also
	// serves the attachments of GET.
	Writer     lrs.StatementStorer
	Visibility lrs.Visibility
	Blobs      *attachments.Store
	Documents  DocumentService
	Limits     Limits
	// Profile, when set, refuses statements that do not follow the xAPI
	// Profile it checks (lrs.ServiceOptions.Profile); nil accepts every
	// valid xAPI statement.
	Profile lrs.ProfileChecker
	// ConsistentThrough reports the X-Experience-API-Consistent-Through
	// time: every statement stored at or before it is visible.
	ConsistentThrough func() time.Time
	// TempDir holds spooled attachment parts ("" for the OS default).
	TempDir string
	// DefaultVersion is the xAPI version the LRS speaks to a request that
	// names none (or one it does not implement): the
	// X-Experience-API-Version of the answer, which refuses it. Requests
	// that name a supported version are answered in theirs. The zero
	// value, like any value other than 2.0.0, means 1.0.3.
	DefaultVersion schemas.Version
}

// API is the xAPI HTTP API.
type API struct {
	log        *slog.Logger
	build      BuildInfo
	auth       Authenticator
	statements StatementReader
	// statementService applies the xAPI rules of statement writes.
	statementService *lrs.StatementService
	blobs            *attachments.Store
	documents        DocumentService
	limits           Limits
	consistent       func() time.Time
	tempDir          string
	// defaultVersion is Config.DefaultVersion, resolved.
	defaultVersion schemas.Version
}

// New creates the API.
func New(cfg Config) *API {
	l := cfg.Limits
	if l.MaxBody <= 0 {
		l.MaxBody = 16 << 20
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = 1000
	}
	if l.MaxPage <= 0 {
		l.MaxPage = 500
	}
	if l.MaxPageBytes <= 0 {
		l.MaxPageBytes = 4 << 20
	}
	if l.VisibleWithin <= 0 {
		l.VisibleWithin = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DefaultVersion != schemas.V200 {
		cfg.DefaultVersion = schemas.V103
	}
	service := lrs.NewStatementService(lrs.ServiceOptions{
		Writer: cfg.Writer, Visibility: cfg.Visibility, Attachments: cfg.Blobs, Logger: cfg.Logger,
		MaxBatch: l.MaxBatch, VisibleWithin: l.VisibleWithin, Profile: cfg.Profile,
	})
	return &API{
		log: cfg.Logger, build: cfg.Build, auth: cfg.Auth, statements: cfg.Statements,
		statementService: service, blobs: cfg.Blobs, documents: cfg.Documents, limits: l,
		consistent: cfg.ConsistentThrough, tempDir: cfg.TempDir, defaultVersion: cfg.DefaultVersion,
	}
}

// Mount installs the xAPI routes under /xapi on e.
func (a *API) Mount(e *echo.Echo) {
	e.Pre(a.alternateSyntax)
	g := e.Group("/xapi")
	g.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: []string{"*"},
		AllowMethods: []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions},
		AllowHeaders: []string{"Authorization", "Content-Type", "X-Experience-API-Version", "If-Match", "If-None-Match", "Accept-Language", "X-Requested-With"},
		ExposeHeaders: []string{"ETag", "Last-Modified", "Content-Type", "X-Experience-API-Version",
			"X-Experience-API-Consistent-Through", "Location"},
		MaxAge: 86400,
	}))
	g.Use(a.xapiHeaders)
	g.GET("/about", a.about)
	g.HEAD("/about", a.about)

	api := g.Group("", a.requireVersion, a.authenticate)
	read := a.requireAny(auth.ScopeStatementsRead, auth.ScopeStatementsReadMine, auth.ScopeAllRead)
	write := a.requireAny(auth.ScopeStatementsWrite)
	api.GET("/statements", a.getStatements, read)
	api.HEAD("/statements", a.getStatements, read)
	api.PUT("/statements", a.putStatement, write)
	api.POST("/statements", a.postStatements, write)
	a.mountDocuments(api)
}
