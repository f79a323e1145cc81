package projections

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/hocvu/hocvu/eventstore"
)

// EventError is a deterministic failure of one event: applying it again
// would fail again (it cannot be decoded, it breaks an invariant of the
// projection). A projection returns it, wrapped or not, from Apply or
// ApplyAsync; the runner then records the event in the quarantine, skips
// it and goes on (the poison-event policy, docs/limits.md). Any other
// error is taken as transient (a store that is down, a cancelled
// context) and retried with backoff from the checkpoint.
type EventError struct {
	Event *eventstore.RecordedEvent
	Err   error
}

// Poison marks err as a deterministic failure of ev. ev is copied without
// its data, so the error does not hold a large payload alive.
func Poison(ev *eventstore.RecordedEvent, err error) error {
	e := *ev
	e.Data, e.Metadata = nil, nil
	return &EventError{Event: &e, Err: err}
}

func (e *EventError) Error() string {
	return fmt.Sprintf("event %s (%s) at %s: %v", e.Event.ID, e.Event.Type, e.Event.Position, e.Err)
}

func (e *EventError) Unwrap() error { return e.Err }

// IsPoison reports whether err is (or wraps) an EventError.
func IsPoison(err error) bool {
	var pe *EventError
	return errors.As(err, &pe)
}

// panicError is a panic of a projection, recovered by the runner. When it
// happened on a batch of several events the runner applies them again one
// at a time (isolation) to find the event that causes it.
type panicError struct {
	value   any
	stack   []byte
	events  int                 // size of the batch that panicked
	through eventstore.Position // end of that batch
}

func (e *panicError) Error() string {
	return fmt.Sprintf("projection panicked: %v", e.value)
}

// safely calls fn and turns a panic into a *panicError.
func safely(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return fn()
}
