// Package documentindex holds the read models behind the xAPI document,
// Activities and Agents resources, each a projection of the event log into
// a Pebble database in the data directory that can always be deleted and
// rebuilt by replaying the log:
//
//   - [Index] lists the current documents of each Activity and/or Agent
//     with their last-modified time, from the document events
//     (lrs/documents): GET of document ids (with "since") and the State
//     DELETE without stateId. A single document is read from its stream,
//     not from here.
//   - [Definitions] keeps the canonical definition of each Activity,
//     learned from statements stored with the "define" scope: the
//     Activities resource.
//
// Each records its checkpoint in the same Pebble batch as the effects of
// the events it applied, so a restart resumes exactly where it stopped,
// and each implements projections.Resetter for rebuilds. [Live] and
// [LiveDefinitions] pair them with their runners for lrs/documents, which
// waits for its own writes to show.
package documentindex

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/internal/storagestats"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/privacy/erasure"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

var (
	_ projections.Projection = (*Index)(nil)
	_ projections.Resetter   = (*Index)(nil)
	_ documents.Index        = Live{}
)

// Name of the document index projection.
const Name = "document-index"

// Layout of the document index:
//
//	'c'                                      checkpoint: commit(8) prepare(8)
//	'd' group(16) len(reg) reg id            updated time (unix nanoseconds, 8 bytes)
//	'a' agent(16) docKey                     the document's key (JSON documents.KeyData)
//	'm'                                      the layout and sealing mode (people.go)
//
// group is the first 16 bytes of the SHA-256 of resource, activityId and
// agent (each length-prefixed), reg the registration ("" when none, its
// length an unsigned varint) and id the document id: one key per current
// document, so a prefix scan lists a group, or a group and registration.
// agent is the first 16 bytes of the SHA-256 of the agent key, and docKey
// a whole 'd' key: one key per current document of a person (State,
// Agent Profile), so a prefix scan finds every document of a person (an
// erasure, an access export).
const (
	tagDoc   = 'd'
	tagAgent = 'a'
)

// Index is the document index.
type Index struct {
	s *store
	// agents maps agent keys in clear to their sealed form; nil when
	// sealing is off (UseSealer).
	agents AgentKeys
	// mode is the mode UseSealer was given ("" before).
	mode string
}

// Open opens (creating if needed) the document index in dir.
func Open(dir string, log *slog.Logger) (*Index, error) {
	return OpenWithMemory(dir, log, pebblemodel.Memory{})
}

// OpenWithMemory is Open with the index's share of the memory budget
// (internal/membudget); Pebble's defaults when zero.
func OpenWithMemory(dir string, log *slog.Logger, mem pebblemodel.Memory) (*Index, error) {
	s, err := openStore(Name, dir, log, mem)
	if err != nil {
		return nil, err
	}
	return &Index{s: s}, nil
}

// Close closes the index.
func (ix *Index) Close() error { return ix.s.close() }

// StorageStats implements storagestats.Source.
func (ix *Index) StorageStats() (storagestats.Stats, bool) { return ix.s.storageStats() }

// Name implements projections.Projection.
func (ix *Index) Name() string { return Name }

// Filter implements projections.Projection: document events and
// erasures.
func (ix *Index) Filter() eventstore.Filter {
	return eventstore.Filter{EventTypePrefixes: []string{documents.EventPrefix, erasure.EventPrefix}}
}

// Checkpoint implements projections.Projection.
func (ix *Index) Checkpoint(context.Context) (eventstore.Position, error) {
	return ix.s.checkpoint(), nil
}

// Reset implements projections.Resetter. The index keeps the mode
// UseSealer gave it.
func (ix *Index) Reset(context.Context) error {
	if err := ix.s.reset(); err != nil {
		return err
	}
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	return ix.recordMode()
}

func groupPrefix(r documents.Resource, activityID, agent string) []byte {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	for _, f := range []string{string(r), activityID, agent} {
		n := binary.PutUvarint(buf[:], uint64(len(f)))
		h.Write(buf[:n])
		h.Write([]byte(f))
	}
	return append([]byte{tagDoc}, h.Sum(nil)[:16]...)
}

