package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// maxGroupAppends bounds how many appends share one commit.
const maxGroupAppends = 4096

type appendRequest struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	size     int
	res      chan appendResponse // buffered; receives exactly one response
}

type appendResponse struct {
	result eventstore.AppendResult
	err    error
}

// Append implements eventstore.Appender. Once the append is queued it waits
// for its outcome even if ctx ends, so that the caller never sees an
// ambiguous result from this store; a request whose ctx ended before it was
// committed is dropped with ctx's error.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	size := 0
	for i := range events {
		size += recordSize(stream, &events[i])
	}
	req := &appendRequest{ctx: ctx, stream: stream, expected: expected, events: events, size: size, res: make(chan appendResponse, 1)}
	s.sendMu.RLock()
	if s.stopping {
		s.sendMu.RUnlock()
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		s.sendMu.RUnlock()
		return eventstore.AppendResult{}, ctx.Err()
	}
	s.sendMu.RUnlock()
	r := <-req.res
	return r.result, r.err
}

// writer is the single goroutine that commits appends in groups.
func (s *Store) writer() {
	defer close(s.done)
	group := make([]*appendRequest, 0, 64)
	for {
		var first *appendRequest
		select {
		case first = <-s.reqs:
		case <-s.closed:
			s.failQueued()
			return
		}
		group = append(group[:0], first)
		bytes := first.size
	collect:
		for bytes < s.maxGrp && len(group) < maxGroupAppends {
			select {
			case r := <-s.reqs:
				group = append(group, r)
				bytes += r.size
			default:
				break collect
			}
		}
		s.commitGroup(group)
	}
}

// failQueued answers every queued append with ErrClosed. Close has already
// stopped new sends (sendMu), so the queue only drains.
func (s *Store) failQueued() {
	for {
		select {
		case r := <-s.reqs:
			r.res <- appendResponse{err: eventstore.ErrClosed}
		default:
			return
		}
	}
}

// streamState is a stream's state as seen by the group being built:
// committed state plus the earlier appends of this group.
type streamState struct {
	last         uint64
	exists       bool
	firstPending uint64 // revision of pending[0]
	pending      []pendingEvent
}

type pendingEvent struct {
	id  uuid.UUID
	pos uint64
}

type groupBuilder struct {
	s       *Store
	batch   *pebble.Batch
	pos     uint64
	now     int64
	streams map[string]*streamState
	ids     map[uuid.UUID]pendingRef
	buf     []byte
	events  uint64
}

type pendingRef struct {
	stream string
	rev    uint64
}

func (s *Store) commitGroup(group []*appendRequest) {
	g := &groupBuilder{
		s:       s,
		batch:   s.db.NewBatch(),
		pos:     s.head.Load(),
		now:     time.Now().UnixNano(),
		streams: make(map[string]*streamState, len(group)),
		ids:     make(map[uuid.UUID]pendingRef),
	}
	defer g.batch.Close()
	responses := make([]appendResponse, len(group))
	writes := 0
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			responses[i] = appendResponse{err: err}
			continue
		}
		res, wrote, err := g.add(r)
		responses[i] = appendResponse{result: res, err: err}
		if wrote {
			writes++
		}
	}
	if writes > 0 {
		if err := g.batch.Commit(pebble.Sync); err != nil {
			err = fmt.Errorf("pebblestore: commit: %w", err)
			s.log.Error("event store commit failed", "err", err)
			for i := range responses {
				if responses[i].err == nil {
					responses[i] = appendResponse{err: err}
				}
			}
			// Nothing of this group is visible; head stays where it was.
			s.respond(group, responses)
			return
		}
		s.head.Store(g.pos)
		s.stats.Groups.Add(1)
		s.stats.Appends.Add(uint64(writes))
		s.stats.Events.Add(g.events)
		s.wake()
	}
	s.respond(group, responses)
}

func (s *Store) respond(group []*appendRequest, responses []appendResponse) {
	for i, r := range group {
		r.res <- responses[i]
	}
}

// add decides one append against the group's view and, when it writes,
// adds its keys to the batch.
func (g *groupBuilder) add(r *appendRequest) (eventstore.AppendResult, bool, error) {
	st, err := g.state(r.stream)
	if err != nil {
		return eventstore.AppendResult{}, false, err
	}
	exp := r.expected
	if exp.Check(st.last, st.exists) {
		if (exp.IsAny() || exp.IsStreamExists()) && st.exists {
			res, ok, err := g.findRetry(r, st)
			if err != nil || ok {
				return res, false, err
			}
		}
		return g.write(r, st), true, nil
	}
	// The condition failed: it may still be a retry of an append that
	// succeeded at exactly this expected revision.
	var start uint64
	switch rev, exact := exp.Revision(); {
	case exact:
		start = rev + 1
	case exp.IsNoStream():
		start = 0
	default: // StreamExists on a missing stream
		return eventstore.AppendResult{}, false, g.wrong(r, st)
	}
	if st.exists && start+uint64(len(r.events))-1 <= st.last {
		res, ok, err := g.matchAt(r, st, start)
		if err != nil || ok {
			return res, false, err
		}
	}
	return eventstore.AppendResult{}, false, g.wrong(r, st)
}

