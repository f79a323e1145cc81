package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/hocvu/hocvu/eventstore"
)

// ErrCheckpointAhead reports a projection whose checkpoint is past the end
// of the log. That happens after the log was restored from a backup older
// than the read model: the read model then holds events the log no longer
// has, and, worse, new events would be stored at positions at or below its
// checkpoint, so a subscription from there would silently skip them. The
// read model must be rebuilt from the log.
var ErrCheckpointAhead = errors.New("projections: checkpoint is past the end of the log")

// Ender is a Source that can tell where its log ends including records it
// never delivers (KurrentDB's system events): the furthest any checkpoint
// of a subscription can be. A Source without End ends at its Head.
type Ender interface {
	End(ctx context.Context) (eventstore.Position, error)
}

// CheckCheckpoint returns an error wrapping ErrCheckpointAhead when the
// checkpoint cp of projection name is past the end of src's log.
func CheckCheckpoint(ctx context.Context, src Source, name string, cp eventstore.Position) error {
	if cp.IsStart() {
		return nil
	}
	var end eventstore.Position
	var err error
	if e, ok := src.(Ender); ok {
		end, err = e.End(ctx)
	} else {
		end, err = src.Head(ctx)
	}
	if err != nil {
		return fmt.Errorf("projection %s: read the end of the log: %w", name, err)
	}
	if cp.Compare(end) > 0 {
		return &AheadError{Name: name, Checkpoint: cp, End: end}
	}
	return nil
}

// AheadError is the error of CheckCheckpoint; errors.Is(err,
// ErrCheckpointAhead) is true.
type AheadError struct {
	Name       string
	Checkpoint eventstore.Position
	End        eventstore.Position
}

func (e *AheadError) Error() string {
	return fmt.Sprintf("projection %s has applied the log through %s, but the log ends at %s: the log was restored from an older backup (or the read model belongs to another log); "+
		"the read model must be rebuilt from the log (hocvu projections rebuild), or events appended from now on would be skipped", e.Name, e.Checkpoint, e.End)
}

// Is makes errors.Is(err, ErrCheckpointAhead) true.
func (e *AheadError) Is(target error) bool { return target == ErrCheckpointAhead }
