package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/auth"
)

// Authenticator verifies HTTP Basic credentials of a client at addr
// (lrs/auth.Registry): auth.ErrUnauthorized for bad credentials, an error
// with a RetryAfter method after too many failures.
type Authenticator interface {
	Authenticate(ctx context.Context, key, secret, addr string) (*auth.Credential, error)
}

const ctxCredential = "hocvu.credential"

// authenticate requires valid HTTP Basic credentials: 401 without or
// with bad ones, 429 with Retry-After after too many failures with the
// key or from the client's address.
func (a *API) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key, secret, ok := c.Request().BasicAuth()
		if !ok {
			return a.fail(c, lrs.Errorf(lrs.KindUnauthorized, "", "credentials required: send HTTP Basic authentication with an LRS key and secret"))
		}
		cred, err := a.auth.Authenticate(c.Request().Context(), key, secret, httpserver.ClientAddr(c))
		if err != nil {
			if errors.Is(err, auth.ErrUnauthorized) {
				return a.fail(c, lrs.Errorf(lrs.KindUnauthorized, "", "invalid credentials"))
			}
			if wait, ok := httpserver.RetryAfter(err); ok {
				httpserver.SetRetryAfter(c, wait)
				return a.fail(c, echo.NewHTTPError(http.StatusTooManyRequests, err.Error()))
			}
			return a.fail(c, err)
		}
		c.Set(ctxCredential, cred)
		return next(c)
	}
}

func credential(c echo.Context) *auth.Credential {
	cred, _ := c.Get(ctxCredential).(*auth.Credential)
	return cred
}

// requireAny lets the request through when its credential has at least one
// of the scopes.
func (a *API) requireAny(scopes ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cred := credential(c)
			if cred == nil || !cred.HasAny(scopes...) {
				return a.fail(c, lrs.Errorf(lrs.KindForbidden, "", "this credential lacks the scope for %s %s (needs one of %v)", c.Request().Method, c.Path(), scopes))
			}
			return next(c)
		}
	}
}
