package httpapi

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/lrs"
)

// errorBody is the JSON body of every xAPI error response.
type errorBody struct {
	Error struct {
		Status   int           `json:"status"`
		Message  string        `json:"message"`
		Problems []lrs.Problem `json:"problems,omitempty"`
	} `json:"error"`
}

// status maps an error kind to its HTTP status: the one place where LRS
// errors become status codes.
func status(err error, v10 bool) int {
	switch lrs.KindOf(err) {
	case lrs.KindInvalid:
		return http.StatusBadRequest
	case lrs.KindUnauthorized:
		return http.StatusUnauthorized
	case lrs.KindForbidden:
		return http.StatusForbidden
	case lrs.KindNotFound:
		return http.StatusNotFound
	case lrs.KindConflict:
		return http.StatusConflict
	case lrs.KindPrecondition:
		return http.StatusPreconditionFailed
	case lrs.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case lrs.KindUnavailable:
		return http.StatusServiceUnavailable
	case lrs.KindPreconditionRequired:
		// xAPI 1.0.3 answers a missing concurrency header with 409,
		// xAPI 2.0 with 428 Precondition Required.
		if v10 {
			return http.StatusConflict
		}
		return http.StatusPreconditionRequired
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return http.StatusInternalServerError
}

// fail writes err as an xAPI error response, with the headers of every
// xAPI response also when it comes before the /xapi middleware (a refused
// alternate-syntax request). A server error that is the client's doing (it
// went away, or its body was cut or too slow: httpserver.ClientStatus) is
// answered, logged and counted as such.
func (a *API) fail(c echo.Context, err error) error {
	a.setHeaders(c)
	code := status(err, isV10(c))
	var body errorBody
	if code == http.StatusInternalServerError {
		if st, msg, ok := httpserver.ClientStatus(c.Request(), err); ok {
			a.log.Debug("xapi request ended by the client", "method", c.Request().Method, "path", c.Request().URL.Path, "status", st, "err", err)
			if st == httpserver.StatusClientClosedRequest {
				return c.NoContent(st) // for the metrics and the log: nobody reads it
			}
			err, code = echo.NewHTTPError(st, msg).SetInternal(err), st
		}
	}
	body.Error.Status = code
	var le *lrs.Error
	if errors.As(err, &le) {
		body.Error.Message = le.Error()
		body.Error.Problems = le.Problems
	} else if code == http.StatusInternalServerError {
		a.log.Error("xapi request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		body.Error.Message = "internal error; the LRS logged the cause"
	} else {
		body.Error.Message = err.Error()
		var he *echo.HTTPError
		if errors.As(err, &he) {
			if m, ok := he.Message.(string); ok {
				body.Error.Message = m
			}
		}
	}
	if code == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Basic realm="xAPI"`)
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(code)
	}
	return c.JSON(code, body)
}

func invalid(op, format string, args ...any) error {
	return lrs.Errorf(lrs.KindInvalid, op, format, args...)
}
