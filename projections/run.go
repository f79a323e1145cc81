package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hocvu/hocvu/eventstore"
)

// One subscription of a Runner, from the projection's checkpoint until the
// subscription fails, the gate closes or ctx ends, in named steps:
//
//	start    wait for the gate, read and check the checkpoint
//	receive  the subscription's messages, in log order, into a channel
//	fill     a batch from what is ready (MaxBatch, MaxWait)
//	take     one message into the batch (skipping quarantined events)
//	flush    write the batch: apply, or applyAsync for a Pipeliner
//	publish  make a finished write's position visible (advance)
//
// The failures it returns go to Run, whose poison-event policy (isolate)
// decides what the next subscription skips or isolates.

// item is one message of the subscription, or the error that ended it.
type item struct {
	msg eventstore.Message
	err error
}

// run is the state of one subscription. It is owned by the goroutine of
// Run, except items, which receive fills.
type run struct {
	r     *Runner
	ctx   context.Context
	pipe  Pipeliner // the projection, when it pipelines its writes
	items chan item // the subscription's messages, in log order

	// maxBatch is 1 while the runner isolates the event behind a panic,
	// so that a failure names its event; MaxBatch otherwise.
	maxBatch int
	// batch holds the events received and not yet written, in log
	// order; never an event of the skip set.
	batch []eventstore.RecordedEvent
	// through is how far the log has been received: every event at or
	// before it is in batch, written, filtered out or skipped.
	through   eventstore.Position
	lastFlush time.Time   // when the last write was handed over
	caughtUp  bool        // this subscription has reached the head of the log
	timer     *time.Timer // the MaxWait timer, reused across batches

	// A Pipeliner's write that was handed over (ApplyAsync returned) but
	// is not yet known to be finished, so not yet published.
	pending     bool
	pendingPos  eventstore.Position
	pendingLast time.Time // recorded time of its last event
}

// runOnce feeds the projection through one subscription. It returns only
// with an error: ctx.Err() once ctx ends, or the failure that ended the
// subscription (Run decides what follows).
func (r *Runner) runOnce(ctx context.Context) error {
	from, err := r.start(ctx)
	if err != nil {
		return err
	}
	sub, err := r.src.SubscribeAll(ctx, eventstore.SubscribeOptions{After: from, Filter: r.proj.Filter()})
	if err != nil {
		return fmt.Errorf("subscribe after %s: %w", from, err)
	}
	defer sub.Close()
	r.log.Info("projection started", "from", from.String())

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := r.newRun(ctx, from)
	go s.receive(rctx, sub)
	return s.loop()
}

// start waits for the gate (when there is one), reads the projection's
// checkpoint and publishes it as applied. It never returns a checkpoint
// past the end of the log (a restored log): the events appended next
// would be skipped, so it fails with ErrCheckpointAhead instead, and
// keeps failing until the read model is rebuilt.
func (r *Runner) start(ctx context.Context) (eventstore.Position, error) {
	if r.opts.Gate != nil {
		r.log.Info("waiting for the projection lease")
		if err := r.opts.Gate.Wait(ctx); err != nil {
			return eventstore.Position{}, err
		}
	}
	var from eventstore.Position
	if err := safely(func() (err error) { from, err = r.proj.Checkpoint(ctx); return err }); err != nil {
		return eventstore.Position{}, fmt.Errorf("read checkpoint: %w", err)
	}
	if err := CheckCheckpoint(ctx, r.src, r.proj.Name(), from); err != nil {
		return eventstore.Position{}, err
	}
	r.advance(from, time.Time{}, false)
	return from, nil
}

// isolating reports whether the runner applies events one at a time, to
// find the event behind a panic of a larger batch: until it has applied
// through the end of that batch.
func (r *Runner) isolating() bool { return r.isolateTo.Compare(r.Status().Applied) > 0 }

// receiveAhead bounds the messages received ahead of the batch being
// filled. The subscription reads the log far faster than any projection
// writes, so a short queue keeps the batches full; a queue of a whole
// batch (20,000 events for analytics) kept that many more events on the
// heap of a catching-up process, which made the garbage collector run
// without pause at the memory budget's heap limit (docs/benchmarks.md,
// "Catch-up under the memory budget").
const receiveAhead = 1024

