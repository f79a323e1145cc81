package pebblestore

import (
	"context"
	"fmt"
	"sync"

	"github.com/hocvu/hocvu/eventstore"
)

// subscriptionBatch is how many matching events one read of the log hands
// to a subscription.
const subscriptionBatch = 1024

// SubscribeAll implements eventstore.Subscriber. The subscription tails the
// committed log: it reads batches after its last position until it reaches
// the head, then waits for the next commit. Because history and live events
// come from the same ordered reads, the switch has no gap and no duplicate.
func (s *Store) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	if err := s.readable(ctx); err != nil {
		return nil, err
	}
	return &subscription{
		s:         s,
		filter:    opts.Filter,
		last:      opts.After.Commit,
		startHead: s.head.Load(),
		closed:    make(chan struct{}),
	}, nil
}

type subscription struct {
	s      *Store
	filter eventstore.Filter
	// last is the last position read from the log.
	last      uint64
	startHead uint64
	caughtUp  bool
	buf       []eventstore.RecordedEvent
	next      int
	// checkpoint is a position to report once buf is delivered.
	checkpoint uint64

	closeOnce sync.Once
	closed    chan struct{}
}

func (sub *subscription) Recv(ctx context.Context) (eventstore.Message, error) {
	for {
		if sub.next < len(sub.buf) {
			ev := &sub.buf[sub.next]
			sub.next++
			return eventstore.Message{Event: ev}, nil
		}
		if sub.checkpoint != 0 {
			p := eventstore.Position{Commit: sub.checkpoint, Prepare: sub.checkpoint}
			sub.checkpoint = 0
			return eventstore.Message{Checkpoint: &p}, nil
		}
		select {
		case <-sub.closed:
			return eventstore.Message{}, eventstore.ErrSubscriptionClosed
		case <-sub.s.closed:
			return eventstore.Message{}, fmt.Errorf("%w: %w", eventstore.ErrSubscriptionClosed, eventstore.ErrClosed)
		default:
		}
		if err := ctx.Err(); err != nil {
			return eventstore.Message{}, err
		}
		// Take the wake-up channel before reading so a commit that lands
		// after the read cannot be missed.
		wait := sub.s.waitChan()
		if sub.last < sub.s.head.Load() {
			if err := sub.fill(); err != nil {
				return eventstore.Message{}, err
			}
			continue
		}
		if !sub.caughtUp && sub.last >= sub.startHead {
			sub.caughtUp = true
			return eventstore.Message{CaughtUp: true}, nil
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return eventstore.Message{}, ctx.Err()
		case <-sub.closed:
			return eventstore.Message{}, eventstore.ErrSubscriptionClosed
		case <-sub.s.closed:
			return eventstore.Message{}, fmt.Errorf("%w: %w", eventstore.ErrSubscriptionClosed, eventstore.ErrClosed)
		}
	}
}

func (sub *subscription) fill() error {
	done, err := sub.s.reading()
	if err != nil {
		return fmt.Errorf("%w: %w", eventstore.ErrSubscriptionClosed, err)
	}
	defer done()
	// A fresh slice each time: callers may keep the events they received.
	out, last, err := sub.s.scan(sub.last+1, subscriptionBatch, sub.filter, make([]eventstore.RecordedEvent, 0, 64))
	if err != nil {
		return err
	}
	sub.buf, sub.next = out, 0
	if last > sub.last {
		sub.last = last
		// When the read ended on filtered-out events, say how far it got.
		if len(out) == 0 || out[len(out)-1].Position.Commit < last {
			sub.checkpoint = last
		}
	}
	return nil
}

func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() { close(sub.closed) })
	return nil
}
