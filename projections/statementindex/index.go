// Package statementindex is the read model behind GET /xapi/statements: a
// projection of the statement events into a Pebble database in the data
// directory that implements the query contract of package lrs
// (lrs.StatementQuerier). It can always be deleted and rebuilt by
// replaying the log.
//
// Layout (one Pebble database):
//
//	'c'                                   checkpoint (pebblemodel.CheckpointKey): position, last stored time, next seq
//	'd' seq                               record: stored time, posting keys, statement JSON
//	'i' statement id (16)                 seq
//	'p' kind hash(16) stored(8) seq(8)    posting lists, ordered by (stored, seq)
//	'x' seq                               voided marker
//	'v' target id (16)                    seq of a voiding statement that arrived before its target
//	'r' target id (16) seq                statements whose object is a StatementRef to target
//	'R' target id (16)                    marker: some statement references target
//
// seq numbers statements in the order the index applied them; stored is
// the statement's "stored" time. Every query walks posting lists in
// (stored, seq) order, so results are ordered by stored as the spec
// requires even if stored times were not monotonic in the log.
//
// Statements whose object is a StatementRef inherit the filter keys of
// their target (xAPI 1.0.3 §2.1.4 / 2.0 "Filter Conditions for
// StatementRefs"), also when the target arrives later.
package statementindex

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/internal/storagestats"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

var (
	_ projections.Projection = (*Index)(nil)
	_ projections.Resetter   = (*Index)(nil)
	_ lrs.StatementQuerier   = (*Index)(nil)
)

// Name of the projection.
const Name = "statement-index"

const (
	tagRecord    = 'd'
	tagID        = 'i'
	tagPosting   = 'p'
	tagVoided    = 'x'
	tagVoidedBy  = 'v'
	tagRef       = 'r'
	tagRefMarker = 'R'
	tagMode      = 'M' // the sealing mode (seal.go)
)

// Index is the statement read model.
type Index struct {
	log *slog.Logger

	mu   sync.RWMutex // guards meta, voidedBefore and refTargets; Apply, Reset and Close take it exclusively
	db   *pebblemodel.DB
	meta checkpoint
	// voidedBefore holds the targets of voiding statements that arrived
	// before their target (the 'v' keys): few, and asked about for every
	// statement, so they are kept in memory.
	voidedBefore map[uuid.UUID]bool
	// refTargets holds (as a bloom filter) the statements that a
	// StatementRef points to (reftargets.go).
	refTargets refTargets
	// sealer, when set, keeps the people in statements sealed (seal.go).
	sealer Sealer
	// scopes, when set, deletes the attachments of erased people
	// (erasure.go).
	scopes ScopeDeleter
}

type checkpoint struct {
	Pos        eventstore.Position
	LastStored time.Time
	NextSeq    uint64
}

// Open opens (creating if needed) the index in dir.
func Open(dir string, log *slog.Logger) (*Index, error) {
	return OpenWithMemory(dir, log, pebblemodel.Memory{})
}

