package eventstore

import (
	"context"
	"log/slog"
	"sync"
)

// AlertRegistryPoisonEvent is the alert attribute of the ERROR line a Fold
// logs when it skips an event (docs/limits.md, "Projections and the
// poison-event policy").
const AlertRegistryPoisonEvent = "registry-poison-event"

// FoldOptions tune a Fold. The zero value is usable.
type FoldOptions struct {
	// Logger receives the ERROR line of each skipped event and the WARN
	// line of each failed subscription (nil: discarded).
	Logger *slog.Logger
	// Page is how many events Load reads at a time (0: 500).
	Page int
	// OnSkip, when set, is told of each skipped event after it has been
	// logged and counted (under the fold's lock, so without calling back
	// into the Fold).
	OnSkip func(ev *RecordedEvent, err error)
}

// A Fold keeps a state folded from the events of one stream: the live
// registries (credentials, dashboard users, forwards) and the reference
// data are Folds over their streams. Load applies the stream's events
// after the last one applied, up to the end of the stream; Follow applies
// those appended later; Apply applies one event read back after an
// append. Each event is applied once, in stream order: an event at or
// before the last applied position is ignored, so Load, Follow and
// read-backs may overlap.
//
// The apply function returns an error for an event it cannot apply (it
// cannot be decoded, or it breaks the state's rules). Such an event is
// poison, and the policy is that of the projections: the fold skips it,
// moves past it, logs one ERROR line with alert=registry-poison-event
// (stream, event id, type, revision, position, error), counts it
// (Skipped), and goes on. No event stops a Fold. Event types apply does
// not know must return nil: they are a newer version's, not poison.
//
// A Fold is safe for concurrent use; apply is called with the fold's lock
// held, one event at a time, and must not call back into the Fold.
type Fold struct {
	stream string
	apply  func(*RecordedEvent) error
	log    *slog.Logger
	page   int
	onSkip func(*RecordedEvent, error)

	mu      sync.Mutex
	last    Position
	rev     uint64
	exists  bool
	skipped uint64
}

// NewFold returns a fold of stream through apply.
func NewFold(stream string, apply func(*RecordedEvent) error, opts FoldOptions) *Fold {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	page := opts.Page
	if page <= 0 {
		page = replayPage
	}
	return &Fold{stream: stream, apply: apply, log: log, page: page, onSkip: opts.OnSkip}
}

// Apply applies one event of the fold's stream, unless it is at or before
// the last applied position. An event of another stream is ignored.
func (f *Fold) Apply(ev *RecordedEvent) {
	if ev.Stream != f.stream {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.exists && ev.Position.Compare(f.last) <= 0 {
		return
	}
	f.last, f.rev, f.exists = ev.Position, ev.Revision, true
	if err := f.apply(ev); err != nil {
		f.skipped++
		f.log.Error("registry skipped an event it cannot apply", "alert", AlertRegistryPoisonEvent,
			"stream", ev.Stream, "event_id", ev.ID, "event_type", ev.Type, "revision", ev.Revision,
			"position", ev.Position.String(), "err", err)
		if f.onSkip != nil {
			f.onSkip(ev, err)
		}
	}
}

// Load applies the events of the stream after the last one applied, to
// the end of the stream, reading Page events at a time. A stream that
// does not exist has no events. Only a failure to read is an error.
func (f *Fold) Load(ctx context.Context, r StreamReader) error {
	from := uint64(0)
	if rev, ok := f.Revision(); ok {
		from = rev + 1
	}
	return replayFrom(ctx, r, f.stream, from, f.page, f.Apply)
}

// Follow applies the events appended to the stream after the last one
// applied until ctx ends; call it after Load, in a goroutine. A failed
// subscription is logged at WARN and subscribed again (FollowStream).
func (f *Fold) Follow(ctx context.Context, s Subscriber) {
	FollowStream(ctx, s, f.stream, f.Position, f.Apply, func(err error) {
		f.log.Warn("registry subscription failed; resubscribing", "stream", f.stream, "err", err)
	})
}

// Expected is the expected revision of an append decided on the folded
// state: the revision of the last applied event, or NoStream when none
// was.
func (f *Fold) Expected() ExpectedRevision {
	if rev, ok := f.Revision(); ok {
		return Exact(rev)
	}
	return NoStream
}

// Revision returns the stream revision of the last applied event, and
// false when no event was applied.
func (f *Fold) Revision() (uint64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rev, f.exists
}

// Position returns the global position of the last applied event (Start
// when none was).
func (f *Fold) Position() Position {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// Skipped returns how many events the fold skipped as poison.
func (f *Fold) Skipped() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.skipped
}
