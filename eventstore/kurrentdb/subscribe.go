package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/hocvu/hocvu/eventstore"
)

const (
	// confirmTimeout bounds the wait for the server to confirm a
	// subscription before the attempt counts as failed.
	confirmTimeout = 10 * time.Second
	// maxIdleWait bounds the growing wait between idle checkpoint checks.
	maxIdleWait = 30 * time.Second
	// idleScanLimit bounds how many events an idle check reads; past it
	// the check gives up and leaves checkpoints to the server.
	idleScanLimit = 4096
)

// errStop ends a subscription's loop when it or the store was closed.
var errStop = errors.New("kurrentdb: subscription stopped")

// SubscribeAll implements eventstore.Subscriber with a catch-up
// subscription to $all that survives connection loss (see the package
// documentation).
func (s *Store) SubscribeAll(ctx context.Context, opts eventstore.SubscribeOptions) (eventstore.Subscription, error) {
	if s.isClosed() {
		return nil, eventstore.ErrClosed
	}
	head, err := s.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("kurrentdb: subscribe: %w", err)
	}
	sub := &subscription{
		s:         s,
		filter:    opts.Filter,
		server:    serverFilter(opts.Filter),
		startHead: head,
		last:      opts.After,
		out:       make(chan eventstore.Message),
		closed:    make(chan struct{}),
		done:      make(chan struct{}),
	}
	go sub.run()
	return sub, nil
}

// serverFilter chooses the filter the server applies: stream prefixes when
// given, else event type prefixes, else "no system events". The adapter
// applies the whole filter again to what arrives.
func serverFilter(f eventstore.Filter) *esdb.SubscriptionFilter {
	switch {
	case len(f.StreamPrefixes) > 0:
		return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: f.StreamPrefixes}
	case len(f.EventTypePrefixes) > 0:
		return &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: f.EventTypePrefixes}
	}
	return esdb.ExcludeSystemEventsFilter()
}

type subscription struct {
	s         *Store
	filter    eventstore.Filter
	server    *esdb.SubscriptionFilter
	startHead eventstore.Position

	out       chan eventstore.Message // unbuffered: a message sent is a message delivered
	closed    chan struct{}
	closeOnce sync.Once
	done      chan struct{} // closed when the loop has ended; err is then set
	err       error

	// Owned by the loop goroutine.
	last     eventstore.Position // last position delivered, or read and filtered out
	caughtUp bool
	failures int
}

// Recv implements eventstore.Subscription.
func (sub *subscription) Recv(ctx context.Context) (eventstore.Message, error) {
	select {
	case <-sub.closed:
		return eventstore.Message{}, eventstore.ErrSubscriptionClosed
	default:
	}
	select {
	case m := <-sub.out:
		return m, nil
	case <-sub.done:
		return eventstore.Message{}, sub.err
	case <-sub.closed:
		return eventstore.Message{}, eventstore.ErrSubscriptionClosed
	case <-ctx.Done():
		return eventstore.Message{}, ctx.Err()
	}
}

// Close implements eventstore.Subscription.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() { close(sub.closed) })
	return nil
}

func (sub *subscription) stopped() bool {
	select {
	case <-sub.closed:
		return true
	default:
		return sub.s.isClosed()
	}
}

func (sub *subscription) run() {
	defer close(sub.done)
	err := sub.loop()
	switch {
	case sub.s.isClosed():
		sub.err = fmt.Errorf("%w: %w", eventstore.ErrSubscriptionClosed, eventstore.ErrClosed)
	case errors.Is(err, errStop):
		sub.err = eventstore.ErrSubscriptionClosed
	default:
		sub.err = fmt.Errorf("%w: kurrentdb: %w", eventstore.ErrSubscriptionClosed, err)
	}
}