// OpenWithMemory is Open with the index's share of the memory budget
// (internal/membudget): a block cache shared with the other read models,
// and the memtable size (32 MiB when 0).
func OpenWithMemory(dir string, log *slog.Logger, mem pebblemodel.Memory) (*Index, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if mem.MemTableSize == 0 {
		mem.MemTableSize = 32 << 20
	}
	db, err := pebblemodel.Open(dir, pebblemodel.Options{
		Name:         "statementindex",
		LogComponent: "pebble-index",
		Logger:       log,
		MemTableSize: mem.MemTableSize,
		Cache:        mem.Cache,
		// Records (statement JSON, about 1 KB) stay out of the compactions
		// that the posting lists (34-byte keys) keep causing.
		SeparateValuesFrom: 256,
		PointKeys:          pointKeys,
	})
	if err != nil {
		return nil, err
	}
	ix := &Index{log: log, db: db}
	if err := ix.loadState(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return ix, nil
}

// pointKeys are the keys the index looks up one at a time: all but the
// posting lists, which are only scanned. The posting keys are 13 of the
// 15 keys of a statement, so the bloom filters hold about two keys per
// statement: its id, which the duplicate check of every POSTed statement
// looks up, and its record, which every answer to a query reads by
// sequence number (the filters spare those reads the tables of L0, which
// span the whole key space).
var pointKeys = pebblemodel.PointKeys{
	Name:  "statementindex-v2",
	Holds: func(key []byte) bool { return len(key) == 0 || key[0] != tagPosting },
}

// loadState reads the checkpoint, the reference markers and the
// voided-before markers.
func (ix *Index) loadState() error {
	meta, err := ix.readCheckpoint()
	if err != nil {
		return err
	}
	ix.meta = meta
	if err := ix.loadRefTargets(); err != nil {
		return err
	}
	return ix.loadVoidedBefore()
}

func (ix *Index) loadVoidedBefore() error {
	ix.voidedBefore = map[uuid.UUID]bool{}
	if err := ix.eachMarked(tagVoidedBy, func(id uuid.UUID) { ix.voidedBefore[id] = true }); err != nil {
		return fmt.Errorf("statementindex: load voids: %w", err)
	}
	return nil
}

// eachMarked calls fn with the statement id of every marker key under tag
// (the tag, then the id).
func (ix *Index) eachMarked(tag byte, fn func(uuid.UUID)) error {
	it, err := ix.db.NewIter([]byte{tag}, []byte{tag + 1})
	if err != nil {
		return err
	}
	for valid := it.First(); valid; valid = it.Next() {
		var id uuid.UUID
		copy(id[:], it.Key()[1:])
		fn(id)
	}
	return it.Close()
}

// Close closes the index.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.db == nil {
		return nil
	}
	err := ix.db.Close()
	ix.db = nil
	return err
}

// Name implements projections.Projection.
func (ix *Index) Name() string { return Name }

// Filter implements projections.Projection.
func (ix *Index) Filter() eventstore.Filter {
	return eventstore.Filter{EventTypePrefixes: []string{lrs.EventPrefixStatement, erasure.EventPrefix}}
}

// Checkpoint implements projections.Projection.
func (ix *Index) Checkpoint(ctx context.Context) (eventstore.Position, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.meta.Pos, nil
}

// ConsistentThrough is the stored time of the last statement applied.
func (ix *Index) ConsistentThrough() time.Time {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.meta.LastStored
}

// Reset empties the index (for a rebuild from the start of the log).
func (ix *Index) Reset(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.db.Reset(); err != nil {
		return err
	}
	ix.meta = checkpoint{}
	ix.voidedBefore = map[uuid.UUID]bool{}
	ix.refTargets = newRefTargets()
	return nil
}

func (ix *Index) readCheckpoint() (checkpoint, error) {
	v, err := ix.db.Checkpoint()
	if err != nil {
		return checkpoint{}, err
	}
	if v == nil {
		return checkpoint{NextSeq: 1}, nil
	}
	if len(v) != 32 {
		return checkpoint{}, fmt.Errorf("statementindex: corrupt checkpoint (%d bytes)", len(v))
	}
	c := checkpoint{
		Pos:     eventstore.Position{Commit: be(v[0:]), Prepare: be(v[8:])},
		NextSeq: be(v[24:]),
	}
	if ns := be(v[16:]); ns != 0 { // 0: none applied yet
		c.LastStored = time.Unix(0, int64(ns)).UTC()
	}
	return c, nil
}

func encodeCheckpoint(c checkpoint) []byte {
	b := make([]byte, 0, 32)
	b = binary.BigEndian.AppendUint64(b, c.Pos.Commit)
	b = binary.BigEndian.AppendUint64(b, c.Pos.Prepare)
	b = binary.BigEndian.AppendUint64(b, storedNanos(c.LastStored))
	return binary.BigEndian.AppendUint64(b, c.NextSeq)
}

func be(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// StorageStats implements storagestats.Source: the index database's LSM
// state; ok is false once closed.
func (ix *Index) StorageStats() (storagestats.Stats, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.db == nil {
		return storagestats.Stats{}, false
	}
	return ix.db.StorageStats(), true
}
