package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/internal/membudget"
)

// startupConfig bounds how long the long-running commands (serve,
// project) wait at start for KurrentDB and ClickHouse, which in a compose
// file or a cluster often start at the same time as Hocvu.
type startupConfig struct {
	StartupWait time.Duration `name:"startup-wait" env:"HOCVU_STARTUP_WAIT" default:"2m" help:"How long to keep retrying, with backoff, to reach KurrentDB and ClickHouse at start (0: fail at once). Wrong credentials or settings fail at once."`
}

// awaitStore opens the event store, waiting for KurrentDB to become
// reachable for up to StartupWait.
func (sc startupConfig) awaitStore(ctx context.Context, cfg storeConfig, log *slog.Logger, reg prometheus.Registerer) (eventstore.Store, bool, error) {
	type opened struct {
		s         eventstore.Store
		exclusive bool
	}
	o, err := await(ctx, log, sc.StartupWait, "KurrentDB", redactURL(cfg.EventStore), func(ctx context.Context) (opened, error) {
		s, exclusive, err := openStore(ctx, cfg, log, reg)
		return opened{s, exclusive}, err
	}, func(err error) bool { return cfg.EventStore != "" && kurrentdb.Unreachable(err) })
	return o.s, o.exclusive, err
}

// awaitAnalytics opens the analytics engine, waiting for ClickHouse to
// become reachable for up to StartupWait.
func (sc startupConfig) awaitAnalytics(ctx context.Context, cfg analyticsConfig, dataDir string, mem membudget.Budget, log *slog.Logger) (analytics.Engine, *analytics.Pseudonymizer, error) {
	type opened struct {
		e  analytics.Engine
		ps *analytics.Pseudonymizer
	}
	o, err := await(ctx, log, sc.StartupWait, "ClickHouse", redactURL(cfg.ClickHouse), func(ctx context.Context) (opened, error) {
		e, ps, err := openAnalytics(ctx, cfg, dataDir, mem, log)
		return opened{e, ps}, err
	}, func(err error) bool { return cfg.ClickHouse != "" && networkError(err) })
	return o.e, o.ps, err
}

// await calls open until it succeeds, fails with an error retryable does
// not accept, or wait has passed, logging each wait: what is awaited,
// where, and why.
func await[T any](ctx context.Context, log *slog.Logger, wait time.Duration, what, where string, open func(context.Context) (T, error), retryable func(error) bool) (T, error) {
	var zero T
	start := time.Now()
	backoff := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		v, err := open(ctx)
		if err == nil {
			if attempt > 1 {
				log.Info(what+" is reachable", "at", where, "after", time.Since(start).Round(time.Millisecond))
			}
			return v, nil
		}
		if ctx.Err() != nil || !retryable(err) {
			return zero, err
		}
		left := wait - time.Since(start)
		if left <= 0 {
			return zero, fmt.Errorf("%s at %s was not reachable within %s (--startup-wait, HOCVU_STARTUP_WAIT): %w", what, where, wait, err)
		}
		d := min(backoff, left)
		log.Warn("waiting for "+what+" to become reachable", "at", where, "attempt", attempt, "retry_in", d, "gives_up_in", left.Round(time.Second), "err", err)
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(d):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// networkError reports whether err is a failure to reach a server (refused,
// reset, unresolvable, timed out) rather than an answer from it.
func networkError(err error) bool {
	var ne net.Error
	var dns *net.DNSError
	return errors.As(err, &ne) || errors.As(err, &dns) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// userinfo and passwordParam match the password of a URL
// ("://user:password@", "password=…").
var (
	userinfo      = regexp.MustCompile(`(://[^:/@?]*):[^@/?]*@`)
	passwordParam = regexp.MustCompile(`([?&]password=)[^&]*`)
)

// redactURL hides the password of a connection string or DSN for logs.
func redactURL(s string) string {
	if s == "" {
		return "(embedded)"
	}
	return passwordParam.ReplaceAllString(userinfo.ReplaceAllString(s, "$1:xxxxx@"), "${1}xxxxx")
}