// loop runs server subscriptions one after the other, from the last
// position reached, until the subscription is closed or an error that
// retrying cannot fix.
func (sub *subscription) loop() error {
	if err := sub.maybeCaughtUp(); err != nil {
		return err
	}
	log := sub.s.log
	wait := sub.s.opts.ReconnectMin
	for {
		confirmed, err := sub.session()
		if sub.stopped() {
			return errStop
		}
		if confirmed {
			wait = sub.s.opts.ReconnectMin
		}
		if fatal(err) {
			return err
		}
		sub.failures++
		if sub.failures == 1 {
			log.Warn("kurrentdb: subscription dropped, resubscribing", "after", sub.last.String(), "err", err)
		} else {
			log.Debug("kurrentdb: resubscribe failed", "attempt", sub.failures, "retry_in", wait, "err", err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-sub.closed:
			timer.Stop()
			return errStop
		case <-sub.s.ctx.Done():
			timer.Stop()
			return errStop
		}
		wait = min(2*wait, sub.s.opts.ReconnectMax)
	}
}

// item is what the reader goroutine of a session passes to the loop.
type item struct {
	ev        *esdb.SubscriptionEvent
	confirmed bool
	err       error
}

// session runs one server subscription from sub.last until it drops. It
// reports whether the server confirmed it. In named steps:
//
//	read       the reader goroutine: the client call, its items into a channel
//	resumed    the server confirmed the subscription
//	handle     one event or checkpoint of the server
//	idleTimer  when to look for an idle checkpoint (idleCheck)
func (sub *subscription) session() (confirmed bool, err error) {
	s := sub.s
	cn, err := s.acquire()
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	items := make(chan item, 64)
	opts := esdb.SubscribeToAllOptions{From: allPosition(sub.last), Filter: sub.server}
	// The reader owns the client call; the loop never blocks inside the
	// client, so it notices Close and timeouts whatever the client does.
	go sub.read(ctx, cn, opts, items)

	confirm := time.NewTimer(confirmTimeout)
	defer confirm.Stop()
	idle := &idleTimer{base: s.opts.IdleCheckpoint, wait: s.opts.IdleCheckpoint}
	defer idle.stop()
	for {
		select {
		case it := <-items:
			if it.err != nil {
				return confirmed, it.err
			}
			if it.confirmed {
				confirmed = true
				confirm.Stop()
				sub.resumed()
			} else if err := sub.handle(it.ev); err != nil {
				return confirmed, err
			}
			idle.afterItem(sub.caughtUp)
		case <-idle.c:
			moved, err := sub.idleCheck()
			if err != nil {
				return confirmed, err
			}
			idle.afterCheck(moved, sub.caughtUp)
		case <-cn.lost:
			return confirmed, errConnectionLost
		case <-confirm.C:
			if !confirmed {
				return false, fmt.Errorf("no confirmation from the server within %s", confirmTimeout)
			}
		case <-sub.closed:
			return confirmed, errStop
		case <-s.ctx.Done():
			return confirmed, errStop
		}
	}
}

// read is the reader goroutine of a session: it subscribes on cn and
// passes the confirmation, each event and the error that ends the call to
// items, until ctx ends. It releases cn (and retires it when the client
// gave up on it).
func (sub *subscription) read(ctx context.Context, cn *conn, opts esdb.SubscribeToAllOptions, items chan<- item) {
	s := sub.s
	defer s.release(cn)
	send := func(it item) bool {
		select {
		case items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	es, err := cn.c.SubscribeToAll(ctx, opts)
	if err != nil {
		if gaveUp(err) {
			s.retire(cn, true)
		}
		send(item{err: err})
		return
	}
	defer es.Close()
	if !send(item{confirmed: true}) {
		return
	}
	for {
		ev := es.Recv()
		if ev.SubscriptionDropped != nil {
			send(item{err: ev.SubscriptionDropped.Error})
			return
		}
		if !send(item{ev: ev}) {
			return
		}
	}
}

// resumed notes that the server confirmed a session: after failures, the
// subscription has resumed.
func (sub *subscription) resumed() {
	if sub.failures > 0 {
		sub.s.log.Info("kurrentdb: subscription resumed", "after", sub.last.String(), "attempts", sub.failures)
		sub.failures = 0
	}
}

// idleTimer schedules the idle checkpoint checks of a session, while it is
// caught up: base (Options.IdleCheckpoint; none when not positive) after
// the last item, growing to maxIdleWait while checks find nothing to
// report. c is nil until the timer is first armed.
type idleTimer struct {
	base, wait time.Duration
	t          *time.Timer
	c          <-chan time.Time
}

// afterItem arms the timer for base after an item of the server.
func (t *idleTimer) afterItem(caughtUp bool) {
	t.wait = t.base
	t.arm(caughtUp)
}

// afterCheck arms the timer again after a check, waiting twice as long
// when the check did not move the subscription.
func (t *idleTimer) afterCheck(moved, caughtUp bool) {
	if !moved {
		t.wait = min(2*t.wait, maxIdleWait)
	}
	t.arm(caughtUp)
}

func (t *idleTimer) arm(caughtUp bool) {
	if t.base <= 0 || !caughtUp {
		return
	}
	if t.t == nil {
		t.t = time.NewTimer(t.wait)
		t.c = t.t.C
		return
	}
	t.t.Reset(t.wait)
}

func (t *idleTimer) stop() {
	if t.t != nil {
		t.t.Stop()
	}
}

// handle delivers what the server sent, skipping anything at or before
// sub.last (a resubscription starts strictly after it, but be safe).
func (sub *subscription) handle(ev *esdb.SubscriptionEvent) error {
	switch {
	case ev.EventAppeared != nil:
		r := ev.EventAppeared.Event
		if r == nil {
			r = ev.EventAppeared.OriginalEvent()
		}
		if r == nil {
			return nil
		}
		e := fromRecorded(r)
		if !sub.last.IsStart() && e.Position.Compare(sub.last) <= 0 {
			return nil
		}
		sub.last = e.Position
		if !isSystem(e) && sub.filter.Match(e.Type, e.Stream) {
			if err := sub.emit(eventstore.Message{Event: &e}); err != nil {
				return err
			}
		}
		return sub.maybeCaughtUp()
	case ev.CheckPointReached != nil:
		p := eventstore.Position{Commit: ev.CheckPointReached.Commit, Prepare: ev.CheckPointReached.Prepare}
		if p.Compare(sub.last) <= 0 {
			return nil // servers may repeat a checkpoint or send a stale one
		}
		sub.last = p
		if err := sub.emit(eventstore.Message{Checkpoint: &p}); err != nil {
			return err
		}
		return sub.maybeCaughtUp()
	case ev.CaughtUp != nil:
		if !sub.caughtUp {
			sub.caughtUp = true
			return sub.emit(eventstore.Message{CaughtUp: true})
		}
	}
	return nil
}

// maybeCaughtUp sends CaughtUp once delivery has reached the head read at
// subscribe time, for servers that do not send it.
func (sub *subscription) maybeCaughtUp() error {
	if sub.caughtUp || sub.last.Compare(sub.startHead) < 0 {
		return nil
	}
	sub.caughtUp = true
	return sub.emit(eventstore.Message{CaughtUp: true})
}

func (sub *subscription) emit(m eventstore.Message) error {
	select {
	case sub.out <- m:
		return nil
	case <-sub.closed:
		return errStop
	case <-sub.s.ctx.Done():
		return errStop
	}
}

// idleCheck reports a checkpoint at the head of $all when no event that
// passes the filter lies between sub.last and the head. Events arrive in
// log order, so any such event is still on its way and the check waits
// for another round; otherwise everything up to the head has been
// considered. It reports whether it moved sub.last. Read errors are not
// the subscription's: they only skip this round.
func (sub *subscription) idleCheck() (bool, error) {
	ctx, cancel := context.WithTimeout(sub.s.ctx, confirmTimeout)
	defer cancel()
	head, err := sub.s.lastPosition(ctx, false)
	if err != nil {
		sub.s.log.Debug("kurrentdb: idle checkpoint: read head", "err", err)
		return false, nil
	}
	if head.Compare(sub.last) <= 0 {
		return false, nil
	}
	const page = 256
	from := sub.last
	scanned := 0
scan:
	for {
		evs, err := sub.s.readAll(ctx, esdb.Forwards, allPosition(from), page)
		if err != nil {
			sub.s.log.Debug("kurrentdb: idle checkpoint: read $all", "err", err)
			return false, nil
		}
		for _, e := range evs {
			if !sub.last.IsStart() && e.Position.Compare(sub.last) <= 0 {
				continue
			}
			if e.Position.Compare(head) > 0 {
				break scan
			}
			if !isSystem(e) && sub.filter.Match(e.Type, e.Stream) {
				return false, nil // on its way
			}
			scanned++
		}
		if len(evs) < page || scanned >= idleScanLimit {
			if scanned >= idleScanLimit {
				return false, nil
			}
			break
		}
		from = evs[len(evs)-1].Position
	}
	sub.last = head
	if err := sub.emit(eventstore.Message{Checkpoint: &head}); err != nil {
		return true, err
	}
	return true, sub.maybeCaughtUp()
}
