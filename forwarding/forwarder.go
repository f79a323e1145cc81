package forwarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/projections"
)

// RuntimeStore is what forwarders need of the event store.
type RuntimeStore interface {
	Store
	eventstore.LogReader
}

// StatementLookup finds stored statements by id, so that a voiding
// statement is forwarded when the statement it voids matches the filter.
// The statement index implements it.
type StatementLookup interface {
	LookupStatement(ctx context.Context, id uuid.UUID) (stored []byte, found bool, err error)
	// WaitFor blocks until the lookup reflects the log through pos.
	WaitFor(ctx context.Context, pos eventstore.Position) error
}

// Gate admits one delivering process among several sharing a store
// (projections/lease).
type Gate interface {
	Wait(ctx context.Context) error
	Holding() bool
}

// ErrNotWriter stops a forwarder whose process no longer holds the lease
// or whose progress stream another process wrote.
var ErrNotWriter = errors.New("forwarding: another process delivers this forward now")

// StatementOpener opens a sealed statement (privacy/sealing.Sealer).
type StatementOpener interface {
	Open(ctx context.Context, statement []byte) ([]byte, error)
}

// Env is what forwarders share.
type Env struct {
	Store    RuntimeStore
	Registry *Registry
	Targets  TargetFactory
	// Secrets opens sealed secrets (nil: only secret references work).
	Secrets *SecretBox
	// Pseudonyms computes the analytics pseudonyms of agents.
	Pseudonyms *analytics.Pseudonymizer
	// Opener opens statements whose people are sealed (privacy/sealing);
	// nil when the LRS does not seal. A forward sends statements opened
	// (or pseudonymized), with erased people as their placeholders.
	Opener StatementOpener
	// Lookup finds voided statements (nil: a voiding statement is
	// forwarded only when it matches the filter itself).
	Lookup StatementLookup
	// Gate, when set, must be held to deliver.
	Gate Gate
	// Quarantine records the poison events forwarders skip (the
	// projections' poison-event policy, under the name QuarantineName).
	// Nil: they are skipped with the ERROR log line only.
	Quarantine projections.Quarantine
	Log        *slog.Logger
	Backoff    Backoff
	// Linger is how long a partial batch waits for more statements
	// (default 100 ms).
	Linger time.Duration
	// CheckpointEvery bounds how often progress through filtered-out
	// statements alone is recorded (default 30 s).
	CheckpointEvery time.Duration
	// LookupWait bounds the wait for the statement lookup (default 30 s).
	LookupWait time.Duration
}

func (e *Env) defaults() {
	if e.Log == nil {
		e.Log = slog.New(slog.DiscardHandler)
	}
	if e.Backoff.Base <= 0 {
		e.Backoff = DefaultBackoff
	}
	if e.Linger <= 0 {
		e.Linger = 100 * time.Millisecond
	}
	if e.CheckpointEvery <= 0 {
		e.CheckpointEvery = 30 * time.Second
	}
	if e.LookupWait <= 0 {
		e.LookupWait = 30 * time.Second
	}
}

// forwarder delivers one forward.
type forwarder struct {
	env    *Env
	fwd    Forward
	log    *slog.Logger
	target Target
	filter Filter
	retry  chan struct{} // a retry request may have arrived

	mu       sync.Mutex
	progress Progress
	rev      uint64 // of the progress stream's last event
	exists   bool
	scanned  eventstore.Position // handled through here (may be past progress.Through)
	caughtUp bool
	runErr   error // why the last run stopped, until the next success

	dead *deadLetters
	ref  *reference.State // learner directory, when the filter needs it
}

func newForwarder(env *Env, st State) *forwarder {
	return &forwarder{env: env, fwd: st.Forward, filter: st.Filter, log: env.Log.With("forward", st.Name), retry: make(chan struct{}, 1)}
}

// Live is a running forwarder's progress.
type Live struct {
	Progress Progress
	// Scanned is how far the forwarder has read the log (its in-memory
	// checkpoint, ahead of Progress.Through while only filtered-out
	// events pass).
	Scanned  eventstore.Position
	CaughtUp bool
	// Err is why delivery stopped and is being restarted, if it is.
	Err error
}

