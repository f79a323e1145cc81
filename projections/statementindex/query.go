package statementindex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// Get returns the statement with the given id, voided or not; found is
// false when the index does not hold it.
func (ix *Index) Get(ctx context.Context, id uuid.UUID) (lrs.StoredStatement, bool, error) {
	if err := ctx.Err(); err != nil {
		return lrs.StoredStatement{}, false, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	seq, found, err := getSeq(ix.db, idKey(id))
	if err != nil || !found {
		return lrs.StoredStatement{}, false, wrap(err)
	}
	st, _, err := ix.load(ctx, seq, -1)
	return st, err == nil, wrap(err)
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("statementindex: %w", err)
}

// load reads statement seq. Its JSON is copied only when it is at most
// budget bytes long (any length when budget < 0); size is its length
// either way, so a page can stop before a statement it has no room for
// without copying it. With a sealer the statement is opened (its people
// in clear, the erased ones as placeholders).
func (ix *Index) load(ctx context.Context, seq uint64, budget int) (st lrs.StoredStatement, size int, err error) {
	v, closer, err := ix.db.Get(recordKey(seq))
	if err != nil {
		return lrs.StoredStatement{}, 0, fmt.Errorf("read record %d: %w", seq, err)
	}
	rec, err := decodeRecord(v) // aliases v until closer.Close
	if err != nil {
		_ = closer.Close()
		return lrs.StoredStatement{}, 0, err
	}
	size = len(rec.json)
	st = lrs.StoredStatement{ID: rec.id, Stored: rec.stored, Voiding: rec.flags&flagVoiding != 0}
	if budget < 0 || size <= budget {
		st.JSON = append([]byte(nil), rec.json...)
	}
	_ = closer.Close()
	_, vcloser, err := ix.db.Get(voidedKey(seq))
	st.Voided = err == nil
	if st.Voided {
		_ = vcloser.Close()
	} else if !errors.Is(err, pebblemodel.ErrNotFound) {
		return lrs.StoredStatement{}, 0, err
	}
	if ix.sealer != nil && st.JSON != nil {
		if bytes.Contains(st.JSON, attachmentsMember) {
			_, st.AttachmentScope = ix.sealer.SealedActor(st.JSON)
		}
		if st.JSON, err = ix.sealer.Open(ctx, st.JSON); err != nil {
			return lrs.StoredStatement{}, 0, fmt.Errorf("statement %s: %w", st.ID, err)
		}
	}
	return st, size, nil
}

type suffix [16]byte

func mkSuffix(stored int64, seq uint64) suffix {
	var s suffix
	binary.BigEndian.PutUint64(s[:8], uint64(stored))
	binary.BigEndian.PutUint64(s[8:], seq)
	return s
}

func (s suffix) cursor() lrs.Cursor {
	return lrs.Cursor{Stored: int64(binary.BigEndian.Uint64(s[:8])), Seq: binary.BigEndian.Uint64(s[8:])}
}

func (s suffix) seq() uint64 { return binary.BigEndian.Uint64(s[8:]) }

// next and prev step a suffix as a 128-bit number.
func (s suffix) next() (suffix, bool) {
	for i := 15; i >= 0; i-- {
		s[i]++
		if s[i] != 0 {
			return s, true
		}
	}
	return s, false
}

func (s suffix) prev() (suffix, bool) {
	for i := 15; i >= 0; i-- {
		s[i]--
		if s[i] != 0xff {
			return s, true
		}
	}
	return s, false
}

// Query returns up to q.Limit statements (and up to q.MaxBytes of them)
// and, when more match, the cursor to pass as After for the next page
// (lrs.StatementQuerier).
func (ix *Index) Query(ctx context.Context, q lrs.Query) ([]lrs.StoredStatement, *lrs.Cursor, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	lo, hi, ok := queryRange(&q)
	if !ok {
		return nil, nil, nil
	}
	keys := queryKeys(&q, ix.mapper())
	iters := make([]*postingIter, 0, len(keys))
	defer func() {
		for _, it := range iters {
			_ = it.it.Close()
		}
	}()
	for _, k := range keys {
		it, err := newPostingIter(ix.db, k, lo, hi)
		if err != nil {
			return nil, nil, wrap(err)
		}
		iters = append(iters, it)
	}
	target := lo
	if !q.Ascending {
		target = hi
	}
	return ix.page(ctx, &q, iters, target)
}

// queryRange returns the first and last (stored, seq) suffix q can
// select, in key order; ok is false when it selects nothing.
func queryRange(q *lrs.Query) (lo, hi suffix, ok bool) {
	lo, hi = mkSuffix(0, 0), mkSuffix(math.MaxInt64, math.MaxUint64)
	// Stored times are held as nanoseconds since 1970 (storedNanos), so a
	// bound outside that range is decided here, not converted: it would
	// wrap.
	if !q.Since.IsZero() {
		switch {
		case q.Since.Before(lrs.MinStored):
			// Every statement is stored after it.
		case !q.Since.Before(lrs.MaxStored):
			return lo, hi, false
		default:
			lo = mkSuffix(q.Since.UnixNano()+1, 0)
		}
	}
	if !q.Until.IsZero() {
		switch {
		case q.Until.Before(lrs.MinStored):
			return lo, hi, false
		case q.Until.After(lrs.MaxStored):
			// Every statement is stored before it.
		default:
			hi = mkSuffix(q.Until.UnixNano(), math.MaxUint64)
		}
	}
	if q.After != nil {
		a := mkSuffix(q.After.Stored, q.After.Seq)
		if q.Ascending {
			n, ok := a.next()
			if !ok {
				return lo, hi, false
			}
			if bytes.Compare(n[:], lo[:]) > 0 {
				lo = n
			}
		} else {
			p, ok := a.prev()
			if !ok {
				return lo, hi, false
			}
			if bytes.Compare(p[:], hi[:]) < 0 {
				hi = p
			}
		}
	}
	return lo, hi, bytes.Compare(lo[:], hi[:]) <= 0
}

// page walks the statements every posting list holds from target on, in
// the query's direction, and collects the page: voided statements are
// skipped, and the page ends at q.Limit statements or before the one that
// would take it past q.MaxBytes, with the cursor of its last statement.
func (ix *Index) page(ctx context.Context, q *lrs.Query, iters []*postingIter, target suffix) ([]lrs.StoredStatement, *lrs.Cursor, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = math.MaxInt32
	}
	var out []lrs.StoredStatement
	var last suffix
	size := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		s, ok := zigzag(iters, target, q.Ascending)
		if !ok {
			return out, nil, nil
		}
		budget := -1
		if q.MaxBytes > 0 && len(out) > 0 {
			budget = max(0, q.MaxBytes-size)
		}
		st, n, err := ix.load(ctx, s.seq(), budget)
		if err != nil {
			return nil, nil, wrap(err)
		}
		if !st.Voided || q.IncludeVoided {
			if len(out) == limit || (budget >= 0 && n > budget) {
				c := last.cursor()
				return out, &c, nil
			}
			out = append(out, st)
			size += n
			last = s
		}
		var more bool
		if q.Ascending {
			target, more = s.next()
		} else {
			target, more = s.prev()
		}
		if !more {
			return out, nil, nil
		}
	}
}

