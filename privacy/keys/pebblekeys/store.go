// Package pebblekeys is the embedded keys.Store, on Pebble, in a directory
// of its own (by default <data-dir>/keys), apart from the log.
//
// # Destroying a key for good
//
// A Pebble delete only writes a tombstone: the key's bytes stay in older
// files until a compaction drops them, and a write-ahead log (WAL) that
// once held them may live on. So Destroy (1) deletes the subject's records
// in one batch, together with a "pending shred" marker per key, (2)
// flushes, (3) compacts the range of each destroyed key (Pebble Compact,
// through every level), which rewrites every file that held it without it,
// and (4) removes the markers. Pebble deletes the files that the
// compaction made obsolete in the background, and at the latest when the
// store closes. A Destroy interrupted before its compactions finished
// (a crash) is completed by the next Open, from the markers.
//
// The store runs with Pebble's WAL disabled. Pebble v2 recycles obsolete
// WAL files: up to MemTableStopWritesThreshold+1 of them (at least 3; no
// option turns recycling off) are kept on disk under their old names and
// later overwritten only from their start, so bytes written to a WAL can
// outlive any delete. Without a WAL, every write is made durable by a
// flush to an sstable before it is acknowledged (concurrent writers share
// one flush); key creation is rare (once per subject and key generation),
// so this costs little. The test TestDestroyLeavesNoBytes scans every file
// of the directory for a destroyed key's bytes, after a Destroy and a
// Close.
//
// Only the key bytes are shredded so: a destroyed subject's other records
// (its keyed name and its key ids, neither of which is secret or names a
// person) leave older files when Pebble compacts them in its own time.
//
// What this cannot reach: copies of the directory made before the Destroy
// (snapshots, backups), and the disk blocks that held deleted files (the
// file system frees them without overwriting; on SSDs, wear levelling
// keeps old pages too). The master key protects those copies: a wrapped
// key opens nothing without it.
package pebblekeys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/hocvu/hocvu/privacy/keys"
)

// ErrClosed is returned by every call after Close.
var ErrClosed = errors.New("pebblekeys: store closed")

// ErrLocked is returned by Open when another process has the directory open.
var ErrLocked = errors.New("pebblekeys: directory locked by another process")

// Key prefixes. The store's layout:
//
//	c/<subject>                 → the id of the subject's current key
//	g/<subject> NUL <key id>    → (empty) every key of the subject
//	k/<key id>                  → the wrapped key
//	p/<key id>                  → (empty) destroyed, its range not yet compacted
//	m/<name>                    → a meta value
const (
	prefixCurrent = "c/"
	prefixGens    = "g/"
	prefixKey     = "k/"
	prefixPending = "p/"
	prefixMeta    = "m/"
)

// Options configure Open. The zero value is fine.
type Options struct {
	// Logger receives Pebble's own log lines (debug) and errors.
	Logger *slog.Logger

	// noAutoCompactions turns Pebble's automatic compactions off (tests:
	// they make the bytes left by an interrupted Destroy deterministic).
	noAutoCompactions bool
}

// Store is the Pebble key store.
type Store struct {
	db   *pebble.DB
	lock *pebble.Lock

	state  sync.RWMutex // read-held by every call, held by Close
	closed bool

	mu sync.Mutex // serializes read-modify-write of the records

	committed atomic.Uint64 // batches committed
	flushed   atomic.Uint64 // batches known durable
	flushMu   sync.Mutex

	shredMu sync.Mutex // one shredPending at a time
}

var _ keys.Store = (*Store)(nil)

// Open opens (creating if needed) the key store in dir, and completes any
// Destroy that a crash interrupted.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("pebblekeys: create %s: %w", dir, err)
	}
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		return nil, fmt.Errorf("%w: %s (%v)", ErrLocked, dir, err)
	}
	cache := pebble.NewCache(8 << 20)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:              cache,
		Lock:               lock,
		MemTableSize:       4 << 20,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{opts.Logger},
		// No WAL: see the package documentation. Every write is flushed
		// before it is acknowledged.
		DisableWAL: true,

		DisableAutomaticCompactions: opts.noAutoCompactions,
	}
	for i := range po.Levels {
		// Wrapped keys are random bytes: compression would cost time and
		// save nothing.
		po.Levels[i].Compression = func() *sstable.CompressionProfile { return sstable.NoCompression }
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("pebblekeys: open %s: %w", dir, err)
	}
	s := &Store{db: db, lock: lock}
	if err := s.shredPending(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the store. Pebble deletes the files left obsolete by
// compactions before Close returns.
func (s *Store) Close() error {
	s.state.Lock()
	defer s.state.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.db.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("pebblekeys: close: %w", err)
	}
	return nil
}

