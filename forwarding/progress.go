package forwarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
)

// ReadProgress returns a forward's progress: the data of the last event of
// its progress stream, and that event's revision (exists is false when the
// forward has recorded nothing yet).
func ReadProgress(ctx context.Context, r eventstore.StreamReader, id string) (p Progress, rev uint64, exists bool, err error) {
	evs, err := r.ReadStream(ctx, ProgressStream(id), eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return Progress{}, 0, false, nil
	}
	if err != nil {
		return Progress{}, 0, false, fmt.Errorf("forwarding: read progress of %s: %w", id, err)
	}
	if len(evs) == 0 {
		return Progress{}, 0, false, nil
	}
	if err := json.Unmarshal(evs[0].Data, &p); err != nil {
		return Progress{}, 0, false, fmt.Errorf("forwarding: corrupt progress event of %s at revision %d: %w", id, evs[0].Revision, err)
	}
	return p, evs[0].Revision, true, nil
}

// LastStatement returns the position of the newest statement event (Start
// when there is none): a forward whose checkpoint is at or past it has
// nothing left to deliver.
func LastStatement(ctx context.Context, r eventstore.StreamReader) (eventstore.Position, error) {
	evs, err := r.ReadStream(ctx, lrs.StatementsStream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) || err == nil && len(evs) == 0 {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Start, fmt.Errorf("forwarding: read the last statement: %w", err)
	}
	return evs[0].Position, nil
}

// DeadLetterState is a dead letter with what happened to it since.
type DeadLetterState struct {
	DeadLetter
	// Open is true until a re-drive delivered it.
	Open     bool      `json:"open"`
	Redrives []Redrive `json:"redrives,omitempty"`
	// position is where the dead letter was recorded in the log.
	position eventstore.Position
}

// deadLetters is the fold of a dead-letter stream.
type deadLetters struct {
	list   []*DeadLetterState
	byID   map[string]*DeadLetterState
	rev    uint64
	exists bool
}

func (d *deadLetters) apply(ev *eventstore.RecordedEvent) error {
	if d.byID == nil {
		d.byID = map[string]*DeadLetterState{}
	}
	d.rev, d.exists = ev.Revision, true
	switch ev.Type {
	case EventDeadLetterAdded:
		var dl DeadLetter
		if err := json.Unmarshal(ev.Data, &dl); err != nil {
			return fmt.Errorf("forwarding: corrupt dead letter at revision %d: %w", ev.Revision, err)
		}
		if _, dup := d.byID[dl.ID]; dup {
			return nil
		}
		st := &DeadLetterState{DeadLetter: dl, Open: true, position: ev.Position}
		d.list = append(d.list, st)
		d.byID[dl.ID] = st
	case EventDeadLetterRedrive:
		var r Redrive
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return fmt.Errorf("forwarding: corrupt re-drive at revision %d: %w", ev.Revision, err)
		}
		if st, ok := d.byID[r.DeadLetter]; ok {
			st.Redrives = append(st.Redrives, r)
			if r.Delivered {
				st.Open = false
			}
		}
	}
	return nil
}

// handled reports whether request already re-drove dead letter id.
func (d *deadLetters) handled(id, request string) bool {
	st, ok := d.byID[id]
	if !ok {
		return false
	}
	return slices.ContainsFunc(st.Redrives, func(r Redrive) bool { return r.Request == request })
}

func readDeadLetters(ctx context.Context, r eventstore.StreamReader, id string) (*deadLetters, error) {
	d := &deadLetters{byID: map[string]*DeadLetterState{}}
	var ferr error
	err := eventstore.ReplayStream(ctx, r, DeadLetterStream(id), func(ev *eventstore.RecordedEvent) {
		if err := d.apply(ev); err != nil && ferr == nil {
			ferr = err
		}
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return nil, fmt.Errorf("forwarding: read dead letters of %s: %w", id, err)
	}
	return d, nil
}

// ReadDeadLetters returns a forward's dead letters, oldest first, open and
// re-delivered ones alike.
func ReadDeadLetters(ctx context.Context, r eventstore.StreamReader, id string) ([]DeadLetterState, error) {
	d, err := readDeadLetters(ctx, r, id)
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetterState, len(d.list))
	for i, st := range d.list {
		out[i] = *st
	}
	return out, nil
}
