package forwarding

import (
	"time"

	"github.com/hocvu/hocvu/eventstore"
)

// Stream holds every forward's configuration events.
const Stream = "forwards"

// ProgressStream is the stream of a forward's progress events.
func ProgressStream(id string) string { return "forward-progress-" + id }

// DeadLetterStream is the stream of a forward's dead letters.
func DeadLetterStream(id string) string { return "forward-deadletters-" + id }

// Event types (stored formats: never renamed; add versions instead).
const (
	// Configuration, in Stream.
	EventCreated        = "forward.created.v1"         // data: Forward
	EventChanged        = "forward.changed.v1"         // data: Forward
	EventPaused         = "forward.paused.v1"          // data: StateChange
	EventResumed        = "forward.resumed.v1"         // data: StateChange
	EventDeleted        = "forward.deleted.v1"         // data: StateChange
	EventRetryRequested = "forward.retry.requested.v1" // data: RetryRequest

	// Progress, in ProgressStream(id); data: Progress.
	EventBatchStarted      = "forward.batch.started.v1"
	EventBatchFailed       = "forward.batch.failed.v1"
	EventBatchDelivered    = "forward.batch.delivered.v1"
	EventBatchDeadLettered = "forward.batch.deadlettered.v1"
	EventCheckpoint        = "forward.checkpoint.v1"

	// Dead letters, in DeadLetterStream(id).
	EventDeadLetterAdded   = "forward.deadletter.added.v1"    // data: DeadLetter
	EventDeadLetterRedrive = "forward.deadletter.redriven.v1" // data: Redrive

	// EventPrefix selects every forwarding event type.
	EventPrefix = "forward."
)

// StateChange is the data of a pause, resume or delete.
type StateChange struct {
	ID string `json:"id"`
	// Reason says why (a pause after a dead letter names it).
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// RetryRequest asks the forwarder to re-drive dead letters.
type RetryRequest struct {
	ID string `json:"id"`
	// Request identifies the request (a UUID).
	Request string `json:"request"`
	// DeadLetters are the dead letters to re-drive (their delivery ids);
	// empty means every dead letter open at the time of the request.
	DeadLetters []string  `json:"deadLetters,omitempty"`
	At          time.Time `json:"at"`
	// Position is where the request is in the log (not stored: the
	// registry sets it). A request for every open dead letter covers those
	// recorded before it.
	Position eventstore.Position `json:"-"`
}

// EventRef is one statement event of a batch.
type EventRef struct {
	// Position is the event's position in the log (eventstore.Position
	// string form).
	Position  string `json:"position"`
	Statement string `json:"statement"`
}

// Batch is a batch in flight: recorded before its first attempt so that
// after a crash exactly these statements are sent again, under the same
// delivery id.
type Batch struct {
	// Delivery identifies the batch at the target (the webhook's delivery
	// id); a re-send carries the same one.
	Delivery string     `json:"delivery"`
	Events   []EventRef `json:"events"`
	// Through is the checkpoint once the batch is done: its last event, or
	// a later position when filtered-out events followed it.
	Through string `json:"through"`
	// Attempts counts the failed attempts so far; Rejections those the
	// target rejected (they count towards MaxAttempts).
	Attempts   int       `json:"attempts"`
	Rejections int       `json:"rejections"`
	Started    time.Time `json:"started"`
}

// Failure describes a failed attempt.
type Failure struct {
	At time.Time `json:"at"`
	// Status is the target's HTTP status (0: no answer).
	Status  int    `json:"status"`
	Message string `json:"message"`
	// Rejected is true when the target rejected the batch (counts towards
	// MaxAttempts), false for a transient failure.
	Rejected bool `json:"rejected,omitempty"`
}

// Progress is the data of every progress event: the forward's whole
// progress after the event, so the stream's last event is its state.
type Progress struct {
	// Through: every statement up to here is delivered, dead-lettered or
	// filtered out. Empty: the forward's start.
	Through string `json:"through,omitempty"`
	// Pending is the batch in flight (started, not yet delivered or
	// dead-lettered).
	Pending *Batch `json:"pending,omitempty"`
	// Counters since the forward was created: statements acknowledged by
	// the target, failed attempts, retries (attempts after a failure),
	// statements sent to the dead letters, and batches acknowledged.
	Delivered    uint64 `json:"delivered"`
	Failed       uint64 `json:"failed"`
	Retried      uint64 `json:"retried"`
	DeadLettered uint64 `json:"deadLettered"`
	Batches      uint64 `json:"batches"`
	// Quarantined counts the poison events the forward skipped and
	// recorded in the quarantine (docs/limits.md).
	Quarantined uint64 `json:"quarantined,omitempty"`
	// LastError is the last failed attempt (kept after later successes).
	LastError *Failure `json:"lastError,omitempty"`
	// LastDelivery is when the target last acknowledged a batch.
	LastDelivery time.Time `json:"lastDelivery,omitzero"`
	// DeadLetter names the dead letter of a forward.batch.deadlettered.v1.
	DeadLetter string `json:"deadLetter,omitempty"`
}

// DeadLetter is a batch the target kept rejecting.
type DeadLetter struct {
	// ID is the batch's delivery id.
	ID        string     `json:"id"`
	Events    []EventRef `json:"events"`
	Attempts  int        `json:"attempts"`
	LastError Failure    `json:"lastError"`
	At        time.Time  `json:"at"`
}

// Redrive is the outcome of re-driving a dead letter.
type Redrive struct {
	DeadLetter string `json:"deadLetter"`
	// Request is the retry request it answers.
	Request   string `json:"request"`
	Delivered bool   `json:"delivered"`
	Attempts  int    `json:"attempts"`
	// LastError, when not delivered.
	LastError *Failure  `json:"lastError,omitempty"`
	At        time.Time `json:"at"`
}
