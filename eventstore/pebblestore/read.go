package pebblestore

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/hocvu/hocvu/eventstore"
)

const defaultReadMax = 1000

func beU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// readAt reads the event at global position pos.
func (s *Store) readAt(pos uint64) (eventstore.RecordedEvent, error) {
	var ev eventstore.RecordedEvent
	v, closer, err := s.db.Get(globalKey(pos))
	if err != nil {
		return ev, fmt.Errorf("pebblestore: read position %d: %w", pos, err)
	}
	b := append([]byte(nil), v...)
	_ = closer.Close()
	if err := decodeRecord(b, pos, &ev); err != nil {
		return ev, fmt.Errorf("pebblestore: position %d: %w", pos, err)
	}
	return ev, nil
}

// ReadStream implements eventstore.StreamReader.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return nil, err
	}
	if err := s.readable(ctx); err != nil {
		return nil, err
	}
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	limit := opts.Max
	if limit <= 0 {
		limit = defaultReadMax
	}
	prefix := streamPrefix(stream)
	upper := append(append([]byte(nil), prefix[:len(prefix)-1]...), 1)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("pebblestore: read stream %s: %w", stream, err)
	}
	defer it.Close()

	var valid bool
	switch {
	case opts.Direction == eventstore.Backwards && opts.FromEnd:
		valid = it.Last()
	case opts.Direction == eventstore.Backwards:
		valid = it.SeekLT(streamKey(stream, opts.From+1))
		if opts.From == ^uint64(0) {
			valid = it.Last()
		}
	case opts.FromEnd:
		valid = it.Last()
	default:
		valid = it.SeekGE(streamKey(stream, opts.From))
	}
	if !valid {
		if err := it.Error(); err != nil {
			return nil, fmt.Errorf("pebblestore: read stream %s: %w", stream, err)
		}
		// Whether the stream exists is asked of the same iterator, so of
		// the same view of the store: a stream created concurrently is
		// either wholly visible or not at all.
		if !it.First() {
			return nil, fmt.Errorf("%w: %s", eventstore.ErrStreamNotFound, stream)
		}
		return []eventstore.RecordedEvent{}, nil
	}
	out := make([]eventstore.RecordedEvent, 0, min(limit, 256))
	var sl slab
	for ; valid && len(out) < limit; valid = nextOrPrev(it, opts.Direction) {
		pos := beU64(it.Value())
		v, closer, err := s.db.Get(globalKey(pos))
		if err != nil {
			return nil, fmt.Errorf("pebblestore: read stream %s at %d: %w", stream, pos, err)
		}
		b := sl.copy(v)
		_ = closer.Close()
		out = append(out, eventstore.RecordedEvent{})
		if err := decodeRecord(b, pos, &out[len(out)-1]); err != nil {
			return nil, fmt.Errorf("pebblestore: position %d: %w", pos, err)
		}
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("pebblestore: read stream %s: %w", stream, err)
	}
	return out, nil
}

func nextOrPrev(it *pebble.Iterator, d eventstore.Direction) bool {
	if d == eventstore.Backwards {
		return it.Prev()
	}
	return it.Next()
}

func (s *Store) readable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	return nil
}

// ReadAll implements eventstore.LogReader.
func (s *Store) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) ([]eventstore.RecordedEvent, error) {
	if err := s.readable(ctx); err != nil {
		return nil, err
	}
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	limit := opts.Max
	if limit <= 0 {
		limit = defaultReadMax
	}
	from := opts.From.Commit
	if from == 0 {
		from = 1
	}
	out := make([]eventstore.RecordedEvent, 0, min(limit, 1024))
	out, _, err = s.scan(from, limit, eventstore.Filter{}, out)
	return out, err
}

// scan reads the global log from position from (inclusive), appending to
// out the events that pass filter, until limit events matched or the log
// ends. It returns the last position scanned (0 when nothing was).
func (s *Store) scan(from uint64, limit int, filter eventstore.Filter, out []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, uint64, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: globalKey(from), UpperBound: []byte{tagGlobal + 1}})
	if err != nil {
		return out, 0, fmt.Errorf("pebblestore: read log: %w", err)
	}
	defer it.Close()
	filtered := len(filter.EventTypePrefixes) > 0 || len(filter.StreamPrefixes) > 0
	var sl slab
	var last uint64
	scanned := 0
	for valid := it.First(); valid && len(out) < limit; valid = it.Next() {
		k := it.Key()
		if len(k) != 9 {
			return out, last, fmt.Errorf("pebblestore: read log: %w", errCorrupt)
		}
		pos := beU64(k[1:])
		v := it.Value()
		last = pos
		scanned++
		if filtered {
			stream, typ, err := decodeHeader(v)
			if err != nil {
				return out, last, fmt.Errorf("pebblestore: position %d: %w", pos, err)
			}
			if !filter.Match(typ, stream) {
				// Bound the work of one call on long runs of filtered-out
				// events so that checkpoints keep flowing.
				if scanned >= limit*16 {
					break
				}
				continue
			}
		}
		out = append(out, eventstore.RecordedEvent{})
		if err := decodeRecord(sl.copy(v), pos, &out[len(out)-1]); err != nil {
			return out, last, fmt.Errorf("pebblestore: position %d: %w", pos, err)
		}
	}
	if err := it.Error(); err != nil {
		return out, last, fmt.Errorf("pebblestore: read log: %w", err)
	}
	return out, last, nil
}