func (w *forwarder) live() Live {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Live{Progress: w.progress, Scanned: w.scanned, CaughtUp: w.caughtUp, Err: w.runErr}
}

// run delivers until ctx ends, restarting from the log after failures.
func (w *forwarder) run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := w.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		w.mu.Lock()
		w.runErr = err
		w.mu.Unlock()
		w.log.Warn("forward stopped; restarting from its checkpoint", "err", err, "backoff", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, time.Minute)
	}
}

// pendingEvent is a matching statement event waiting in a batch.
type pendingEvent struct {
	ref  EventRef
	data []byte
}

// runOnce delivers through one subscription, from the checkpoint until
// delivery fails, the gate closes or ctx ends, in named steps:
//
//	start      wait for the gate, load the progress, open the target
//	catchUp    finish the batch in flight at the last stop, re-drive dead letters
//	subscribe  from the checkpoint (and fold the directory when the filter needs it)
//	feed       batch the subscription's statements and send them (feed.go)
//
// run restarts it from the checkpoint after a failure.
func (w *forwarder) runOnce(ctx context.Context) error {
	if err := w.start(ctx); err != nil {
		return err
	}
	if err := w.catchUp(ctx); err != nil {
		return err
	}
	sub, err := w.subscribe(ctx)
	if err != nil {
		return err
	}
	defer sub.Close()
	w.mu.Lock()
	w.runErr = nil
	w.mu.Unlock()

	sctx, cancel := context.WithCancel(ctx)
	received := make(chan struct{})
	// The reader ends before the subscription closes and before runOnce
	// returns: no read of the store outlives the forwarder.
	defer func() { cancel(); <-received }()
	f := w.newFeed(ctx)
	go func() {
		defer close(received)
		f.receive(sctx, sub)
	}()
	return f.loop()
}

// start waits for the gate (when there is one), loads the forward's
// progress and dead letters and opens its target.
func (w *forwarder) start(ctx context.Context) error {
	env := w.env
	if env.Gate != nil {
		if err := env.Gate.Wait(ctx); err != nil {
			return err
		}
	}
	if err := w.load(ctx); err != nil {
		return err
	}
	if w.fwd.Pseudonymize && env.Pseudonyms == nil {
		return errors.New("forwarding: the forward pseudonymizes agents but this process has no pseudonym key")
	}
	secret, err := env.Secrets.Open(w.fwd.ID, w.fwd.Target.Secret)
	if err != nil {
		return err
	}
	if w.target, err = env.Targets(&w.fwd, secret); err != nil {
		return fmt.Errorf("forwarding: target: %w", err)
	}
	return nil
}

// catchUp finishes the batch a previous run left in flight and re-drives
// the dead letters that retry requests name, before new statements go.
func (w *forwarder) catchUp(ctx context.Context) error {
	if p := w.progress.Pending; p != nil {
		if err := w.resume(ctx, p); err != nil {
			return err
		}
	}
	return w.redrive(ctx)
}

// subscribe subscribes to the statement events after the checkpoint, and
// to the reference data too when the filter needs the learner directory
// (folded first, up to the checkpoint).
func (w *forwarder) subscribe(ctx context.Context) (eventstore.Subscription, error) {
	after, err := w.checkpoint()
	if err != nil {
		return nil, err
	}
	filter := eventstore.Filter{EventTypePrefixes: []string{lrs.EventPrefixStatement}}
	if w.filter.needsDirectory() {
		if err := w.loadDirectory(ctx, after); err != nil {
			return nil, err
		}
		filter.EventTypePrefixes = append(filter.EventTypePrefixes, reference.EventPrefix)
	}
	sub, err := w.env.Store.SubscribeAll(ctx, eventstore.SubscribeOptions{After: after, Filter: filter})
	if err != nil {
		return nil, fmt.Errorf("forwarding: subscribe after %s: %w", after, err)
	}
	w.log.Info("forward started", "after", after.String(), "target", string(w.fwd.Target.Kind))
	return sub, nil
}

