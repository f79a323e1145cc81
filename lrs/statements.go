package lrs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// StatementLookup finds stored statements by id (for idempotency and
// conflict checks). The statement index implements it.
type StatementLookup interface {
	// LookupStatement returns the stored JSON of the statement with id.
	LookupStatement(ctx context.Context, id uuid.UUID) (stored []byte, found bool, err error)
	// WaitFor blocks until the lookup reflects the log through pos.
	WaitFor(ctx context.Context, pos eventstore.Position) error
	// LastStored is the latest stored time the lookup has seen.
	LastStored() time.Time
}

// StatementSealer seals the people in a statement (privacy/sealing.Sealer).
type StatementSealer interface {
	Seal(ctx context.Context, statement []byte) ([]byte, error)
}

// StatementLog is the part of the event store the statement writer uses.
type StatementLog interface {
	eventstore.Appender
	eventstore.StreamReader
}

// Statement is a decoded statement (map[string]any from xapi.Decode)
// that the caller has validated and given an id, authority and version.
type Statement = map[string]any

// StoreRequest is one PUT or POST of statements: stored all or nothing.
type StoreRequest struct {
	Statements []Statement
	// Assigned marks statements whose id the LRS generated (a random
	// UUID): nothing can be stored under it yet, so it is not looked up.
	Assigned []bool
	// Raw holds each statement as the client sent it, when known: the
	// stored statement is then those bytes with the LRS-set properties
	// (id, authority, version, stored, timestamp) written in, so the
	// "exact" format returns what the client sent.
	Raw         [][]byte
	Credential  string
	XAPIVersion string
	Define      bool
}

// size estimates the request's bytes in the log (the raw statements, or
// 1 KiB per statement when they are not known).
func (r *StoreRequest) size() int {
	n := 0
	for i := range r.Statements {
		if i < len(r.Raw) && r.Raw[i] != nil {
			n += len(r.Raw[i])
		} else {
			n += 1 << 10
		}
	}
	return n
}

// StoreResult says what happened to each statement of a request.
type StoreResult struct {
	IDs []string
	// New is false for a statement that was already stored (an equivalent
	// re-send, which changes nothing).
	New []bool
	// Position is where the request's events are in the log; zero when
	// nothing new was stored. Read models that have applied it show the
	// statements.
	Position eventstore.Position
}

// StatementWriter turns accepted statements into events. One goroutine
// (the ingester) decides every request in turn, in groups: it checks the
// ids of a group against stored statements and against each other, assigns
// "stored" times that never decrease in log order, and appends the group's
// new statements to StatementsStream in one append at the exact revision it
// last saw. If another writer (another API replica on a shared KurrentDB)
// appended first, the append fails with a wrong-expected-revision error;
// the ingester then waits for the lookup to catch up and decides the group
// again (at most maxAppendAttempts times; then the group's requests get
// KindUnavailable). Statement ids therefore stay unique and batches atomic
// across replicas. A group the store refuses as too large
// (eventstore.ErrTooLarge) is stored one request at a time; a single
// request that is too large fails with KindTooLarge (413).
type StatementWriter struct {
	log    StatementLog
	lookup StatementLookup
	logger *slog.Logger
	now    func() time.Time

	reqs          chan *storeCall
	stop          chan struct{}
	done          chan struct{}
	once          sync.Once
	maxGrp        int
	maxGrpBytes   int
	catchUpWithin time.Duration
	lagWait       time.Duration
	sealer        StatementSealer

	// ingester state
	expected   eventstore.ExpectedRevision
	lastPos    eventstore.Position
	lastStored time.Time
	ready      bool

	pendingMu sync.Mutex
	pending   int // groups assigned stored times but not yet applied
}

type storeCall struct {
	ctx  context.Context
	req  *StoreRequest
	res  StoreResult
	err  error
	done chan struct{}
	// deadline bounds how long the call waits for the lookup to catch up
	// before it is decided.
	deadline time.Time
}

