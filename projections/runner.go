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
//
// No event may halt a projection. A projection reports a deterministic
// failure of one event as an *EventError (Poison); the runner then records
// the event in the quarantine (a stream of the log, see LogQuarantine),
// skips it, logs an ERROR line with alert=projection-poison-event, counts
// it, and goes on from the checkpoint at once. A panic is recovered: on a
// batch of several events the runner applies them again one at a time to
// find the event, which is then quarantined like an EventError. Every
// other failure is transient and retried from the checkpoint with backoff;
// a projection that keeps failing without advancing while it is behind the
// log is reported stuck (Ready, Stuck).
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
	// Quarantine records poison events durably before they are skipped
	// (LogQuarantine). Nil: they are skipped with the ERROR log line only.
	Quarantine Quarantine
	// StuckAfter is how long the projection may keep failing without
	// advancing, while behind the log, before Ready and Stuck report it
	// stuck (default 30s).
	StuckAfter time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
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

// maxPanicStreak bounds how many events in a row the runner quarantines
// because applying them alone panicked: a projection that panics on every
// event is broken, not fed poison, and must stop (stuck, alerting) rather
// than skip the whole log.
const maxPanicStreak = 3

// Runner runs one projection.
type Runner struct {
	src  Source
	proj Projection
	opts Options
	log  *slog.Logger

	mu           sync.Mutex
	applied      eventstore.Position
	lastTime     time.Time // recorded time of the last applied event
	caughtUp     bool
	lastErr      error
	failingSince time.Time     // first failure since the last progress
	quarantined  uint64        // poison events this runner skipped
	changed      chan struct{} // closed and replaced when the status changes

	// Owned by the Run goroutine.
	skip        map[eventstore.Position]bool // poison events to skip
	isolateTo   eventstore.Position          // apply one event at a time through here
	panicStreak int                          // events quarantined in a row for a panic
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
	if opts.StuckAfter <= 0 {
		opts.StuckAfter = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Runner{src: src, proj: proj, opts: opts, log: opts.Logger.With("projection", proj.Name()),
		changed: make(chan struct{}), skip: map[eventstore.Position]bool{}}
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
	// LastErr is the last failure since the projection last advanced.
	LastErr error
	// FailingSince is when it started failing without advancing (zero
	// when it is not failing).
	FailingSince time.Time
	// Quarantined counts the poison events this runner skipped.
	Quarantined uint64
}

// Status returns the runner's progress.
func (r *Runner) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Status{Name: r.proj.Name(), Applied: r.applied, LastTime: r.lastTime, CaughtUp: r.caughtUp, LastErr: r.lastErr,
		FailingSince: r.failingSince, Quarantined: r.quarantined}
}

// Stuck reports whether the projection has been failing without
// advancing for StuckAfter while behind head.
func (r *Runner) Stuck(head eventstore.Position) bool {
	st := r.Status()
	return st.LastErr != nil && st.Applied.Compare(head) < 0 && r.opts.Now().Sub(st.FailingSince) >= r.opts.StuckAfter
}

// Ready reports whether the projection serves the log: nil once it has
// caught up with the head at least once and is not stuck. The error says
// why not, without the failure's details (they are in the log and on
// /api/projections).
func (r *Runner) Ready(ctx context.Context) error {
	st := r.Status()
	if st.LastErr != nil {
		head, err := r.src.Head(ctx)
		if err != nil {
			return fmt.Errorf("%s: cannot read the head of the log: %w", st.Name, err)
		}
		if r.Stuck(head) {
			return fmt.Errorf("%s is stuck at position %s (log head %s): failing without progress since %s; see the ERROR log lines of projection=%s",
				st.Name, st.Applied, head, st.FailingSince.UTC().Format(time.RFC3339), st.Name)
		}
	}
	if !st.CaughtUp {
		return fmt.Errorf("%s is catching up (at %s)", st.Name, st.Applied)
	}
	return nil
}

// Await blocks until cond holds for the runner's status, or ctx ends. The
// status is checked again whenever it changes (progress or failure).
func (r *Runner) Await(ctx context.Context, cond func(Status) bool) error {
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		if cond(r.Status()) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("projection %s: %w", r.proj.Name(), ctx.Err())
		}
	}
}

// notify wakes WaitFor and Await; r.mu is held.
func (r *Runner) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
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

// advance publishes progress. Moving forward, or reaching the head of the
// log, proves the projection healthy: the failure state is cleared.
func (r *Runner) advance(pos eventstore.Position, last time.Time, caughtUp bool) {
	r.mu.Lock()
	progress := pos.Compare(r.applied) > 0
	if progress {
		r.applied = pos
		if !last.IsZero() {
			r.lastTime = last
		}
	}
	if caughtUp {
		r.caughtUp = true
	}
	if progress || caughtUp {
		r.lastErr, r.failingSince = nil, time.Time{}
	}
	r.notify()
	r.mu.Unlock()
}

// fail records a failure.
func (r *Runner) fail(err error) {
	r.mu.Lock()
	r.lastErr = err
	if r.failingSince.IsZero() {
		r.failingSince = r.opts.Now()
	}
	r.notify()
	r.mu.Unlock()
}

