package statementindex

import (
	"errors"

	"github.com/hocvu/hocvu/eventstore"
)

// Snapshot writes an online copy of the index into dir, which must not
// exist yet (pebblemodel.DB.Snapshot), and returns the checkpoint the copy
// holds: an index opened on dir resumes from there. Batches wait while the
// copy is taken (hard links, and one WAL sync), so the returned position
// is exactly the copy's.
func (ix *Index) Snapshot(dir string) (eventstore.Position, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.db == nil {
		return eventstore.Start, errors.New("statementindex: snapshot: closed")
	}
	if err := ix.db.Snapshot(dir); err != nil {
		return eventstore.Start, err
	}
	return ix.meta.Pos, nil
}
