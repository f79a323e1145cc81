package httpserver

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// StatusClientClosedRequest (499, nginx's convention) is recorded in
// metrics and logs when the client went away before its answer: the
// request was cancelled, and nobody reads what the server would say. It
// keeps client aborts out of the 5xx error rate.
const StatusClientClosedRequest = 499

// ClientStatus classifies err as the client's fault when it is:
//   - 408 Request Timeout when the body arrived too slowly (*BodyError);
//   - 400 Bad Request when the body ended before its declared length or
//     could not be read otherwise (*BodyError): the client may still read
//     the answer;
//   - 499 when the request's context was cancelled (the client closed the
//     connection) and err comes from that cancellation.
//
// ok is false for every other error, which stays a server error.
func ClientStatus(r *http.Request, err error) (status int, msg string, ok bool) {
	var be *BodyError
	if errors.As(err, &be) {
		var ne net.Error
		switch {
		case be.Slow || (errors.As(be.Err, &ne) && ne.Timeout()):
			return http.StatusRequestTimeout, "the request body arrived too slowly; send it faster or in smaller requests", true
		case errors.Is(be.Err, io.ErrUnexpectedEOF):
			return http.StatusBadRequest, "the request body ended before it was complete (short of its Content-Length, or cut)", true
		case errors.Is(be.Err, context.Canceled):
			return StatusClientClosedRequest, "the client closed the request", true
		}
		return http.StatusBadRequest, "the request body could not be read: " + be.Err.Error(), true
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() == context.Canceled {
		return StatusClientClosedRequest, "the client closed the request", true
	}
	return 0, "", false
}

// RetryAfter reports the wait an error asks the client to respect (an
// error with a RetryAfter() time.Duration method, such as
// lrs/auth.LimitedError).
func RetryAfter(err error) (time.Duration, bool) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter(), true
	}
	return 0, false
}

// SetRetryAfter sets the Retry-After header to d in whole seconds (at
// least one).
func SetRetryAfter(c echo.Context, d time.Duration) {
	s := int((d + time.Second - 1) / time.Second)
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, s)))
}

// ClientAddr is the address a client is rate-limited and logged by: the
// proxy-aware address when echo has an IP extractor configured (behind a
// trusted proxy), else the connection's peer. Headers such as
// X-Forwarded-For are not trusted without an extractor: anyone can send
// them.
func ClientAddr(c echo.Context) string {
	if c.Echo().IPExtractor != nil {
		return c.RealIP()
	}
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}
