// Package projections runs read models fed from the event log. A Runner
// owns one Projection: it subscribes to the global log after the
// projection's checkpoint, groups events into batches (by count, and by a
// short wait so batches stay large under load and small when idle), hands
// each batch to the projection, and publishes how far it has applied, so
// that callers can wait for their own writes (read-your-writes) and
// operators can see the lag.
//
// Exactly-once is the projection's side of the contract: Apply records the
// checkpoint together with its effects (in one transaction, or so that
// re-applying events at or before the stored checkpoint changes nothing).
// The runner may then crash or be restarted at any moment: it resumes from
// the checkpoint the projection reports.
package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hocvu/hocvu/eventstore"
)

// Projection is a read model built from the event log.
type Projection interface {
	// Name identifies the projection (metrics, logs, commands).
	Name() string
	// Filter selects the events the projection needs.
	Filter() eventstore.Filter
	// Checkpoint returns the position the projection has applied through
	// (eventstore.Start when empty).
	Checkpoint(ctx context.Context) (eventstore.Position, error)
	// Apply applies events, in log order, and records through (at or after
	// the last event) as the new checkpoint, atomically with the effects.
	// events may be empty: then only the checkpoint advances.
	Apply(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error
}

// Pipeliner is a projection whose writes can overlap the preparation of
// the next batch. ApplyAsync prepares a batch (decoding, in memory) and
// starts writing it, after the previous write has finished; it returns
// that previous write's error, if any. Flush waits for the write in
// flight and returns its error. Apply must stay synchronous (ApplyAsync
// then Flush). The runner publishes a position only once its write is
// known to be finished (the next ApplyAsync or a Flush returned), so
// WaitFor keeps its meaning; at the head of the log it flushes as soon
// as no more events are ready.
type Pipeliner interface {
	ApplyAsync(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error
	Flush(ctx context.Context) error
}

// Resetter is a projection that can be emptied for a rebuild from the
// start of the log.
type Resetter interface {
	Reset(ctx context.Context) error
}

// Source is what a runner reads: subscriptions, and the head for lag.
type Source interface {
	eventstore.Subscriber
	Head(ctx context.Context) (eventstore.Position, error)
}

// Options tune a Runner.
type Options struct {
	// MaxBatch bounds the events handed to one Apply (default 5000).
	MaxBatch int
	// MaxWait is how long to wait for more events before applying a
	// partial batch (default 0: apply as soon as no more are ready).
	MaxWait time.Duration
	// CheckpointEvery bounds how often a checkpoint-only Apply runs while
	// only filtered-out events pass (default 1s).
	CheckpointEvery time.Duration
	// RetryBackoff is the first delay after a failure; it doubles up to
	// 30s (default 500ms).
	RetryBackoff time.Duration
	Logger       *slog.Logger
	// Gate, when set, decides whether this process may write the
	// projection (projections/lease): the runner waits for it before it
	// subscribes and checks it before every Apply.
	Gate Gate
}

// Gate admits one writer of a projection among processes.
type Gate interface {
	// Wait blocks until this process may write, or ctx ends.
	Wait(ctx context.Context) error
	// Holding reports whether it still may.
	Holding() bool
}

// ErrNotWriter stops a runner whose gate closed: another process writes
// the projection now.
var ErrNotWriter = errors.New("projections: this process no longer holds the projection's lease")

// Runner runs one projection.
type Runner struct {
	src  Source
	proj Projection
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	applied  eventstore.Position
	lastTime time.Time // recorded time of the last applied event
	caughtUp bool
	lastErr  error
	changed  chan struct{} // closed and replaced when applied advances
	started  bool
}

// NewRunner creates a runner for proj reading from src.
func NewRunner(src Source, proj Projection, opts Options) *Runner {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 5000
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = time.Second
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{src: src, proj: proj, opts: opts, log: opts.Logger.With("projection", proj.Name()), changed: make(chan struct{})}
}

// Name is the projection's name.
func (r *Runner) Name() string { return r.proj.Name() }

// Projection returns the projection this runner feeds.
func (r *Runner) Projection() Projection { return r.proj }

// Status is a snapshot of a runner's progress.
type Status struct {
	Name     string
	Applied  eventstore.Position
	LastTime time.Time // recorded time of the last applied event
	CaughtUp bool      // has reached the head of the log at least once
	LastErr  error
}

// Status returns the runner's progress.
func (r *Runner) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Status{Name: r.proj.Name(), Applied: r.applied, LastTime: r.lastTime, CaughtUp: r.caughtUp, LastErr: r.lastErr}
}

// WaitFor blocks until the projection has applied through pos, or ctx ends.
func (r *Runner) WaitFor(ctx context.Context, pos eventstore.Position) error {
	for {
		r.mu.Lock()
		done := r.applied.Compare(pos) >= 0
		ch := r.changed
		r.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("projection %s: waiting for position %s: %w", r.proj.Name(), pos, ctx.Err())
		}
	}
}

