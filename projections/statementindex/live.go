package statementindex

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections"
)

// Live is the index with the runner that keeps it up to date: what the
// statement writer (lrs.StatementLookup), the wait for a write's
// visibility (lrs.Visibility), the Consistent-Through rule
// (lrs.AppliedIndex), the query API and the forwarder's voiding lookups
// need.
type Live struct {
	*Index
	Runner *projections.Runner
}

var (
	_ lrs.StatementLookup = Live{}
	_ lrs.AppliedIndex    = Live{}
)

// LookupStatement returns the stored JSON of statement id.
func (l Live) LookupStatement(ctx context.Context, id uuid.UUID) ([]byte, bool, error) {
	st, found, err := l.Index.Get(ctx, id)
	return st.JSON, found, err
}

// WaitFor blocks until the runner has applied the log through pos.
func (l Live) WaitFor(ctx context.Context, pos eventstore.Position) error {
	return l.Runner.WaitFor(ctx, pos)
}

// LastStored is the newest stored time the index has applied.
func (l Live) LastStored() time.Time { return l.Index.ConsistentThrough() }

// Applied is the log position the runner has applied through.
func (l Live) Applied() eventstore.Position { return l.Runner.Status().Applied }
