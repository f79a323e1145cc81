package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/hocvu/hocvu/eventstore"
)

const defaultReadMax = 1000

// ReadStream implements eventstore.StreamReader.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return nil, err
	}
	if s.isClosed() {
		return nil, eventstore.ErrClosed
	}
	count := uint64(opts.Max)
	if opts.Max <= 0 {
		count = defaultReadMax
	}
	switch {
	case opts.FromEnd && opts.Direction == eventstore.Forwards:
		// Forwards from the end is the last event.
		return s.readStream(ctx, stream, esdb.Backwards, esdb.End{}, 1)
	case opts.FromEnd:
		return s.readStream(ctx, stream, esdb.Backwards, esdb.End{}, count)
	case opts.Direction == eventstore.Backwards:
		evs, err := s.readStream(ctx, stream, esdb.Backwards, esdb.Revision(opts.From), count)
		if err != nil || (len(evs) > 0 && evs[0].Revision == opts.From) {
			return evs, err
		}
		// KurrentDB reads the revisions From-count+1..From, so a start
		// beyond the last event returns less than the contract asks for:
		// read from the end and keep what is at or before From.
		evs, err = s.readStream(ctx, stream, esdb.Backwards, esdb.End{}, count)
		if err != nil {
			return nil, err
		}
		out := evs[:0]
		for _, e := range evs {
			if e.Revision <= opts.From {
				out = append(out, e)
			}
		}
		return out, nil
	default:
		return s.readStream(ctx, stream, esdb.Forwards, esdb.Revision(opts.From), count)
	}
}

// readStream reads up to count events of one stream.
func (s *Store) readStream(ctx context.Context, stream string, dir esdb.Direction, from esdb.StreamPosition, count uint64) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.read(ctx, func(ctx context.Context, c *esdb.Client) error {
		out = out[:0]
		rs, err := c.ReadStream(ctx, stream, esdb.ReadStreamOptions{Direction: dir, From: from}, count)
		if err != nil {
			return err
		}
		out, err = drain(rs, out)
		return err
	})
	if code, ok := esdbCode(err); ok && (code == esdb.ErrorCodeResourceNotFound || code == esdb.ErrorCodeStreamDeleted) {
		return nil, fmt.Errorf("%w: %s", eventstore.ErrStreamNotFound, stream)
	}
	if err != nil {
		return nil, s.wrap(ctx, "read stream "+stream, err)
	}
	if out == nil {
		out = []eventstore.RecordedEvent{}
	}
	return out, nil
}

// eventAt reads the event at revision rev of stream.
func (s *Store) eventAt(ctx context.Context, stream string, rev uint64) (eventstore.RecordedEvent, error) {
	evs, err := s.readStream(ctx, stream, esdb.Forwards, esdb.Revision(rev), 1)
	if err != nil {
		return eventstore.RecordedEvent{}, err
	}
	if len(evs) == 0 || evs[0].Revision != rev {
		return eventstore.RecordedEvent{}, fmt.Errorf("kurrentdb: %s has no event at revision %d", stream, rev)
	}
	return evs[0], nil
}

// ReadAll implements eventstore.LogReader. System events are skipped; it
// still returns opts.Max events unless the log ends first.
func (s *Store) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) ([]eventstore.RecordedEvent, error) {
	if s.isClosed() {
		return nil, eventstore.ErrClosed
	}
	limit := opts.Max
	if limit <= 0 {
		limit = defaultReadMax
	}
	out := make([]eventstore.RecordedEvent, 0, min(limit, 1024))
	from, skip := opts.From, false // skip: from was already returned
	for len(out) < limit {
		want := limit - len(out)
		if skip {
			want++
		}
		page, err := s.readAll(ctx, esdb.Forwards, allPosition(from), uint64(want))
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if skip && e.Position == from {
				continue
			}
			if !isSystem(e) && len(out) < limit {
				out = append(out, e)
			}
		}
		if len(page) < want {
			break
		}
		from, skip = page[len(page)-1].Position, true
	}
	return out, nil
}

// readAll reads up to count events of $all, system events included.
func (s *Store) readAll(ctx context.Context, dir esdb.Direction, from esdb.AllPosition, count uint64) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.read(ctx, func(ctx context.Context, c *esdb.Client) error {
		out = out[:0]
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: dir, From: from}, count)
		if err != nil {
			return err
		}
		out, err = drain(rs, out)
		return err
	})
	if err != nil {
		return nil, s.wrap(ctx, "read $all", err)
	}
	return out, nil
}

// Head implements eventstore.LogReader: the position of the last event
// that is not a system event, or eventstore.Start.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if s.isClosed() {
		return eventstore.Position{}, eventstore.ErrClosed
	}
	return s.lastPosition(ctx, true)
}

// End returns the position of the last event of $all, system events
// included: the furthest a subscription's checkpoint can be (Head, which
// skips system events, can be before it).
func (s *Store) End(ctx context.Context) (eventstore.Position, error) {
	if s.isClosed() {
		return eventstore.Position{}, eventstore.ErrClosed
	}
	return s.lastPosition(ctx, false)
}

// lastPosition reads $all backwards from its end and returns the position
// of the first event found (the first user event when skipSystem is set).
func (s *Store) lastPosition(ctx context.Context, skipSystem bool) (eventstore.Position, error) {
	var from esdb.AllPosition = esdb.End{}
	count := uint64(1)
	if skipSystem {
		count = 64
	}
	for {
		page, err := s.readAll(ctx, esdb.Backwards, from, count)
		if err != nil {
			return eventstore.Position{}, err
		}
		for _, e := range page {
			if !skipSystem || !isSystem(e) {
				return e.Position, nil
			}
		}
		if uint64(len(page)) < count {
			return eventstore.Start, nil
		}
		next := page[len(page)-1].Position
		if p, ok := from.(esdb.Position); ok && p.Commit == next.Commit && p.Prepare == next.Prepare {
			return eventstore.Start, nil // no progress; cannot happen on a sane server
		}
		from = esdb.Position{Commit: next.Commit, Prepare: next.Prepare}
	}
}

func allPosition(p eventstore.Position) esdb.AllPosition {
	if p.IsStart() {
		return esdb.Start{}
	}
	return esdb.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// isSystem reports whether e is one of KurrentDB's own events.
func isSystem(e eventstore.RecordedEvent) bool {
	return strings.HasPrefix(e.Type, "$") || strings.HasPrefix(e.Stream, "$")
}

func fromRecorded(r *esdb.RecordedEvent) eventstore.RecordedEvent {
	pos := eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
	if pos.Commit == math.MaxUint64 {
		// Stream reads on servers before 22.10 carry no $all position.
		pos = eventstore.Position{}
	}
	meta := r.UserMetadata
	if len(meta) == 0 {
		meta = nil
	}
	return eventstore.RecordedEvent{
		ID:       r.EventID,
		Type:     r.EventType,
		Stream:   r.StreamID,
		Revision: r.EventNumber,
		Position: pos,
		Recorded: r.CreatedDate.UTC(),
		Data:     r.Data,
		Metadata: meta,
	}
}

// drain receives every event of a read into out, then closes it.
func drain(rs *esdb.ReadStream, out []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error) {
	defer rs.Close()
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if ev.Event != nil {
			out = append(out, fromRecorded(ev.Event))
		}
	}
}
