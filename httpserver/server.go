// Package httpserver runs Hocvu's HTTP server: one echo instance with the
// operational endpoints (/healthz, /readyz, /metrics), request logging and
// metrics, panic recovery, and an ordered graceful shutdown. Feature APIs
// (the xAPI resources, analytics, the dashboard) mount themselves on it
// through Mount.
//
// Slow clients are bounded (Config): the headers must arrive within
// ReadHeaderTimeout, a body at MinBodyRate after a grace period and within
// ReadTimeout, the answer must be taken within WriteTimeout, and an idle
// kept-alive connection is closed after IdleTimeout; so a slowloris cannot
// hold connections or goroutines. Client faults are told apart from server
// faults (ClientStatus): a client that went away is recorded as 499, a
// body that was cut as 400 and one that was too slow as 408, never as 500.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports whether one dependency is ready; a nil error means ready.
type Check func(ctx context.Context) error

// Config configures a Server.
type Config struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Ready are the named readiness checks behind /readyz.
	Ready map[string]Check
	// ShutdownTimeout bounds the drain of in-flight requests (default 15s).
	ShutdownTimeout time.Duration

	// ReadHeaderTimeout bounds reading a request's line and headers
	// (default 10 s); ReadTimeout the whole request, body included
	// (default 5 min); WriteTimeout the handler and its answer, from the
	// end of the headers (default 5 min); IdleTimeout a kept-alive
	// connection waiting for its next request (default 2 min). Zero means
	// the default, a negative value no limit.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MinBodyRate is the slowest a request body may arrive, in bytes per
	// second averaged from the server's first read of it, once BodyGrace has
	// passed (defaults 1024 bytes/s and 10 s; a negative rate: no minimum).
	MinBodyRate int64
	BodyGrace   time.Duration
}

// Defaults of Config.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 5 * time.Minute
	DefaultWriteTimeout      = 5 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMinBodyRate       = 1024
	DefaultBodyGrace         = 10 * time.Second
)

// orDefault is d, def when d is zero, and no limit (0) when d is negative.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Server is the HTTP server. Create it with New and bind its port with
// Listen before opening stores or starting projectors, so that a busy port
// fails fast; then mount APIs on Echo and call Serve (Close when start-up
// fails in between).
type Server struct {
	Echo *echo.Echo
	cfg  Config
	addr net.Addr

	mu        sync.Mutex
	readiness map[string]string // last error of each readiness check ("" when ready), to log changes
}

// New creates a server with the operational endpoints installed.
func New(cfg Config) *Server {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	cfg.ReadHeaderTimeout = orDefault(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	cfg.ReadTimeout = orDefault(cfg.ReadTimeout, DefaultReadTimeout)
	cfg.WriteTimeout = orDefault(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.IdleTimeout = orDefault(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.BodyGrace = orDefault(cfg.BodyGrace, DefaultBodyGrace)
	switch {
	case cfg.MinBodyRate == 0:
		cfg.MinBodyRate = DefaultMinBodyRate
	case cfg.MinBodyRate < 0:
		cfg.MinBodyRate = 0
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Server.ReadHeaderTimeout = cfg.ReadHeaderTimeout
	e.Server.ReadTimeout = cfg.ReadTimeout
	e.Server.WriteTimeout = cfg.WriteTimeout
	e.Server.IdleTimeout = cfg.IdleTimeout
	e.HTTPErrorHandler = errorHandler(cfg.Logger)
	s := &Server{Echo: e, cfg: cfg, readiness: map[string]string{}}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			cfg.Logger.Error("panic in handler", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	// Before routing, so that bodies read by other Pre middleware (the
	// xAPI alternate request syntax) are bounded too.
	e.Pre(limitBody(cfg.MinBodyRate, cfg.BodyGrace, cfg.ReadTimeout, time.Now))
	e.Use(s.observe())
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry})))
	return s
}

// NotReady is a readiness check's error whose message /readyz may show
// publicly (it holds no host names, ids or internals), such as "catching
// up". Other errors are shown only as "failing" and logged.
func NotReady(format string, args ...any) error {
	return &notReady{fmt.Sprintf(format, args...)}
}

type notReady struct{ msg string }

func (e *notReady) Error() string { return e.msg }

// readyz answers whether every readiness check passes. It is public, so a
// failing check shows only its name and a safe message (NotReady); the
// cause goes to the log when the check's state changes.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	status := http.StatusOK
	checks := map[string]string{}
	for name, check := range s.cfg.Ready {
		err := check(ctx)
		s.noteReadiness(name, err)
		if err != nil {
			status = http.StatusServiceUnavailable
			var nr *notReady
			if errors.As(err, &nr) {
				checks[name] = nr.msg
			} else {
				checks[name] = "failing (the cause is in the server log)"
			}
			continue
		}
		checks[name] = "ok"
	}
	return c.JSON(status, map[string]any{"ready": status == http.StatusOK, "checks": checks})
}

