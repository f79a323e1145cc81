// Package eventstore defines Hocvu's event log contract: named streams of
// immutable events plus one global, totally ordered log ($all), with the
// semantics of EventStoreDB/KurrentDB so that the embedded store
// (eventstore/pebblestore) and the KurrentDB adapter are interchangeable.
//
// Every implementation passes the shared contract suite in
// eventstore/eventstoretest. The rules it checks are the ones written here:
//
//   - Stream revisions start at 0 and increase by one per event.
//   - Append is atomic: either every event of the call is stored, or none.
//   - Append checks an ExpectedRevision (Any, NoStream, StreamExists or an
//     exact revision). A mismatch returns a *WrongExpectedRevisionError that
//     matches ErrWrongExpectedRevision with errors.Is and carries the actual
//     revision.
//   - Appending the same event ids again at the same expected revision (a
//     retry after a lost acknowledgement) succeeds without storing them twice
//     and returns the original result. With Any and StreamExists this holds
//     when the ids are the events most recently appended to the stream.
//   - An Append returns only once its events are durable.
//   - Global positions strictly increase in commit order. Positions compare
//     with Position.Compare; the zero Position is the start of the log.
//   - ReadAll reads forwards from a position, inclusive. A subscription
//     delivers events strictly after its starting position, first the history
//     and then live events, with no gap and no duplicate at the switch.
//
// All methods are safe for concurrent use.
//
// Over the contract, ReplayStream and FollowStream read one stream, and a
// Fold keeps a state folded from one stream (the live registries, the
// reference data) with one policy for an event it cannot apply: skip it,
// log it at ERROR with an alert attribute, count it, never stop.
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// AllStream is the name under which the global log is known in KurrentDB.
const AllStream = "$all"

// MaxEventSize bounds the size of one event (data plus metadata). Both
// backends accept at least this much when KurrentDB runs with a larger
// MaxAppendSize than its 1 MiB default (it accepts at most 16 MiB less
// 10,000 bytes as a setting).
const MaxEventSize = 8 << 20

// EventData is an event proposed for appending.
type EventData struct {
	// ID identifies the event; appending an event whose ID is already stored
	// at the same place is an idempotent no-op. Must not be uuid.Nil.
	ID uuid.UUID
	// Type names the event type (e.g. "xapi.statement.stored.v1").
	Type string
	// Data is the JSON payload.
	Data []byte
	// Metadata is optional JSON metadata (nil or empty for none).
	Metadata []byte
}

// RecordedEvent is an event as stored in a stream and in the global log.
type RecordedEvent struct {
	ID       uuid.UUID
	Type     string
	Stream   string
	Revision uint64    // position within Stream, starting at 0
	Position Position  // position in the global log
	Recorded time.Time // when the store committed it (UTC)
	Data     []byte
	Metadata []byte
}

// Position is a place in the global log. KurrentDB positions have a commit
// and a prepare part; the embedded store sets both to the same sequence.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event of the global log.
var Start = Position{}

// Compare returns -1, 0 or +1 as p is before, equal to or after q.
func (p Position) Compare(q Position) int {
	switch {
	case p.Commit < q.Commit:
		return -1
	case p.Commit > q.Commit:
		return 1
	case p.Prepare < q.Prepare:
		return -1
	case p.Prepare > q.Prepare:
		return 1
	}
	return 0
}

// IsStart reports whether p is the start of the log.
func (p Position) IsStart() bool { return p == Start }

func (p Position) String() string {
	if p.Commit == p.Prepare {
		return strconv.FormatUint(p.Commit, 10)
	}
	return strconv.FormatUint(p.Commit, 10) + "/" + strconv.FormatUint(p.Prepare, 10)
}

// ParsePosition parses the String form of a Position ("C" or "C/P").
func ParsePosition(s string) (Position, error) {
	c, p, found := cut(s, '/')
	commit, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("eventstore: bad position %q: %w", s, err)
	}
	if !found {
		return Position{Commit: commit, Prepare: commit}, nil
	}
	prepare, err := strconv.ParseUint(p, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("eventstore: bad position %q: %w", s, err)
	}
	return Position{Commit: commit, Prepare: prepare}, nil
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// AppendResult describes a successful append.
type AppendResult struct {
	// NextExpectedRevision is the revision of the stream's last event after
	// the append: pass Exact(NextExpectedRevision) to append after it.
	NextExpectedRevision uint64
	// Position is the global position of the last event appended.
	Position Position
}

// Direction of a stream read.
type Direction int

// The directions of a read.
const (
	Forwards Direction = iota
	Backwards
)

// ReadStreamOptions select a slice of one stream.
type ReadStreamOptions struct {
	Direction Direction
	// From is the first revision returned. FromEnd starts at the last event
	// (useful with Backwards); otherwise reads start at From (inclusive).
	From    uint64
	FromEnd bool
	// Max bounds the number of events returned; 0 means 1000.
	Max int
}

// ReadAllOptions select a slice of the global log, read forwards.
type ReadAllOptions struct {
	// From is inclusive; Start reads from the first event.
	From Position
	// Max bounds the number of events returned; 0 means 1000.
	Max int
}

// Filter selects events of a subscription. An event passes when it matches
// any event type prefix (if any are given) and any stream prefix (if any are
// given). The zero Filter passes everything.
type Filter struct {
	EventTypePrefixes []string
	StreamPrefixes    []string
}

// Match reports whether ev passes the filter.
func (f Filter) Match(eventType, stream string) bool {
	return matchAny(f.EventTypePrefixes, eventType) && matchAny(f.StreamPrefixes, stream)
}

func matchAny(prefixes []string, s string) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

