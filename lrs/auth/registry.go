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
	store    Store
	verifier verifier
	fold     *eventstore.Fold // of Stream into creds

	mu    sync.RWMutex
	creds map[string]*Credential
	cache map[[32]byte]*cacheEntry // remembered verifications, by fingerprint of key and secret
}

// NewRegistry creates a registry with the default Options; call Load,
// then Follow in a goroutine.
func NewRegistry(store Store, log *slog.Logger) *Registry {
	return NewRegistryWith(store, log, Options{})
}

// NewRegistryWith creates a registry with opts.
func NewRegistryWith(store Store, log *slog.Logger, opts Options) *Registry {
	r := &Registry{store: store, verifier: newVerifier(opts),
		creds: map[string]*Credential{}, cache: map[[32]byte]*cacheEntry{}}
	r.fold = eventstore.NewFold(Stream, r.apply, eventstore.FoldOptions{Logger: log})
	return r
}

// Load replays the credentials stream. A credential event that cannot be
// decoded is skipped, logged and counted (eventstore.Fold, Skipped).
func (r *Registry) Load(ctx context.Context) error {
	if err := r.fold.Load(ctx, r.store); err != nil {
		return fmt.Errorf("auth: load credentials: %w", err)
	}
	return nil
}

// Follow applies credential events appended after Load until ctx ends,
// resubscribing after failures.
func (r *Registry) Follow(ctx context.Context) { r.fold.Follow(ctx, r.store) }

// Skipped returns how many credential events the registry skipped because
// it could not decode them.
func (r *Registry) Skipped() uint64 { return r.fold.Skipped() }

// apply folds one credential event into the state.
func (r *Registry) apply(ev *eventstore.RecordedEvent) error {
	switch ev.Type {
	case EventCredentialSet:
		var c Credential
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return fmt.Errorf("auth: decode %s: %w", ev.Type, err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.creds[c.Key] = &c
		r.forgetLocked(c.Key)
	case EventCredentialRevoked:
		var v struct {
			Key string `json:"key"`
		}
		if err := json.Unmarshal(ev.Data, &v); err != nil {
			return fmt.Errorf("auth: decode %s: %w", ev.Type, err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if c, ok := r.creds[v.Key]; ok {
			cc := *c
			cc.Revoked = true
			r.creds[v.Key] = &cc
		}
		r.forgetLocked(v.Key)
	}
	return nil
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
	res, err := r.store.Append(ctx, Stream, r.fold.Expected(), ev)
	if err != nil {
		return fmt.Errorf("auth: append credential event (reload and retry on a conflict): %w", err)
	}
	evs, err := r.store.ReadStream(ctx, Stream, eventstore.ReadStreamOptions{From: res.NextExpectedRevision, Max: 1})
	if err != nil {
		return fmt.Errorf("auth: read back credential event: %w", err)
	}
	for i := range evs {
		r.fold.Apply(&evs[i])
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
