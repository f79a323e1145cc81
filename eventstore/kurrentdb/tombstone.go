package kurrentdb

import (
	"context"
	"errors"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/hocvu/hocvu/eventstore"
)

// ErrStreamDeleted is wrapped by the error of Tombstone, and of Append, on
// a stream that was tombstoned: KurrentDB never lets a tombstoned stream's
// name be used again. (ReadStream of such a stream returns
// eventstore.ErrStreamNotFound, as for any stream with no events.)
var ErrStreamDeleted = errors.New("kurrentdb: stream deleted (tombstoned)")

// Tombstone hard-deletes stream (KurrentDB's tombstone, expected revision
// Any). Afterwards reads of the stream find nothing and appends to it fail
// with ErrStreamDeleted, forever; a stream that was already tombstoned
// gives an error wrapping ErrStreamDeleted. The server keeps the stream's
// events on disk, and in reads and subscriptions of $all (the adapter's
// ReadAll and SubscribeAll), until a scavenge removes them
// (docs/privacy.md, "Key store"). Like appends, a tombstone is not retried
// by the adapter; retrying one whose outcome is unknown is safe (the retry
// then fails with ErrStreamDeleted).
func (s *Store) Tombstone(ctx context.Context, stream string) error {
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return err
	}
	if s.isClosed() {
		return eventstore.ErrClosed
	}
	err := s.do(ctx, false, func(ctx context.Context, c *esdb.Client) error {
		_, err := c.TombstoneStream(ctx, stream, esdb.TombstoneStreamOptions{ExpectedRevision: esdb.Any{}})
		return err
	})
	return s.wrap(ctx, "tombstone "+stream, err)
}
