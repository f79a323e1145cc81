package documentindex

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/internal/storagestats"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// store is a Pebble database in its own directory holding one read model
// and its checkpoint, common to both projections of this package.
type store struct {
	name string

	mu  sync.RWMutex // guards db and pos; Reset and Close take it exclusively
	db  *pebblemodel.DB
	pos eventstore.Position
}

func openStore(name, dir string, log *slog.Logger, mem pebblemodel.Memory) (*store, error) {
	db, err := pebblemodel.Open(dir, pebblemodel.Options{Name: name, Logger: log, Cache: mem.Cache, MemTableSize: mem.MemTableSize})
	if err != nil {
		return nil, err
	}
	s := &store{name: name, db: db}
	if s.pos, err = s.readCheckpoint(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

func (s *store) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

func (s *store) checkpoint() eventstore.Position {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pos
}

// reset empties the database (for a rebuild from the start of the log).
func (s *store) reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return fmt.Errorf("%s: reset: closed", s.name)
	}
	if err := s.db.Reset(); err != nil {
		return err
	}
	s.pos = eventstore.Start
	return nil
}

// commit writes the batch with the new checkpoint through (when it is
// later than the stored one) as one atomic batch (pebblemodel.Batch.Commit).
// The caller holds s.mu.
func (s *store) commit(b *pebblemodel.Batch, through eventstore.Position) error {
	pos := s.pos
	if through.Compare(pos) > 0 {
		pos = through
	}
	v := make([]byte, 0, 16)
	v = binary.BigEndian.AppendUint64(v, pos.Commit)
	v = binary.BigEndian.AppendUint64(v, pos.Prepare)
	if err := b.Commit(v); err != nil {
		return err
	}
	s.pos = pos
	return nil
}

func (s *store) readCheckpoint() (eventstore.Position, error) {
	v, err := s.db.Checkpoint()
	if err != nil || v == nil {
		return eventstore.Start, err
	}
	if len(v) != 16 {
		return eventstore.Start, fmt.Errorf("%s: corrupt checkpoint (%d bytes)", s.name, len(v))
	}
	return eventstore.Position{Commit: binary.BigEndian.Uint64(v), Prepare: binary.BigEndian.Uint64(v[8:])}, nil
}

// storageStats reports the database's LSM state; ok is false once closed.
func (s *store) storageStats() (storagestats.Stats, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return storagestats.Stats{}, false
	}
	return s.db.StorageStats(), true
}
