// Package kurrentkeys is the keys.Store on KurrentDB, through Hocvu's
// KurrentDB adapter (eventstore/kurrentdb), for deployments whose log is a
// KurrentDB: the keys live on the same server, in streams of their own.
//
// # Streams
//
//	hocvu-key-<key id>             one event hocvu.key.created.v1: the wrapped key
//	hocvu-keys-subject-<subject>   hocvu.key.current.v1 (a key id) for each key
//	                               generation, hocvu.key.destroyed.v1 (key ids)
//	                               after each Destroy
//	hocvu-keys-meta-<name>         one event hocvu.key.meta.v1: a meta value
//
// The subject stream holds key ids only (random, never derived from the
// subject) and the subject is itself a keyed hash, so nothing in it names
// a person. The subject's current key is the key id of its last event when
// that event is hocvu.key.current.v1 and the key still exists.
//
// # Create-if-absent across replicas
//
// CurrentKey writes the fresh key's stream first (expected revision: no
// stream), then appends hocvu.key.current.v1 to the subject stream with the
// revision it read as expected revision. Of replicas racing, one append
// wins; the others read the winner's key and tombstone the stream of their
// own fresh key, which was never handed out.
//
// # Destroy
//
// Destroy tombstones (hard-deletes) the stream of every live key of the
// subject, then appends hocvu.key.destroyed.v1 (expected revision: the one
// it read, so a key created meanwhile is seen and destroyed on the next
// round). A tombstoned stream can never be read or written again, and its
// name can never be reused. A soft delete would not do: KurrentDB always
// keeps the last event of a soft-deleted stream, and a key stream has one
// event. What the server keeps after a tombstone (the event stays on disk
// and in reads of $all until a scavenge, on every node; backups keep it)
// is written in docs/privacy.md, "Key store".
package kurrentkeys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/privacy/keys"
)

// Stream name prefixes and event types. Stored formats: never rename them.
const (
	StreamKeyPrefix     = "hocvu-key-"
	StreamSubjectPrefix = "hocvu-keys-subject-"
	StreamMetaPrefix    = "hocvu-keys-meta-"

	EventKeyCreated   = "hocvu.key.created.v1"
	EventKeyCurrent   = "hocvu.key.current.v1"
	EventKeyDestroyed = "hocvu.key.destroyed.v1"
	EventKeyMeta      = "hocvu.key.meta.v1"
)

// maxRounds bounds the retries of CurrentKey and Destroy under contention.
const maxRounds = 100

// Log is what the key store needs of the KurrentDB adapter
// (*kurrentdb.Store implements it).
type Log interface {
	eventstore.Appender
	eventstore.StreamReader
	// Tombstone hard-deletes a stream; an error wrapping
	// kurrentdb.ErrStreamDeleted when it already was.
	Tombstone(ctx context.Context, stream string) error
}

var _ Log = (*kurrentdb.Store)(nil)

// Store is the KurrentDB key store. The caller owns the Log and closes it.
type Store struct{ log Log }

var _ keys.Store = (*Store)(nil)

// New returns a key store on log.
func New(log Log) *Store { return &Store{log: log} }

type keyCreated struct {
	Wrapped []byte `json:"wrapped"`
}

type keyCurrent struct {
	KeyID string `json:"keyId"`
}

type keyDestroyed struct {
	KeyIDs []string `json:"keyIds"`
}

type keyMeta struct {
	Value []byte `json:"value"`
}

func event(typ string, v any) eventstore.EventData {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("kurrentkeys: encode %s: %v", typ, err)) // plain structs: cannot fail
	}
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: data}
}

