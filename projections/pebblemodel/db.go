// Package pebblemodel is the storage of Hocvu's local read models
// (projections/statementindex, projections/documentindex): one Pebble
// database per read model, in its own directory, which it owns for its
// whole life.
//
// A [DB] does the lifecycle every such read model needs, once:
//   - Open creates the directory, locks it against a second process (a
//     second Open fails with an error that says "in use by another
//     process"), opens Pebble with the read-model tuning (bloom filters
//     on every level: the hot reads are point lookups of keys that
//     usually do not exist; optionally value separation, so that large
//     values stay out of compactions) and reads the stored checkpoint;
//   - [Batch.Commit] writes the checkpoint in the same atomic batch as
//     the effects it covers, so a crash never leaves effects without
//     their checkpoint or the reverse. Commits do not fsync: a read model
//     is rebuildable from the log, so a crash only rolls it back to an
//     earlier, consistent checkpoint;
//   - Reset empties the database (with fsync) for a rebuild from the
//     start of the log; Close closes it and releases the lock.
//
// The checkpoint lives under the one-byte key [CheckpointKey]; its value
// is the read model's own encoding, opaque here. Every other key is the
// read model's. This package is the only importer of Pebble on the read
// side, and it keeps the on-disk layout of the databases it opens
// unchanged.
//
// Concurrency: reads (Get, NewIter) and batch commits may run
// concurrently, as Pebble allows; Reset and Close must not run
// concurrently with any other call, which the read models ensure with
// their own lock.
package pebblemodel

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// CheckpointKey is the key of the checkpoint in every read-model database.
const CheckpointKey = 'c'

// ErrNotFound is returned by Get when the key is absent.
var ErrNotFound = pebble.ErrNotFound

// Options configure Open.
type Options struct {
	// Name prefixes every error, e.g. "statementindex".
	Name string
	// LogComponent labels Pebble's own log lines; Name when empty.
	LogComponent string
	// Logger receives Pebble's log lines (informational ones at Debug);
	// discarded when nil.
	Logger *slog.Logger
	// MemTableSize is Pebble's memtable size; Pebble's default (4 MiB)
	// when 0. Pebble keeps up to two before it stalls writes.
	MemTableSize uint64
	// Cache is the block cache, shared with other read models; a cache of
	// Pebble's default size (8 MiB) of this database's own when nil.
	Cache *Cache
	// SeparateValuesFrom, when > 0, stores values of at least this many
	// bytes in blob files beside the sstables (Pebble's value
	// separation): compactions then move references, not the values, so
	// a read model that keeps large values under keys that compactions
	// keep rewriting (the statement index's records among its posting
	// lists) writes each value about once instead of once per level.
	SeparateValuesFrom int
	// PointKeys, when its Holds is set, limits the bloom filters to the
	// keys looked up one at a time; every key goes into them otherwise.
	PointKeys PointKeys
}

// DB is one read model's Pebble database.
type DB struct {
	name string
	dir  string
	lock *pebble.Lock
	db   *pebble.DB
}

// Reader reads keys: a DB, or an indexed Batch (which sees its own
// writes).
type Reader interface {
	// Get returns the value of key, valid until closer is closed, or an
	// error wrapping ErrNotFound.
	Get(key []byte) (value []byte, closer io.Closer, err error)
}

var (
	_ Reader = (*DB)(nil)
	_ Reader = (*Batch)(nil)
)