// WriterOptions tune a StatementWriter.
type WriterOptions struct {
	Logger *slog.Logger
	// MaxGroupStatements bounds the statements decided and appended
	// together (default 10000).
	MaxGroupStatements int
	// MaxGroupBytes bounds the statement bytes of the requests merged into
	// one append (default 4 MiB), so that a group of requests stays well
	// under KurrentDB's append size limit. A single request is never
	// split (its statements are stored atomically) and may be larger.
	MaxGroupBytes int
	// CatchUpWithin bounds how long a request waits, from its arrival,
	// for the lookup (the statement index) to reach the end of the
	// statements stream before the request is decided (default 10 s).
	// Past it the request fails with KindUnavailable and nothing of it is
	// stored, so a stuck index cannot hold writes.
	CatchUpWithin time.Duration
	// Sealer, when set, seals the people in every statement before it is
	// appended (privacy/sealing): the log then holds no name or
	// identifier in clear.
	Sealer StatementSealer
	// Now is the clock (tests).
	Now func() time.Time
	// LagWait is the first wait before reading the statements stream
	// again when it reads behind a conflict's revision (default 10 ms,
	// doubling up to 100 times that).
	LagWait time.Duration
}

// NewStatementWriter creates the writer and starts its ingester; Close
// stops it.
func NewStatementWriter(log StatementLog, lookup StatementLookup, opts WriterOptions) *StatementWriter {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxGroupStatements <= 0 {
		opts.MaxGroupStatements = 10000
	}
	if opts.MaxGroupBytes <= 0 {
		opts.MaxGroupBytes = 4 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CatchUpWithin <= 0 {
		opts.CatchUpWithin = 10 * time.Second
	}
	if opts.LagWait <= 0 {
		opts.LagWait = 10 * time.Millisecond
	}
	w := &StatementWriter{
		log: log, lookup: lookup, logger: opts.Logger, now: opts.Now,
		reqs: make(chan *storeCall, 256), stop: make(chan struct{}), done: make(chan struct{}),
		maxGrp: opts.MaxGroupStatements, maxGrpBytes: opts.MaxGroupBytes, catchUpWithin: opts.CatchUpWithin,
		lagWait: opts.LagWait, sealer: opts.Sealer,
	}
	go w.run()
	return w
}

// Close stops the ingester after the group in progress.
func (w *StatementWriter) Close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

// Store stores a request's statements atomically. It returns once the new
// statements are durable in the log; callers that need read-your-writes
// then wait for the read model to reach StoreResult.Position. It fails
// with KindUnavailable when the lookup does not catch up within
// CatchUpWithin, and returns ctx's error as soon as ctx ends: a request
// abandoned before it was decided is then never stored, one abandoned
// while its append is in flight may be.
func (w *StatementWriter) Store(ctx context.Context, req *StoreRequest) (StoreResult, error) {
	if w.sealer != nil {
		if err := w.seal(ctx, req); err != nil {
			return StoreResult{}, err
		}
	}
	call := &storeCall{ctx: ctx, req: req, done: make(chan struct{}), deadline: time.Now().Add(w.catchUpWithin)}
	select {
	case w.reqs <- call:
	case <-ctx.Done():
		return StoreResult{}, ctx.Err()
	case <-w.stop:
		return StoreResult{}, Errorf(KindUnavailable, "store statements", "the LRS is shutting down")
	}
	select {
	case <-call.done: // the ingester always answers (also when stopping)
		return call.res, call.err
	case <-ctx.Done():
		return StoreResult{}, ctx.Err()
	}
}

// Idle reports whether no write is between its stored-time assignment and
// its acknowledgement, which lets a single-writer deployment claim
// consistency up to now.
func (w *StatementWriter) Idle() bool {
	w.pendingMu.Lock()
	defer w.pendingMu.Unlock()
	return w.pending == 0 && len(w.reqs) == 0
}

func (w *StatementWriter) run() {
	defer close(w.done)
	var carry *storeCall // taken from w.reqs but left for the next group
	for {
		first, fromCarry := carry, carry != nil
		carry = nil
		if first == nil {
			select {
			case first = <-w.reqs:
			case <-w.stop:
				w.drain()
				return
			}
		}
		group := []*storeCall{first}
		n, size := len(first.req.Statements), first.req.size()
	collect:
		for n < w.maxGrp {
			select {
			case c := <-w.reqs:
				if size+c.req.size() > w.maxGrpBytes || n+len(c.req.Statements) > w.maxGrp {
					carry = c
					break collect
				}
				group = append(group, c)
				n += len(c.req.Statements)
				size += c.req.size()
			default:
				break collect
			}
		}
		// A request waiting in carry counts as pending (Idle must not
		// claim consistency past it) until it becomes a group's first.
		w.pendingMu.Lock()
		w.pending++
		if fromCarry {
			w.pending--
		}
		if carry != nil {
			w.pending++
		}
		w.pendingMu.Unlock()
		w.decideAndAppend(group)
		w.pendingMu.Lock()
		w.pending--
		w.pendingMu.Unlock()
		for _, c := range group {
			close(c.done)
		}
	}
}

func (w *StatementWriter) drain() {
	for {
		select {
		case c := <-w.reqs:
			c.err = Errorf(KindUnavailable, "store statements", "the LRS is shutting down")
			close(c.done)
		default:
			return
		}
	}
}

// ingestCtx bounds the ingester's own I/O: it must not hang on one
// client's context, since it works for a whole group.
func (w *StatementWriter) ingestCtx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	go func() {
		select {
		case <-w.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// maxAppendAttempts bounds the appends of one group that race other
// writers; past it the group's requests get 503 (try again).
const maxAppendAttempts = 20

func (w *StatementWriter) decideAndAppend(group []*storeCall) {
	ctx, cancel := w.ingestCtx()
	defer cancel()
	w.appendGroup(ctx, group)
}

func (w *StatementWriter) appendGroup(ctx context.Context, group []*storeCall) {
	wctx, wcancel := w.catchUpCtx(ctx, group)
	defer wcancel()
	// floor is the stream's revision as the last conflict reported it. On
	// a KurrentDB cluster appends go to the leader, but reads may come
	// from a follower that lags (client v4.2.0 never sends its
	// requires-leader header): catchUp then waits for its reads to show
	// at least this revision, instead of appending again at a revision
	// known to be stale.
	var floor *eventstore.WrongExpectedRevisionError
	for attempt := 1; ; attempt++ {
		if err := w.catchUp(wctx, floor); err != nil {
			if ctx.Err() == nil && wctx.Err() != nil {
				// Past every caller's deadline, or every caller is gone.
				err = &Error{Kind: KindUnavailable, Op: "store statements", Err: err,
					Msg: fmt.Sprintf("the statement index has not reached the end of the log within %s (see /readyz); nothing was stored, retry later", w.catchUpWithin)}
				w.logger.Warn("statement writes refused: the statement index is behind the log", "requests", len(group), "err", err)
			}
			w.failAll(group, err)
			return
		}
		events, accepted := w.decide(ctx, group)
		if len(events) == 0 {
			return
		}
		res, err := w.log.Append(ctx, StatementsStream, w.expected, events...)
		if err == nil {
			w.expected = eventstore.Exact(res.NextExpectedRevision)
			w.lastPos = res.Position
			for _, c := range accepted {
				c.res.Position = res.Position
			}
			return
		}
		var wer *eventstore.WrongExpectedRevisionError
		switch {
		case errors.As(err, &wer) && attempt < maxAppendAttempts:
			// Another writer appended: re-read where the stream is and
			// decide the group again against what it wrote.
			w.logger.Debug("statement append raced another writer; retrying", "attempt", attempt, "err", err)
			w.ready = false
			floor = wer
			for _, c := range accepted {
				c.res, c.err = StoreResult{}, nil
			}
			continue
		case errors.Is(err, eventstore.ErrWrongExpectedRevision):
			w.failAll(accepted, &Error{Kind: KindUnavailable, Op: "store statements",
				Msg: fmt.Sprintf("other writers appended first %d times in a row; try again", attempt), Err: err})
			w.ready = false
			return
		case errors.Is(err, eventstore.ErrTooLarge) && len(group) > 1:
			// Several requests together are too large for one append:
			// store each on its own (every request of the group is
			// decided again, since the refusal of one may have rested on
			// another's statements).
			w.logger.Info("a group of statement requests is too large for one append; storing them one by one", "requests", len(group), "err", err)
			for _, c := range group {
				c.res, c.err = StoreResult{}, nil
			}
			for _, c := range group {
				w.appendGroup(ctx, []*storeCall{c})
			}
			return
		case errors.Is(err, eventstore.ErrTooLarge):
			w.logger.Warn("a statement request is too large for one append to the event store", "statements", len(group[0].req.Statements), "err", err)
			w.failAll(accepted, &Error{Kind: KindTooLarge, Op: "store statements",
				Msg: "the statements are too large for one write to the event store; send them in smaller batches", Err: err})
			return
		}
		w.failAll(accepted, fmt.Errorf("append statements: %w", err))
		return
	}
}

// catchUpCtx bounds the wait for the lookup on behalf of group: it ends
// at the latest deadline of the group's calls, or as soon as every caller
// has gone.
func (w *StatementWriter) catchUpCtx(ctx context.Context, group []*storeCall) (context.Context, context.CancelFunc) {
	var latest time.Time
	for _, c := range group {
		if c.deadline.After(latest) {
			latest = c.deadline
		}
	}
	wctx, cancel := context.WithDeadline(ctx, latest)
	var live atomic.Int64
	live.Store(int64(len(group)))
	stops := make([]func() bool, 0, len(group))
	for _, c := range group {
		stops = append(stops, context.AfterFunc(c.ctx, func() {
			if live.Add(-1) == 0 {
				cancel()
			}
		}))
	}
	return wctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

func (w *StatementWriter) failAll(calls []*storeCall, err error) {
	if KindOf(err) == KindInternal {
		w.logger.Error("storing statements failed", "err", err)
	}
	for _, c := range calls {
		if c.err == nil {
			c.res, c.err = StoreResult{}, err
		}
	}
}

// catchUp learns the stream's last revision and waits until the lookup has
// applied it, so that decisions see every stored statement. After a
// conflict, floor is what the conflict said of the stream: a read that
// shows less comes from a lagging node, and is repeated (with a short,
// growing wait, as long as ctx allows) until it shows at least that.
func (w *StatementWriter) catchUp(ctx context.Context, floor *eventstore.WrongExpectedRevisionError) error {
	if w.ready {
		return w.lookup.WaitFor(ctx, w.lastPos)
	}
	wait := w.lagWait
	for {
		last, err := w.log.ReadStream(ctx, StatementsStream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
		switch {
		case errors.Is(err, eventstore.ErrStreamNotFound):
			w.expected = eventstore.NoStream
			w.lastPos = eventstore.Start
		case err != nil:
			return fmt.Errorf("read statements stream head: %w", err)
		default:
			w.expected = eventstore.Exact(last[0].Revision)
			w.lastPos = last[0].Position
		}
		if !behindFloor(w.expected, floor) {
			break
		}
		w.logger.Debug("the statements stream reads behind the revision a conflict reported (a lagging node); reading again",
			"read", w.expected.String(), "reported", floor.Actual, "wait", wait)
		select {
		case <-ctx.Done():
			return fmt.Errorf("read statements stream head: reads stay behind revision %d, which a conflicting append reported: %w", floor.Actual, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*w.lagWait)
	}
	if err := w.lookup.WaitFor(ctx, w.lastPos); err != nil {
		return err
	}
	w.lastStored = w.lookup.LastStored()
	w.ready = true
	return nil
}

// behindFloor reports whether the read revision is older than the one a
// conflict reported.
func behindFloor(read eventstore.ExpectedRevision, floor *eventstore.WrongExpectedRevisionError) bool {
	if floor == nil || !floor.ActualExists {
		return false
	}
	rev, ok := read.Revision()
	return !ok || rev < floor.Actual
}

type seenStatement struct {
	doc Statement
}

// decide checks every request of the group and returns the events of the
// accepted new statements and the calls they belong to. Refused calls get
// their error; calls with only already-stored statements get their result.
func (w *StatementWriter) decide(ctx context.Context, group []*storeCall) ([]eventstore.EventData, []*storeCall) {
	stored := w.now().UTC().Truncate(time.Millisecond)
	if !stored.After(w.lastStored) {
		stored = w.lastStored
	}
	storedStr := stored.Format(StoredLayout)
	inGroup := map[string]seenStatement{}
	var events []eventstore.EventData
	var accepted []*storeCall
	for _, c := range group {
		if c.err != nil {
			continue
		}
		if err := c.ctx.Err(); err != nil {
			c.err = err
			continue
		}
		res, evs, err := w.decideOne(ctx, c.req, inGroup, storedStr)
		if err != nil {
			c.err = err
			continue
		}
		c.res = res
		if len(evs) > 0 {
			events = append(events, evs...)
			accepted = append(accepted, c)
			for i, st := range c.req.Statements {
				if res.New[i] {
					inGroup[uuid.MustParse(res.IDs[i]).String()] = seenStatement{doc: st}
				}
			}
		}
	}
	if len(events) > 0 {
		w.lastStored = stored
	}
	return events, accepted
}

// StoredLayout formats "stored" (and a missing "timestamp"): UTC with
// milliseconds.
const StoredLayout = "2006-01-02T15:04:05.000Z07:00"

func (w *StatementWriter) decideOne(ctx context.Context, req *StoreRequest, inGroup map[string]seenStatement, stored string) (StoreResult, []eventstore.EventData, error) {
	res := StoreResult{IDs: make([]string, len(req.Statements)), New: make([]bool, len(req.Statements))}
	batch := uuid.NewString()
	meta, err := json.Marshal(StatementStoredMeta{Batch: batch, Credential: req.Credential, XAPIVersion: req.XAPIVersion, Define: req.Define})
	if err != nil {
		return res, nil, err
	}
	var events []eventstore.EventData
	var requestIDs map[uuid.UUID]Statement // built when a statement voids another
	for i, st := range req.Statements {
		idStr, _ := st["id"].(string)
		id, err := uuid.Parse(idStr)
		if err != nil {
			return res, nil, &Error{Kind: KindInvalid, Op: "store statements", Msg: fmt.Sprintf("statement %d has no valid id", i)}
		}
		res.IDs[i] = idStr
		if i >= len(req.Assigned) || !req.Assigned[i] {
			known, err := w.known(ctx, i, id, st, inGroup)
			if err != nil {
				return res, nil, err
			}
			if known {
				continue
			}
		}
		if target, ok := xapi.VoidingTarget(st); ok {
			if requestIDs == nil {
				requestIDs = idsOf(req.Statements)
			}
			if err := w.checkVoidingTarget(ctx, i, target, requestIDs, inGroup); err != nil {
				return res, nil, err
			}
		}
		data, err := storedJSON(st, rawOf(req, i), stored)
		if err != nil {
			return res, nil, fmt.Errorf("encode statement %s: %w", idStr, err)
		}
		if len(data)+len(meta) > eventstore.MaxEventSize {
			// Refused here, for this request alone: the store would
			// refuse the whole group's append.
			return res, nil, &Error{Kind: KindTooLarge, Op: "store statements",
				Msg: fmt.Sprintf("statement %d is %d bytes as stored; one statement may be at most %d", i, len(data), eventstore.MaxEventSize-len(meta))}
		}
		res.New[i] = true
		typ := EventStatementStored
		if w.sealer != nil {
			typ = EventStatementSealed
		}
		events = append(events, eventstore.EventData{ID: id, Type: typ, Data: data, Metadata: meta})
	}
	return res, events, nil
}

func rawOf(req *StoreRequest, i int) []byte {
	if i < len(req.Raw) {
		return req.Raw[i]
	}
	return nil
}

// storedJSON renders statement st as stored: with the LRS-set properties
// of st and stored (also the timestamp when st has none), and every
// contextActivities value an array, as the LRS returns it (Data
// 2.4.6.2.s4.b3). Events stored before that rule was applied may hold a
// single Activity there; the Statements resource wraps it on output.
func storedJSON(st Statement, raw []byte, stored string) ([]byte, error) {
	if arrays, changed := xapi.ContextActivitiesAsArrays(st); changed {
		st = arrays
		if raw != nil {
			var err error
			if raw, err = xapi.ContextActivitiesAsArraysJSON(raw); err != nil {
				raw = nil // cannot happen for a validated statement
			}
		}
	}
	if raw == nil {
		doc := make(Statement, len(st)+2)
		for k, v := range st {
			doc[k] = v
		}
		doc["stored"] = stored
		if _, ok := doc["timestamp"]; !ok {
			doc["timestamp"] = stored
		}
		return json.Marshal(doc)
	}
	enc := func(v any) []byte {
		b, _ := json.Marshal(v)
		return b
	}
	storedValue := enc(stored)
	out, err := xapi.SetMembers(raw,
		xapi.Member{Name: "id", Value: enc(st["id"]), IfAbsent: true},
		xapi.Member{Name: "authority", Value: enc(st["authority"])},
		xapi.Member{Name: "version", Value: enc(st["version"]), IfAbsent: true},
		xapi.Member{Name: "stored", Value: storedValue},
		xapi.Member{Name: "timestamp", Value: storedValue, IfAbsent: true},
	)
	if err != nil {
		return storedJSON(st, nil, stored) // cannot happen for a validated statement
	}
	return out, nil
}

// known reports whether statement i (id) is already stored, in the log or
// earlier in this group; an equivalent one is a no-op, another one a
// conflict.
func (w *StatementWriter) known(ctx context.Context, i int, id uuid.UUID, st Statement, inGroup map[string]seenStatement) (bool, error) {
	idStr := id.String()
	if prev, ok := inGroup[idStr]; ok {
		if !xapi.Equivalent(prev.doc, st) {
			return false, conflict(i, idStr)
		}
		return true, nil
	}
	existing, found, err := w.lookup.LookupStatement(ctx, id)
	if err != nil {
		return false, fmt.Errorf("look up statement %s: %w", idStr, err)
	}
	if !found {
		return false, nil
	}
	prev, err := xapi.Decode(existing)
	if err != nil {
		return false, fmt.Errorf("decode stored statement %s: %w", idStr, err)
	}
	if !xapi.Equivalent(prev, st) {
		return false, conflict(i, idStr)
	}
	return true, nil
}

// idsOf maps the ids of a request's statements to the statements.
func idsOf(sts []Statement) map[uuid.UUID]Statement {
	out := make(map[uuid.UUID]Statement, len(sts))
	for _, st := range sts {
		if s, ok := st["id"].(string); ok {
			if id, err := uuid.Parse(s); err == nil {
				out[id] = st
			}
		}
	}
	return out
}

// checkVoidingTarget refuses statement i, which voids target, when the
// target is itself a voiding statement (rule voiding.target-is-voiding):
// any statement that voids another cannot itself be voided (Data 2.3.2;
// IEEE 9274.1.1 4.2.5), so such a statement would have no effect. The
// target is looked for in the same request (before or after i, or i
// itself), in the requests decided earlier in this group and among the
// stored statements. A target that is unknown now is no reason to refuse
// (Data 2.3.2.s2.b5); should it arrive later as a voiding statement, it is
// stored and the earlier statement stays without effect.
func (w *StatementWriter) checkVoidingTarget(ctx context.Context, i int, target string, request map[uuid.UUID]Statement, inGroup map[string]seenStatement) error {
	id, err := uuid.Parse(target)
	if err != nil {
		return nil // the schemas refuse a StatementRef without a UUID
	}
	var doc Statement
	if st, ok := request[id]; ok {
		doc = st
	} else if prev, ok := inGroup[id.String()]; ok {
		doc = prev.doc
	} else {
		stored, found, err := w.lookup.LookupStatement(ctx, id)
		if err != nil {
			return fmt.Errorf("look up voided statement %s: %w", id, err)
		}
		if !found {
			return nil
		}
		v, err := xapi.Decode(stored)
		if err != nil {
			return fmt.Errorf("decode stored statement %s: %w", id, err)
		}
		doc, _ = v.(map[string]any)
	}
	if _, voiding := xapi.VoidingTarget(doc); !voiding {
		return nil
	}
	return &Error{Kind: KindInvalid, Op: "store statements",
		Msg: fmt.Sprintf("statement %d voids statement %s, which is itself a voiding statement; a voiding statement cannot be voided (xAPI Data 2.3.2)", i, target),
		Problems: []Problem{{Path: fmt.Sprintf("/%d/object/id", i), Rule: "voiding.target-is-voiding",
			Message: "targets a voiding statement, which cannot be voided"}}}
}

func conflict(i int, id string) error {
	return &Error{Kind: KindConflict, Op: "store statements",
		Msg:      fmt.Sprintf("statement %d: id %s is already stored with different content (xAPI: the same id must always carry the same statement)", i, id),
		Problems: []Problem{{Path: fmt.Sprintf("/%d/id", i), Rule: "statement.id-conflict", Message: "id already used by a different statement"}}}
}
