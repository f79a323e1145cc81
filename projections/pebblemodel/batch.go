package pebblemodel

import (
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2"
)

// Batch is a set of writes applied atomically by Commit, together with
// the checkpoint they bring the read model to.
type Batch struct {
	b    *pebble.Batch
	name string
}

// Set writes key = value.
func (b *Batch) Set(key, value []byte) error { return b.b.Set(key, value, nil) }

// Delete removes key.
func (b *Batch) Delete(key []byte) error { return b.b.Delete(key, nil) }

// DeleteRange removes every key in [start, end).
func (b *Batch) DeleteRange(start, end []byte) error { return b.b.DeleteRange(start, end, nil) }

// Get implements Reader; only an indexed batch (DB.NewIndexedBatch) reads.
func (b *Batch) Get(key []byte) ([]byte, io.Closer, error) { return b.b.Get(key) }

// Commit writes the batch and checkpoint (under CheckpointKey) as one
// atomic write, without fsync (see the package doc).
func (b *Batch) Commit(checkpoint []byte) error {
	if err := b.b.Set([]byte{CheckpointKey}, checkpoint, nil); err != nil {
		return err
	}
	if err := b.b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("%s: commit: %w", b.name, err)
	}
	return nil
}

// Close releases the batch; a batch not committed is discarded.
func (b *Batch) Close() error { return b.b.Close() }

// NewPrefixIter returns an iterator over the keys that start with prefix
// as the batch would leave them: the database with the batch's writes
// applied. Only an indexed batch (DB.NewIndexedBatch) can iterate.
func (b *Batch) NewPrefixIter(prefix []byte) (*Iter, error) {
	it, err := b.b.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("%s: iterate the batch: %w", b.name, err)
	}
	return &Iter{it: it}, nil
}