// load reads the forward's progress and dead letters from the log.
func (w *forwarder) load(ctx context.Context) error {
	p, rev, exists, err := ReadProgress(ctx, w.env.Store, w.fwd.ID)
	if err != nil {
		return err
	}
	dead, err := readDeadLetters(ctx, w.env.Store, w.fwd.ID)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.progress, w.rev, w.exists, w.dead = p, rev, exists, dead
	w.scanned, err = w.checkpointLocked()
	return err
}

func (w *forwarder) checkpoint() (eventstore.Position, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.checkpointLocked()
}

func (w *forwarder) checkpointLocked() (eventstore.Position, error) {
	through := w.progress.Through
	if through == "" {
		through = w.fwd.Start.After
	}
	if through == "" {
		return eventstore.Start, nil
	}
	pos, err := eventstore.ParsePosition(through)
	if err != nil {
		return eventstore.Start, fmt.Errorf("forwarding: checkpoint of %s: %w", w.fwd.Name, err)
	}
	return pos, nil
}

// loadDirectory folds the reference data up to pos (inclusive), so that
// statements are attributed with the learner directory of their place in
// the log.
//
// An event that does not apply is skipped (else the forward could never
// start again) and recorded in the quarantine, where it most likely is
// already: the forward met it live, unless it predates the forward. The
// quarantine reports it, so the fold is not told of it.
func (w *forwarder) loadDirectory(ctx context.Context, pos eventstore.Position) error {
	st := reference.NewState()
	type failed struct {
		ev  eventstore.RecordedEvent
		err error
	}
	var poison []failed
	f := eventstore.NewFold(reference.Stream, func(ev *eventstore.RecordedEvent) error {
		if ev.Position.Compare(pos) > 0 {
			return nil
		}
		if err := st.Apply(ev); err != nil {
			e := *ev
			e.Data, e.Metadata = nil, nil
			poison = append(poison, failed{e, err})
		}
		return nil
	}, eventstore.FoldOptions{Logger: w.log})
	if err := f.Load(ctx, w.env.Store); err != nil {
		return fmt.Errorf("forwarding: reference data: %w", err)
	}
	for i := range poison {
		if err := w.quarantine(ctx, &poison[i].ev, fmt.Errorf("reference-data event does not apply: %w", poison[i].err), false); err != nil {
			return err
		}
	}
	w.ref = st
	return nil
}

// QuarantineName is the name under which a forward's poison events are
// recorded in the quarantine (the projection of projections.Quarantined).
func QuarantineName(forward string) string { return "forward-" + forward }

// quarantine applies the poison-event policy of the projections to ev,
// which this forward cannot handle because of cause (docs/limits.md): it
// records ev in the quarantine, counts it (Progress.Quarantined) and logs
// the alert; the caller then skips it. An event met live always counts:
// the count is recorded with the progress that moves past it, so a
// restart before that meets and counts it once more in place of the
// count lost. An event met again below the checkpoint (live is false)
// counts only when its record is new. The error is a failure to record
// it, which stops the run (it restarts from the checkpoint).
func (w *forwarder) quarantine(ctx context.Context, ev *eventstore.RecordedEvent, cause error, live bool) error {
	q := projections.NewQuarantined(QuarantineName(w.fwd.Name), ev, cause, time.Now())
	added := true
	if w.env.Quarantine != nil {
		var err error
		if added, err = w.env.Quarantine.Add(ctx, q); err != nil {
			return fmt.Errorf("forwarding: %s: record poison event %s in the quarantine: %w", w.fwd.Name, q.EventID, err)
		}
	}
	if !live && !added {
		return nil
	}
	w.mu.Lock()
	w.progress.Quarantined++
	w.mu.Unlock()
	w.log.Error("forward skipped a poison event and recorded it in the quarantine", "alert", projections.AlertPoisonEvent,
		"projection", q.Projection, "event_id", q.EventID, "event_type", q.EventType, "stream", q.Stream, "revision", q.Revision,
		"position", q.Position, "new_record", added, "err", cause)
	return nil
}

