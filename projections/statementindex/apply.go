package statementindex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

const flagVoiding = 1

// record is a stored statement in the index.
type record struct {
	stored time.Time
	id     uuid.UUID
	flags  byte
	keys   []key
	json   []byte
}

func encodeRecord(r *record) []byte {
	b := make([]byte, 0, 8+16+1+binary.MaxVarintLen64+len(r.keys)*(1+hashLen)+len(r.json))
	b = binary.BigEndian.AppendUint64(b, storedNanos(r.stored))
	b = append(b, r.id[:]...)
	b = append(b, r.flags)
	b = binary.AppendUvarint(b, uint64(len(r.keys)))
	for _, k := range r.keys {
		b = append(b, k.kind)
		b = append(b, k.hash[:]...)
	}
	return append(b, r.json...)
}

var errCorrupt = errors.New("statementindex: corrupt record")

// decodeRecord decodes b; the returned json aliases b.
func decodeRecord(b []byte) (record, error) {
	var r record
	if len(b) < 25 {
		return r, errCorrupt
	}
	r.stored = time.Unix(0, int64(be(b))).UTC()
	copy(r.id[:], b[8:24])
	r.flags = b[24]
	n, w := binary.Uvarint(b[25:])
	if w <= 0 {
		return r, errCorrupt
	}
	rest := b[25+w:]
	if uint64(len(rest)) < n*(1+hashLen) {
		return r, errCorrupt
	}
	r.keys = make([]key, n)
	for i := range r.keys {
		r.keys[i].kind = rest[0]
		copy(r.keys[i].hash[:], rest[1:1+hashLen])
		rest = rest[1+hashLen:]
	}
	r.json = rest
	return r, nil
}

// clampStored returns t in UTC, moved into [lrs.MinStored, lrs.MaxStored]
// (the range the index orders exactly: nanoseconds since 1970 in an
// int64).
func clampStored(t time.Time) time.Time {
	switch {
	case t.Before(lrs.MinStored):
		return lrs.MinStored
	case t.After(lrs.MaxStored):
		return lrs.MaxStored
	}
	return t.UTC()
}

// storedNanos is the index's order-preserving encoding of a stored time.
func storedNanos(t time.Time) uint64 { return uint64(clampStored(t).UnixNano()) }

func recordKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{tagRecord}, seq)
}

func idKey(id uuid.UUID) []byte { return append([]byte{tagID}, id[:]...) }

func voidedKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{tagVoided}, seq)
}

func voidedByKey(target uuid.UUID) []byte { return append([]byte{tagVoidedBy}, target[:]...) }

func refMarkerKey(target uuid.UUID) []byte { return append([]byte{tagRefMarker}, target[:]...) }

func refKey(target uuid.UUID, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{tagRef}, target[:]...), seq)
}

func postingPrefix(k key) []byte {
	b := make([]byte, 0, 2+hashLen+16)
	b = append(b, tagPosting, k.kind)
	return append(b, k.hash[:]...)
}

func postingKey(k key, stored time.Time, seq uint64) []byte {
	b := postingPrefix(k)
	b = binary.BigEndian.AppendUint64(b, storedNanos(stored))
	return binary.BigEndian.AppendUint64(b, seq)
}

// Apply implements projections.Projection. The whole batch and the new
// checkpoint are one Pebble batch, so a crash leaves either all of it or
// none. The index is rebuildable from the log, so commits do not fsync; a
// crash rolls the index back to a consistent earlier checkpoint.
func (ix *Index) Apply(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	a := newApplyState(ix)
	defer a.b.Close()
	meta := ix.meta
	if meta.NextSeq <= 1 {
		// The first batch records the mode the index is built in.
		if err := a.b.Set([]byte{tagMode}, []byte(ix.mode())); err != nil {
			return err
		}
	}
	parsed := ix.parseAll(ctx, events)
	for i := range parsed {
		if parsed[i].failure != nil {
			return fmt.Errorf("statementindex: event %s at %s: %w", events[i].ID, events[i].Position, parsed[i].failure)
		}
	}
	for i := range events {
		ev := &events[i]
		if ev.Type == erasure.EventErased {
			if err := a.applyErasure(ev); err != nil {
				return fmt.Errorf("statementindex: event %s at %s: %w", ev.ID, ev.Position, err)
			}
			continue
		}
		if !lrs.IsStatementEvent(ev.Type) {
			continue // a newer event type this version does not project
		}
		if err := a.applyStatement(ev, &parsed[i], &meta); err != nil {
			return fmt.Errorf("statementindex: event %s at %s: %w", ev.ID, ev.Position, err)
		}
	}
	if through.Compare(meta.Pos) > 0 {
		meta.Pos = through
	}
	if err := a.b.Commit(encodeCheckpoint(meta)); err != nil {
		return err
	}
	for id := range a.voidedBy {
		ix.voidedBefore[id] = true
	}
	ix.meta = meta
	return nil
}