// Run feeds the projection until ctx ends; it returns nil then. A poison
// event is quarantined and skipped, and the projection goes on at once;
// other failures are logged and retried with backoff from the
// projection's checkpoint. Run returns early only when the projection's
// checkpoint is past the end of the log (ErrCheckpointAhead: a restored
// log), which no retry can fix and a later retry, once the log has grown
// again, would hide.
func (r *Runner) Run(ctx context.Context) error {
	backoff := r.opts.RetryBackoff
	for {
		err := r.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if r.isolate(ctx, err) {
			backoff = r.opts.RetryBackoff
			continue
		}
		r.fail(err)
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

// isolate handles the failures that the poison-event policy resolves
// without waiting: a poison event is recorded in the quarantine and then
// skipped; a panic on a batch of several events makes the runner apply
// them one at a time. It reports whether the runner may go on at once.
func (r *Runner) isolate(ctx context.Context, err error) bool {
	var pe *EventError
	if errors.As(err, &pe) {
		pos := pe.Event.Position
		if r.skip[pos] {
			// The projection named an event it was never given again: a
			// fault of the projection, not of the event.
			return false
		}
		q := newQuarantined(r.proj.Name(), pe, r.opts.Now())
		added := true
		if r.opts.Quarantine != nil {
			var qerr error
			if added, qerr = r.opts.Quarantine.Add(ctx, q); qerr != nil {
				r.fail(fmt.Errorf("%w; and recording it in the quarantine failed: %v", err, qerr))
				r.log.Error("projection cannot record a poison event in the quarantine; retrying", "err", qerr, "event_id", q.EventID, "position", q.Position)
				return false
			}
		}
		r.skip[pos] = true
		r.mu.Lock()
		r.quarantined++
		r.notify()
		r.mu.Unlock()
		r.log.Error("projection skipped a poison event and recorded it in the quarantine", "alert", AlertPoisonEvent,
			"event_id", q.EventID, "event_type", q.EventType, "stream", q.Stream, "revision", q.Revision, "position", q.Position,
			"new_record", added, "err", pe.Err)
		return true
	}
	var pn *panicError
	if errors.As(err, &pn) && pn.events > 1 {
		r.isolateTo = pn.through
		r.log.Error("projection panicked on a batch; applying its events one at a time to find the cause",
			"events", pn.events, "through", pn.through.String(), "panic", fmt.Sprint(pn.value), "stack", string(pn.stack))
		return true
	}
	return false
}

// failed turns a failure of Apply, ApplyAsync or Flush on batch into the
// runner's view of it: a panic on a single event is that event's poison
// (unless the projection panics on event after event), a panic on a
// larger batch calls for isolation.
func (r *Runner) failed(err error, batch []eventstore.RecordedEvent, through eventstore.Position) error {
	var pn *panicError
	if !errors.As(err, &pn) {
		return err
	}
	if len(batch) == 1 && r.panicStreak < maxPanicStreak {
		r.panicStreak++
		r.log.Error("projection panicked on one event", "event_id", batch[0].ID, "panic", fmt.Sprint(pn.value), "stack", string(pn.stack))
		return Poison(&batch[0], err)
	}
	pn.events, pn.through = len(batch), through
	return pn
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
	var from eventstore.Position
	if err := safely(func() (err error) { from, err = r.proj.Checkpoint(ctx); return err }); err != nil {
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
	// While isolating the event behind a panic, batches hold one event
	// and are published at once, so that a failure names its event.
	maxBatch := r.opts.MaxBatch
	isolating := func() bool { return r.isolateTo.Compare(r.Status().Applied) > 0 }
	if isolating() {
		maxBatch = 1
	}
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
		batch     = make([]eventstore.RecordedEvent, 0, maxBatch)
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
		if err := safely(func() error { return pipe.Flush(ctx) }); err != nil {
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
			if err := safely(func() error { return pipe.ApplyAsync(ctx, batch, through) }); err != nil {
				return fmt.Errorf("apply %d events through %s: %w", len(batch), through, r.failed(err, batch, through))
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
			if now || (caughtUp && len(items) == 0) || maxBatch == 1 {
				if err := publish(); err != nil {
					return r.failed(err, batch, through)
				}
			}
		} else {
			if err := safely(func() error { return r.proj.Apply(ctx, batch, through) }); err != nil {
				return fmt.Errorf("apply %d events through %s: %w", len(batch), through, r.failed(err, batch, through))
			}
			r.advance(through, last, caughtUp)
		}
		if len(batch) > 0 {
			r.panicStreak = 0
		}
		if maxBatch == 1 && !isolating() {
			// Past the batch that panicked: full batches again from the
			// next subscription on (this one's channel is sized for them).
			maxBatch = r.opts.MaxBatch
		}
		batch = make([]eventstore.RecordedEvent, 0, maxBatch)
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
			case m.Event != nil && r.skip[m.Event.Position]:
				// A quarantined poison event: the projection reflects the
				// log through it without it.
				through = m.Event.Position
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
			if len(batch) >= maxBatch {
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