func (w *forwarder) directory() Directory {
	if w.ref == nil {
		return nil
	}
	return w.ref.Learner
}

// handle applies one subscription message and returns the statement event
// to deliver, if it is one.
func (w *forwarder) handle(ctx context.Context, m eventstore.Message) (*pendingEvent, error) {
	switch {
	case m.CaughtUp:
		w.mu.Lock()
		w.caughtUp = true
		w.mu.Unlock()
		return nil, nil
	case m.Checkpoint != nil:
		w.advance(*m.Checkpoint)
		return nil, nil
	case m.Event == nil:
		return nil, nil
	}
	ev := m.Event
	defer w.advance(ev.Position)
	if ev.Stream == reference.Stream {
		if w.ref != nil {
			if err := w.ref.Apply(ev); err != nil {
				return nil, w.quarantine(ctx, ev, fmt.Errorf("reference-data event does not apply: %w", err), true)
			}
		}
		return nil, nil
	}
	if !lrs.IsStatementEvent(ev.Type) || ev.Stream != lrs.StatementsStream {
		return nil, nil
	}
	data, err := w.open(ctx, ev.Data)
	if errors.Is(err, sealing.ErrKeys) {
		return nil, err // the key store: retried, never skipped
	} else if err != nil {
		return nil, w.quarantine(ctx, ev, fmt.Errorf("statement does not open: %w", err), true)
	}
	st, err := decodeStatement(data)
	if err != nil {
		// The LRS validated the statement; an event that does not decode
		// was written below it and is skipped, never forwarded.
		return nil, w.quarantine(ctx, ev, fmt.Errorf("statement does not decode: %w", err), true)
	}
	if w.fwd.Start.From == StartDate {
		if t, ok := st.storedTime(); ok && t.Before(w.fwd.Start.Date) {
			return nil, nil
		}
	}
	ok, err := w.matches(ctx, st, ev.Position)
	if err != nil || !ok {
		return nil, err
	}
	out, err := w.prepare(data)
	if err != nil {
		// Never sent, or it would stop the forward for good: skipped, like
		// an event that does not decode.
		return nil, w.quarantine(ctx, ev, fmt.Errorf("statement %s cannot be prepared for the target: %w", st.ID, err), true)
	}
	return &pendingEvent{ref: EventRef{Position: ev.Position.String(), Statement: st.ID}, data: out}, nil
}

// matches applies the filter; a voiding statement also matches when the
// statement it voids does.
func (w *forwarder) matches(ctx context.Context, st *statement, pos eventstore.Position) (bool, error) {
	if w.filter.match(st, w.directory()) {
		return true, nil
	}
	target, voiding := st.voids()
	lookup := w.env.Lookup
	if !voiding || lookup == nil {
		return false, nil
	}
	id, err := uuid.Parse(target)
	if err != nil {
		return false, nil
	}
	lctx, cancel := context.WithTimeout(ctx, w.env.LookupWait)
	defer cancel()
	if err := lookup.WaitFor(lctx, pos); err != nil {
		return false, fmt.Errorf("forwarding: waiting for the statement index to look up the voided statement %s: %w", target, err)
	}
	data, found, err := lookup.LookupStatement(lctx, id)
	if err != nil {
		return false, fmt.Errorf("forwarding: look up voided statement %s: %w", target, err)
	}
	if !found {
		return false, nil
	}
	voided, err := decodeStatement(data)
	if err != nil {
		return false, nil
	}
	return w.filter.match(voided, w.directory()), nil
}

func (w *forwarder) advance(pos eventstore.Position) {
	w.mu.Lock()
	if pos.Compare(w.scanned) > 0 {
		w.scanned = pos
	}
	w.mu.Unlock()
}

