package httpserver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/httpserver"
)

// failsafe bounds how long a test waits for the server to act. The limits
// under test are a fraction of a second; the failsafe only keeps a broken
// server from hanging the test, it is not what the test asserts.
const failsafe = 30 * time.Second

// records is a slog handler that keeps every record and tells a channel
// about each "http request" line (the last thing the server does for a
// request), so tests wait for it instead of sleeping.
type records struct {
	mu       sync.Mutex
	all      []slog.Record
	requests chan slog.Record
}

func newRecords() *records { return &records{requests: make(chan slog.Record, 100)} }

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.all = append(r.all, rec)
	r.mu.Unlock()
	if rec.Message == "http request" {
		r.requests <- rec
	}
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

func (r *records) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.all {
		if rec.Level >= slog.LevelError {
			out = append(out, rec.Message)
		}
	}
	return out
}

func (r *records) count(msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.all {
		if rec.Message == msg {
			n++
		}
	}
	return n
}

func attr(rec slog.Record, key string) string {
	var v string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

type testServer struct {
	*httpserver.Server
	reg  *prometheus.Registry
	logs *records
	url  string
}

// start runs a server with cfg (Logger and Registry filled in) on a free
// port; mount adds routes before it starts.
func start(t *testing.T, cfg httpserver.Config, mount func(e *echo.Echo)) *testServer {
	t.Helper()
	logs := newRecords()
	reg := prometheus.NewRegistry()
	cfg.Logger, cfg.Registry = slog.New(logs), reg
	s := httpserver.New(cfg)
	if mount != nil {
		mount(s.Echo)
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &testServer{Server: s, reg: reg, logs: logs, url: "http://" + s.Addr().String()}
}

// dial opens a raw connection to the server, closed at the end of the test.
func (s *testServer) dial(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(failsafe)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readAnswer reads what the server sends until it closes the connection:
// the status line of an answer, or "" when it closed without one. A
// failsafe timeout fails the test.
func readAnswer(t *testing.T, conn net.Conn) string {
	t.Helper()
	data, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open past the %s failsafe; got %q", failsafe, data)
	}
	line, _, _ := strings.Cut(string(data), "\r\n")
	return line
}

// requests reads one series of hocvu_http_requests_total.
func (s *testServer) requests(method, route, code string) float64 {
	mfs, err := s.reg.Gather()
	if err != nil {
		panic(err)
	}
	v := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "hocvu_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["method"] == method && labels["route"] == route && labels["code"] == code {
				v += m.GetCounter().GetValue()
			}
		}
	}
	return v
}

// readBody is a handler that reads the whole request body.
func readBody(c echo.Context) error {
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	return c.String(http.StatusOK, fmt.Sprint(len(data)))
}

func TestSlowHeadersAreCut(t *testing.T) {
	s := start(t, httpserver.Config{ReadHeaderTimeout: 200 * time.Millisecond}, nil)
	conn := s.dial(t)
	// A slowloris: a request line and one header, then nothing.
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	if line := readAnswer(t, conn); line != "" && !strings.Contains(line, "408") {
		t.Fatalf("answer to incomplete headers: %q, want the connection closed (or 408)", line)
	}
}

func TestSlowBodyGets408(t *testing.T) {
	s := start(t, httpserver.Config{MinBodyRate: 1000, BodyGrace: 200 * time.Millisecond}, func(e *echo.Echo) {
		e.POST("/upload", readBody)
	})
	conn := s.dial(t)
	// 10 bytes of a 100,000-byte body, then nothing: far below 1000 bytes/s.
	if _, err := io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789"); err != nil {
		t.Fatal(err)
	}
	if line := readAnswer(t, conn); !strings.HasPrefix(line, "HTTP/1.1 408") {
		t.Fatalf("slow body: %q, want 408", line)
	}
	rec := <-s.logs.requests
	if attr(rec, "status") != "408" || rec.Level != slog.LevelInfo {
		t.Errorf("logged as %s status %s", rec.Level, attr(rec, "status"))
	}
	if n := s.requests("POST", "/upload", "408"); n != 1 {
		t.Errorf("hocvu_http_requests_total{code=408} = %v", n)
	}
	if errs := s.logs.errors(); len(errs) > 0 {
		t.Errorf("a slow client logged errors: %v", errs)
	}
}

