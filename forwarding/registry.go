package forwarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// Named errors of the registry and the service.
var (
	ErrNotFound = errors.New("forwarding: no such forward")
	ErrExists   = errors.New("forwarding: a forward with this name exists")
)

// Store is the part of the event store the registry uses.
type Store interface {
	eventstore.Appender
	eventstore.StreamReader
	eventstore.Subscriber
}

// State is a forward as the configuration events leave it.
type State struct {
	Forward
	Paused       bool      `json:"paused"`
	PausedReason string    `json:"pausedReason,omitempty"`
	Deleted      bool      `json:"deleted"`
	Changed      time.Time `json:"-"`
	// Version is the stream revision of the forward's last created or
	// changed event: a running forwarder restarts when it changes.
	Version uint64 `json:"-"`
}

// Registry is the live set of forwards, folded from the "forwards" stream.
// It is safe for concurrent use. Create it with NewRegistry, call Load,
// then Follow in a goroutine.
type Registry struct {
	store Store

	fold *eventstore.Fold // of Stream into forwards and retries

	mu       sync.RWMutex
	forwards map[string]*State // by id, deleted ones included
	retries  map[string][]RetryRequest
	changed  chan struct{}
}

// NewRegistry creates a registry over store.
func NewRegistry(store Store, log *slog.Logger) *Registry {
	r := &Registry{store: store, forwards: map[string]*State{}, retries: map[string][]RetryRequest{}, changed: make(chan struct{})}
	r.fold = eventstore.NewFold(Stream, r.apply, eventstore.FoldOptions{Logger: log})
	return r
}

// Load replays the forwards stream. A configuration event that cannot be
// decoded is skipped, logged and counted (eventstore.Fold, Skipped).
func (r *Registry) Load(ctx context.Context) error {
	if err := r.fold.Load(ctx, r.store); err != nil {
		return fmt.Errorf("forwarding: load forwards: %w", err)
	}
	return nil
}

// Follow applies configuration events appended after Load until ctx ends,
// resubscribing after failures.
func (r *Registry) Follow(ctx context.Context) { r.fold.Follow(ctx, r.store) }

// Skipped returns how many configuration events the registry skipped
// because it could not decode them.
func (r *Registry) Skipped() uint64 { return r.fold.Skipped() }

// Changed returns a channel closed at the next change.
func (r *Registry) Changed() <-chan struct{} {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.changed
}

// apply folds one configuration event. Every event, a skipped one too,
// closes the Changed channel.
func (r *Registry) apply(ev *eventstore.RecordedEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() {
		close(r.changed)
		r.changed = make(chan struct{})
	}()
	switch ev.Type {
	case EventCreated, EventChanged:
		var f Forward
		if err := json.Unmarshal(ev.Data, &f); err != nil {
			return fmt.Errorf("forwarding: decode %s: %w", ev.Type, err)
		}
		st := &State{Forward: f, Changed: ev.Recorded, Version: ev.Revision}
		if old, ok := r.forwards[f.ID]; ok && ev.Type == EventChanged {
			st.Paused, st.PausedReason = old.Paused, old.PausedReason
		}
		r.forwards[f.ID] = st
	case EventPaused, EventResumed, EventDeleted:
		var c StateChange
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return fmt.Errorf("forwarding: decode %s: %w", ev.Type, err)
		}
		old, ok := r.forwards[c.ID]
		if !ok {
			return nil
		}
		st := *old
		st.Changed = ev.Recorded
		switch ev.Type {
		case EventPaused:
			st.Paused, st.PausedReason = true, c.Reason
		case EventResumed:
			st.Paused, st.PausedReason = false, ""
		case EventDeleted:
			st.Deleted = true
		}
		r.forwards[c.ID] = &st
	case EventRetryRequested:
		var q RetryRequest
		if err := json.Unmarshal(ev.Data, &q); err != nil {
			return fmt.Errorf("forwarding: decode %s: %w", ev.Type, err)
		}
		q.Position = ev.Position
		r.retries[q.ID] = append(r.retries[q.ID], q)
	}
	return nil
}

