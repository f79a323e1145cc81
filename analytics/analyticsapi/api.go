// Package analyticsapi serves the named analytics queries as JSON over
// HTTP, under /api/analytics/: the catalogue at /api/analytics/queries and
// each query at /api/analytics/{name}?from=YYYY-MM&to=YYYY-MM&commune=
// &group=&course=&area_type=&threshold=&limit=&lang=. Callers authenticate with an LRS credential
// that has the "analytics" (or "all") scope; the dashboard calls the same
// handler with its own session check.
package analyticsapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/analytics"
)

// Querier answers named queries (an analytics.Engine).
type Querier interface {
	Query(ctx context.Context, name string, p analytics.Params) (*analytics.Result, error)
}

// Handler serves the analytics API.
type Handler struct {
	q Querier
}

// New creates the handler.
func New(q Querier) *Handler { return &Handler{q: q} }

// Mount installs the routes on g (already authenticated).
func (h *Handler) Mount(g *echo.Group) {
	g.GET("/queries", h.catalog)
	g.GET("/:name", h.query)
}

func (h *Handler) catalog(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"queries": analytics.Catalog})
}

// ParseParams reads the query parameters of a named query.
func ParseParams(c echo.Context) (analytics.Params, error) {
	p := analytics.Params{
		From:     c.QueryParam("from"),
		To:       c.QueryParam("to"),
		Commune:  c.QueryParam("commune"),
		Group:    c.QueryParam("group"),
		Course:   c.QueryParam("course"),
		AreaType: c.QueryParam("area_type"),
		Lang:     c.QueryParam("lang"),
	}
	if s := c.QueryParam("threshold"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, errors.New("threshold must be an integer")
		}
		p.Threshold = n
	}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, errors.New("limit must be an integer")
		}
		p.Limit = n
	}
	return p, p.Validate()
}

func (h *Handler) query(c echo.Context) error {
	name := c.Param("name")
	if _, ok := analytics.Lookup(name); !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no named query "+strconv.Quote(name)+"; see /api/analytics/queries")
	}
	p, err := ParseParams(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	res, err := h.q.Query(c.Request().Context(), name, p)
	if err != nil {
		if errors.Is(err, analytics.ErrBadParams) {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		return err
	}
	return c.JSON(http.StatusOK, res)
}
