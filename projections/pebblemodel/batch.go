package pebblemodel

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// Batch is a set of writes applied atomically by Commit, together with
// the checkpoint they bring the read model to.
type Batch struct {
	b    *pebble.Batch
	name string
	// sorted, in a batch of DB.NewSortedBatch, holds the Sets and Deletes
	// not yet written to b; db makes b anew at the size they need.
	sorted *sortedOps
	db     *pebble.DB
}

// Set writes key = value.
func (b *Batch) Set(key, value []byte) error {
	if b.sorted != nil {
		b.sorted.add(false, key, value)
		return nil
	}
	return b.b.Set(key, value, nil)
}

// Delete removes key.
func (b *Batch) Delete(key []byte) error {
	if b.sorted != nil {
		b.sorted.add(true, key, nil)
		return nil
	}
	return b.b.Delete(key, nil)
}

// DeleteRange removes every key in [start, end).
func (b *Batch) DeleteRange(start, end []byte) error {
	if err := b.writeSorted(); err != nil {
		return err
	}
	return b.b.DeleteRange(start, end, nil)
}

// writeSorted writes the buffered Sets and Deletes of a sorted batch to
// the Pebble batch in key order.
func (b *Batch) writeSorted() error {
	if b.sorted == nil {
		return nil
	}
	if b.b.Empty() && b.db != nil {
		// Sized at once for what follows, not grown (and copied) as
		// the writes arrive.
		_ = b.b.Close()
		b.b = b.db.NewBatchWithSize(b.sorted.size())
	}
	return b.sorted.writeTo(b.b)
}

// Get implements Reader; only an indexed batch (DB.NewIndexedBatch) reads.
func (b *Batch) Get(key []byte) ([]byte, io.Closer, error) { return b.b.Get(key) }

// Commit writes the batch and checkpoint (under CheckpointKey) as one
// atomic write, without fsync (see the package doc).
func (b *Batch) Commit(checkpoint []byte) error {
	if err := b.writeSorted(); err != nil {
		return fmt.Errorf("%s: commit: %w", b.name, err)
	}
	if err := b.b.Set([]byte{CheckpointKey}, checkpoint, nil); err != nil {
		return err
	}
	if err := b.b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("%s: commit: %w", b.name, err)
	}
	return nil
}

// Close releases the batch; a batch not committed is discarded.
func (b *Batch) Close() error {
	if b.sorted != nil {
		s := b.sorted
		b.sorted = nil
		s.arena, s.ops = s.arena[:0], s.ops[:0]
		sortedPool.Put(s)
	}
	return b.b.Close()
}

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

// sortedOps buffers a batch's Sets and Deletes so that they reach the
// memtable in key order. Pebble inserts a batch's keys into its memtable
// (a skiplist) one after the other, starting each search where the
// previous one ended: in key order, each search is short. The statement
// index writes about 15 keys per statement, spread over the whole key
// space (posting lists by hash); in the order they were written, the
// inserts took 17% of a rebuild's CPU (docs/benchmarks.md).
type sortedOps struct {
	arena []byte // the keys and values, back to back
	ops   []sortedOp
}

type sortedOp struct {
	del bool
	// The key is arena[key:value], the value arena[value:valueEnd].
	key, value, valueEnd int
}

// sortedPool keeps the buffers of committed batches for the next ones, so
// that a stream of batches of similar size stops growing them.
var sortedPool = sync.Pool{New: func() any { return &sortedOps{} }}

func (s *sortedOps) add(del bool, key, value []byte) {
	op := sortedOp{del: del, key: len(s.arena)}
	s.arena = append(s.arena, key...)
	op.value = len(s.arena)
	s.arena = append(s.arena, value...)
	op.valueEnd = len(s.arena)
	s.ops = append(s.ops, op)
}

// size is about the bytes the ops take in a Pebble batch (a kind and two
// length varints each), with room for the checkpoint.
func (s *sortedOps) size() int { return 64 + len(s.arena) + 11*len(s.ops) }

// writeTo writes the ops to b in key order and empties s. The order is
// stable: writes of one key keep their order, so the last one wins as it
// would have; writes of different keys commute.
func (s *sortedOps) writeTo(b *pebble.Batch) error {
	keyOf := func(op sortedOp) []byte { return s.arena[op.key:op.value] }
	// Ties are broken by arena offset, which follows the order of the
	// writes: a stable order without the slower stable sort.
	slices.SortFunc(s.ops, func(x, y sortedOp) int {
		if c := bytes.Compare(keyOf(x), keyOf(y)); c != 0 {
			return c
		}
		return cmp.Compare(x.key, y.key)
	})
	for _, op := range s.ops {
		var err error
		if op.del {
			err = b.Delete(keyOf(op), nil)
		} else {
			err = b.Set(keyOf(op), s.arena[op.value:op.valueEnd], nil)
		}
		if err != nil {
			return err
		}
	}
	s.arena, s.ops = s.arena[:0], s.ops[:0]
	return nil
}
