package httpserver

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Verifier checks HTTP Basic credentials of a client at addr and says
// whether they are valid and grant scope. A non-nil error means no answer
// was reached: an error with a RetryAfter method (too many failed
// attempts) becomes 429 with Retry-After, others are server errors (or
// 499 when the client went away).
type Verifier func(ctx context.Context, key, secret, addr, scope string) (valid, granted bool, err error)

// BasicAuth requires credentials that grant scope: 401 without or with bad
// credentials, 403 without the scope, 429 after too many failures.
func BasicAuth(verify Verifier, scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := CheckBasic(c, verify, scope); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// CheckBasic is BasicAuth for one request: nil when its credentials grant
// scope, else the error to answer with.
func CheckBasic(c echo.Context, verify Verifier, scope string) error {
	key, secret, ok := c.Request().BasicAuth()
	if !ok {
		c.Response().Header().Set("WWW-Authenticate", `Basic realm="hocvu"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "credentials required (HTTP Basic)")
	}
	valid, granted, err := verify(c.Request().Context(), key, secret, ClientAddr(c), scope)
	if err != nil {
		if wait, ok := RetryAfter(err); ok {
			SetRetryAfter(c, wait)
			return echo.NewHTTPError(http.StatusTooManyRequests, err.Error())
		}
		return err
	}
	if !valid {
		c.Response().Header().Set("WWW-Authenticate", `Basic realm="hocvu"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "invalid credentials")
	}
	if !granted {
		return echo.NewHTTPError(http.StatusForbidden, "this credential lacks the "+scope+" scope")
	}
	return nil
}
