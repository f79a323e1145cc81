package lrs

// Event types written by the LRS. Stored formats are permanent: these names
// never change meaning; a new payload layout gets a new type (".v2").
const (
	// EventStatementStored records one accepted statement. Data is the
	// statement exactly as the LRS stores it (with id, stored, timestamp,
	// authority and version set); Metadata is a StatementStoredMeta.
	// A voiding statement is stored with this type too: voiding is an
	// effect that read models derive from its verb and object.
	EventStatementStored = "xapi.statement.stored.v1"

	// EventStatementSealed records one accepted statement whose people
	// are sealed (privacy/sealing, --seal-personal-data): Data is the
	// statement as EventStatementStored holds it, but every Agent and
	// identified Group in it (not the authority) replaced by a sealed
	// agent; Metadata is a StatementStoredMeta. Readers open it with the
	// keyring, or index it by the agents' subjects.
	EventStatementSealed = "xapi.statement.sealed.v1"

	// EventPrefixStatement selects every statement event.
	EventPrefixStatement = "xapi.statement."
)

// IsStatementEvent reports whether an event type records a statement
// (EventStatementStored or EventStatementSealed).
func IsStatementEvent(typ string) bool {
	return typ == EventStatementStored || typ == EventStatementSealed
}

// StatementsStream is the stream all statement events are appended to.
// One stream gives the LRS one optimistic-concurrency point: an append at
// an exact expected revision cannot interleave with another writer's, which
// is how statement ids stay unique and batches stay atomic across API
// replicas sharing one KurrentDB.
const StatementsStream = "xapi-statements"

// StatementStoredMeta is the metadata of EventStatementStored and
// EventStatementSealed.
type StatementStoredMeta struct {
	// Batch identifies the request that stored the statement; a POST of n
	// statements is n events with one Batch, appended atomically.
	Batch string `json:"batch"`
	// Credential is the key of the credential that wrote it.
	Credential string `json:"credential,omitempty"`
	// XAPIVersion is the version header of the request ("1.0.3", "2.0.0").
	XAPIVersion string `json:"xapiVersion"`
	// Define is true when the credential had the "define" scope, so read
	// models may learn activity definitions from the statement.
	Define bool `json:"define,omitempty"`
}