// newRun starts the state of a subscription after from. While the runner
// is isolating, its batches hold one event.
func (r *Runner) newRun(ctx context.Context, from eventstore.Position) *run {
	s := &run{r: r, ctx: ctx, items: make(chan item, min(r.opts.MaxBatch, receiveAhead)), maxBatch: r.opts.MaxBatch,
		through: from, lastFlush: time.Now()}
	s.pipe, _ = r.proj.(Pipeliner)
	if r.isolating() {
		s.maxBatch = 1
	}
	s.batch = make([]eventstore.RecordedEvent, 0, s.maxBatch)
	return s
}

// receive passes sub's messages to s.items, in log order, until ctx ends.
// The first error is passed on too, and is the last item.
func (s *run) receive(ctx context.Context, sub eventstore.Subscription) {
	for {
		m, err := sub.Recv(ctx)
		select {
		case s.items <- item{msg: m, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// loop writes batch after batch: it waits for a message, fills a batch
// from it and writes the batch. It returns the first failure, or ctx.Err()
// once ctx ends.
func (s *run) loop() error {
	for {
		var it item
		select {
		case it = <-s.items:
		case <-s.ctx.Done():
			return s.ctx.Err()
		}
		if err := s.fill(it); err != nil {
			return err
		}
		if err := s.flush(len(s.batch) > 0, false); err != nil {
			return err
		}
	}
}

// fill takes it, and what else is ready, into the batch, until the batch
// holds maxBatch events. A partial batch waits up to MaxWait for more; an
// empty one (only filtered-out or skipped events so far) never waits.
func (s *run) fill(it item) error {
	var deadline time.Time
	for {
		if err := s.take(it); err != nil {
			return err
		}
		if len(s.batch) >= s.maxBatch {
			return nil
		}
		var more bool
		var err error
		if it, more, err = s.next(&deadline); err != nil || !more {
			return err
		}
	}
}

// next returns the next message when one is ready, or arrives before
// *deadline (set to MaxWait from now on the first wait of a batch). It
// reports false when the batch is to be written now.
func (s *run) next(deadline *time.Time) (item, bool, error) {
	select {
	case it := <-s.items:
		return it, true, nil
	default:
	}
	if s.r.opts.MaxWait <= 0 || len(s.batch) == 0 {
		return item{}, false, nil
	}
	if deadline.IsZero() {
		*deadline = time.Now().Add(s.r.opts.MaxWait)
	}
	wait := time.Until(*deadline)
	if wait <= 0 {
		return item{}, false, nil
	}
	if s.timer == nil {
		s.timer = time.NewTimer(wait)
	} else {
		s.timer.Reset(wait)
	}
	select {
	case it := <-s.items:
		s.timer.Stop()
		return it, true, nil
	case <-s.timer.C:
		return item{}, false, nil
	case <-s.ctx.Done():
		return item{}, false, s.ctx.Err()
	}
}

// take takes one message of the subscription. An event of the skip set (a
// quarantined poison event) never enters the batch: the projection
// reflects the log through it without it. through never moves back.
func (s *run) take(it item) error {
	if it.err != nil {
		return s.ended(it.err)
	}
	switch m := it.msg; {
	case m.Event != nil && s.r.skip[m.Event.Position]:
		s.through = m.Event.Position
	case m.Event != nil:
		s.batch = append(s.batch, *m.Event)
		s.through = m.Event.Position
	case m.Checkpoint != nil:
		if m.Checkpoint.Compare(s.through) > 0 {
			s.through = *m.Checkpoint
		}
	case m.CaughtUp:
		return s.reachedHead()
	}
	return nil
}

// ended handles the error that ended the subscription: what was received
// before it is written and published, then the error is returned. When ctx
// ended, ctx.Err() is returned and nothing is written.
func (s *run) ended(err error) error {
	if errors.Is(err, context.Canceled) && s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	if ferr := s.flush(true, true); ferr != nil {
		return ferr
	}
	return fmt.Errorf("subscription: %w", err)
}

// reachedHead handles the subscription's news that it reached the head of
// the log: the batch is written and published at once, and the runner is
// caught up (Ready) from then on.
func (s *run) reachedHead() error {
	s.caughtUp = true
	if err := s.flush(true, true); err != nil {
		return err
	}
	s.r.advance(s.through, time.Time{}, true)
	s.r.log.Info("projection caught up", "position", s.through.String())
	return nil
}

// flush writes the batch and the checkpoint through s.through. force
// writes even an empty batch, to persist the checkpoint; otherwise an
// empty batch is written at most every CheckpointEvery, and only
// published in between (publishFiltered). now publishes a Pipeliner's
// write before flush returns. The write is refused (ErrNotWriter) once
// the gate is closed.
func (s *run) flush(force, now bool) error {
	if len(s.batch) == 0 {
		if s.through.Compare(s.r.Status().Applied) <= 0 && !s.pending {
			return nil
		}
		if !force && time.Since(s.lastFlush) < s.r.opts.CheckpointEvery {
			return s.publishFiltered()
		}
	}
	if s.r.opts.Gate != nil && !s.r.opts.Gate.Holding() {
		return ErrNotWriter
	}
	var last time.Time
	if len(s.batch) > 0 {
		last = s.batch[len(s.batch)-1].Recorded
	}
	var err error
	if s.pipe != nil {
		err = s.applyAsync(last, now)
	} else {
		err = s.apply(last)
	}
	if err != nil {
		return err
	}
	s.wrote()
	return nil
}

// publishFiltered publishes s.through when only filtered-out or skipped
// events passed since the last write: the read model already reflects the
// log through there, so WaitFor and the lag say so at once, and a later
// write persists the checkpoint. A Pipeliner's write in flight is finished
// and published first, so that positions are published in order.
func (s *run) publishFiltered() error {
	if err := s.publish(); err != nil {
		return err
	}
	s.r.advance(s.through, time.Time{}, s.caughtUp)
	return nil
}

// apply writes the batch synchronously and then publishes its position:
// the position is published only after the write finished.
func (s *run) apply(last time.Time) error {
	if err := safely(func() error { return s.r.proj.Apply(s.ctx, s.batch, s.through) }); err != nil {
		return s.applyFailed(err)
	}
	s.r.advance(s.through, last, s.caughtUp)
	return nil
}

// applyAsync hands the batch to a Pipeliner. ApplyAsync returns only
// after the previous write finished, so that write's position is
// published then, without waiting. This write is published at once
// (publish waits for it) when now is set, when the runner is at the head
// of the log with nothing more ready (new events show up at once), or
// while isolating (a failure names its event); while catching up, the
// next batch publishes it.
func (s *run) applyAsync(last time.Time, now bool) error {
	if err := safely(func() error { return s.pipe.ApplyAsync(s.ctx, s.batch, s.through) }); err != nil {
		return s.applyFailed(err)
	}
	if s.pending {
		s.r.advance(s.pendingPos, s.pendingLast, s.caughtUp)
	}
	s.pending, s.pendingPos = true, s.through
	if !last.IsZero() {
		s.pendingLast = last
	}
	if now || (s.caughtUp && len(s.items) == 0) || s.maxBatch == 1 {
		if err := s.publish(); err != nil {
			return s.r.failed(err, s.batch, s.through)
		}
	}
	return nil
}

// applyFailed wraps a failure of Apply or ApplyAsync on the batch, as the
// poison-event policy reads it (Runner.failed).
func (s *run) applyFailed(err error) error {
	return fmt.Errorf("apply %d events through %s: %w", len(s.batch), s.through, s.r.failed(err, s.batch, s.through))
}

// publish waits for a Pipeliner's write in flight (Flush) and then
// publishes its position. Nothing is published when Flush fails.
func (s *run) publish() error {
	if !s.pending {
		return nil
	}
	if err := safely(func() error { return s.pipe.Flush(s.ctx) }); err != nil {
		return fmt.Errorf("write through %s: %w", s.pendingPos, err)
	}
	s.pending = false
	s.r.advance(s.pendingPos, s.pendingLast, s.caughtUp)
	return nil
}

// wrote starts the next batch after a write was handed over. A write of
// events ends a streak of panics; once past the batch that panicked,
// batches are full-sized again.
func (s *run) wrote() {
	if len(s.batch) > 0 {
		s.r.panicStreak = 0
	}
	if s.maxBatch == 1 && !s.r.isolating() {
		s.maxBatch = s.r.opts.MaxBatch
	}
	s.batch = make([]eventstore.RecordedEvent, 0, s.maxBatch)
	s.lastFlush = time.Now()
}
