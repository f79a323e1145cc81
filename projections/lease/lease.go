// Package lease elects one active writer per projection among processes
// that share an event store (API replicas and projectors on one KurrentDB),
// so that a second `hocvu project` never double-writes a read model.
//
// The lease lives in the stream "lease-<name>". The holder appends a
// renewal every TTL/3 at the exact revision it last saw; a contender that
// sees the stream's head unchanged for a whole TTL (by its own monotonic
// clock, so clocks need not agree) takes over by appending at that
// revision. Optimistic concurrency on the stream makes every take-over and
// renewal exclusive: of two processes appending at the same revision, one
// fails with a wrong-expected-revision error and knows it does not hold
// the lease. A holder whose renewal fails, or that has not renewed for
// TTL/2, stops writing before its next batch (Holding turns false), and the
// runner waits to acquire again.
package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// Event types.
const (
	EventAcquired = "lease.acquired.v1"
	EventRenewed  = "lease.renewed.v1"
	EventReleased = "lease.released.v1"
)

// Store is what a lease needs of the event store.
type Store interface {
	eventstore.Appender
	eventstore.StreamReader
}

// Lease is one process's claim on the lease of a projection.
type Lease struct {
	store  Store
	stream string
	holder string
	ttl    time.Duration
	log    *slog.Logger

	mu       sync.Mutex
	holding  bool
	renewed  time.Time // local time of our last successful append
	expected eventstore.ExpectedRevision
}

// New creates a lease on name for holder (a unique process id) with ttl.
func New(store Store, name, holder string, ttl time.Duration, log *slog.Logger) *Lease {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if holder == "" {
		holder = uuid.NewString()
	}
	return &Lease{store: store, stream: "lease-" + name, holder: holder, ttl: ttl, log: log}
}

type record struct {
	Holder string `json:"holder"`
	TTLms  int64  `json:"ttlMs"`
}

// Holding reports whether this process holds the lease and renewed it
// recently enough (within TTL/2) to write.
func (l *Lease) Holding() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holding && time.Since(l.renewed) < l.ttl/2
}

// head reads the last lease event (nil when the stream is empty).
func (l *Lease) head(ctx context.Context) (*eventstore.RecordedEvent, *record, error) {
	evs, err := l.store.ReadStream(ctx, l.stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lease: read %s: %w", l.stream, err)
	}
	var r record
	if err := json.Unmarshal(evs[0].Data, &r); err != nil {
		// A record nobody can read has an unknown holder: like any other
		// holder's, it is taken over once it has stayed the last event
		// for a whole TTL. Failing here would keep the lease from every
		// process for good.
		l.log.Error("corrupt projection lease event; treating its holder as unknown", "stream", l.stream, "event_id", evs[0].ID, "err", err)
		r = record{}
	}
	return &evs[0], &r, nil
}

func (l *Lease) append(ctx context.Context, typ string, exp eventstore.ExpectedRevision) (eventstore.AppendResult, error) {
	data, _ := json.Marshal(record{Holder: l.holder, TTLms: l.ttl.Milliseconds()})
	return l.store.Append(ctx, l.stream, exp, eventstore.EventData{ID: uuid.New(), Type: typ, Data: data})
}

// Acquire blocks until this process holds the lease or ctx ends.
func (l *Lease) Acquire(ctx context.Context) error {
	var seenRev uint64
	var seenAt time.Time
	seen := false
	poll := min(l.ttl/4, time.Second)
	for {
		ev, r, err := l.head(ctx)
		if err != nil {
			return err
		}
		exp := eventstore.NoStream
		free := ev == nil
		if ev != nil {
			exp = eventstore.Exact(ev.Revision)
			switch {
			case r.Holder == l.holder, ev.Type == EventReleased:
				free = true
			case !seen || seenRev != ev.Revision:
				seen, seenRev, seenAt = true, ev.Revision, time.Now()
			case time.Since(seenAt) >= l.ttl:
				l.log.Warn("taking over a projection lease whose holder stopped renewing", "stream", l.stream, "previous_holder", r.Holder)
				free = true
			}
		}
		if free {
			res, err := l.append(ctx, EventAcquired, exp)
			if err == nil {
				l.mu.Lock()
				l.holding, l.renewed, l.expected = true, time.Now(), eventstore.Exact(res.NextExpectedRevision)
				l.mu.Unlock()
				l.log.Info("acquired projection lease", "stream", l.stream, "holder", l.holder)
				return nil
			}
			if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
				return fmt.Errorf("lease: acquire %s: %w", l.stream, err)
			}
			seen = false // someone else moved first; watch again
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// Holder returns the process that holds the lease as the stream says now
// ("" when nobody does: no lease yet, or released), and how long ago its
// last acquisition or renewal was recorded (by the store's clock).
func (l *Lease) Holder(ctx context.Context) (string, time.Duration, error) {
	ev, r, err := l.head(ctx)
	if err != nil || ev == nil || ev.Type == EventReleased {
		return "", 0, err
	}
	return r.Holder, time.Since(ev.Recorded), nil
}

// ErrLost reports that another process took the lease.
var ErrLost = errors.New("lease: lost to another process")

// Renew extends the lease; ErrLost when another process took it.
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	exp, holding := l.expected, l.holding
	l.mu.Unlock()
	if !holding {
		return ErrLost
	}
	res, err := l.append(ctx, EventRenewed, exp)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			l.holding = false
			return ErrLost
		}
		return fmt.Errorf("lease: renew %s: %w", l.stream, err)
	}
	l.renewed, l.expected = time.Now(), eventstore.Exact(res.NextExpectedRevision)
	return nil
}

// Keep renews the lease every TTL/3 until ctx ends or the lease is lost.
func (l *Lease) Keep(ctx context.Context) error {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := l.Renew(ctx); err != nil {
			if errors.Is(err, ErrLost) {
				l.log.Warn("lost projection lease", "stream", l.stream, "holder", l.holder)
				return err
			}
			l.log.Warn("renewing projection lease failed; retrying", "stream", l.stream, "err", err)
		}
	}
}

// Release gives the lease up so that another process can take it at once.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	exp, holding := l.expected, l.holding
	l.holding = false
	l.mu.Unlock()
	if !holding {
		return nil
	}
	_, err := l.append(ctx, EventReleased, exp)
	if err != nil && !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		return fmt.Errorf("lease: release %s: %w", l.stream, err)
	}
	return nil
}

// Run holds the lease whenever it can until ctx ends: acquire, renew until
// lost, acquire again. Run it in its own goroutine and gate writes on
// Holding (projections.Options.Gate).
func (l *Lease) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := l.Acquire(ctx); err != nil {
			if ctx.Err() == nil {
				l.log.Warn("acquiring projection lease failed; retrying", "stream", l.stream, "err", err)
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
			continue
		}
		_ = l.Keep(ctx)
	}
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.Release(rctx)
}

// Wait blocks until this process holds the lease or ctx ends.
func (l *Lease) Wait(ctx context.Context) error {
	for !l.Holding() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
