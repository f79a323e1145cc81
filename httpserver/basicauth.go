package httpserver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Verifier checks HTTP Basic credentials and says whether they grant scope.
type Verifier func(key, secret, scope string) (ok bool, granted bool)

// BasicAuth requires credentials that grant scope: 401 without or with bad
// credentials, 403 without the scope.
func BasicAuth(verify Verifier, scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key, secret, ok := c.Request().BasicAuth()
			if !ok {
				c.Response().Header().Set("WWW-Authenticate", `Basic realm="hocvu"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "credentials required (HTTP Basic)")
			}
			valid, granted := verify(key, secret, scope)
			if !valid {
				c.Response().Header().Set("WWW-Authenticate", `Basic realm="hocvu"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "invalid credentials")
			}
			if !granted {
				return echo.NewHTTPError(http.StatusForbidden, "this credential lacks the "+scope+" scope")
			}
			return next(c)
		}
	}
}
