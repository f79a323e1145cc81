package lrs

import (
	"context"
	"time"

	"github.com/hocvu/hocvu/eventstore"
)

// AppliedIndex is what the Consistent-Through rule asks of the statement
// read model (projections/statementindex.Live implements it).
type AppliedIndex interface {
	// Applied is the log position the read model has applied through.
	Applied() eventstore.Position
	// LastStored is the newest stored time the read model has applied
	// (the zero time while it has applied none).
	LastStored() time.Time
}

// Consistency is the rule of the X-Experience-API-Consistent-Through
// header: the time through which every stored statement is visible to
// the statement API.
type Consistency struct {
	// Exclusive is true when this process is the log's only writer (the
	// embedded store); false over a shared store (KurrentDB), where
	// another replica may be writing.
	Exclusive bool
	// Writer is the statement writer (*StatementWriter): Idle when no
	// write is between its stored-time assignment and its
	// acknowledgement.
	Writer interface{ Idle() bool }
	// Log is the event store's log, whose head the index is compared
	// with.
	Log eventstore.LogReader
	// Index is the statement read model.
	Index AppliedIndex
}

// headWithin bounds the read of the log's head.
const headWithin = time.Second

// Through returns the Consistent-Through time. When this process is the
// only writer, no write is in flight and the index has applied the whole
// log, everything stored until now is visible: now minus 1 ms. Otherwise
// (a write in flight, the index behind, the head unreadable, or a shared
// store) it is 1 ms before the newest stored time the index has applied:
// stored times never decrease along the log, so every earlier statement
// is already applied. It is the zero time while the index has applied no
// statement.
func (c Consistency) Through() time.Time {
	if c.Exclusive && c.Writer.Idle() {
		ctx, cancel := context.WithTimeout(context.Background(), headWithin)
		head, err := c.Log.Head(ctx)
		cancel()
		if err == nil && c.Index.Applied().Compare(head) >= 0 {
			return time.Now().Add(-time.Millisecond)
		}
	}
	last := c.Index.LastStored()
	if last.IsZero() {
		return last
	}
	return last.Add(-time.Millisecond)
}
