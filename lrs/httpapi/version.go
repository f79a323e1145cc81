package httpapi

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/schemas"
)

const (
	versionHeader           = "X-Experience-API-Version"
	consistentThroughHeader = "X-Experience-API-Consistent-Through"
	ctxVersion              = "hocvu.xapi.version"
)

// statementsPath is the Statement resource, whose every response carries
// X-Experience-API-Consistent-Through.
const statementsPath = "/xapi/statements"

// responseVersion picks the version reported on a response: the request's
// version family when it sent a supported one, else the version the LRS
// speaks to clients that name none (Config.DefaultVersion).
func (a *API) responseVersion(requested string) schemas.Version {
	if v, err := schemas.ParseVersion(requested); err == nil {
		return v
	}
	return a.defaultVersion
}

// xapiHeaders is the middleware that sets the headers of every xAPI
// response (see setHeaders).
func (a *API) xapiHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a.setHeaders(c)
		return next(c)
	}
}

// setHeaders sets X-Experience-API-Version on the response (1.0.3
// Communication 3.3, 2.0 4.1.7: in every response, errors included) and,
// on the Statement resource, X-Experience-API-Consistent-Through (1.0.3
// Communication 2.1.3.s2.b5, 2.0 4.1.6.1: on all its responses). Until
// requireVersion has read a supported version, the request counts as one
// of the response's version.
func (a *API) setHeaders(c echo.Context) {
	h := c.Response().Header()
	v := a.responseVersion(c.Request().Header.Get(versionHeader))
	h.Set(versionHeader, string(v))
	if _, ok := c.Get(ctxVersion).(schemas.Version); !ok {
		c.Set(ctxVersion, v)
	}
	if c.Request().URL.Path == statementsPath {
		h.Set(consistentThroughHeader, a.consistentThrough().UTC().Format(time.RFC3339Nano))
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

// version returns the request's xAPI version (after requireVersion; before
// it, the version of the response).
func version(c echo.Context) schemas.Version {
	if v, ok := c.Get(ctxVersion).(schemas.Version); ok {
		return v
	}
	return schemas.V200
}

func isV10(c echo.Context) bool { return version(c) == schemas.V103 }
