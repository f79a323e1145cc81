package httpserver

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// deadlineRecorder is a ResponseWriter whose connection "supports" read
// deadlines (http.ResponseController finds SetReadDeadline) and records
// each one the body reader sets.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

// stepClock is a clock that moves only when told.
type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time { return c.t }

// chunks is a body that gives at most size bytes per Read, then err.
type chunks struct {
	data string
	size int
	err  error
}

func (c *chunks) Read(p []byte) (int, error) {
	if c.data == "" {
		return 0, c.err
	}
	n := copy(p[:min(len(p), c.size)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// runLimitBody runs handle behind limitBody with a fake clock and returns
// the read deadlines it set.
func runLimitBody(t *testing.T, clock *stepClock, rate int64, grace, readTimeout time.Duration, body io.Reader, handle echo.HandlerFunc) []time.Time {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/upload", body)
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	c := echo.New().NewContext(req, rec)
	if err := limitBody(rate, grace, readTimeout, clock.now)(handle)(c); err != nil {
		t.Fatal(err)
	}
	return rec.deadlines
}

// The minimum body rate is measured from the server's first read of the
// body: time the server spends before it (authentication, waiting for a
// bcrypt slot or the store) is not held against the client.
func TestBodyRateCountsFromTheFirstRead(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	clock := &stepClock{t: t0}
	const rate, grace = 1000, 10 * time.Second
	deadlines := runLimitBody(t, clock, rate, grace, time.Hour, &chunks{data: strings.Repeat("x", 3000), size: 1000, err: io.EOF},
		func(c echo.Context) error {
			clock.t = clock.t.Add(time.Minute) // the server is busy long past the grace period
			_, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{c.Request().Body}, make([]byte, 1000))
			return err
		})
	first := t0.Add(time.Minute)
	// Before each read: the first read's time, plus the grace, plus the
	// time the bytes read so far take at the minimum rate.
	want := []time.Time{first.Add(grace), first.Add(grace + time.Second), first.Add(grace + 2*time.Second)}
	if len(deadlines) < len(want) {
		t.Fatalf("read deadlines %v, want at least %v", deadlines, want)
	}
	for i, w := range want {
		if !deadlines[i].Equal(w) {
			t.Errorf("deadline before read %d: %s after the request, want %s", i, deadlines[i].Sub(t0), w.Sub(t0))
		}
	}
}

// The read timeout bounds the whole request from its start, whatever the
// rate allows.
func TestReadTimeoutCapsTheBodyDeadline(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	clock := &stepClock{t: t0}
	deadlines := runLimitBody(t, clock, 1000, 10*time.Second, 30*time.Second, &chunks{data: "abc", size: 1, err: io.EOF},
		func(c echo.Context) error {
			clock.t = clock.t.Add(25 * time.Second)
			_, err := io.ReadAll(c.Request().Body)
			return err
		})
	if len(deadlines) == 0 {
		t.Fatal("no read deadline set")
	}
	for i, d := range deadlines {
		if !d.Equal(t0.Add(30 * time.Second)) {
			t.Errorf("deadline %d: %s after the request, want the read timeout, 30s", i, d.Sub(t0))
		}
	}
}

// Read errors become *BodyError: a deadline is a slow body, a cut one is
// not, and the body limit's error is left as it is.
func TestBodyReadErrorsAreClassified(t *testing.T) {
	clock := &stepClock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name   string
		err    error
		status int
	}{
		{"deadline", os.ErrDeadlineExceeded, http.StatusRequestTimeout},
		{"cut", io.ErrUnexpectedEOF, http.StatusBadRequest},
	} {
		var got error
		runLimitBody(t, clock, 1000, time.Second, time.Minute, &chunks{data: "ab", size: 1, err: c.err}, func(ec echo.Context) error {
			_, got = io.ReadAll(ec.Request().Body)
			return nil
		})
		var be *BodyError
		if !errors.As(got, &be) || !errors.Is(got, c.err) {
			t.Errorf("%s: %v, want a *BodyError wrapping %v", c.name, got, c.err)
			continue
		}
		if st, _, ok := ClientStatus(httptest.NewRequest(http.MethodPost, "/", nil), got); !ok || st != c.status {
			t.Errorf("%s: classified %d %v, want %d", c.name, st, ok, c.status)
		}
	}
	var got error
	runLimitBody(t, clock, 1000, time.Second, time.Minute, &chunks{data: "ab", size: 1, err: &http.MaxBytesError{Limit: 1}}, func(ec echo.Context) error {
		_, got = io.ReadAll(ec.Request().Body)
		return nil
	})
	var mbe *http.MaxBytesError
	var be *BodyError
	if !errors.As(got, &mbe) || errors.As(got, &be) {
		t.Errorf("over the body limit: %v, want the *http.MaxBytesError as it is (a 413, not a client fault)", got)
	}
}