// record appends a progress event at the revision this forwarder last
// wrote; a conflict means another process writes the forward.
func (w *forwarder) record(ctx context.Context, typ string, p Progress) error {
	if w.env.Gate != nil && !w.env.Gate.Holding() {
		return ErrNotWriter
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("forwarding: encode progress: %w", err)
	}
	w.mu.Lock()
	exp := eventstore.NoStream
	if w.exists {
		exp = eventstore.Exact(w.rev)
	}
	w.mu.Unlock()
	res, err := w.env.Store.Append(ctx, ProgressStream(w.fwd.ID), exp, eventstore.EventData{ID: uuid.New(), Type: typ, Data: data})
	if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		return fmt.Errorf("%w (%v)", ErrNotWriter, err)
	}
	if err != nil {
		return fmt.Errorf("forwarding: record %s: %w", typ, err)
	}
	w.mu.Lock()
	w.progress, w.rev, w.exists = p, res.NextExpectedRevision, true
	w.mu.Unlock()
	return nil
}

func (w *forwarder) current() Progress {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.progress
	if p.Pending != nil {
		b := *p.Pending
		p.Pending = &b
	}
	return p
}

// saveCheckpoint records progress through filtered-out statements.
func (w *forwarder) saveCheckpoint(ctx context.Context) error {
	p := w.current()
	if p.Pending != nil {
		return nil
	}
	w.mu.Lock()
	through := w.scanned.String()
	w.mu.Unlock()
	if through == p.Through {
		return nil
	}
	p.Through, p.DeadLetter = through, ""
	return w.record(ctx, EventCheckpoint, p)
}

// send records a new batch as started, then delivers it.
func (w *forwarder) send(ctx context.Context, events []pendingEvent) error {
	w.mu.Lock()
	through := w.scanned.String()
	w.mu.Unlock()
	b := &Batch{Delivery: uuid.NewString(), Through: through, Started: time.Now().UTC(), Events: make([]EventRef, len(events))}
	data := make([][]byte, len(events))
	for i, ev := range events {
		b.Events[i], data[i] = ev.ref, ev.data
	}
	p := w.current()
	p.Pending, p.DeadLetter = b, ""
	if err := w.record(ctx, EventBatchStarted, p); err != nil {
		return err
	}
	out := &Outgoing{Delivery: b.Delivery, Forward: w.fwd.Name, IDs: make([]string, len(events)), Statements: make([]json.RawMessage, len(events))}
	for i, ev := range events {
		out.IDs[i], out.Statements[i] = ev.ref.Statement, data[i]
	}
	return w.deliverPending(ctx, b, out)
}

// resume finishes the batch a previous run recorded as started: it goes
// to the dead letters if it got there before the crash, else it is sent
// again, the same statements under the same delivery id.
func (w *forwarder) resume(ctx context.Context, b *Batch) error {
	if _, dead := w.dead.byID[b.Delivery]; dead {
		p := w.current()
		p.Through, p.Pending, p.DeadLetter = b.Through, nil, b.Delivery
		p.DeadLettered += uint64(len(b.Events))
		return w.record(ctx, EventBatchDeadLettered, p)
	}
	w.log.Info("sending again the batch in flight at the last stop", "delivery", b.Delivery, "statements", len(b.Events))
	out, err := w.readBatch(ctx, b.Delivery, b.Events)
	if err != nil {
		return err
	}
	b2 := *b
	return w.deliverPending(ctx, &b2, out)
}

// readBatch reads a recorded batch's statements back from the log.
func (w *forwarder) readBatch(ctx context.Context, delivery string, refs []EventRef) (*Outgoing, error) {
	data := make([][]byte, len(refs))
	for i, r := range refs {
		pos, err := eventstore.ParsePosition(r.Position)
		if err != nil {
			return nil, fmt.Errorf("forwarding: batch %s: %w", delivery, err)
		}
		evs, err := w.env.Store.ReadAll(ctx, eventstore.ReadAllOptions{From: pos, Max: 1})
		if err != nil {
			return nil, fmt.Errorf("forwarding: read statement %s of batch %s: %w", r.Statement, delivery, err)
		}
		if len(evs) == 0 || evs[0].Position != pos {
			return nil, fmt.Errorf("forwarding: statement %s of batch %s is not at position %s", r.Statement, delivery, r.Position)
		}
		if data[i], err = w.open(ctx, evs[0].Data); err != nil {
			return nil, fmt.Errorf("forwarding: statement %s of batch %s: %w", r.Statement, delivery, err)
		}
	}
	return w.outgoing(delivery, refs, data)
}