func (g *groupBuilder) wrong(r *appendRequest, st *streamState) error {
	return &eventstore.WrongExpectedRevisionError{Stream: r.stream, Expected: r.expected, Actual: st.last, ActualExists: st.exists}
}

// findRetry looks for the append's first event id in the stream and, when
// found, checks that all its events sit there consecutively.
func (g *groupBuilder) findRetry(r *appendRequest, st *streamState) (eventstore.AppendResult, bool, error) {
	id := r.events[0].ID
	if ref, ok := g.ids[id]; ok {
		if ref.stream != r.stream {
			return eventstore.AppendResult{}, false, nil
		}
		return g.matchAt(r, st, ref.rev)
	}
	v, closer, err := g.s.db.Get(idKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return eventstore.AppendResult{}, false, nil
	}
	if err != nil {
		return eventstore.AppendResult{}, false, fmt.Errorf("pebblestore: read event id: %w", err)
	}
	pos := beU64(v)
	_ = closer.Close()
	ev, err := g.s.readAt(pos)
	if err != nil {
		return eventstore.AppendResult{}, false, err
	}
	if ev.Stream != r.stream {
		return eventstore.AppendResult{}, false, nil
	}
	return g.matchAt(r, st, ev.Revision)
}

// matchAt reports whether the stream holds r's event ids at revisions
// start, start+1, ...; if so it returns the result of that earlier append.
func (g *groupBuilder) matchAt(r *appendRequest, st *streamState, start uint64) (eventstore.AppendResult, bool, error) {
	n := uint64(len(r.events))
	if !st.exists || start+n-1 > st.last {
		return eventstore.AppendResult{}, false, nil
	}
	var lastPos uint64
	for i := uint64(0); i < n; i++ {
		id, pos, err := g.eventAt(r.stream, st, start+i)
		if err != nil {
			return eventstore.AppendResult{}, false, err
		}
		if id != r.events[i].ID {
			return eventstore.AppendResult{}, false, nil
		}
		lastPos = pos
	}
	return eventstore.AppendResult{
		NextExpectedRevision: start + n - 1,
		Position:             eventstore.Position{Commit: lastPos, Prepare: lastPos},
	}, true, nil
}

func (g *groupBuilder) eventAt(stream string, st *streamState, rev uint64) (uuid.UUID, uint64, error) {
	if len(st.pending) > 0 && rev >= st.firstPending {
		p := st.pending[rev-st.firstPending]
		return p.id, p.pos, nil
	}
	v, closer, err := g.s.db.Get(streamKey(stream, rev))
	if err != nil {
		return uuid.Nil, 0, fmt.Errorf("pebblestore: read %s@%d: %w", stream, rev, err)
	}
	pos := beU64(v)
	_ = closer.Close()
	ev, err := g.s.readAt(pos)
	if err != nil {
		return uuid.Nil, 0, err
	}
	return ev.ID, pos, nil
}

func (g *groupBuilder) state(stream string) (*streamState, error) {
	if st, ok := g.streams[stream]; ok {
		return st, nil
	}
	st := &streamState{}
	v, closer, err := g.s.db.Get(headKey(stream))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("pebblestore: read head of %s: %w", stream, err)
	default:
		st.last, st.exists = beU64(v), true
		_ = closer.Close()
	}
	g.streams[stream] = st
	return st, nil
}

func (g *groupBuilder) write(r *appendRequest, st *streamState) eventstore.AppendResult {
	rev := uint64(0)
	if st.exists {
		rev = st.last + 1
	}
	if len(st.pending) == 0 {
		st.firstPending = rev
	}
	for i := range r.events {
		ev := &r.events[i]
		g.pos++
		g.buf = encodeRecord(g.buf[:0], r.stream, rev, ev, g.now)
		_ = g.batch.Set(globalKey(g.pos), g.buf, nil)
		_ = g.batch.Set(streamKey(r.stream, rev), u64(g.pos), nil)
		_ = g.batch.Set(idKey(ev.ID), u64(g.pos), nil)
		st.pending = append(st.pending, pendingEvent{id: ev.ID, pos: g.pos})
		g.ids[ev.ID] = pendingRef{stream: r.stream, rev: rev}
		st.last, st.exists = rev, true
		rev++
	}
	_ = g.batch.Set(headKey(r.stream), u64(st.last), nil)
	g.events += uint64(len(r.events))
	return eventstore.AppendResult{
		NextExpectedRevision: st.last,
		Position:             eventstore.Position{Commit: g.pos, Prepare: g.pos},
	}
}
