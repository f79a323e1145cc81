package pebblemodel

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Snapshot writes an online, point-in-time copy of the database into dir,
// which must not exist yet (its parent must). The copy is a complete
// read-model database: Open on it resumes from the checkpoint it holds.
//
// It uses Pebble's checkpoint: sstables and blob files are hard-linked
// (copied when dir is on another filesystem), the WAL and the manifest
// copied, after the WAL is flushed and synced so that every batch
// committed before the call (commits do not fsync) is in the copy. Pebble
// gives the copy one consistent view, and the checkpoint key is written in
// the same batch as its effects (Batch.Commit), so the copy's checkpoint
// covers exactly the effects it holds.
//
// Snapshot may run concurrently with reads and batch commits; like every
// call but Close it must not run concurrently with Reset or Close.
func (d *DB) Snapshot(dir string) error {
	if err := d.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("%s: snapshot into %s: %w", d.name, dir, err)
	}
	return nil
}
