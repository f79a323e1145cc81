package httpapi

import (
	"log/slog"

	"github.com/labstack/echo/v4"
)

// Config configures the xAPI HTTP API.
type Config struct {
	Logger *slog.Logger
	Build  BuildInfo
}

// API is the xAPI HTTP API.
type API struct {
	log   *slog.Logger
	build BuildInfo
}

// New creates the API.
func New(cfg Config) *API {
	return &API{log: cfg.Logger, build: cfg.Build}
}

// Mount installs the xAPI routes under /xapi on e.
func (a *API) Mount(e *echo.Echo) {
	g := e.Group("/xapi")
	g.Use(a.versionHeader)
	g.GET("/about", a.about)
	g.HEAD("/about", a.about)
}