// open returns the statement with its people opened (data itself when
// the LRS does not seal).
func (w *forwarder) open(ctx context.Context, data []byte) ([]byte, error) {
	if w.env.Opener == nil {
		return data, nil
	}
	return w.env.Opener.Open(ctx, data)
}

// prepare renders a stored (and opened) statement as the target gets it.
func (w *forwarder) prepare(data []byte) ([]byte, error) {
	if !w.fwd.Pseudonymize {
		return data, nil
	}
	return Pseudonymize(w.env.Pseudonyms, data)
}

// outgoing prepares statements read back from the log for the target
// (they were prepared once already, when the batch was formed).
func (w *forwarder) outgoing(delivery string, refs []EventRef, data [][]byte) (*Outgoing, error) {
	out := &Outgoing{Delivery: delivery, Forward: w.fwd.Name, IDs: make([]string, len(refs)), Statements: make([]json.RawMessage, len(refs))}
	for i, r := range refs {
		b, err := w.prepare(data[i])
		if err != nil {
			return nil, fmt.Errorf("forwarding: statement %s: %w", r.Statement, err)
		}
		out.IDs[i], out.Statements[i] = r.Statement, b
	}
	return out, nil
}

// attempt sends out until the target acknowledges it, the batch has been
// rejected MaxAttempts times, or ctx ends. failed is called after each
// failed attempt with the batch's attempt counts updated.
func (w *forwarder) attempt(ctx context.Context, out *Outgoing, attempts, rejections *int, failed func(Failure) error) (ok bool, last Failure, err error) {
	for {
		if w.env.Gate != nil && !w.env.Gate.Holding() {
			return false, last, ErrNotWriter
		}
		derr := w.target.Deliver(ctx, out)
		if derr == nil {
			return true, last, nil
		}
		if ctx.Err() != nil {
			return false, last, ctx.Err()
		}
		de := asDeliveryError(derr)
		*attempts++
		if de.Rejected {
			*rejections++
		}
		last = Failure{At: time.Now().UTC(), Status: de.Status, Message: de.Message, Rejected: de.Rejected}
		w.log.Warn("delivery failed", "delivery", out.Delivery, "status", de.Status, "err", de.Message, "attempts", *attempts, "rejected", de.Rejected)
		if err := failed(last); err != nil {
			return false, last, err
		}
		if de.Rejected && *rejections >= w.fwd.MaxAttempts {
			return false, last, nil
		}
		select {
		case <-time.After(w.env.Backoff.Delay(*attempts, de.RetryAfter)):
		case <-ctx.Done():
			return false, last, ctx.Err()
		}
	}
}

