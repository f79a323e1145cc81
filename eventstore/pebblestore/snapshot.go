package pebblestore

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Snapshot writes an online, point-in-time copy of the store into dir,
// which must not exist yet (its parent must): Pebble's checkpoint, with
// sstables hard-linked where dir is on the same filesystem. Appends are
// acknowledged only once synced, so the copy holds every append
// acknowledged before the call, whole (a commit group is one batch), and
// Open on dir gives a store whose log ends there. It may run concurrently
// with appends and reads; it fails with eventstore.ErrClosed once Close
// has started.
func (s *Store) Snapshot(dir string) error {
	done, err := s.reading()
	if err != nil {
		return err
	}
	defer done()
	if err := s.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("pebblestore: snapshot into %s: %w", dir, err)
	}
	return nil
}
