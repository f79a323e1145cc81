package documentindex

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// AgentKeys maps an agent key in clear to the key a sealed agent has
// (privacy/sealing.Content): the index of a store that seals personal
// data lists a person's documents under their subject, also those stored
// in clear before sealing was turned on.
type AgentKeys interface {
	AgentKey(inClear string) string
}

// tagMode keeps the mode the index was built in.
const tagMode = 'm'

// The modes of the index. An index without a recorded mode was built
// before the 'a' keys existed.
const (
	modeClear  = "clear/2"
	modeSealed = "sealed/2"
)

// UseSealer makes the index list the documents of a person under their
// subject (a non-nil agents) or under their identifier (nil). Call it
// once, after Open and before the index applies or serves anything. An
// index built the other way, or by an older version, is emptied so that
// its runner rebuilds it from the log: document events are few, and the
// two ways cannot mix.
func (ix *Index) UseSealer(agents AgentKeys) error {
	want := modeClear
	if agents != nil {
		want = modeSealed
	}
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if ix.s.db == nil {
		return fmt.Errorf("%s: closed", Name)
	}
	ix.agents, ix.mode = agents, want
	mode, err := ix.builtMode()
	if err != nil {
		return err
	}
	if mode == want {
		return nil
	}
	if mode != "" {
		if err := ix.s.db.Reset(); err != nil {
			return fmt.Errorf("%s: empty the index built %q to build it %q: %w", Name, mode, want, err)
		}
		ix.s.pos = eventstore.Start
	}
	return ix.recordMode()
}

// recordMode writes the mode UseSealer gave (none before UseSealer). The
// caller holds ix.s.mu.
func (ix *Index) recordMode() error {
	if ix.mode == "" {
		return nil
	}
	if ix.s.db == nil {
		return fmt.Errorf("%s: closed", Name)
	}
	b := ix.s.db.NewBatch()
	defer b.Close()
	if err := b.Set([]byte{tagMode}, []byte(ix.mode)); err != nil {
		return err
	}
	return ix.s.commit(b, ix.s.pos)
}

// builtMode is the mode the index was built in: "" when it is empty,
// "old" when it was built before modes were recorded. The caller holds
// ix.s.mu.
func (ix *Index) builtMode() (string, error) {
	v, closer, err := ix.s.db.Get([]byte{tagMode})
	switch {
	case err == nil:
		mode := string(v)
		_ = closer.Close()
		return mode, nil
	case !errors.Is(err, pebblemodel.ErrNotFound):
		return "", fmt.Errorf("%s: read the mode: %w", Name, err)
	case !ix.s.pos.IsStart():
		return "old", nil
	}
	return "", nil
}

// mapAgent returns k with its agent in the form the index lists it.
func (ix *Index) mapAgent(k documents.Key) documents.Key {
	if ix.agents != nil && k.Agent != "" {
		k.Agent = ix.agents.AgentKey(k.Agent)
	}
	return k
}

// agentPrefix starts the 'a' keys of an agent.
func agentPrefix(agent string) []byte {
	h := sha256.Sum256([]byte(agent))
	return append([]byte{tagAgent}, h[:16]...)
}

// agentDocKey is the 'a' key of a document of agent whose 'd' key is doc.
func agentDocKey(agent string, doc []byte) []byte {
	return append(agentPrefix(agent), doc...)
}

// applyErasure unlists every document of an erased person: their
// content can no longer be opened (their key is destroyed), and the
// index stops listing them. Documents the same person stores afterwards
// (under a new key) are listed again.
func applyErasure(b *pebblemodel.Batch, ev *eventstore.RecordedEvent) error {
	var e erasure.Erased
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return projections.Poison(ev, fmt.Errorf("decode erasure: %w", err))
	}
	if e.Subject == "" {
		return projections.Poison(ev, errors.New("erasure without a subject"))
	}
	prefix := agentPrefix(xapi.SubjectKey(e.Subject))
	it, err := b.NewPrefixIter(prefix)
	if err != nil {
		return err
	}
	var keys [][]byte
	for valid := it.First(); valid; valid = it.Next() {
		keys = append(keys, append([]byte(nil), it.Key()...))
	}
	if err := it.Error(); err != nil {
		_ = it.Close()
		return err
	}
	if err := it.Close(); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k[len(prefix):]); err != nil {
			return err
		}
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// PersonDocuments returns the keys of the current State and Agent Profile
// documents of one agent (its key in clear or sealed), for an access
// export.
func (ix *Index) PersonDocuments(ctx context.Context, agent string) ([]documents.Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix.s.mu.RLock()
	defer ix.s.mu.RUnlock()
	if ix.s.db == nil {
		return nil, fmt.Errorf("%s: closed", Name)
	}
	if ix.agents != nil && !strings.HasPrefix(agent, xapi.SubjectKey("")) {
		agent = ix.agents.AgentKey(agent)
	}
	it, err := ix.s.db.NewPrefixIter(agentPrefix(agent))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	defer it.Close()
	var out []documents.Key
	for valid := it.First(); valid; valid = it.Next() {
		var kd documents.KeyData
		if err := json.Unmarshal(it.Value(), &kd); err != nil {
			return nil, fmt.Errorf("%s: corrupt person key %x: %w", Name, it.Key(), err)
		}
		if kd.Agent != agent {
			continue // another agent whose hash shares 16 bytes
		}
		out = append(out, kd.Key())
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return out, nil
}