// CurrentKey implements keys.Store.
func (s *Store) CurrentKey(ctx context.Context, subject string, fresh keys.Key) (keys.Key, bool, error) {
	if err := keys.ValidateName("subject", subject); err != nil {
		return keys.Key{}, false, err
	}
	if err := keys.ValidateFresh(fresh); err != nil {
		return keys.Key{}, false, err
	}
	stream := StreamSubjectPrefix + subject
	written := false
	for range maxRounds {
		last, rev, exists, err := s.lastEvent(ctx, stream)
		if err != nil {
			return keys.Key{}, false, err
		}
		if last != nil && last.Type == EventKeyCurrent {
			var cur keyCurrent
			if err := json.Unmarshal(last.Data, &cur); err != nil {
				return keys.Key{}, false, fmt.Errorf("kurrentkeys: %s: decode %s: %w", stream, last.Type, err)
			}
			w, err := s.Key(ctx, cur.KeyID)
			if err == nil {
				if written {
					s.discard(ctx, fresh.ID)
				}
				return keys.Key{ID: cur.KeyID, Wrapped: w}, false, nil
			}
			if !errors.Is(err, keys.ErrNoKey) {
				return keys.Key{}, false, err
			}
			// The current key was destroyed by a Destroy that stopped
			// before its last step: start a new generation.
		}
		if !written {
			_, err := s.log.Append(ctx, StreamKeyPrefix+fresh.ID, eventstore.NoStream, event(EventKeyCreated, keyCreated{Wrapped: fresh.Wrapped}))
			if errors.Is(err, eventstore.ErrWrongExpectedRevision) || errors.Is(err, kurrentdb.ErrStreamDeleted) {
				return keys.Key{}, false, fmt.Errorf("%w: key id %s is already taken", keys.ErrInvalid, fresh.ID)
			}
			if err != nil {
				return keys.Key{}, false, fmt.Errorf("kurrentkeys: store key %s: %w", fresh.ID, err)
			}
			written = true
		}
		expected := eventstore.NoStream
		if exists {
			expected = eventstore.Exact(rev)
		}
		_, err = s.log.Append(ctx, stream, expected, event(EventKeyCurrent, keyCurrent{KeyID: fresh.ID}))
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			continue // another replica moved the subject: read again
		}
		if err != nil {
			return keys.Key{}, false, fmt.Errorf("kurrentkeys: make %s the current key of %s: %w", fresh.ID, subject, err)
		}
		return fresh, true, nil
	}
	if written {
		s.discard(ctx, fresh.ID)
	}
	return keys.Key{}, false, fmt.Errorf("kurrentkeys: current key of %s: still contended after %d rounds", subject, maxRounds)
}

// discard tombstones the stream of a fresh key that lost a race and was
// never handed out. Best effort: a key stream left behind encrypts
// nothing.
func (s *Store) discard(ctx context.Context, id string) {
	_ = s.log.Tombstone(ctx, StreamKeyPrefix+id)
}

// lastEvent reads the last event of stream: nil and exists=false when the
// stream has none.
func (s *Store) lastEvent(ctx context.Context, stream string) (ev *eventstore.RecordedEvent, rev uint64, exists bool, err error) {
	evs, err := s.log.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("kurrentkeys: read %s: %w", stream, err)
	}
	if len(evs) == 0 {
		return nil, 0, false, nil
	}
	return &evs[0], evs[0].Revision, true, nil
}

// Key implements keys.Store.
func (s *Store) Key(ctx context.Context, id string) ([]byte, error) {
	if keys.ValidateName("key id", id) != nil {
		return nil, fmt.Errorf("%w: %q", keys.ErrNoKey, id)
	}
	stream := StreamKeyPrefix + id
	evs, err := s.log.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, fmt.Errorf("%w: %s", keys.ErrNoKey, id)
	}
	if err != nil {
		return nil, fmt.Errorf("kurrentkeys: read %s: %w", stream, err)
	}
	if len(evs) == 0 || evs[0].Type != EventKeyCreated {
		return nil, fmt.Errorf("%w: %s", keys.ErrNoKey, id)
	}
	var k keyCreated
	if err := json.Unmarshal(evs[0].Data, &k); err != nil || len(k.Wrapped) == 0 {
		return nil, fmt.Errorf("kurrentkeys: %s: the key record is corrupt", stream)
	}
	return k.Wrapped, nil
}

// HasKey implements keys.Store: the subject's current key, if any, must
// still be readable (not tombstoned).
func (s *Store) HasKey(ctx context.Context, subject string) (bool, error) {
	if err := keys.ValidateName("subject", subject); err != nil {
		return false, err
	}
	last, _, _, err := s.lastEvent(ctx, StreamSubjectPrefix+subject)
	if err != nil || last == nil || last.Type != EventKeyCurrent {
		return false, err
	}
	var cur keyCurrent
	if err := json.Unmarshal(last.Data, &cur); err != nil {
		return false, fmt.Errorf("kurrentkeys: decode %s: %w", last.Type, err)
	}
	_, err = s.Key(ctx, cur.KeyID)
	if errors.Is(err, keys.ErrNoKey) {
		return false, nil
	}
	return err == nil, err
}

