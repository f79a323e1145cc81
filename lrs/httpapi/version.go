package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/schemas"
)

const (
	versionHeader           = "X-Experience-API-Version"
	consistentThroughHeader = "X-Experience-API-Consistent-Through"
	ctxVersion              = "hocvu.xapi.version"
)

// responseVersion picks the version reported on a response: the request's
// version family when it sent a supported one, else the newest.
func responseVersion(requested string) string {
	if v, err := schemas.ParseVersion(requested); err == nil {
		return string(v)
	}
	return string(schemas.V200)
}

// versionHeader sets X-Experience-API-Version on every xAPI response.
func (a *API) versionHeader(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(versionHeader, responseVersion(c.Request().Header.Get(versionHeader)))
		return next(c)
	}
}

// requireVersion rejects requests without a supported version header
// (xAPI: every request but About must carry one; 1.0.x and 2.0.0 are
// accepted) and records the version for the handlers.
func (a *API) requireVersion(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(versionHeader)
		if h == "" {
			return a.fail(c, invalid("", "the %s header is required (send 1.0.3 or 2.0.0)", versionHeader))
		}
		v, err := schemas.ParseVersion(h)
		if err != nil {
			return a.fail(c, invalid("", "unsupported %s %q: this LRS implements 1.0.x (as 1.0.3) and 2.0.0", versionHeader, h))
		}
		c.Set(ctxVersion, v)
		return next(c)
	}
}

// version returns the request's xAPI version (after requireVersion).
func version(c echo.Context) schemas.Version {
	if v, ok := c.Get(ctxVersion).(schemas.Version); ok {
		return v
	}
	return schemas.V200
}

func isV10(c echo.Context) bool { return version(c) == schemas.V103 }
