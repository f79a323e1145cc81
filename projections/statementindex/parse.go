package statementindex

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/projections"
)

// parsed is what the index reads from one statement event, computed
// before the batch is written: decoding and hashing the posting keys
// depend on the event alone, so a batch's events are parsed in parallel
// and only the writes, which depend on what came before, run in order.
type parsed struct {
	err       error // the event is poison: not a statement with an id
	id        uuid.UUID
	stored    time.Time
	storedErr error // poison unless the statement repeats one of its batch
	ext       extracted
	// data is the statement as the index keeps it: sealed when the index
	// has a sealer (seal.go), else the event's data.
	data []byte
	// failure is a failure to seal that a retry may cure (the key store
	// unreachable): the batch fails and is retried, nothing is skipped.
	failure error
}

// parseAll parses the statement events of a batch (other events stay
// zero), over every processor for large batches.
func (ix *Index) parseAll(ctx context.Context, events []eventstore.RecordedEvent) []parsed {
	return projections.Prepare(events, func(ev *eventstore.RecordedEvent) parsed {
		if !lrs.IsStatementEvent(ev.Type) {
			return parsed{}
		}
		return ix.parse(ctx, ev)
	})
}

// parse decodes one statement event and computes its posting keys,
// sealing the statement first when the index has a sealer and the log
// holds it in clear.
func (ix *Index) parse(ctx context.Context, ev *eventstore.RecordedEvent) parsed {
	data := ev.Data
	if ix.sealer != nil && !isSealed(data) {
		sealed, err := ix.sealer.Seal(ctx, data)
		switch {
		case errors.Is(err, sealing.ErrKeys) || ctx.Err() != nil:
			return parsed{failure: fmt.Errorf("seal statement: %w", err)}
		case err != nil:
			return parsed{err: projections.Poison(ev, fmt.Errorf("seal statement: %w", err))}
		}
		data = sealed
	}
	st, err := decodeIndexed(data)
	if err != nil {
		return parsed{err: projections.Poison(ev, fmt.Errorf("decode statement: %w", err))}
	}
	id, err := uuid.Parse(st.ID)
	if err != nil {
		return parsed{err: projections.Poison(ev, fmt.Errorf("statement id %q: %w", st.ID, err))}
	}
	p := parsed{id: id, ext: extract(st, ix.mapper()), data: data}
	stored, err := time.Parse(time.RFC3339Nano, st.Stored)
	if err != nil {
		p.storedErr = projections.Poison(ev, fmt.Errorf("statement %s: stored %q: %w", id, st.Stored, err))
	} else {
		p.stored = clampStored(stored)
	}
	return p
}
