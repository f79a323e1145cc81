package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticsapi"
	"github.com/hocvu/hocvu/dashboard/i18n"
	"github.com/hocvu/hocvu/dashboard/report"
	"github.com/hocvu/hocvu/internal/csvsafe"
)

// catalog lists the named queries and whether the user may run each.
func (d *Dashboard) catalog(c echo.Context) error {
	u, _ := currentUser(c)
	return c.JSON(http.StatusOK, map[string]any{"queries": d.catalogFor(u)})
}

// run parses a data request, applies the user's role and runs the named
// query: the one path every number the browser shows goes through.
func (d *Dashboard) run(c echo.Context) (*analytics.Result, analytics.Params, error) {
	u, _ := currentUser(c)
	name := c.Param("name")
	q, ok := analytics.Lookup(name)
	if !ok {
		return nil, analytics.Params{}, echo.NewHTTPError(http.StatusNotFound, "no named query "+strconv.Quote(name))
	}
	p, err := analyticsapi.ParseParams(c)
	if err != nil {
		return nil, p, echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	own, err := Scope(u, q, &p)
	if err != nil {
		d.log.Info("dashboard query refused", "user", u.Username, "query", name, "commune", c.QueryParam("commune"))
		return nil, p, echo.NewHTTPError(http.StatusForbidden, "this query is not available to your role")
	}
	res, err := d.cfg.Analytics.Query(c.Request().Context(), name, p)
	if err != nil {
		if errors.Is(err, analytics.ErrBadParams) {
			return nil, p, echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		return nil, p, fmt.Errorf("dashboard: query %s: %w", name, err)
	}
	if own {
		res = FilterRows(res, u.Commune)
	}
	return res, p, nil
}

// data answers a named query as JSON (the analytics API's format).
func (d *Dashboard) data(c echo.Context) error {
	res, _, err := d.run(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// csv answers a named query as CSV for Excel: UTF-8 with a BOM, a header
// row of translated column names, plain numbers, and the course's name in
// the viewer's language beside every course IRI. A query that caps its
// rows (bursts) gives the CSV as many as it may (analytics.MaxLimit)
// unless the request names a limit; should rows still be left out, the
// CSV's last line says how many.
func (d *Dashboard) csv(c echo.Context) error {
	if c.QueryParam("limit") == "" {
		if q, ok := analytics.Lookup(c.Param("name")); ok && slices.Contains(q.Params, "limit") {
			c.QueryParams().Set("limit", strconv.Itoa(analytics.MaxLimit))
		}
	}
	res, p, err := d.run(c)
	if err != nil {
		return err
	}
	lang := d.lang(c)
	if res.Query != "courses" && slices.Contains(res.Columns, "course_id") {
		res = WithCourseNames(res, d.courseNames(c.Request().Context(), lang))
	}
	name := "hocvu-" + res.Query
	for _, part := range []string{p.Commune, p.From, p.To} {
		if part != "" {
			name += "-" + part
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+sanitizeFilename(name)+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return WriteCSV(c.Response(), res, lang)
}

// WriteCSV writes a named-query result as CSV with a BOM and translated
// column headers. Every cell goes through csvsafe: values that came from
// statements (a commune code "=HYPERLINK(…)") open as text, never as a
// formula.
func WriteCSV(w interface{ Write([]byte) (int, error) }, res *analytics.Result, lang string) error {
	if _, err := w.Write([]byte(report.BOM)); err != nil {
		return fmt.Errorf("dashboard: write csv: %w", err)
	}
	cw := csvsafe.NewWriter(w)
	head := make([]string, len(res.Columns))
	for i, col := range res.Columns {
		head[i] = i18n.T(lang, "col."+col)
	}
	_ = cw.Write(head)
	cells := make([]string, len(res.Columns))
	for _, row := range res.Rows {
		for i := range cells {
			cells[i] = ""
			if i < len(row) {
				cells[i] = cell(row[i])
			}
		}
		_ = cw.Write(cells)
	}
	if res.Truncated() {
		_ = cw.Write([]string{i18n.Tf(lang, "ui.csv_capped", len(res.Rows), *res.Total)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("dashboard: write csv: %w", err)
	}
	return nil
}

func cell(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	}
	return report.Str(v)
}

func sanitizeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// report serves the commune report appendix as CSV (format=csv) or as a
// printable HTML page (the default), for ?year= (default: this year).
func (d *Dashboard) report(c echo.Context) error {
	u, _ := currentUser(c)
	code := c.Param("code")
	if !CanSeeCommune(u, code) {
		d.log.Info("dashboard report refused", "user", u.Username, "commune", code)
		return d.errorPage(c, http.StatusForbidden, "err.forbidden")
	}
	now := d.cfg.Now()
	year := now.In(analytics.Local).Year()
	if s := c.QueryParam("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "year must be a number")
		}
		year = y
	}
	r, err := report.Build(c.Request().Context(), d.cfg.Analytics, nil, code, year, now)
	if err != nil {
		if errors.Is(err, report.ErrBadRequest) {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		return err
	}
	lang := d.lang(c)
	filename := sanitizeFilename(fmt.Sprintf("phu-luc-%s-%d", code, year))
	if c.QueryParam("format") == "csv" {
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		return r.WriteCSV(c.Response(), lang)
	}
	c.Response().Header().Set("Content-Security-Policy", csp(report.StyleHash()))
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return r.WriteHTML(c.Response(), lang)
}