// applyState is one Apply: a write-only batch plus what this batch has
// written so far, so that lookups never need to read through the batch
// (an indexed batch made every statement pay for two such reads).
type applyState struct {
	ix       *Index
	db       *pebblemodel.DB
	b        *pebblemodel.Batch
	ids      map[uuid.UUID]uint64   // statement id -> seq, written in this batch
	records  map[uint64]*record     // records written in this batch
	voidedBy map[uuid.UUID]bool     // voiding-before-target markers written in this batch
	refs     map[uuid.UUID][]uint64 // StatementRefs written in this batch
}

func newApplyState(ix *Index) *applyState {
	return &applyState{ix: ix, db: ix.db, b: ix.db.NewSortedBatch(), ids: map[uuid.UUID]uint64{}, records: map[uint64]*record{},
		voidedBy: map[uuid.UUID]bool{}, refs: map[uuid.UUID][]uint64{}}
}

func (a *applyState) seqOf(id uuid.UUID) (uint64, bool, error) {
	if seq, ok := a.ids[id]; ok {
		return seq, true, nil
	}
	return getSeq(a.db, idKey(id))
}

func (a *applyState) record(seq uint64) (record, error) {
	if r, ok := a.records[seq]; ok {
		return *r, nil
	}
	return readRecord(a.db, seq)
}

func (a *applyState) putRecord(seq uint64, r record) error {
	a.records[seq] = &r
	return a.b.Set(recordKey(seq), encodeRecord(&r))
}

func (a *applyState) isVoidedBefore(id uuid.UUID) bool {
	return a.voidedBy[id] || a.ix.voidedBefore[id]
}