func (r *Runner) advance(pos eventstore.Position, last time.Time, caughtUp bool) {
	r.mu.Lock()
	if pos.Compare(r.applied) > 0 {
		r.applied = pos
		if !last.IsZero() {
			r.lastTime = last
		}
	}
	if caughtUp {
		r.caughtUp = true
	}
	r.lastErr = nil
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// Run feeds the projection until ctx ends. Failures are logged and retried
// with backoff from the projection's checkpoint; Run returns only when ctx
// is done (with nil) or the projection's checkpoint is past the end of the
// log (ErrCheckpointAhead: a restored log), which no retry can fix and a
// later retry, once the log has grown again, would hide.
func (r *Runner) Run(ctx context.Context) error {
	backoff := r.opts.RetryBackoff
	for {
		err := r.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		r.mu.Lock()
		r.lastErr = err
		r.mu.Unlock()
		if errors.Is(err, ErrCheckpointAhead) {
			r.log.Error("projection stopped", "err", err)
			return err
		}
		r.log.Error("projection failed; retrying from its checkpoint", "err", err, "backoff", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

type item struct {
	msg eventstore.Message
	err error
}

func (r *Runner) runOnce(ctx context.Context) error {
	if r.opts.Gate != nil {
		r.log.Info("waiting for the projection lease")
		if err := r.opts.Gate.Wait(ctx); err != nil {
			return err
		}
	}
	from, err := r.proj.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("read checkpoint: %w", err)
	}
	// Never subscribe from past the end of the log (a restored log): the
	// events appended next would be skipped. Fail, and keep failing, so
	// that the read model is rebuilt.
	if err := CheckCheckpoint(ctx, r.src, r.proj.Name(), from); err != nil {
		return err
	}
	r.advance(from, time.Time{}, false)
	sub, err := r.src.SubscribeAll(ctx, eventstore.SubscribeOptions{After: from, Filter: r.proj.Filter()})
	if err != nil {
		return fmt.Errorf("subscribe after %s: %w", from, err)
	}
	defer sub.Close()
	r.log.Info("projection started", "from", from.String())

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	items := make(chan item, r.opts.MaxBatch)
	go func() {
		for {
			m, err := sub.Recv(rctx)
			select {
			case items <- item{msg: m, err: err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	var (
		batch     = make([]eventstore.RecordedEvent, 0, r.opts.MaxBatch)
		through   = from
		lastFlush = time.Now()
		caughtUp  bool
		// A Pipeliner's applied but not yet published batch.
		pipe, _     = r.proj.(Pipeliner)
		pending     bool
		pendingPos  eventstore.Position
		pendingLast time.Time
	)
	// publish waits for a Pipeliner's write in flight and then publishes
	// its position.
	publish := func() error {
		if !pending {
			return nil
		}
		if err := pipe.Flush(ctx); err != nil {
			return fmt.Errorf("write through %s: %w", pendingPos, err)
		}
		pending = false
		r.advance(pendingPos, pendingLast, caughtUp)
		return nil
	}
	// flush applies the batch (force: even an empty one, to persist the
	// checkpoint); now: publish a Pipeliner's position before returning.
	flush := func(force, now bool) error {
		if len(batch) == 0 {
			if through.Compare(r.Status().Applied) <= 0 && !pending {
				return nil
			}
			if !force && time.Since(lastFlush) < r.opts.CheckpointEvery {
				// Only filtered-out events passed: the read model already
				// reflects the log through here, so say so at once (for
				// WaitFor and the lag), and persist the checkpoint later.
				if err := publish(); err != nil {
					return err
				}
				r.advance(through, time.Time{}, caughtUp)
				return nil
			}
		}
		if r.opts.Gate != nil && !r.opts.Gate.Holding() {
			return ErrNotWriter
		}
		var last time.Time
		if len(batch) > 0 {
			last = batch[len(batch)-1].Recorded
		}
		if pipe != nil {
			if err := pipe.ApplyAsync(ctx, batch, through); err != nil {
				return fmt.Errorf("apply %d events through %s: %w", len(batch), through, err)
			}
			// ApplyAsync returned only after the previous write finished,
			// so that one's position can be published without waiting.
			if pending {
				r.advance(pendingPos, pendingLast, caughtUp)
			}
			pending, pendingPos = true, through
			if !last.IsZero() {
				pendingLast = last
			}
			// Wait for this write too when the runner is at the head of
			// the log and nothing more is ready, so that new events show
			// up at once; while catching up, the next batch publishes it.
			if now || (caughtUp && len(items) == 0) {
				if err := publish(); err != nil {
					return err
				}
			}
		} else {
			if err := r.proj.Apply(ctx, batch, through); err != nil {
				return fmt.Errorf("apply %d events through %s: %w", len(batch), through, err)
			}
			r.advance(through, last, caughtUp)
		}
		batch = make([]eventstore.RecordedEvent, 0, r.opts.MaxBatch)
		lastFlush = time.Now()
		return nil
	}
	var timer *time.Timer
	for {
		var it item
		select {
		case it = <-items:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Take what else is ready, up to the batch size, waiting up to
		// MaxWait for a partial batch to fill.
		deadline := time.Time{}
	fill:
		for {
			if it.err != nil {
				if errors.Is(it.err, context.Canceled) && ctx.Err() != nil {
					return ctx.Err()
				}
				if ferr := flush(true, true); ferr != nil {
					return ferr
				}
				return fmt.Errorf("subscription: %w", it.err)
			}
			switch m := it.msg; {
			case m.Event != nil:
				batch = append(batch, *m.Event)
				through = m.Event.Position
			case m.Checkpoint != nil:
				if m.Checkpoint.Compare(through) > 0 {
					through = *m.Checkpoint
				}
			case m.CaughtUp:
				caughtUp = true
				if err := flush(true, true); err != nil {
					return err
				}
				r.advance(through, time.Time{}, true)
				r.log.Info("projection caught up", "position", through.String())
			}
			if len(batch) >= r.opts.MaxBatch {
				break fill
			}
			select {
			case it = <-items:
				continue
			default:
			}
			if r.opts.MaxWait <= 0 || len(batch) == 0 {
				break fill
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(r.opts.MaxWait)
			}
			wait := time.Until(deadline)
			if wait <= 0 {
				break fill
			}
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case it = <-items:
				timer.Stop()
				continue
			case <-timer.C:
			case <-ctx.Done():
				return ctx.Err()
			}
			break fill
		}
		if err := flush(len(batch) > 0, false); err != nil {
			return err
		}
	}
}