// noteReadiness logs a readiness check's cause when its state changes.
func (s *Server) noteReadiness(name string, err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	s.mu.Lock()
	prev, seen := s.readiness[name]
	s.readiness[name] = msg
	s.mu.Unlock()
	switch {
	case msg == prev && seen:
	case err != nil:
		s.cfg.Logger.Warn("readiness check failing", "check", name, "err", err)
	case seen:
		s.cfg.Logger.Info("readiness check passing", "check", name)
	}
}

// metricMethod is the method label of the request metrics: the methods
// Hocvu serves, and "other" for anything else, so that made-up methods
// cannot grow the metrics without bound.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch:
		return m
	}
	return "other"
}

// observe logs each request once and records Prometheus metrics by route.
func (s *Server) observe() echo.MiddlewareFunc {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hocvu_http_requests_total",
		Help: "HTTP requests by method, route and status code.",
	}, []string{"method", "route", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "hocvu_http_request_duration_seconds",
		Help:    "HTTP request latency by method and route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	s.cfg.Registry.MustRegister(requests, duration)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // write the error response now so the status is known
			}
			req, res := c.Request(), c.Response()
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			method := metricMethod(req.Method)
			requests.WithLabelValues(method, route, strconv.Itoa(res.Status)).Inc()
			duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
			level := slog.LevelDebug
			if res.Status >= 500 {
				level = slog.LevelError
			} else if res.Status >= 400 {
				level = slog.LevelInfo
			}
			if route == "/healthz" || route == "/readyz" || route == "/metrics" {
				level = min(level, slog.LevelDebug)
			}
			s.cfg.Logger.Log(req.Context(), level, "http request",
				"method", req.Method, "path", req.URL.Path, "route", route, "status", res.Status,
				"bytes", res.Size, "duration", elapsed, "remote", ClientAddr(c))
			return nil
		}
	}
}

// errorHandler answers errors that reached echo with a JSON body.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		code := http.StatusInternalServerError
		msg := "internal server error"
		var he *echo.HTTPError
		if errors.As(err, &he) {
			code = he.Code
			msg = fmt.Sprint(he.Message)
		} else if st, m, ok := ClientStatus(c.Request(), err); ok {
			code, msg = st, m
			log.Debug("client error", "path", c.Request().URL.Path, "status", code, "err", err)
		} else {
			log.Error("unhandled error", "path", c.Request().URL.Path, "err", err)
		}
		if code == StatusClientClosedRequest || c.Request().Method == http.MethodHead {
			_ = c.NoContent(code)
			return
		}
		_ = c.JSON(code, map[string]any{"error": map[string]any{"status": code, "message": msg}})
	}
}

// Listen binds addr so that a busy port fails before anything else starts.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("httpserver: listen on %s: %w", addr, err)
	}
	s.Echo.Listener = ln
	s.addr = ln.Addr()
	return nil
}

// Close releases the listener of a server that Listen bound and that will
// not Serve (start-up failed after the port was bound). After Serve it
// does nothing.
func (s *Server) Close() {
	if s.Echo.Listener != nil {
		_ = s.Echo.Listener.Close()
	}
}

// Addr is the bound address (after Listen).
func (s *Server) Addr() net.Addr { return s.addr }

// Serve serves until ctx ends, then stops accepting connections and waits
// up to ShutdownTimeout for in-flight requests to finish.
func (s *Server) Serve(ctx context.Context) error {
	if s.Echo.Listener == nil {
		return errors.New("httpserver: Serve before Listen")
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Echo.Start("") }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("httpserver: %w", err)
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down HTTP server", "drain_timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.Echo.Shutdown(sctx); err != nil {
		return fmt.Errorf("httpserver: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("httpserver: %w", err)
	}
	return nil
}
