package httpserver

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
)

// BodyError is an error reading a request body: the client sent less than
// it announced, too slowly, or went away. Handlers that wrap it with %w
// keep it recognisable, and errors that reach the server's error handler
// get a client status from it (ClientStatus) instead of 500.
type BodyError struct {
	Err error
	// Slow is set when the body arrived slower than the minimum rate or
	// past the read timeout.
	Slow bool
}

func (e *BodyError) Error() string {
	if e.Slow {
		return "reading the request body: it arrived too slowly: " + e.Err.Error()
	}
	return "reading the request body: " + e.Err.Error()
}

func (e *BodyError) Unwrap() error { return e.Err }

// Timeout reports whether the body was too slow (net.Error style).
func (e *BodyError) Timeout() bool { return e.Slow }

// limitBody is the middleware behind Config.MinBodyRate and
// Config.ReadTimeout: before each read of a request body it moves the
// connection's read deadline to when the bytes read so far would have
// arrived at the minimum rate (after a grace period), capped by the whole
// request's read timeout. The rate is measured from the first read, so
// time the server spends before it (authentication, queues) is not held
// against the client. A client that sends slower, or stops, hits the
// deadline: the read fails with a *BodyError and the handler can still
// answer 408. Read errors of every kind are wrapped in *BodyError. now is
// the clock the deadlines are computed with (time.Now; tests fake it).
func limitBody(minRate int64, grace, readTimeout time.Duration, now func() time.Time) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.Body != nil && req.Body != http.NoBody {
				b := &bodyReader{body: req.Body, rc: http.NewResponseController(c.Response().Writer),
					grace: grace, rate: minRate, deadlines: true, now: now}
				if readTimeout > 0 {
					b.end = now().Add(readTimeout)
				}
				req.Body = b
			}
			return next(c)
		}
	}
}

type bodyReader struct {
	body      io.ReadCloser
	rc        *http.ResponseController
	start     time.Time // of the first read
	grace     time.Duration
	rate      int64 // bytes per second; 0: no minimum
	end       time.Time
	n         int64
	deadlines bool // the connection supports read deadlines
	now       func() time.Time
}

func (b *bodyReader) deadline() time.Time {
	var d time.Time
	if b.rate > 0 {
		d = b.start.Add(b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second)))
	}
	if !b.end.IsZero() && (d.IsZero() || b.end.Before(d)) {
		d = b.end
	}
	return d
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.start.IsZero() {
		b.start = b.now()
	}
	if b.deadlines {
		if d := b.deadline(); !d.IsZero() {
			if err := b.rc.SetReadDeadline(d); err != nil {
				b.deadlines = false // e.g. a recorder in tests, or HTTP/2 without support
			}
		}
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		var be *BodyError
		var mbe *http.MaxBytesError
		if errors.As(err, &be) || errors.As(err, &mbe) {
			return n, err
		}
		return n, &BodyError{Err: err, Slow: errors.Is(err, os.ErrDeadlineExceeded)}
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.body.Close() }