func TestReadTimeoutBoundsTheBody(t *testing.T) {
	s := start(t, httpserver.Config{MinBodyRate: -1, ReadTimeout: 300 * time.Millisecond}, func(e *echo.Echo) {
		e.POST("/upload", readBody)
	})
	conn := s.dial(t)
	if _, err := io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123"); err != nil {
		t.Fatal(err)
	}
	if line := readAnswer(t, conn); !strings.HasPrefix(line, "HTTP/1.1 408") {
		t.Fatalf("body past the read timeout: %q, want 408", line)
	}
}

func TestAFastBodyIsNotCut(t *testing.T) {
	s := start(t, httpserver.Config{MinBodyRate: 1000}, func(e *echo.Echo) {
		e.POST("/upload", readBody)
	})
	body := strings.Repeat("x", 1<<20)
	res, err := http.Post(s.url+"/upload", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(data) != fmt.Sprint(len(body)) {
		t.Fatalf("1 MiB upload: %d %s", res.StatusCode, data)
	}
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	s := start(t, httpserver.Config{IdleTimeout: 200 * time.Millisecond}, nil)
	conn := s.dial(t)
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Close {
		t.Fatalf("healthz: %d close=%v", res.StatusCode, res.Close)
	}
	// Kept alive, then idle: the server closes it.
	rest, err := io.ReadAll(br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the idle connection stayed open past the failsafe")
	}
	if len(rest) != 0 {
		t.Fatalf("unexpected bytes on an idle connection: %q", rest)
	}
}

// The write timeout (and the others) reach net/http's server, which
// enforces them; the defaults apply to zero values and a negative value
// turns a limit off. (An end-to-end test of the write timeout would have
// to keep a handler busy past it, that is sleep; the read-side limits are
// tested end to end above.)
func TestTimeoutsReachTheHTTPServer(t *testing.T) {
	s := httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	hs := s.Echo.Server
	if hs.ReadHeaderTimeout != httpserver.DefaultReadHeaderTimeout || hs.ReadTimeout != httpserver.DefaultReadTimeout ||
		hs.WriteTimeout != httpserver.DefaultWriteTimeout || hs.IdleTimeout != httpserver.DefaultIdleTimeout {
		t.Errorf("defaults: header %s, read %s, write %s, idle %s", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout)
	}
	if hs.WriteTimeout <= 0 || hs.ReadTimeout <= 0 {
		t.Error("no default write or read timeout: a slow reader or writer holds its connection for ever")
	}
	s = httpserver.New(httpserver.Config{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(),
		ReadHeaderTimeout: time.Second, ReadTimeout: -1, WriteTimeout: 3 * time.Second, IdleTimeout: -1})
	hs = s.Echo.Server
	if hs.ReadHeaderTimeout != time.Second || hs.ReadTimeout != 0 || hs.WriteTimeout != 3*time.Second || hs.IdleTimeout != 0 {
		t.Errorf("configured: header %s, read %s, write %s, idle %s", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout)
	}
}

func TestCutBodyIs400NotAServerError(t *testing.T) {
	s := start(t, httpserver.Config{}, func(e *echo.Echo) { e.POST("/upload", readBody) })
	conn := s.dial(t)
	if _, err := io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-a-part"); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if line := readAnswer(t, conn); !strings.HasPrefix(line, "HTTP/1.1 400") {
		t.Fatalf("cut body: %q, want 400", line)
	}
	<-s.logs.requests
	if n := s.requests("POST", "/upload", "400"); n != 1 {
		t.Errorf("hocvu_http_requests_total{code=400} = %v", n)
	}
	if n := s.requests("POST", "/upload", "500"); n != 0 {
		t.Errorf("a cut upload counted as 500")
	}
	if errs := s.logs.errors(); len(errs) > 0 {
		t.Errorf("a cut upload logged errors: %v", errs)
	}
}