// List returns the forwards that are not deleted, sorted by name.
func (r *Registry) List() []State {
	r.mu.RLock()
	out := make([]State, 0, len(r.forwards))
	for _, st := range r.forwards {
		if !st.Deleted {
			out = append(out, *st)
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b State) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Get finds a forward that is not deleted by name or id.
func (r *Registry) Get(nameOrID string) (State, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if st, ok := r.forwards[nameOrID]; ok && !st.Deleted {
		return *st, true
	}
	for _, st := range r.forwards {
		if st.Name == nameOrID && !st.Deleted {
			return *st, true
		}
	}
	return State{}, false
}

// Retries returns the retry requests of a forward, in log order.
func (r *Registry) Retries(id string) []RetryRequest {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.retries[id])
}

// Create appends a new forward (its ID set by the caller, its secret
// already sealed). The name must be free among forwards not deleted.
func (r *Registry) Create(ctx context.Context, f Forward) error {
	return r.append(ctx, func() (eventstore.EventData, error) {
		if _, taken := r.Get(f.Name); taken {
			return eventstore.EventData{}, fmt.Errorf("%w: %s", ErrExists, f.Name)
		}
		if _, taken := r.Get(f.ID); taken {
			return eventstore.EventData{}, fmt.Errorf("%w: id %s", ErrExists, f.ID)
		}
		return event(EventCreated, f)
	})
}

// Change replaces a forward's configuration.
func (r *Registry) Change(ctx context.Context, f Forward) error {
	return r.append(ctx, func() (eventstore.EventData, error) {
		old, ok := r.Get(f.ID)
		if !ok {
			return eventstore.EventData{}, fmt.Errorf("%w: %s", ErrNotFound, f.Name)
		}
		if other, taken := r.Get(f.Name); taken && other.ID != f.ID {
			return eventstore.EventData{}, fmt.Errorf("%w: %s", ErrExists, f.Name)
		}
		f.Created = old.Created
		return event(EventChanged, f)
	})
}

// Pause stops delivery until Resume. Pausing a paused forward changes
// nothing.
func (r *Registry) Pause(ctx context.Context, id, reason string) error {
	return r.stateChange(ctx, id, EventPaused, reason, func(st State) bool { return !st.Paused })
}

// Resume restarts delivery from the checkpoint. Resuming an active forward
// changes nothing.
func (r *Registry) Resume(ctx context.Context, id string) error {
	return r.stateChange(ctx, id, EventResumed, "", func(st State) bool { return st.Paused })
}

// Delete stops a forward for good (its history stays in the log).
func (r *Registry) Delete(ctx context.Context, id string) error {
	return r.stateChange(ctx, id, EventDeleted, "", func(State) bool { return true })
}

func (r *Registry) stateChange(ctx context.Context, id, typ, reason string, needed func(State) bool) error {
	return r.append(ctx, func() (eventstore.EventData, error) {
		st, ok := r.Get(id)
		if !ok {
			return eventstore.EventData{}, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		if !needed(st) {
			return eventstore.EventData{}, errNothingToDo
		}
		return event(typ, StateChange{ID: st.ID, Reason: reason, At: time.Now().UTC()})
	})
}

// RequestRetry asks the forwarder to re-drive dead letters (all open ones
// when ids is empty).
func (r *Registry) RequestRetry(ctx context.Context, id string, ids []string) (RetryRequest, error) {
	q := RetryRequest{ID: id, Request: uuid.NewString(), DeadLetters: ids, At: time.Now().UTC()}
	err := r.append(ctx, func() (eventstore.EventData, error) {
		if _, ok := r.Get(id); !ok {
			return eventstore.EventData{}, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return event(EventRetryRequested, q)
	})
	return q, err
}

var errNothingToDo = errors.New("forwarding: nothing to do")

func event(typ string, data any) (eventstore.EventData, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return eventstore.EventData{}, fmt.Errorf("forwarding: encode %s: %w", typ, err)
	}
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: b}, nil
}

// append decides an event against the registry's state and appends it at
// the revision that state reflects; when another writer appended first, it
// catches up and decides again.
func (r *Registry) append(ctx context.Context, decide func() (eventstore.EventData, error)) error {
	for attempt := 0; ; attempt++ {
		exp := r.fold.Expected()
		ev, err := decide()
		if errors.Is(err, errNothingToDo) {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := r.store.Append(ctx, Stream, exp, ev)
		if errors.Is(err, eventstore.ErrWrongExpectedRevision) && attempt < 10 {
			if err := r.fold.Load(ctx, r.store); err != nil {
				return fmt.Errorf("forwarding: catch up: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("forwarding: append %s: %w", ev.Type, err)
		}
		evs, err := r.store.ReadStream(ctx, Stream, eventstore.ReadStreamOptions{From: res.NextExpectedRevision, Max: 1})
		if err != nil {
			return fmt.Errorf("forwarding: read back %s: %w", ev.Type, err)
		}
		for i := range evs {
			r.fold.Apply(&evs[i])
		}
		return nil
	}
}
