package statementindex

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/projections"
)

// applyErasure drops the agent postings of an erased person's subject,
// so that a query by their identifier no longer finds their statements
// (which read back with the placeholder). Their statements stay, listed
// under everything else. Statements of the same person stored after the
// erasure (under a new key, the same subject) are listed again.
func (a *applyState) applyErasure(ev *eventstore.RecordedEvent) error {
	var e erasure.Erased
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return projections.Poison(ev, fmt.Errorf("decode erasure: %w", err))
	}
	if e.Subject == "" {
		return projections.Poison(ev, errors.New("erasure without a subject"))
	}
	if err := a.deleteAttachments(e.Subject); err != nil {
		return err
	}
	for _, kind := range []byte{kindAgent, kindRelatedAgent} {
		start := postingPrefix(newKey(kind, xapi.SubjectKey(e.Subject)))
		if err := a.b.DeleteRange(start, prefixEnd(start)); err != nil {
			return err
		}
	}
	return nil
}

// prefixEnd is the first key after every key that starts with prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// attachmentsMember marks a statement that may carry attachments.
var attachmentsMember = []byte(`"attachments"`)

// ScopeDeleter deletes the attachments kept in a scope, a person's key
// (lrs/attachments.Store.DeleteScope); deleting an absent scope succeeds.
type ScopeDeleter interface {
	DeleteScope(scope string) error
}

// UseAttachments makes erasures delete the attachments of the erased
// person's statements (kept in the scopes of their keys, see
// lrs.AttachmentScoper). Call it before the index applies anything.
func (ix *Index) UseAttachments(d ScopeDeleter) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.scopes = d
}

// deleteAttachments deletes the scopes of the keys the erased subject's
// statements were sealed under (as actor), before the batch that drops
// their postings commits: a crash in between applies the erasure again,
// and deleting a scope twice is harmless. A deletion that fails is
// logged, not retried: it must not hold the index up. A scope is one key of one
// person, never used again once destroyed, so a replay of the log (a
// rebuild) deletes nothing anyone else stored later.
func (a *applyState) deleteAttachments(subject string) error {
	ix := a.ix
	if ix.sealer == nil || ix.scopes == nil {
		return nil
	}
	scopes := map[string]bool{}
	note := func(st []byte) {
		if !bytes.Contains(st, attachmentsMember) {
			return
		}
		if s, k := ix.sealer.SealedActor(st); s == subject && k != "" {
			scopes[k] = true
		}
	}
	it, err := a.db.NewPrefixIter(postingPrefix(newKey(kindAgent, xapi.SubjectKey(subject))))
	if err != nil {
		return err
	}
	for valid := it.First(); valid; valid = it.Next() {
		k := it.Key()
		seq := binary.BigEndian.Uint64(k[len(k)-8:])
		v, closer, err := a.db.Get(recordKey(seq))
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("read record %d: %w", seq, err)
		}
		if rec, err := decodeRecord(v); err == nil {
			note(rec.json)
		}
		_ = closer.Close()
	}
	if err := it.Error(); err != nil {
		_ = it.Close()
		return err
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, rec := range a.records { // this batch's, not in the database yet
		note(rec.json)
	}
	for k := range scopes {
		if err := ix.scopes.DeleteScope(k); err != nil {
			// A disk that refuses the deletion must not stop the index (and
			// every write waiting for it): the erasure goes on, and the
			// operator is told what to delete by hand.
			ix.log.Error("could not delete an erased person's attachments; delete the directory by hand",
				"dir", "attachments/people/"+k, "err", err)
		}
	}
	return nil
}
