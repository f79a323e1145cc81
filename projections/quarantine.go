package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// The quarantine is a stream of the log: one event per poison event a
// projection skipped, so that it survives restarts and rebuilds, works
// on every event store and is visible to every process sharing the log
// (hocvu projections quarantine).
const (
	// QuarantineStream holds the quarantine records.
	QuarantineStream = "projections-quarantine"
	// EventQuarantined records that a projection skipped an event it
	// could not apply. Data is a Quarantined; no metadata.
	EventQuarantined = "projection.event.quarantined.v1"
	// EventPrefix selects the events of this package.
	EventPrefix = "projection."
)

// quarantineNamespace derives the deterministic ids of quarantine records
// (UUID v5 of projection, position and event id): recording the same
// event again, after a restart or in a rebuild, is recognised as the same
// record. Never change it.
var quarantineNamespace = uuid.MustParse("5b0c2a47-8f0e-4e55-9d0b-6a7c1f3e2d19")

// maxErrorText bounds the error text kept in a record.
const maxErrorText = 2048

// Quarantined is one quarantine record: which projection skipped which
// event, and why.
type Quarantined struct {
	Projection string `json:"projection"`
	EventID    string `json:"eventId"`
	EventType  string `json:"eventType"`
	Stream     string `json:"stream"`
	Revision   uint64 `json:"revision"`
	// Position is the event's place in the global log
	// (eventstore.Position.String: "commit" or "commit/prepare").
	Position string `json:"position"`
	// Recorded is when the store recorded the poison event.
	Recorded time.Time `json:"recorded"`
	// Error says why it could not be applied (at most 2 KiB).
	Error string `json:"error"`
	// At is when the projection quarantined it.
	At time.Time `json:"quarantinedAt"`
}

// ID is the record's deterministic event id.
func (q Quarantined) ID() uuid.UUID {
	return uuid.NewSHA1(quarantineNamespace, []byte(q.Projection+"\n"+q.Position+"\n"+q.EventID))
}

// AlertPoisonEvent is the value of the "alert" attribute of the ERROR log
// line written for every poison event skipped, by a projection runner or
// by another follower of the log that applies the same policy (the
// statement forwarders).
const AlertPoisonEvent = "projection-poison-event"

// newQuarantined describes the poison event of pe for projection.
func newQuarantined(projection string, pe *EventError, now time.Time) Quarantined {
	return NewQuarantined(projection, pe.Event, pe.Err, now)
}

// NewQuarantined describes ev, which projection skips because of err, as
// a quarantine record made at now (the error text is cut to 2 KiB). It is
// for followers of the log that are not run by a Runner but apply the
// same poison-event policy.
func NewQuarantined(projection string, ev *eventstore.RecordedEvent, err error, now time.Time) Quarantined {
	msg := err.Error()
	if len(msg) > maxErrorText {
		msg = msg[:maxErrorText] + "…"
	}
	return Quarantined{
		Projection: projection, EventID: ev.ID.String(), EventType: ev.Type, Stream: ev.Stream, Revision: ev.Revision,
		Position: ev.Position.String(), Recorded: ev.Recorded.UTC(), Error: msg, At: now.UTC(),
	}
}

// Quarantine records poison events durably. Add returns only once the
// record is durable; added is false when the event was recorded before.
type Quarantine interface {
	Add(ctx context.Context, q Quarantined) (added bool, err error)
}

// QuarantineLog is what LogQuarantine needs of the event store.
type QuarantineLog interface {
	eventstore.Appender
	eventstore.StreamReader
}

// LogQuarantine keeps the quarantine in QuarantineStream.
type LogQuarantine struct {
	log QuarantineLog

	mu    sync.Mutex
	known map[uuid.UUID]bool // nil until the stream was read
}

var _ Quarantine = (*LogQuarantine)(nil)

// NewLogQuarantine returns the quarantine kept in log.
func NewLogQuarantine(log QuarantineLog) *LogQuarantine { return &LogQuarantine{log: log} }

// Add implements Quarantine: it appends a record unless the stream holds
// one with the same deterministic id already (the id also lets the store
// recognise a retried append).
func (l *LogQuarantine) Add(ctx context.Context, q Quarantined) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.known == nil {
		known := map[uuid.UUID]bool{}
		err := eventstore.ReplayStream(ctx, l.log, QuarantineStream, func(ev *eventstore.RecordedEvent) { known[ev.ID] = true })
		if err != nil {
			return false, fmt.Errorf("projections: read the quarantine: %w", err)
		}
		l.known = known
	}
	id := q.ID()
	if l.known[id] {
		return false, nil
	}
	data, err := json.Marshal(q)
	if err != nil {
		return false, fmt.Errorf("projections: encode quarantine record: %w", err)
	}
	if _, err := l.log.Append(ctx, QuarantineStream, eventstore.Any, eventstore.EventData{ID: id, Type: EventQuarantined, Data: data}); err != nil {
		return false, fmt.Errorf("projections: record poison event %s in the quarantine: %w", q.EventID, err)
	}
	l.known[id] = true
	return true, nil
}

// List returns the quarantine records in the order they were written,
// each once (a record written twice by racing processes counts once).
// Records of event types this version does not know are skipped.
func (l *LogQuarantine) List(ctx context.Context) ([]Quarantined, error) {
	var out []Quarantined
	seen := map[uuid.UUID]bool{}
	var bad error
	err := eventstore.ReplayStream(ctx, l.log, QuarantineStream, func(ev *eventstore.RecordedEvent) {
		if ev.Type != EventQuarantined || seen[ev.ID] {
			return
		}
		seen[ev.ID] = true
		var q Quarantined
		if err := json.Unmarshal(ev.Data, &q); err != nil {
			bad = fmt.Errorf("projections: quarantine record %s: %w", ev.ID, err)
			return
		}
		out = append(out, q)
	})
	if err != nil {
		return nil, fmt.Errorf("projections: read the quarantine: %w", err)
	}
	return out, bad
}
