// Package frontdoor serves what a person who opens the server's address
// sees: GET / is a small page, in Vietnamese or English, that says what
// runs there and where each kind of visitor goes — the dashboard
// (leaders), the xAPI endpoint (content authors and learning platforms),
// the analytics API and its documentation (analysts), health and metrics
// (operators) — and GET /docs/ serves the embedded documentation as plain
// text. The page is static: no script, no data, nothing about the
// deployment but the paths every Hocvu serves; it works offline (its only
// assets are the dashboard's embedded stylesheet and icon).
package frontdoor

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/dashboard/i18n"
	"github.com/hocvu/hocvu/docs"
)

//go:embed home.html
var homeSource string

var home = template.Must(template.New("home").Funcs(template.FuncMap{
	"t": func(lang, key string, args ...any) string { return i18n.Tf(lang, key, args...) },
}).Parse(homeSource))

// Mount installs GET / and GET /docs/ on e.
func Mount(e *echo.Echo) {
	e.GET("/", page, headers)
	e.HEAD("/", page, headers)
	e.GET("/docs", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/docs/") })
	e.GET("/docs/", index, headers)
	e.GET("/docs/:name", doc, headers)
}

// headers keeps the page inert: only the dashboard's own stylesheet and
// icon may load, nothing may frame it.
func headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-cache")
		return next(c)
	}
}

type view struct {
	Lang, Other, OtherURL, Dashboard string
	Docs                             []string
}

// lang is ?lang= (vi or en), else Vietnamese: like the dashboard, the
// page does not follow the browser's language (officials' browsers often
// run in English).
func lang(r *http.Request) string {
	return i18n.Normalize(r.URL.Query().Get("lang"))
}

func page(c echo.Context) error {
	l := lang(c.Request())
	v := view{Lang: l, Other: "en", Docs: docs.Names()}
	if l == "en" {
		v.Other = "vi"
	}
	v.OtherURL = "/?lang=" + v.Other
	v.Dashboard = "/dashboard/"
	if l != i18n.Default {
		v.Dashboard += "?lang=" + l
	}
	var buf bytes.Buffer
	if err := home.Execute(&buf, v); err != nil {
		return fmt.Errorf("frontdoor: render: %w", err)
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// index lists the documents.
func index(c echo.Context) error {
	var buf bytes.Buffer
	buf.WriteString("Hocvu documentation\n\n")
	for _, n := range docs.Names() {
		fmt.Fprintf(&buf, "/docs/%s\n", n)
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", buf.Bytes())
}

// doc serves one document as plain UTF-8 text (Markdown source).
func doc(c echo.Context) error {
	name := c.Param("name")
	if !slices.Contains(docs.Names(), name) {
		return echo.NewHTTPError(http.StatusNotFound, "no document "+name+"; see /docs/")
	}
	data, err := fs.ReadFile(docs.FS(), name)
	if err != nil {
		return fmt.Errorf("frontdoor: read %s: %w", name, err)
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", data)
}
