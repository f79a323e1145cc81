package analytics

import (
	"context"

	"github.com/hocvu/hocvu/eventstore"
)

// Sink is an analytics engine's write side.
type Sink interface {
	// Engine names the engine ("clickhouse", "duckdb").
	Engine() string
	// Checkpoint returns the position the sink holds everything through,
	// after repairing any half-written batch a crash left behind.
	Checkpoint(ctx context.Context) (eventstore.Position, error)
	// Position returns the stored checkpoint and nothing else: no repair,
	// no write. It is safe beside a running projector (status commands).
	Position(ctx context.Context) (eventstore.Position, error)
	// Write stores a batch and its checkpoint so that, whatever happens,
	// the sink ends up with each fact exactly once. Facts whose statement
	// is voided are never in a batch; Voids name statements the sink may
	// already hold, which must then stop counting.
	Write(ctx context.Context, b *Batch) error
	// Voided returns the ids of statements voided so far and the ids of
	// voiding statements (which cannot be voided), for the projection's
	// memory.
	Voided(ctx context.Context) (voided, voiding []string, err error)
	// Learners returns the learner attributions the sink's facts carry:
	// the last Batch.Learners written (none after a Reset).
	Learners(ctx context.Context) ([]Attribution, error)
	// Reset empties every table for a rebuild.
	Reset(ctx context.Context) error
}

// Engine is a sink that also answers the named queries.
type Engine interface {
	Sink
	Counter
	// Query runs a named query of the Catalog.
	Query(ctx context.Context, name string, p Params) (*Result, error)
	Close() error
}

// Batch is what the projection (projections/analyticsfacts) hands a sink
// at a time.
type Batch struct {
	Facts []Fact
	Voids []Void
	// Dims, when set, replace the dimension tables.
	Dims *Dims
	// CourseNames are the course names the batch's statements define: one
	// per course and language (the batch's latest), sorted by course and
	// language. The sink keeps, per course and language, the name of the
	// highest position it was given.
	CourseNames []CourseName
	// Reattribute lists the learners whose directory entry changed, with
	// their new entry (only the actor id when they left the directory):
	// after writing the facts, the sink gives every fact of theirs that is
	// open to the directory (OpenToDirectory) the entry's value for each
	// campaign extension the fact lacks, facts of this batch included.
	Reattribute []Attribution
	// Learners, when SetLearners is true, replace the stored attributions
	// (Sink.Learners), after Reattribute is applied.
	Learners    []Attribution
	SetLearners bool
	Through     eventstore.Position
}
