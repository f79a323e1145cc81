package statementindex

import (
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
