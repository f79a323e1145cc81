package statementindex

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
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
}

// parseAll parses the statement events of a batch (other events stay
// zero), over every processor for large batches.
func parseAll(events []eventstore.RecordedEvent) []parsed {
	return projections.Prepare(events, func(ev *eventstore.RecordedEvent) parsed {
		if ev.Type != lrs.EventStatementStored {
			return parsed{}
		}
		return parse(ev)
	})
}

// parse decodes one statement event and computes its posting keys.
func parse(ev *eventstore.RecordedEvent) parsed {
	st, err := decodeIndexed(ev.Data)
	if err != nil {
		return parsed{err: projections.Poison(ev, fmt.Errorf("decode statement: %w", err))}
	}
	id, err := uuid.Parse(st.ID)
	if err != nil {
		return parsed{err: projections.Poison(ev, fmt.Errorf("statement id %q: %w", st.ID, err))}
	}
	p := parsed{id: id, ext: extract(st)}
	stored, err := time.Parse(time.RFC3339Nano, st.Stored)
	if err != nil {
		p.storedErr = projections.Poison(ev, fmt.Errorf("statement %s: stored %q: %w", id, st.Stored, err))
	} else {
		p.stored = clampStored(stored)
	}
	return p
}