// Destroy implements keys.Store.
func (s *Store) Destroy(ctx context.Context, subject string) ([]string, error) {
	if err := keys.ValidateName("subject", subject); err != nil {
		return nil, err
	}
	stream := StreamSubjectPrefix + subject
	var destroyed []string
	for range maxRounds {
		live, rev, exists, err := s.liveKeys(ctx, stream)
		if err != nil {
			return nil, err
		}
		if !exists || len(live) == 0 {
			return destroyed, nil
		}
		for _, id := range live {
			err := s.log.Tombstone(ctx, StreamKeyPrefix+id)
			if err != nil && !errors.Is(err, kurrentdb.ErrStreamDeleted) {
				return nil, fmt.Errorf("kurrentkeys: destroy key %s: %w", id, err)
			}
			if !slices.Contains(destroyed, id) {
				destroyed = append(destroyed, id)
			}
		}
		_, err = s.log.Append(ctx, stream, eventstore.Exact(rev), event(EventKeyDestroyed, keyDestroyed{KeyIDs: live}))
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
			continue // a key was created meanwhile: destroy it too
		}
		if err != nil {
			return nil, fmt.Errorf("kurrentkeys: record the destruction of %v: %w", live, err)
		}
		return destroyed, nil
	}
	return nil, fmt.Errorf("kurrentkeys: destroy the keys of %s: still contended after %d rounds", subject, maxRounds)
}

// liveKeys reads a subject stream and returns the key ids named after its
// last hocvu.key.destroyed.v1, and the stream's last revision.
func (s *Store) liveKeys(ctx context.Context, stream string) (live []string, rev uint64, exists bool, err error) {
	from := uint64(0)
	for {
		evs, err := s.log.ReadStream(ctx, stream, eventstore.ReadStreamOptions{From: from, Max: 500})
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil, 0, false, nil
		}
		if err != nil {
			return nil, 0, false, fmt.Errorf("kurrentkeys: read %s: %w", stream, err)
		}
		for _, e := range evs {
			rev, exists = e.Revision, true
			switch e.Type {
			case EventKeyCurrent:
				var cur keyCurrent
				if err := json.Unmarshal(e.Data, &cur); err != nil {
					return nil, 0, false, fmt.Errorf("kurrentkeys: %s@%d: decode %s: %w", stream, e.Revision, e.Type, err)
				}
				live = append(live, cur.KeyID)
			case EventKeyDestroyed:
				live = live[:0]
			}
		}
		if len(evs) < 500 {
			return live, rev, exists, nil
		}
		from = evs[len(evs)-1].Revision + 1
	}
}

// CreateMeta implements keys.Store.
func (s *Store) CreateMeta(ctx context.Context, name string, value []byte) ([]byte, error) {
	if err := keys.ValidateName("meta name", name); err != nil {
		return nil, err
	}
	_, err := s.log.Append(ctx, StreamMetaPrefix+name, eventstore.NoStream, event(EventKeyMeta, keyMeta{Value: value}))
	if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		return s.Meta(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("kurrentkeys: create meta %s: %w", name, err)
	}
	return slices.Clone(value), nil
}

// Meta implements keys.Store.
func (s *Store) Meta(ctx context.Context, name string) ([]byte, error) {
	if err := keys.ValidateName("meta name", name); err != nil {
		return nil, err
	}
	stream := StreamMetaPrefix + name
	evs, err := s.log.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) || err == nil && len(evs) == 0 {
		return nil, fmt.Errorf("%w: %s", keys.ErrNoMeta, name)
	}
	if err != nil {
		return nil, fmt.Errorf("kurrentkeys: read %s: %w", stream, err)
	}
	var m keyMeta
	if err := json.Unmarshal(evs[0].Data, &m); err != nil {
		return nil, fmt.Errorf("kurrentkeys: %s: decode: %w", stream, err)
	}
	return m.Value, nil
}
