package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/hocvu/hocvu/eventstore"
)

// ErrUnauthorized is returned by Verify for an unknown key, a wrong secret
// or a revoked credential (deliberately indistinguishable).
var ErrUnauthorized = errors.New("auth: invalid credentials")

// Store is the part of the event store the registry uses.
type Store interface {
	eventstore.Appender
	eventstore.StreamReader
	eventstore.Subscriber
}

// Registry is the live set of credentials.
type Registry struct {
	store Store
	log   *slog.Logger

	verifier verifier

	mu     sync.RWMutex
	creds  map[string]*Credential
	cache  map[[32]byte]*cacheEntry // remembered verifications, by fingerprint of key and secret
	last   eventstore.Position
	rev    uint64
	exists bool
}

// NewRegistry creates a registry with the default Options; call Load,
// then Follow in a goroutine.
func NewRegistry(store Store, log *slog.Logger) *Registry {
	return NewRegistryWith(store, log, Options{})
}

// NewRegistryWith creates a registry with opts.
func NewRegistryWith(store Store, log *slog.Logger, opts Options) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{store: store, log: log, verifier: newVerifier(opts),
		creds: map[string]*Credential{}, cache: map[[32]byte]*cacheEntry{}}
}

// Load replays the credentials stream.
func (r *Registry) Load(ctx context.Context) error {
	if err := eventstore.ReplayStream(ctx, r.store, Stream, r.apply); err != nil {
		return fmt.Errorf("auth: load credentials: %w", err)
	}
	return nil
}

// Follow applies credential events appended after Load until ctx ends,
// resubscribing after failures.
func (r *Registry) Follow(ctx context.Context) {
	eventstore.FollowStream(ctx, r.store, Stream, func() eventstore.Position {
		r.mu.RLock()
		defer r.mu.RUnlock()
		return r.last
	}, r.apply, func(err error) {
		r.log.Warn("credential subscription failed; resubscribing", "err", err)
	})
}

func (r *Registry) apply(ev *eventstore.RecordedEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Position.Compare(r.last) <= 0 && r.exists {
		return
	}
	r.last, r.rev, r.exists = ev.Position, ev.Revision, true
	switch ev.Type {
	case EventCredentialSet:
		var c Credential
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			r.log.Error("bad credential event", "id", ev.ID, "err", err)
			return
		}
		r.creds[c.Key] = &c
		r.forgetLocked(c.Key)
	case EventCredentialRevoked:
		var v struct {
			Key string `json:"key"`
		}
		if err := json.Unmarshal(ev.Data, &v); err == nil {
			if c, ok := r.creds[v.Key]; ok {
				cc := *c
				cc.Revoked = true
				r.creds[v.Key] = &cc
			}
			r.forgetLocked(v.Key)
		}
	}
}

// Get returns a credential by key.
func (r *Registry) Get(key string) (*Credential, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.creds[key]
	return c, ok
}

// List returns every credential, revoked ones included.
func (r *Registry) List() []Credential {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Credential, 0, len(r.creds))
	for _, c := range r.creds {
		out = append(out, *c)
	}
	return out
}

// Set creates or replaces a credential (a new secret rotates it). It
// appends at the revision the registry last saw, so two concurrent
// changes cannot silently overwrite each other.
func (r *Registry) Set(ctx context.Context, c Credential, secret string) error {
	if c.Key == "" || secret == "" {
		return errors.New("auth: a credential needs a key and a secret")
	}
	for _, s := range c.Scopes {
		if !ValidScope(s) {
			return fmt.Errorf("auth: unknown scope %q", s)
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), r.verifier.opts.Cost)
	if err != nil {
		return fmt.Errorf("auth: hash secret: %w", err)
	}
	c.SecretHash = string(hash)
	if c.Created.IsZero() {
		c.Created = time.Now().UTC()
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return r.append(ctx, eventstore.EventData{ID: uuid.New(), Type: EventCredentialSet, Data: data})
}

// Revoke disables a credential.
func (r *Registry) Revoke(ctx context.Context, key string) error {
	if _, ok := r.Get(key); !ok {
		return fmt.Errorf("auth: no credential %q", key)
	}
	data, _ := json.Marshal(map[string]string{"key": key})
	return r.append(ctx, eventstore.EventData{ID: uuid.New(), Type: EventCredentialRevoked, Data: data})
}

func (r *Registry) append(ctx context.Context, ev eventstore.EventData) error {
	r.mu.RLock()
	exp := eventstore.NoStream
	if r.exists {
		exp = eventstore.Exact(r.rev)
	}
	r.mu.RUnlock()
	res, err := r.store.Append(ctx, Stream, exp, ev)
	if err != nil {
		return fmt.Errorf("auth: append credential event (reload and retry on a conflict): %w", err)
	}
	evs, err := r.store.ReadStream(ctx, Stream, eventstore.ReadStreamOptions{From: res.NextExpectedRevision, Max: 1})
	if err != nil {
		return fmt.Errorf("auth: read back credential event: %w", err)
	}
	for i := range evs {
		r.apply(&evs[i])
	}
	return nil
}

// Seed makes sure a credential with this key and secret exists with all
// scopes (HOCVU_API_KEY / HOCVU_API_SECRET). It writes only when the key
// is missing, revoked, or its secret or scopes differ.
func (r *Registry) Seed(ctx context.Context, key, secret, name, authorityHome string) error {
	if c, ok := r.Get(key); ok && !c.Revoked && c.Has(ScopeAll) && c.AuthorityHome == authorityHome {
		if bcrypt.CompareHashAndPassword([]byte(c.SecretHash), []byte(secret)) == nil {
			return nil
		}
	}
	return r.Set(ctx, Credential{Key: key, Name: name, Scopes: []string{ScopeAll}, AuthorityHome: authorityHome}, secret)
}
