package httpapi

import (
	"strings"

	"github.com/labstack/echo/v4"
)

const versionHeader = "X-Experience-API-Version"

// responseVersion picks the version reported on a response: the request's
// version family when it sent a supported one, else the newest.
func responseVersion(requested string) string {
	if strings.HasPrefix(requested, "1.0") {
		return "1.0.3"
	}
	return "2.0.0"
}

// versionHeader sets X-Experience-API-Version on every xAPI response.
func (a *API) versionHeader(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(versionHeader, responseVersion(c.Request().Header.Get(versionHeader)))
		return next(c)
	}
}
