package erasure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// Keyring is what erasure needs of the keys (privacy/keys.Keyring).
type Keyring interface {
	// Subject is the keyed hash of an agent identifier.
	Subject(identifier string) string
	// Has reports whether the subject has a key now (data not erased).
	Has(ctx context.Context, subject string) (bool, error)
	// Destroy destroys every key of the subject (idempotent).
	Destroy(ctx context.Context, subject string) ([]string, error)
}

// Log is the part of the event store erasures use.
type Log interface {
	eventstore.Appender
	eventstore.StreamReader
	eventstore.Subscriber
}

// Record is one recorded erasure.
type Record struct {
	Erased
	// Position is where the erasure is in the log.
	Position eventstore.Position `json:"position"`
}

// ErrUnknownPerson is returned by Erase for a person Hocvu holds no key
// of: nothing sealed under their identifier, or erased already.
var ErrUnknownPerson = errors.New("erasure: no personal data of this person is kept (unknown, or erased already)")

// Registry folds Stream and erases people. Safe for concurrent use.
type Registry struct {
	log  Log
	keys Keyring
	lg   *slog.Logger
	fold *eventstore.Fold
	now  func() time.Time

	mu      sync.Mutex
	records []Record
}

// New returns a registry; Load it before use.
func New(log Log, keys Keyring, logger *slog.Logger) *Registry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Registry{log: log, keys: keys, lg: logger, now: time.Now}
	r.fold = eventstore.NewFold(Stream, r.apply, eventstore.FoldOptions{Logger: logger})
	return r
}

func (r *Registry) apply(ev *eventstore.RecordedEvent) error {
	if ev.Type != EventErased {
		return nil
	}
	var e Erased
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return fmt.Errorf("decode erasure: %w", err)
	}
	if e.Subject == "" {
		return errors.New("erasure without a subject")
	}
	r.mu.Lock()
	r.records = append(r.records, Record{Erased: e, Position: ev.Position})
	r.mu.Unlock()
	return nil
}

// Load reads the erasures recorded so far.
func (r *Registry) Load(ctx context.Context) error {
	if err := r.fold.Load(ctx, r.log); err != nil {
		return fmt.Errorf("erasure: load %s: %w", Stream, err)
	}
	return nil
}

// Records lists the erasures, oldest first.
func (r *Registry) Records() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.records...)
}

// Reconcile destroys the keys of every recorded erasure again: it
// finishes an erasure a crash interrupted after its event, and erases
// again what a restored older key store brought back. Run it at start,
// after Load.
func (r *Registry) Reconcile(ctx context.Context) error {
	done := map[string]bool{}
	for _, rec := range r.Records() {
		if done[rec.Subject] {
			continue
		}
		done[rec.Subject] = true
		ids, err := r.keys.Destroy(ctx, rec.Subject)
		if err != nil {
			return fmt.Errorf("erasure: destroy the keys of an erased subject: %w", err)
		}
		if len(ids) > 0 {
			r.lg.Warn("destroyed the keys of an erased person again (an erasure was interrupted, or the key store was restored)",
				"subject", rec.Subject, "keys", len(ids))
		}
	}
	return nil
}

// Follow applies erasures recorded after Load (by another replica) until
// ctx ends, destroying their keys here too, which evicts them from this
// process's caches. Run it in a goroutine.
func (r *Registry) Follow(ctx context.Context) {
	eventstore.FollowStream(ctx, r.log, Stream, r.fold.Position, func(ev *eventstore.RecordedEvent) {
		before := len(r.Records())
		r.fold.Apply(ev)
		recs := r.Records()
		for _, rec := range recs[before:] {
			if _, err := r.keys.Destroy(ctx, rec.Subject); err != nil && ctx.Err() == nil {
				r.lg.Error("destroying the keys of an erased person failed; the next start finishes it", "subject", rec.Subject, "err", err)
			}
		}
	}, func(err error) {
		r.lg.Warn("erasure subscription failed; resubscribing", "err", err)
	})
}

// Erase erases the person whose agent key (xapi.AgentKey) is identifier:
// it records the erasure, then destroys the person's keys. by and
// reference go into the record (no personal data). A person with no key
// is ErrUnknownPerson. When the keys cannot be destroyed after the record
// was written, the error says so; the next start (Reconcile) or a new
// Erase finishes it.
func (r *Registry) Erase(ctx context.Context, identifier, by, reference string) (Record, error) {
	subject := r.keys.Subject(identifier)
	has, err := r.keys.Has(ctx, subject)
	if err != nil {
		return Record{}, fmt.Errorf("erasure: look the person up: %w", err)
	}
	if !has {
		return Record{}, ErrUnknownPerson
	}
	e := Erased{Subject: subject, At: r.now().UTC(), By: by, Reference: reference}
	data, err := json.Marshal(e)
	if err != nil {
		return Record{}, err
	}
	res, err := r.log.Append(ctx, Stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: EventErased, Data: data})
	if err != nil {
		return Record{}, fmt.Errorf("erasure: record the erasure: %w", err)
	}
	rec := Record{Erased: e, Position: res.Position}
	if _, err := r.keys.Destroy(ctx, subject); err != nil {
		return rec, fmt.Errorf("erasure: recorded, but destroying the keys failed (the next start finishes it): %w", err)
	}
	if err := r.fold.Load(ctx, r.log); err != nil {
		r.lg.Warn("erasure recorded; re-reading the erasures failed", "err", err)
	}
	return rec, nil
}
