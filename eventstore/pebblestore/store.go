// Package pebblestore is Hocvu's embedded event store, the zero-setup
// default backend of eventstore.Store, built on CockroachDB's Pebble
// (a log-structured merge-tree key-value engine with a write-ahead log).
//
// Why Pebble: an event log is an append-heavy workload, which an LSM tree
// with a WAL serves well; Pebble commits atomic batches, fsyncs the WAL
// before acknowledging a synced write, recovers by replaying it after a
// crash, iterates ordered keys quickly for global-log reads, takes a
// directory lock so a second process cannot open the same data, and is
// maintained as the storage engine of CockroachDB.
//
// Writes go through one writer goroutine that forms groups of the appends
// waiting at that moment (group commit): it checks each append's expected
// revision against committed state plus the earlier appends of the group,
// writes the whole group as one Pebble batch, syncs the WAL once, and then
// acknowledges every append of the group. Concurrent appenders therefore
// share fsyncs, and an append is acknowledged only once it is durable. A
// crash before the sync loses the whole group (none of it was
// acknowledged); Pebble's batch atomicity means no append is half-visible.
package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/hocvu/hocvu/eventstore"
)

var _ eventstore.Store = (*Store)(nil)

// ErrLocked is returned by Open when another process holds the directory.
var ErrLocked = errors.New("pebblestore: data directory is in use by another process")

// Options tune the store. The zero value is sensible.
type Options struct {
	// Logger receives Pebble's own log lines (at debug level) and errors.
	Logger *slog.Logger
	// CacheSize is the block cache size in bytes (default 128 MiB).
	CacheSize int64
	// MemTableSize is the memtable size in bytes (default 64 MiB). Pebble
	// keeps up to two (one filling, one flushing) before it stalls writes.
	MemTableSize uint64
	// MaxGroupBytes bounds the payload of one commit group (default 32 MiB).
	MaxGroupBytes int
}

// Store is the embedded event store. Create it with Open.
type Store struct {
	db   *pebble.DB
	lock *pebble.Lock
	dir  string
	log  *slog.Logger
	reqs chan *appendRequest
	// sendMu orders Close against Append's send on reqs: once stopping is
	// set no append can enter the queue, so the writer's final drain sees
	// every queued request.
	sendMu   sync.RWMutex
	stopping bool
	closed   chan struct{} // closed when Close starts
	// readMu orders reads against Close: a read holds it shared from its
	// check that the store is open until it has finished with Pebble, and
	// Close takes it before closing Pebble, so no read meets a closed DB.
	readMu sync.RWMutex
	done   chan struct{} // closed when the writer has stopped
	once   sync.Once
	maxGrp int

	// head is the last committed global position (0 when empty).
	head atomic.Uint64

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced after every commit

	stats Stats
}

// Stats are counters about the store's work since it was opened.
type Stats struct {
	Groups  atomic.Uint64 // commit groups (= WAL syncs)
	Appends atomic.Uint64 // acknowledged appends that wrote events
	Events  atomic.Uint64 // events written
}

// Open opens (creating if needed) the store in dir. It fails with an error
// wrapping ErrLocked when another process has the directory open.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 128 << 20
	}
	if opts.MemTableSize == 0 {
		opts.MemTableSize = 64 << 20
	}
	if opts.MaxGroupBytes <= 0 {
		opts.MaxGroupBytes = 32 << 20
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("pebblestore: create %s: %w", dir, err)
	}
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		return nil, fmt.Errorf("%w: %s (%v)", ErrLocked, dir, err)
	}
	cache := pebble.NewCache(opts.CacheSize)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:              cache,
		Lock:               lock,
		MemTableSize:       opts.MemTableSize,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{opts.Logger},
	}
	// Bloom filters on every level: the hot point reads are lookups of
	// keys that usually do not exist, which a filter answers without
	// reading a block. The log is read mostly by long forward scans
	// (catch-up, rebuild), so bigger data blocks than the 4 KiB default:
	// fewer block loads, block allocations and decompression calls per
	// event.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		po.Levels[i].FilterType = pebble.TableFilter
		po.Levels[i].BlockSize = 32 << 10
	}
	db, err := pebble.Open(filepath.Clean(dir), po)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	s := &Store{
		db:     db,
		lock:   lock,
		dir:    dir,
		log:    opts.Logger,
		reqs:   make(chan *appendRequest, 1024),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
		notify: make(chan struct{}),
		maxGrp: opts.MaxGroupBytes,
	}
	last, err := s.loadHead()
	if err != nil {
		_ = db.Close()
		_ = lock.Close()
		return nil, err
	}
	s.head.Store(last)
	go s.writer()
	return s, nil
}

// Dir returns the directory the store lives in.
func (s *Store) Dir() string { return s.dir }

// Stats returns the store's counters.
func (s *Store) Stats() *Stats { return &s.stats }

// Close stops accepting appends, finishes the group being committed, fails
// queued appends with eventstore.ErrClosed, ends subscriptions and closes
// Pebble. It is safe to call more than once.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		s.sendMu.Lock()
		s.stopping = true
		s.sendMu.Unlock()
		close(s.closed)
		<-s.done
		s.wake()
		s.readMu.Lock()
		if cerr := s.db.Close(); cerr != nil {
			err = fmt.Errorf("pebblestore: close: %w", cerr)
		}
		s.readMu.Unlock()
		if cerr := s.lock.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("pebblestore: release lock: %w", cerr)
		}
	})
	return err
}

// reading guards one read against Close (readMu): it fails with
// eventstore.ErrClosed once Close has started, else the read may use
// Pebble until it calls done.
func (s *Store) reading() (done func(), err error) {
	s.readMu.RLock()
	if s.isClosed() {
		s.readMu.RUnlock()
		return nil, eventstore.ErrClosed
	}
	return s.readMu.RUnlock, nil
}

func (s *Store) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

func (s *Store) loadHead() (uint64, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{tagGlobal}, UpperBound: []byte{tagGlobal + 1}})
	if err != nil {
		return 0, fmt.Errorf("pebblestore: find head: %w", err)
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	k := it.Key()
	if len(k) != 9 {
		return 0, fmt.Errorf("pebblestore: find head: %w", errCorrupt)
	}
	return beU64(k[1:]), nil
}

// waitChan returns a channel closed after the next commit.
func (s *Store) waitChan() <-chan struct{} {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	return s.notify
}

func (s *Store) wake() {
	s.notifyMu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.notifyMu.Unlock()
}

// Head implements eventstore.LogReader.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.Position{}, err
	}
	if s.isClosed() {
		return eventstore.Position{}, eventstore.ErrClosed
	}
	h := s.head.Load()
	return eventstore.Position{Commit: h, Prepare: h}, nil
}

type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble", "fatal", true)
	os.Exit(1)
}