// Open opens (creating if needed) the database in dir, locked for this
// process until Close.
func Open(dir string, o Options) (*DB, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LogComponent == "" {
		o.LogComponent = o.Name
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("%s: create %s: %w", o.Name, dir, err)
	}
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		return nil, fmt.Errorf("%s: %s is in use by another process: %w", o.Name, dir, err)
	}
	opts := &pebble.Options{
		Cache:              o.Cache.pebble(),
		Lock:               lock,
		MemTableSize:       o.MemTableSize,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             quietLogger{o.Logger, o.LogComponent},
	}
	if o.SeparateValuesFrom > 0 {
		opts.Experimental.ValueSeparationPolicy = func() pebble.ValueSeparationPolicy {
			return pebble.ValueSeparationPolicy{
				Enabled:               true,
				MinimumSize:           o.SeparateValuesFrom,
				MaxBlobReferenceDepth: 10,
				RewriteMinimumAge:     5 * time.Minute,
				TargetGarbageRatio:    0.2,
			}
		}
	}
	setFilters(opts, o.PointKeys)
	db, err := pebble.Open(dir, opts)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("%s: open %s: %w", o.Name, dir, err)
	}
	return &DB{name: o.Name, dir: dir, lock: lock, db: db}, nil
}

// Checkpoint returns a copy of the stored checkpoint, or nil when none
// has been committed (a new or reset database).
func (d *DB) Checkpoint() ([]byte, error) {
	v, closer, err := d.db.Get([]byte{CheckpointKey})
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read checkpoint: %w", d.name, err)
	}
	defer closer.Close()
	return append([]byte{}, v...), nil
}

// Get implements Reader.
func (d *DB) Get(key []byte) ([]byte, io.Closer, error) { return d.db.Get(key) }

// NewIter returns an iterator over the keys in [lower, upper); a nil
// upper has no upper bound.
func (d *DB) NewIter(lower, upper []byte) (*Iter, error) {
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, err
	}
	return &Iter{it: it}, nil
}

// NewPrefixIter returns an iterator over the keys that start with prefix.
func (d *DB) NewPrefixIter(prefix []byte) (*Iter, error) {
	return d.NewIter(prefix, prefixEnd(prefix))
}

// prefixEnd is the least key greater than every key starting with p, or
// nil (no upper bound) when p is all 0xff.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Flush writes the memtables out to sstables (and large values to blob
// files, with SeparateValuesFrom), waiting until they are.
func (d *DB) Flush() error {
	if err := d.db.Flush(); err != nil {
		return fmt.Errorf("%s: flush: %w", d.name, err)
	}
	return nil
}

// NewBatch returns a write-only batch.
func (d *DB) NewBatch() *Batch { return &Batch{b: d.db.NewBatch(), name: d.name} }

// NewSortedBatch returns a write-only batch that writes its Sets and
// Deletes to the memtable in key order (for batches of many keys written
// in no particular order); writes of one key keep their order.
func (d *DB) NewSortedBatch() *Batch {
	return &Batch{b: d.db.NewBatch(), name: d.name, sorted: sortedPool.Get().(*sortedOps), db: d.db}
}

// NewIndexedBatch returns a batch whose Get sees its own writes.
func (d *DB) NewIndexedBatch() *Batch { return &Batch{b: d.db.NewIndexedBatch(), name: d.name} }

// Reset deletes every key, the checkpoint included, and syncs.
func (d *DB) Reset() error {
	b := d.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange([]byte{0}, []byte{0xff}, nil); err != nil {
		return fmt.Errorf("%s: reset: %w", d.name, err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("%s: reset: %w", d.name, err)
	}
	return nil
}

// Close closes the database and releases the directory lock.
func (d *DB) Close() error {
	var err error
	if d.db != nil {
		err = d.db.Close()
		d.db = nil
	}
	if d.lock != nil {
		if lerr := d.lock.Close(); err == nil {
			err = lerr
		}
		d.lock = nil
	}
	if err != nil {
		return fmt.Errorf("%s: close: %w", d.name, err)
	}
	return nil
}

type quietLogger struct {
	l         *slog.Logger
	component string
}

func (q quietLogger) Infof(format string, args ...any) {
	q.l.Debug(fmt.Sprintf(format, args...), "component", q.component)
}
func (q quietLogger) Errorf(format string, args ...any) {
	q.l.Error(fmt.Sprintf(format, args...), "component", q.component)
}
func (q quietLogger) Fatalf(format string, args ...any) {
	q.l.Error(fmt.Sprintf(format, args...), "component", q.component, "fatal", true)
	os.Exit(1)
}