// refsTo lists the statements whose object is a StatementRef to target.
// The marker key 'R'+target says whether the database holds any, so the
// common case (no reference) costs one bloom-filtered lookup.
func (a *applyState) refsTo(target uuid.UUID) ([]uint64, error) {
	out := append([]uint64(nil), a.refs[target]...)
	if !a.ix.refTargets.mayHave(target) {
		return out, nil
	}
	_, closer, err := a.db.Get(refMarkerKey(target))
	if errors.Is(err, pebblemodel.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	_ = closer.Close()
	prefix := append([]byte{tagRef}, target[:]...)
	it, err := a.db.NewPrefixIter(prefix)
	if err != nil {
		return nil, err
	}
	for valid := it.First(); valid; valid = it.Next() {
		out = append(out, be(it.Key()[len(prefix):]))
	}
	return out, it.Close()
}

// applyStatement indexes one parsed statement event. A statement that
// cannot be decoded, or lacks a valid id or stored time, fails the same
// way every time: that is a poison event (projections.Poison), which the
// runner quarantines and skips. Other errors are the index's own (I/O).
func (a *applyState) applyStatement(ev *eventstore.RecordedEvent, p *parsed, meta *checkpoint) error {
	if p.err != nil {
		return p.err
	}
	id := p.id
	// Statement ids are unique in the log (the statement writer checks
	// every id against this index before it appends), and the runner
	// never applies an event twice; only a repeat within one batch is
	// guarded against here, without a lookup.
	if _, dup := a.ids[id]; dup {
		return nil
	}
	if p.storedErr != nil {
		return p.storedErr
	}
	stored := p.stored
	seq := meta.NextSeq
	meta.NextSeq++
	if stored.After(meta.LastStored) {
		meta.LastStored = stored
	}

	ext := &p.ext
	rec := record{stored: stored, id: id, json: p.data}
	if ext.voiding {
		rec.flags |= flagVoiding
	}
	if err := a.linkTarget(ext, seq); err != nil {
		return err
	}
	// A voiding statement for this one may have arrived first.
	if !ext.voiding && a.isVoidedBefore(id) {
		if err := a.b.Set(voidedKey(seq), nil); err != nil {
			return err
		}
	}
	rec.keys = ext.keys.list
	for _, k := range rec.keys {
		if err := a.b.Set(postingKey(k, stored, seq), nil); err != nil {
			return err
		}
	}
	if err := a.putRecord(seq, rec); err != nil {
		return err
	}
	if err := a.b.Set(idKey(id), u64(seq)); err != nil {
		return err
	}
	a.ids[id] = seq
	// Statements that referenced this one before it arrived now inherit
	// its keys (recursively through chains of references).
	return a.propagate(id, rec.keys, map[uuid.UUID]bool{id: true})
}

// linkTarget records that statement seq refers to the statement
// ext.target (a StatementRef object): the statement inherits the
// target's filter keys when the target is indexed, and a voiding
// statement voids it, or marks it voided for when it arrives.
func (a *applyState) linkTarget(ext *extracted, seq uint64) error {
	if ext.target == "" {
		return nil
	}
	target, err := uuid.Parse(ext.target)
	if err != nil {
		return nil // the schemas refuse a StatementRef without a UUID
	}
	if err := a.b.Set(refKey(target, seq), nil); err != nil {
		return err
	}
	if err := a.b.Set(refMarkerKey(target), nil); err != nil {
		return err
	}
	a.ix.refTargets.add(target)
	a.refs[target] = append(a.refs[target], seq)
	tseq, found, err := a.seqOf(target)
	if err != nil {
		return err
	}
	if !found {
		if ext.voiding {
			if err := a.b.Set(voidedByKey(target), u64(seq)); err != nil {
				return err
			}
			a.voidedBy[target] = true
		}
		return nil
	}
	trec, err := a.record(tseq)
	if err != nil {
		return err
	}
	for _, k := range trec.keys {
		if inheritable(k.kind) {
			ext.keys.addKey(k)
		}
	}
	if ext.voiding && trec.flags&flagVoiding == 0 {
		return a.b.Set(voidedKey(tseq), nil)
	}
	return nil
}

func (a *applyState) propagate(target uuid.UUID, keys []key, visited map[uuid.UUID]bool) error {
	refs, err := a.refsTo(target)
	if err != nil {
		return err
	}
	for _, seq := range refs {
		rec, err := a.record(seq)
		if err != nil {
			return err
		}
		if visited[rec.id] {
			continue
		}
		visited[rec.id] = true
		have := keySet{}
		for _, k := range rec.keys {
			have.addKey(k)
		}
		var added []key
		for _, k := range keys {
			if inheritable(k.kind) && !have.seen[k] {
				have.addKey(k)
				added = append(added, k)
				if err := a.b.Set(postingKey(k, rec.stored, seq), nil); err != nil {
					return err
				}
			}
		}
		if len(added) == 0 {
			continue
		}
		rec.keys = have.list
		rec.json = append([]byte(nil), rec.json...)
		if err := a.putRecord(seq, rec); err != nil {
			return err
		}
		if err := a.propagate(rec.id, added, visited); err != nil {
			return err
		}
	}
	return nil
}

func inheritable(kind byte) bool {
	for i := 0; i < len(inheritableKinds); i++ {
		if inheritableKinds[i] == kind {
			return true
		}
	}
	return false
}

func getSeq(r pebblemodel.Reader, k []byte) (uint64, bool, error) {
	v, closer, err := r.Get(k)
	if errors.Is(err, pebblemodel.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, false, errCorrupt
	}
	return be(v), true, nil
}

func readRecord(r pebblemodel.Reader, seq uint64) (record, error) {
	v, closer, err := r.Get(recordKey(seq))
	if err != nil {
		return record{}, fmt.Errorf("read record %d: %w", seq, err)
	}
	defer closer.Close()
	rec, err := decodeRecord(append([]byte(nil), v...))
	return rec, err
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
