package forwarding

import (
	"context"
	"fmt"
	"time"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
)

// The subscription of one run of a forwarder, in named steps:
//
//	receive      the subscription's messages, in log order, into a channel
//	loop         wait for a message (or a retry request), fill a batch, send it
//	fill         a batch from what is ready (BatchSize, Linger)
//	take         one message: a matching statement joins the batch
//	flush        send the batch (forwarder.send)
//	saveSkipped  record progress through filtered-out statements, now and then

// item is one message from the subscription.
type item struct {
	msg eventstore.Message
	err error
}

// feed is the state of one subscription of a forwarder. It is owned by
// the goroutine of runOnce, except items, which receive fills.
type feed struct {
	w     *forwarder
	ctx   context.Context
	items chan item // the subscription's messages, in log order

	batch     []pendingEvent // matching statements not yet sent
	skipped   int            // statements filtered out since progress was last recorded
	lastSaved time.Time      // when progress was last recorded
	linger    *time.Timer    // the Linger timer, reused across waits
}

func (w *forwarder) newFeed(ctx context.Context) *feed {
	return &feed{w: w, ctx: ctx, items: make(chan item, w.fwd.BatchSize), lastSaved: time.Now()}
}

// receive passes sub's messages to f.items, in log order, until ctx ends.
// The first error is passed on too, and is the last item.
func (f *feed) receive(ctx context.Context, sub eventstore.Subscription) {
	for {
		m, err := sub.Recv(ctx)
		select {
		case f.items <- item{msg: m, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// loop sends batch after batch: it waits for a message, fills a batch
// from it and sends the batch. A retry request re-drives dead letters
// between batches. It returns the first failure, or ctx.Err() once ctx
// ends.
func (f *feed) loop() error {
	for {
		var it item
		select {
		case it = <-f.items:
		case <-f.w.retry:
			if err := f.w.redrive(f.ctx); err != nil {
				return err
			}
			continue
		case <-f.ctx.Done():
			return f.ctx.Err()
		}
		if err := f.fill(it); err != nil {
			return err
		}
		if err := f.flush(); err != nil {
			return err
		}
		if err := f.saveSkipped(); err != nil {
			return err
		}
	}
}

// fill takes it, and what else is ready, into the batch, until the batch
// holds BatchSize statements. A partial batch waits up to Linger for each
// further message; an empty one never waits.
func (f *feed) fill(it item) error {
	for {
		if err := f.take(it); err != nil {
			return err
		}
		if len(f.batch) >= f.w.fwd.BatchSize {
			return nil
		}
		var more bool
		var err error
		if it, more, err = f.next(); err != nil || !more {
			return err
		}
	}
}

// next returns the next message when one is ready, or, for a partial
// batch, arrives within Linger. It reports false when the batch is to be
// sent now.
func (f *feed) next() (item, bool, error) {
	select {
	case it := <-f.items:
		return it, true, nil
	default:
	}
	if len(f.batch) == 0 {
		return item{}, false, nil
	}
	// A partial batch waits a little for more statements.
	if f.linger == nil {
		f.linger = time.NewTimer(f.w.env.Linger)
	} else {
		f.linger.Reset(f.w.env.Linger)
	}
	select {
	case it := <-f.items:
		f.linger.Stop()
		return it, true, nil
	case <-f.linger.C:
		return item{}, false, nil
	case <-f.ctx.Done():
		return item{}, false, f.ctx.Err()
	}
}

// take handles one message of the subscription: a matching statement
// joins the batch, a filtered-out one is counted. The error that ended the
// subscription is returned after the batch is sent.
func (f *feed) take(it item) error {
	if it.err != nil {
		if err := f.flush(); err != nil {
			return err
		}
		return fmt.Errorf("forwarding: subscription: %w", it.err)
	}
	ev, err := f.w.handle(f.ctx, it.msg)
	if err != nil {
		return err
	}
	switch {
	case ev != nil:
		f.batch = append(f.batch, *ev)
	case it.msg.Event != nil && lrs.IsStatementEvent(it.msg.Event.Type):
		f.skipped++
	}
	return nil
}

// flush sends the batch, if there is one; sending it records progress.
func (f *feed) flush() error {
	if len(f.batch) == 0 {
		return nil
	}
	err := f.w.send(f.ctx, f.batch)
	f.batch = f.batch[:0]
	f.skipped, f.lastSaved = 0, time.Now()
	return err
}

// saveSkipped records how far the log was read when only filtered-out
// statements passed, now and then (every 10,000 statements or
// CheckpointEvery), so that a restart need not read them again.
func (f *feed) saveSkipped() error {
	if f.skipped == 0 || (f.skipped < 10000 && time.Since(f.lastSaved) < f.w.env.CheckpointEvery) {
		return nil
	}
	if err := f.w.saveCheckpoint(f.ctx); err != nil {
		return err
	}
	f.skipped, f.lastSaved = 0, time.Now()
	return nil
}