// use read-locks the store for one call; release with done.
func (s *Store) use() (done func(), err error) {
	s.state.RLock()
	if s.closed {
		s.state.RUnlock()
		return nil, ErrClosed
	}
	return s.state.RUnlock, nil
}

// CurrentKey implements keys.Store.
func (s *Store) CurrentKey(ctx context.Context, subject string, fresh keys.Key) (keys.Key, bool, error) {
	if err := keys.ValidateName("subject", subject); err != nil {
		return keys.Key{}, false, err
	}
	if err := keys.ValidateFresh(fresh); err != nil {
		return keys.Key{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return keys.Key{}, false, err
	}
	done, err := s.use()
	if err != nil {
		return keys.Key{}, false, err
	}
	defer done()
	key, created, err := s.currentKey(subject, fresh)
	if err != nil {
		return keys.Key{}, false, err
	}
	// Whether this call wrote the key or found one another call wrote,
	// it is returned only once it is durable.
	if err := s.durable(); err != nil {
		return keys.Key{}, false, err
	}
	return key, created, nil
}

func (s *Store) currentKey(subject string, fresh keys.Key) (keys.Key, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok, err := s.get(prefixCurrent + subject)
	if err != nil {
		return keys.Key{}, false, err
	}
	if ok {
		w, ok, err := s.get(prefixKey + string(id))
		if err != nil {
			return keys.Key{}, false, err
		}
		if ok {
			return keys.Key{ID: string(id), Wrapped: w}, false, nil
		}
		// A pointer to a missing key cannot be left by this store (both
		// go in one batch); treat it as no key.
	}
	if _, exists, err := s.get(prefixKey + fresh.ID); err != nil {
		return keys.Key{}, false, err
	} else if exists {
		return keys.Key{}, false, fmt.Errorf("%w: key id %s is already taken", keys.ErrInvalid, fresh.ID)
	}
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set([]byte(prefixKey+fresh.ID), fresh.Wrapped, nil)
	_ = b.Set(genKey(subject, fresh.ID), nil, nil)
	_ = b.Set([]byte(prefixCurrent+subject), []byte(fresh.ID), nil)
	if err := s.commit(b); err != nil {
		return keys.Key{}, false, err
	}
	return keys.Key{ID: fresh.ID, Wrapped: bytes.Clone(fresh.Wrapped)}, true, nil
}

// Key implements keys.Store.
func (s *Store) Key(ctx context.Context, id string) ([]byte, error) {
	if keys.ValidateName("key id", id) != nil {
		return nil, fmt.Errorf("%w: %q", keys.ErrNoKey, id)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done, err := s.use()
	if err != nil {
		return nil, err
	}
	defer done()
	w, ok, err := s.get(prefixKey + id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s", keys.ErrNoKey, id)
	}
	return w, nil
}

// HasKey implements keys.Store.
func (s *Store) HasKey(ctx context.Context, subject string) (bool, error) {
	if err := keys.ValidateName("subject", subject); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	done, err := s.use()
	if err != nil {
		return false, err
	}
	defer done()
	id, ok, err := s.get(prefixCurrent + subject)
	if err != nil || !ok {
		return false, err
	}
	_, ok, err = s.get(prefixKey + string(id))
	return ok, err
}

// Destroy implements keys.Store: it deletes the subject's records, then
// flushes and compacts the destroyed keys' ranges (see the package
// documentation). It returns once the compactions are done.
func (s *Store) Destroy(ctx context.Context, subject string) ([]string, error) {
	if err := keys.ValidateName("subject", subject); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done, err := s.use()
	if err != nil {
		return nil, err
	}
	defer done()
	ids, err := s.deleteSubject(subject)
	if err != nil {
		return nil, err
	}
	if err := s.durable(); err != nil {
		return nil, err
	}
	if err := s.shredPending(ctx); err != nil {
		return nil, err
	}
	return ids, nil
}

// deleteSubject deletes every record of subject in one batch, marking each
// key as pending shred, and returns the key ids.
func (s *Store) deleteSubject(subject string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lo := genKey(subject, "")
	hi := append(genKey(subject, "")[:len(lo)-1], 1) // just past the NUL
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, fmt.Errorf("pebblekeys: read the keys of %s: %w", subject, err)
	}
	var ids []string
	for ok := it.First(); ok; ok = it.Next() {
		ids = append(ids, string(it.Key()[len(lo):]))
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("pebblekeys: read the keys of %s: %w", subject, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, id := range ids {
		_ = b.Delete([]byte(prefixKey+id), nil)
		_ = b.Delete(genKey(subject, id), nil)
		_ = b.Set([]byte(prefixPending+id), nil, nil)
	}
	_ = b.Delete([]byte(prefixCurrent+subject), nil)
	if err := s.commit(b); err != nil {
		return nil, err
	}
	return ids, nil
}

// shredPending compacts the range of every destroyed key still marked
// pending, then removes the markers.
func (s *Store) shredPending(ctx context.Context) error {
	s.shredMu.Lock()
	defer s.shredMu.Unlock()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte(prefixPending), UpperBound: []byte("p0")})
	if err != nil {
		return fmt.Errorf("pebblekeys: read pending shreds: %w", err)
	}
	var ids []string
	for ok := it.First(); ok; ok = it.Next() {
		ids = append(ids, string(it.Key()[len(prefixPending):]))
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("pebblekeys: read pending shreds: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		start := []byte(prefixKey + id)
		end := append([]byte(prefixKey+id), 0)
		if err := s.db.Compact(ctx, start, end, false); err != nil {
			return fmt.Errorf("pebblekeys: compact destroyed key %s: %w", id, err)
		}
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, id := range ids {
		_ = b.Delete([]byte(prefixPending+id), nil)
	}
	// Not made durable on purpose: a marker that comes back after a crash
	// costs one more (empty) compaction at the next Open.
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("pebblekeys: clear pending shreds: %w", err)
	}
	return nil
}

// CreateMeta implements keys.Store.
func (s *Store) CreateMeta(ctx context.Context, name string, value []byte) ([]byte, error) {
	if err := keys.ValidateName("meta name", name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done, err := s.use()
	if err != nil {
		return nil, err
	}
	defer done()
	stored, err := s.createMeta(name, value)
	if err != nil {
		return nil, err
	}
	if err := s.durable(); err != nil {
		return nil, err
	}
	return stored, nil
}

func (s *Store) createMeta(name string, value []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok, err := s.get(prefixMeta + name)
	if err != nil || ok {
		return v, err
	}
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set([]byte(prefixMeta+name), value, nil)
	if err := s.commit(b); err != nil {
		return nil, err
	}
	return bytes.Clone(value), nil
}

// Meta implements keys.Store.
func (s *Store) Meta(ctx context.Context, name string) ([]byte, error) {
	if err := keys.ValidateName("meta name", name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done, err := s.use()
	if err != nil {
		return nil, err
	}
	defer done()
	v, ok, err := s.get(prefixMeta + name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s", keys.ErrNoMeta, name)
	}
	return v, nil
}

// get returns a copy of the value of key.
func (s *Store) get(key string) ([]byte, bool, error) {
	v, closer, err := s.db.Get([]byte(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pebblekeys: read %s: %w", key, err)
	}
	out := bytes.Clone(v)
	_ = closer.Close()
	return out, true, nil
}

// commit applies a batch to the memtable (there is no WAL); durable makes
// it last.
func (s *Store) commit(b *pebble.Batch) error {
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("pebblekeys: write: %w", err)
	}
	s.committed.Add(1)
	return nil
}

// durable returns once every batch committed before the call is in a
// flushed sstable. Callers that arrive while a flush runs wait for it and
// then share the next one.
func (s *Store) durable() error {
	target := s.committed.Load()
	if s.flushed.Load() >= target {
		return nil
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if s.flushed.Load() >= target {
		return nil
	}
	upTo := s.committed.Load()
	if err := s.db.Flush(); err != nil {
		return fmt.Errorf("pebblekeys: flush: %w", err)
	}
	s.flushed.Store(upTo)
	return nil
}

func genKey(subject, id string) []byte {
	return []byte(prefixGens + subject + "\x00" + id)
}

// pebbleLogger sends Pebble's log lines to slog.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebblekeys")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebblekeys")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebblekeys", "fatal", true)
	os.Exit(1)
}
