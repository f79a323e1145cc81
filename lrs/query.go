package lrs

import (
	"context"
	"math"
	"time"

	"github.com/google/uuid"
)

// StatementQuerier is the query contract of the statement read model (the
// statement index, projections/statementindex): the statements GET
// /xapi/statements answers. Both methods are safe for concurrent use and
// see the statements the read model has applied so far.
type StatementQuerier interface {
	// Get returns the statement with the given id, voided or not; found
	// is false when the read model does not hold it.
	Get(ctx context.Context, id uuid.UUID) (st StoredStatement, found bool, err error)
	// Query returns up to q.Limit statements (and up to q.MaxBytes of
	// them) ordered by stored time (then by the order the read model
	// applied them), newest first unless q.Ascending, and, when more
	// match, the cursor to pass as After for the next page. Voided
	// statements are never returned.
	Query(ctx context.Context, q Query) ([]StoredStatement, *Cursor, error)
}

// StoredStatement is a statement as the statement read model holds it.
type StoredStatement struct {
	ID     uuid.UUID
	Stored time.Time
	Voided bool
	// Voiding reports that this statement voids another.
	Voiding bool
	// JSON is the statement as stored (LRS-set fields included).
	JSON []byte
	// AttachmentScope is where its attachments' data is kept
	// (AttachmentScoper): "" for the shared store.
	AttachmentScope string
}

// Query selects statements. Every set field is a filter; the zero Query
// selects all statements. Voided statements are not returned
// (unless IncludeVoided).
type Query struct {
	// Agent is an AgentKey; with RelatedAgents it also matches authority,
	// instructor, team, context agents and groups, group members and the
	// same inside a SubStatement.
	Agent         string
	RelatedAgents bool
	Verb          string
	// Activity is an activity id; with RelatedActivities it also matches
	// context activities and a SubStatement's activities.
	Activity          string
	RelatedActivities bool
	Registration      string
	// Authority restricts to statements whose authority has this key
	// (statements/read/mine).
	Authority string
	// Since is exclusive, Until inclusive (stored time); zero for none.
	// Any time is exact, also outside the range a read model holds
	// stored times in (MinStored to MaxStored): no statement is stored
	// outside it.
	Since, Until time.Time
	Ascending    bool
	// Limit bounds the page (default and maximum are the caller's).
	Limit int
	// MaxBytes bounds the page's statements by the size of their stored
	// JSON, summed (0: no bound). A page always holds at least one
	// statement, so one larger than MaxBytes comes alone.
	MaxBytes int
	// After continues a previous page: results start strictly after it in
	// the query's order.
	After *Cursor
	// IncludeVoided returns voided statements too, for an access export
	// (privacy/export); the Statement API never sets it.
	IncludeVoided bool
}

// Cursor is a place in the (stored, seq) order of a query. Its JSON form
// is carried in the more links clients hold, so it never changes.
type Cursor struct {
	Stored int64  `json:"s"`
	Seq    uint64 `json:"q"`
}

// The range of stored times a statement read model orders exactly:
// nanoseconds since 1970 in an int64, 1970-01-01 to 2262-04-11. The LRS
// sets stored from its clock, so every statement it stores is inside; an
// event written below the LRS with a stored time outside is held at the
// nearest end.
var (
	MinStored = time.Unix(0, 0).UTC()
	MaxStored = time.Unix(0, math.MaxInt64).UTC()
)