func TestClientAbortIs499(t *testing.T) {
	started := make(chan struct{})
	s := start(t, httpserver.Config{}, func(e *echo.Echo) {
		e.POST("/wait", func(c echo.Context) error {
			if _, err := io.ReadAll(c.Request().Body); err != nil {
				return err
			}
			close(started)
			<-c.Request().Context().Done() // e.g. waiting for a store
			return fmt.Errorf("store statements: %w", c.Request().Context().Err())
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/wait", strings.NewReader("{}"))
	errc := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	rec := <-s.logs.requests
	if attr(rec, "status") != "499" || rec.Level >= slog.LevelError {
		t.Errorf("abort logged at %s with status %s, want 499 below ERROR", rec.Level, attr(rec, "status"))
	}
	if n := s.requests("POST", "/wait", "499"); n != 1 {
		t.Errorf("hocvu_http_requests_total{code=499} = %v", n)
	}
	if n := s.requests("POST", "/wait", "500"); n != 0 {
		t.Errorf("a client abort counted as 500")
	}
	if errs := s.logs.errors(); len(errs) > 0 {
		t.Errorf("a client abort logged errors: %v", errs)
	}
}

func TestServerErrorsStay500(t *testing.T) {
	s := start(t, httpserver.Config{}, func(e *echo.Echo) {
		e.GET("/broken", func(c echo.Context) error { return errors.New("disk on fire") })
	})
	res, err := http.Get(s.url + "/broken")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || strings.Contains(string(body), "disk on fire") {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	<-s.logs.requests
	if s.logs.count("unhandled error") != 1 {
		t.Error("a server error was not logged as one")
	}
}

func TestReadyzShowsNoInternals(t *testing.T) {
	var mu sync.Mutex
	storeErr := errors.New("kurrentdb: dial tcp 10.1.2.3:2113: connection refused")
	s := start(t, httpserver.Config{Ready: map[string]httpserver.Check{
		"eventstore": func(context.Context) error { mu.Lock(); defer mu.Unlock(); return storeErr },
		"read-models": func(context.Context) error {
			return httpserver.NotReady("statement-index is catching up")
		},
	}}, nil)
	for i := 0; i < 3; i++ {
		res, err := http.Get(s.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 503 || strings.Contains(string(body), "10.1.2.3") || strings.Contains(string(body), "kurrentdb") ||
			!strings.Contains(string(body), "statement-index is catching up") {
			t.Fatalf("readyz: %d %s", res.StatusCode, body)
		}
		<-s.logs.requests
	}
	if n := s.logs.count("readiness check failing"); n != 2 {
		t.Errorf("%d log lines for two failing checks asked three times, want 2 (one per change)", n)
	}
	mu.Lock()
	storeErr = nil
	mu.Unlock()
	if res, err := http.Get(s.url + "/readyz"); err != nil || res.StatusCode != 503 {
		t.Fatalf("readyz with one check still failing: %v", err)
	}
	<-s.logs.requests
	if n := s.logs.count("readiness check passing"); n != 1 {
		t.Errorf("recovery logged %d times, want 1", n)
	}
}

func TestMetricsMethodLabelIsBounded(t *testing.T) {
	s := start(t, httpserver.Config{}, nil)
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(fmt.Sprintf("BREW%d", i), s.url+"/healthz", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		<-s.logs.requests
	}
	mfs, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" && strings.HasPrefix(l.GetValue(), "BREW") {
					t.Fatalf("%s has a series for method %q", mf.GetName(), l.GetValue())
				}
			}
		}
	}
	if n := s.requests("other", "/healthz", "405"); n != 3 {
		t.Errorf("made-up methods counted %v times as \"other\", want 3", n)
	}
}