// deliverPending delivers a recorded batch, then records it delivered or
// dead-lettered.
func (w *forwarder) deliverPending(ctx context.Context, b *Batch, out *Outgoing) error {
	retry := b.Attempts > 0
	ok, last, err := w.attempt(ctx, out, &b.Attempts, &b.Rejections, func(f Failure) error {
		p := w.current()
		p.Failed++
		if retry {
			p.Retried++
		}
		retry = true
		p.LastError, p.Pending, p.DeadLetter = &f, b, ""
		return w.record(ctx, EventBatchFailed, p)
	})
	if err != nil {
		return err
	}
	p := w.current()
	p.Pending = nil
	p.Through = b.Through
	if ok {
		if retry {
			p.Retried++
		}
		p.Delivered += uint64(len(b.Events))
		p.Batches++
		p.LastDelivery, p.DeadLetter = time.Now().UTC(), ""
		// The target has the batch: record it even when the process is
		// stopping, so that a restart does not send it again.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return w.record(rctx, EventBatchDelivered, p)
	}
	// Rejected MaxAttempts times: dead letters first (idempotently, by the
	// delivery id), then the checkpoint moves past the batch.
	dl := DeadLetter{ID: b.Delivery, Events: b.Events, Attempts: b.Attempts, LastError: last, At: time.Now().UTC()}
	if err := w.addDeadLetter(ctx, dl); err != nil {
		return err
	}
	p.DeadLettered += uint64(len(b.Events))
	p.DeadLetter = b.Delivery
	if err := w.record(ctx, EventBatchDeadLettered, p); err != nil {
		return err
	}
	w.log.Error("batch moved to the dead letters", "delivery", b.Delivery, "statements", len(b.Events), "status", last.Status, "err", last.Message, "policy", w.fwd.OnReject)
	if w.fwd.OnReject == OnRejectPause {
		reason := fmt.Sprintf("batch %s went to the dead letters (HTTP %d)", b.Delivery, last.Status)
		if err := w.env.Registry.Pause(ctx, w.fwd.ID, reason); err != nil {
			return fmt.Errorf("forwarding: pause after a dead letter: %w", err)
		}
		// The supervisor stops this forwarder when it sees the pause.
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (w *forwarder) addDeadLetter(ctx context.Context, dl DeadLetter) error {
	return w.appendDead(ctx, EventDeadLetterAdded, uuid.NewSHA1(uuid.NameSpaceOID, []byte("hocvu-dead-letter/"+dl.ID)), dl)
}

func (w *forwarder) appendDead(ctx context.Context, typ string, id uuid.UUID, v any) error {
	if w.env.Gate != nil && !w.env.Gate.Holding() {
		return ErrNotWriter
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("forwarding: encode %s: %w", typ, err)
	}
	exp := eventstore.NoStream
	if w.dead.exists {
		exp = eventstore.Exact(w.dead.rev)
	}
	res, err := w.env.Store.Append(ctx, DeadLetterStream(w.fwd.ID), exp, eventstore.EventData{ID: id, Type: typ, Data: data})
	if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		return fmt.Errorf("%w (%v)", ErrNotWriter, err)
	}
	if err != nil {
		return fmt.Errorf("forwarding: record %s: %w", typ, err)
	}
	return w.dead.apply(&eventstore.RecordedEvent{Type: typ, Data: data, Revision: res.NextExpectedRevision, Position: res.Position})
}

// redrive re-sends the dead letters that retry requests name and that
// are still open and not yet re-driven for that request.
func (w *forwarder) redrive(ctx context.Context) error {
	for _, q := range w.env.Registry.Retries(w.fwd.ID) {
		ids := q.DeadLetters
		if len(ids) == 0 { // every dead letter recorded before the request
			for _, dl := range w.dead.list {
				if dl.position.Compare(q.Position) < 0 {
					ids = append(ids, dl.ID)
				}
			}
		}
		for _, id := range ids {
			dl, ok := w.dead.byID[id]
			if !ok || !dl.Open || w.dead.handled(id, q.Request) {
				continue
			}
			if err := w.redriveOne(ctx, dl, q.Request); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *forwarder) redriveOne(ctx context.Context, dl *DeadLetterState, request string) error {
	w.log.Info("re-driving a dead letter", "delivery", dl.ID, "statements", len(dl.Events), "request", request)
	out, err := w.readBatch(ctx, dl.ID, dl.Events)
	if err != nil {
		return err
	}
	attempts, rejections := 0, 0
	ok, last, err := w.attempt(ctx, out, &attempts, &rejections, func(f Failure) error {
		w.mu.Lock()
		w.progress.Failed++
		w.progress.LastError = &f
		w.mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	r := Redrive{DeadLetter: dl.ID, Request: request, Delivered: ok, Attempts: attempts + 1, At: time.Now().UTC()}
	if !ok {
		r.Attempts = attempts
		r.LastError = &last
	}
	if err := w.appendDead(ctx, EventDeadLetterRedrive, uuid.NewSHA1(uuid.NameSpaceOID, []byte("hocvu-redrive/"+dl.ID+"/"+request)), r); err != nil {
		return err
	}
	p := w.current()
	if ok {
		p.Delivered += uint64(len(dl.Events))
		p.LastDelivery = time.Now().UTC()
	}
	p.DeadLetter = ""
	return w.record(ctx, EventCheckpoint, p)
}