// SubscribeOptions configure a catch-up subscription to the global log.
type SubscribeOptions struct {
	// After is the last position already processed: delivery starts with
	// the first event strictly after it. Start delivers the whole log.
	After  Position
	Filter Filter
}

// Message is one item received from a subscription: exactly one of Event,
// Checkpoint or CaughtUp is set.
type Message struct {
	// Event is a matching event, in global order.
	Event *RecordedEvent
	// Checkpoint is a position the subscription has read up to (inclusive),
	// whether or not events there matched the filter. Persisting it lets a
	// consumer resume without re-reading filtered-out history.
	Checkpoint *Position
	// CaughtUp is sent once, when the subscription has delivered the
	// history that existed when it started and switches to live events.
	CaughtUp bool
}

// Subscription is a catch-up subscription. Recv is not safe for concurrent
// use by several goroutines; Close may be called from any goroutine.
type Subscription interface {
	// Recv blocks until the next message or until ctx is done. After Close
	// or a fatal error it returns an error wrapping ErrSubscriptionClosed or
	// the cause.
	Recv(ctx context.Context) (Message, error)
	Close() error
}

// Appender appends events to a stream.
type Appender interface {
	// Append atomically appends events to stream after checking expected.
	// An append larger than the store accepts at once fails with an error
	// wrapping ErrTooLarge, and nothing of it is stored.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)
}

// StreamReader reads streams.
type StreamReader interface {
	// ReadStream returns events of one stream. A stream with no events
	// returns ErrStreamNotFound.
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) ([]RecordedEvent, error)
}

// LogReader reads the global log.
type LogReader interface {
	// ReadAll returns up to opts.Max events of the global log, forwards.
	ReadAll(ctx context.Context, opts ReadAllOptions) ([]RecordedEvent, error)
	// Head returns the position of the last event in the global log, or
	// Start when it is empty.
	Head(ctx context.Context) (Position, error)
}

// Subscriber opens catch-up subscriptions to the global log.
type Subscriber interface {
	SubscribeAll(ctx context.Context, opts SubscribeOptions) (Subscription, error)
}

// Store is the whole contract. Consumers should depend on the narrowest of
// the interfaces above that does their job.
type Store interface {
	Appender
	StreamReader
	LogReader
	Subscriber
	// Close releases the store. Appends in flight either complete or fail
	// with ErrClosed; none is left half-written.
	Close() error
}

// Named errors of the contract.
var (
	ErrWrongExpectedRevision = errors.New("eventstore: wrong expected revision")
	ErrStreamNotFound        = errors.New("eventstore: stream not found")
	ErrClosed                = errors.New("eventstore: store closed")
	ErrSubscriptionClosed    = errors.New("eventstore: subscription closed")
	ErrInvalidEvent          = errors.New("eventstore: invalid event")
	// ErrTooLarge: the append is larger than the store accepts in one
	// append: an event over MaxEventSize (in every store; the error also
	// wraps ErrInvalidEvent), or more than KurrentDB's MaxAppendSize or
	// MaxAppendEventSize. Nothing was stored; smaller appends may succeed.
	ErrTooLarge = errors.New("eventstore: append too large")
)

// WrongExpectedRevisionError reports an append whose expected revision did
// not hold. errors.Is(err, ErrWrongExpectedRevision) is true.
type WrongExpectedRevisionError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is the stream's current last revision; ActualExists is false
	// when the stream has no events (Actual is then 0 and meaningless).
	Actual       uint64
	ActualExists bool
}

func (e *WrongExpectedRevisionError) Error() string {
	actual := "no stream"
	if e.ActualExists {
		actual = strconv.FormatUint(e.Actual, 10)
	}
	return fmt.Sprintf("eventstore: wrong expected revision on stream %q: expected %s, actual %s", e.Stream, e.Expected, actual)
}

// Is makes errors.Is(err, ErrWrongExpectedRevision) true.
func (e *WrongExpectedRevisionError) Is(target error) bool { return target == ErrWrongExpectedRevision }

// MaxStreamNameLength bounds stream names (bytes).
const MaxStreamNameLength = 1024

// ValidateAppend checks the arguments of an Append the same way in every
// implementation. Errors wrap ErrInvalidEvent.
func ValidateAppend(stream string, events []EventData) error {
	if err := ValidateStreamName(stream); err != nil {
		return err
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: no events to append to %q", ErrInvalidEvent, stream)
	}
	for i, ev := range events {
		switch {
		case ev.ID == uuid.Nil:
			return fmt.Errorf("%w: event %d has no id", ErrInvalidEvent, i)
		case ev.Type == "":
			return fmt.Errorf("%w: event %d has no type", ErrInvalidEvent, i)
		case len(ev.Data)+len(ev.Metadata) > MaxEventSize:
			return fmt.Errorf("%w (%w): event %d is %d bytes, more than the %d allowed", ErrInvalidEvent, ErrTooLarge, i, len(ev.Data)+len(ev.Metadata), MaxEventSize)
		}
	}
	return nil
}

// ValidateStreamName checks that stream is a usable user stream name: not
// empty, not a system stream (leading "$"), no NUL byte, not too long.
func ValidateStreamName(stream string) error {
	switch {
	case stream == "":
		return fmt.Errorf("%w: empty stream name", ErrInvalidEvent)
	case stream[0] == '$':
		return fmt.Errorf("%w: stream %q: names starting with $ are reserved", ErrInvalidEvent, stream)
	case len(stream) > MaxStreamNameLength:
		return fmt.Errorf("%w: stream name longer than %d bytes", ErrInvalidEvent, MaxStreamNameLength)
	}
	for i := 0; i < len(stream); i++ {
		if stream[i] == 0 {
			return fmt.Errorf("%w: stream name contains a NUL byte", ErrInvalidEvent)
		}
	}
	return nil
}
