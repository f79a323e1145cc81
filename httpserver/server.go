// Package httpserver runs Hocvu's HTTP server: one echo instance with the
// operational endpoints (/healthz, /readyz, /metrics), request logging and
// metrics, panic recovery, and an ordered graceful shutdown. Feature APIs
// (the xAPI resources, analytics, the dashboard) mount themselves on it
// through Mount.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
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
}

// Server is the HTTP server. Create it with New, mount APIs on Echo, then
// call Serve.
type Server struct {
	Echo *echo.Echo
	cfg  Config
	addr net.Addr
}

// New creates a server with the operational endpoints installed.
func New(cfg Config) *Server {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.IdleTimeout = 120 * time.Second
	e.HTTPErrorHandler = errorHandler(cfg.Logger)
	s := &Server{Echo: e, cfg: cfg}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			cfg.Logger.Error("panic in handler", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(s.observe())
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry})))
	return s
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	status := http.StatusOK
	checks := map[string]string{}
	for name, check := range s.cfg.Ready {
		if err := check(ctx); err != nil {
			status = http.StatusServiceUnavailable
			checks[name] = err.Error()
			continue
		}
		checks[name] = "ok"
	}
	return c.JSON(status, map[string]any{"ready": status == http.StatusOK, "checks": checks})
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
			requests.WithLabelValues(req.Method, route, strconv.Itoa(res.Status)).Inc()
			duration.WithLabelValues(req.Method, route).Observe(elapsed.Seconds())
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
				"bytes", res.Size, "duration", elapsed, "remote", c.RealIP())
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
		} else {
			log.Error("unhandled error", "path", c.Request().URL.Path, "err", err)
		}
		if c.Request().Method == http.MethodHead {
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
