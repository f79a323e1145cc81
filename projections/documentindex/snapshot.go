package documentindex

import (
	"fmt"

	"github.com/hocvu/hocvu/eventstore"
)

// Snapshot writes an online copy of the document index into dir, which
// must not exist yet, and returns the checkpoint the copy holds
// (pebblemodel.DB.Snapshot).
func (ix *Index) Snapshot(dir string) (eventstore.Position, error) { return ix.s.snapshot(dir) }

// Snapshot writes an online copy of the definitions into dir, which must
// not exist yet, and returns the checkpoint the copy holds
// (pebblemodel.DB.Snapshot).
func (d *Definitions) Snapshot(dir string) (eventstore.Position, error) { return d.s.snapshot(dir) }

// snapshot copies the database while commits wait (they hold s.mu), so
// the position returned is exactly the copy's.
func (s *store) snapshot(dir string) (eventstore.Position, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return eventstore.Start, fmt.Errorf("%s: snapshot: closed", s.name)
	}
	if err := s.db.Snapshot(dir); err != nil {
		return eventstore.Start, err
	}
	return s.pos, nil
}