func regPrefix(group []byte, registration string) []byte {
	b := append([]byte(nil), group...)
	b = binary.AppendUvarint(b, uint64(len(registration)))
	return append(b, registration...)
}

func docKey(k documents.Key) []byte {
	return append(regPrefix(groupPrefix(k.Resource, k.ActivityID, k.Agent), k.Registration), k.ID...)
}

// Apply implements projections.Projection: a set event lists the document
// (or updates its time), a deleted event unlists it. Both are idempotent,
// and the batch carries the checkpoint.
func (ix *Index) Apply(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if ix.s.db == nil {
		return fmt.Errorf("%s: closed", Name)
	}
	b := ix.s.db.NewIndexedBatch()
	defer b.Close()
	for i := range events {
		ev := &events[i]
		var err error
		if ev.Type == erasure.EventErased {
			err = applyErasure(b, ev)
		} else {
			err = ix.applyDocument(b, ev)
		}
		if err != nil {
			// A poison event fails the same way every time: the runner
			// quarantines and skips it.
			return fmt.Errorf("%s: %w", Name, err)
		}
	}
	return ix.s.commit(b, through)
}

// applyDocument lists or unlists the document of a document event.
func (ix *Index) applyDocument(b *pebblemodel.Batch, ev *eventstore.RecordedEvent) error {
	d, ok, err := documents.Decode(ev)
	if err != nil {
		return projections.Poison(ev, err)
	}
	if !ok {
		return nil // a newer event type this version does not project
	}
	k := ix.mapAgent(d.Key())
	key := docKey(k)
	if d.Set == nil {
		if err := b.Delete(key); err != nil {
			return err
		}
		if k.Agent != "" {
			return b.Delete(agentDocKey(k.Agent, key))
		}
		return nil
	}
	if err := b.Set(key, binary.BigEndian.AppendUint64(nil, uint64(d.Set.Updated.UnixNano()))); err != nil {
		return err
	}
	if k.Agent == "" {
		return nil
	}
	kd, err := json.Marshal(documents.KeyData(k))
	if err != nil {
		return err
	}
	return b.Set(agentDocKey(k.Agent, key), kd)
}

// List returns the current documents that q selects, in key order. It
// applies q.Since too (updated strictly after it).
func (ix *Index) List(ctx context.Context, q documents.ListQuery) ([]documents.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix.s.mu.RLock()
	defer ix.s.mu.RUnlock()
	if ix.s.db == nil {
		return nil, fmt.Errorf("%s: closed", Name)
	}
	if ix.agents != nil && q.Agent != "" {
		q.Agent = ix.agents.AgentKey(q.Agent)
	}
	group := groupPrefix(q.Resource, q.ActivityID, q.Agent)
	prefix := group
	if !q.AllRegistrations {
		prefix = regPrefix(group, q.Registration)
	}
	it, err := ix.s.db.NewPrefixIter(prefix)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	defer it.Close()
	var out []documents.Entry
	for valid := it.First(); valid; valid = it.Next() {
		rest := it.Key()[len(group):]
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return nil, fmt.Errorf("%s: corrupt key %x", Name, it.Key())
		}
		reg := string(rest[w : w+int(n)])
		id := string(rest[w+int(n):])
		v := it.Value()
		if len(v) != 8 {
			return nil, fmt.Errorf("%s: corrupt value for %x", Name, it.Key())
		}
		updated := time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC()
		if !q.Since.IsZero() && !updated.After(q.Since) {
			continue
		}
		out = append(out, documents.Entry{Registration: reg, ID: id, Updated: updated})
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return out, nil
}

// Live is the index with the runner that feeds it: the documents.Index
// that lrs/documents needs.
type Live struct {
	*Index
	Runner *projections.Runner
}

// WaitFor blocks until the runner has applied the log through pos.
func (l Live) WaitFor(ctx context.Context, pos eventstore.Position) error {
	return l.Runner.WaitFor(ctx, pos)
}
