package statementindex

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
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
	b = binary.BigEndian.AppendUint64(b, uint64(r.stored.UnixNano()))
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

func recordKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{tagRecord}, seq)
}

func idKey(id uuid.UUID) []byte { return append([]byte{tagID}, id[:]...) }

func voidedKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{tagVoided}, seq)
}

func voidedByKey(target uuid.UUID) []byte { return append([]byte{tagVoidedBy}, target[:]...) }

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
	b = binary.BigEndian.AppendUint64(b, uint64(stored.UnixNano()))
	return binary.BigEndian.AppendUint64(b, seq)
}

// Apply implements projections.Projection. The whole batch and the new
// checkpoint are one Pebble batch, so a crash leaves either all of it or
// none. The index is rebuildable from the log, so commits do not fsync; a
// crash rolls the index back to a consistent earlier checkpoint.
func (ix *Index) Apply(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	b := ix.db.NewIndexedBatch()
	defer b.Close()
	meta := ix.meta
	for i := range events {
		ev := &events[i]
		if ev.Type != lrs.EventStatementStored {
			continue // a newer event type this version does not project
		}
		if err := ix.applyStatement(b, ev, &meta); err != nil {
			return fmt.Errorf("statementindex: event %s at %s: %w", ev.ID, ev.Position, err)
		}
	}
	if through.Compare(meta.Pos) > 0 {
		meta.Pos = through
	}
	if err := b.Set([]byte{tagCheckpoint}, encodeCheckpoint(meta), nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("statementindex: commit: %w", err)
	}
	ix.meta = meta
	return nil
}

func (ix *Index) applyStatement(b *pebble.Batch, ev *eventstore.RecordedEvent, meta *checkpoint) error {
	var st map[string]any
	if err := json.Unmarshal(ev.Data, &st); err != nil {
		return fmt.Errorf("decode statement: %w", err)
	}
	idStr, _ := st["id"].(string)
	id, err := uuid.Parse(idStr)
	if err != nil {
		return fmt.Errorf("statement id %q: %w", idStr, err)
	}
	if _, found, err := getSeq(b, idKey(id)); err != nil {
		return err
	} else if found {
		return nil // already indexed (replayed event)
	}
	storedStr, _ := st["stored"].(string)
	stored, err := time.Parse(time.RFC3339Nano, storedStr)
	if err != nil {
		return fmt.Errorf("statement %s: stored %q: %w", id, storedStr, err)
	}
	stored = stored.UTC()
	seq := meta.NextSeq
	meta.NextSeq++
	if stored.After(meta.LastStored) {
		meta.LastStored = stored
	}

	ext := extract(st)
	rec := record{stored: stored, id: id, json: ev.Data}
	if ext.voiding {
		rec.flags |= flagVoiding
	}
	keys := ext.keys
	if ext.target != "" {
		target, err := uuid.Parse(ext.target)
		if err == nil {
			if err := b.Set(refKey(target, seq), nil, nil); err != nil {
				return err
			}
			tseq, found, err := getSeq(b, idKey(target))
			if err != nil {
				return err
			}
			if found {
				trec, err := readRecord(b, tseq)
				if err != nil {
					return err
				}
				for _, k := range trec.keys {
					if inheritable(k.kind) {
						keys.addKey(k)
					}
				}
				if ext.voiding && trec.flags&flagVoiding == 0 {
					if err := b.Set(voidedKey(tseq), nil, nil); err != nil {
						return err
					}
				}
			} else if ext.voiding {
				if err := b.Set(voidedByKey(target), u64(seq), nil); err != nil {
					return err
				}
			}
		}
	}
	// A voiding statement for this one may have arrived first.
	if !ext.voiding {
		if _, found, err := getSeq(b, voidedByKey(id)); err != nil {
			return err
		} else if found {
			if err := b.Set(voidedKey(seq), nil, nil); err != nil {
				return err
			}
		}
	}
	rec.keys = keys.list
	for _, k := range rec.keys {
		if err := b.Set(postingKey(k, stored, seq), nil, nil); err != nil {
			return err
		}
	}
	if err := b.Set(recordKey(seq), encodeRecord(&rec), nil); err != nil {
		return err
	}
	if err := b.Set(idKey(id), u64(seq), nil); err != nil {
		return err
	}
	// Statements that referenced this one before it arrived now inherit
	// its keys (recursively through chains of references).
	return propagate(b, id, rec.keys, map[uuid.UUID]bool{id: true})
}

func propagate(b *pebble.Batch, target uuid.UUID, keys []key, visited map[uuid.UUID]bool) error {
	prefix := append([]byte{tagRef}, target[:]...)
	it, err := b.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return err
	}
	var refs []uint64
	for valid := it.First(); valid; valid = it.Next() {
		refs = append(refs, be(it.Key()[len(prefix):]))
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, seq := range refs {
		rec, err := readRecord(b, seq)
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
				if err := b.Set(postingKey(k, rec.stored, seq), nil, nil); err != nil {
					return err
				}
			}
		}
		if len(added) == 0 {
			continue
		}
		rec.keys = have.list
		rec.json = append([]byte(nil), rec.json...)
		if err := b.Set(recordKey(seq), encodeRecord(&rec), nil); err != nil {
			return err
		}
		if err := propagate(b, rec.id, added, visited); err != nil {
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

func getSeq(r pebble.Reader, k []byte) (uint64, bool, error) {
	v, closer, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
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

func readRecord(r pebble.Reader, seq uint64) (record, error) {
	v, closer, err := r.Get(recordKey(seq))
	if err != nil {
		return record{}, fmt.Errorf("read record %d: %w", seq, err)
	}
	defer closer.Close()
	rec, err := decodeRecord(append([]byte(nil), v...))
	return rec, err
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

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
