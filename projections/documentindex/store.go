package documentindex

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/internal/pebbletune"
)

// tagCheckpoint is the key of the checkpoint in every database here.
const tagCheckpoint = 'c'

// store is a Pebble database in its own directory holding one read model
// and its checkpoint, common to both projections of this package.
type store struct {
	name string
	dir  string
	log  *slog.Logger
	lock *pebble.Lock

	mu  sync.RWMutex // guards db and pos; Reset and Close take it exclusively
	db  *pebble.DB
	pos eventstore.Position
}

func openStore(name, dir string, log *slog.Logger) (*store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("%s: create %s: %w", name, dir, err)
	}
	lock, err := pebble.LockDirectory(dir, vfs.Default)
	if err != nil {
		return nil, fmt.Errorf("%s: %s is in use by another process: %w", name, dir, err)
	}
	s := &store{name: name, dir: dir, log: log, lock: lock}
	opts := &pebble.Options{
		Lock:               lock,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             quietLogger{log, name},
	}
	pebbletune.Apply(opts)
	db, err := pebble.Open(dir, opts)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("%s: open %s: %w", name, dir, err)
	}
	s.db = db
	if s.pos, err = s.readCheckpoint(); err != nil {
		_ = db.Close()
		_ = lock.Close()
		return nil, err
	}
	return s, nil
}

func (s *store) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.db != nil {
		err = s.db.Close()
		s.db = nil
	}
	if s.lock != nil {
		if lerr := s.lock.Close(); err == nil {
			err = lerr
		}
		s.lock = nil
	}
	if err != nil {
		return fmt.Errorf("%s: close: %w", s.name, err)
	}
	return nil
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
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange([]byte{0}, []byte{0xff}, nil); err != nil {
		return fmt.Errorf("%s: reset: %w", s.name, err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("%s: reset: %w", s.name, err)
	}
	s.pos = eventstore.Start
	return nil
}

// commit writes the batch with the new checkpoint through (when it is
// later than the stored one) as one atomic Pebble batch. The read model is
// rebuildable from the log, so the commit does not fsync: a crash rolls it
// back to an earlier, consistent checkpoint. The caller holds s.mu.
func (s *store) commit(b *pebble.Batch, through eventstore.Position) error {
	pos := s.pos
	if through.Compare(pos) > 0 {
		pos = through
	}
	v := make([]byte, 0, 16)
	v = binary.BigEndian.AppendUint64(v, pos.Commit)
	v = binary.BigEndian.AppendUint64(v, pos.Prepare)
	if err := b.Set([]byte{tagCheckpoint}, v, nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("%s: commit: %w", s.name, err)
	}
	s.pos = pos
	return nil
}

func (s *store) readCheckpoint() (eventstore.Position, error) {
	v, closer, err := s.db.Get([]byte{tagCheckpoint})
	if errors.Is(err, pebble.ErrNotFound) {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Start, fmt.Errorf("%s: read checkpoint: %w", s.name, err)
	}
	defer closer.Close()
	if len(v) != 16 {
		return eventstore.Start, fmt.Errorf("%s: corrupt checkpoint (%d bytes)", s.name, len(v))
	}
	return eventstore.Position{Commit: binary.BigEndian.Uint64(v), Prepare: binary.BigEndian.Uint64(v[8:])}, nil
}

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

type quietLogger struct {
	l    *slog.Logger
	name string
}

func (q quietLogger) Infof(format string, args ...any) {
	q.l.Debug(fmt.Sprintf(format, args...), "component", q.name)
}
func (q quietLogger) Errorf(format string, args ...any) {
	q.l.Error(fmt.Sprintf(format, args...), "component", q.name)
}
func (q quietLogger) Fatalf(format string, args ...any) {
	q.l.Error(fmt.Sprintf(format, args...), "component", q.name, "fatal", true)
	os.Exit(1)
}