func queryKeys(q *lrs.Query, agents agentMapper) []key {
	var ks []key
	if q.Agent != "" {
		kind := byte(kindAgent)
		if q.RelatedAgents {
			kind = kindRelatedAgent
		}
		ks = append(ks, newKey(kind, agents.key(q.Agent)))
	}
	if q.Verb != "" {
		ks = append(ks, newKey(kindVerb, q.Verb))
	}
	if q.Activity != "" {
		kind := byte(kindActivity)
		if q.RelatedActivities {
			kind = kindRelatedActiv
		}
		ks = append(ks, newKey(kind, q.Activity))
	}
	if q.Registration != "" {
		ks = append(ks, newKey(kindRegistration, q.Registration))
	}
	if q.Authority != "" {
		ks = append(ks, newKey(kindAuthority, agents.key(q.Authority)))
	}
	if len(ks) == 0 {
		ks = append(ks, newKey(kindAll, ""))
	}
	return ks
}

type postingIter struct {
	it     *pebblemodel.Iter
	prefix []byte
	buf    []byte
}

func newPostingIter(db *pebblemodel.DB, k key, lo, hi suffix) (*postingIter, error) {
	prefix := postingPrefix(k)
	lower := append(append([]byte(nil), prefix...), lo[:]...)
	upper := append(append(append([]byte(nil), prefix...), hi[:]...), 0)
	it, err := db.NewIter(lower, upper)
	if err != nil {
		return nil, err
	}
	return &postingIter{it: it, prefix: prefix, buf: make([]byte, 0, len(prefix)+17)}, nil
}

// seek returns the first suffix >= t (ascending) or the last <= t.
func (p *postingIter) seek(t suffix, asc bool) (suffix, bool) {
	p.buf = append(append(p.buf[:0], p.prefix...), t[:]...)
	var valid bool
	if asc {
		valid = p.it.SeekGE(p.buf)
	} else {
		valid = p.it.SeekLT(append(p.buf, 0))
	}
	if !valid {
		return suffix{}, false
	}
	var s suffix
	copy(s[:], p.it.Key()[len(p.prefix):])
	return s, true
}

// zigzag finds the first suffix at or after target (in the query's
// direction) present in every posting list: each list is sought to the
// current target and pushes it forward when it lacks it, until a full pass
// moves nothing.
func zigzag(iters []*postingIter, target suffix, asc bool) (suffix, bool) {
	for {
		moved := false
		for _, it := range iters {
			s, ok := it.seek(target, asc)
			if !ok {
				return suffix{}, false
			}
			if s != target {
				target, moved = s, true
			}
		}
		if !moved {
			return target, true
		}
	}
}
