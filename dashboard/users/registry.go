package users

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/hocvu/hocvu/eventstore"
)

// Store is the part of the event store the registry uses.
type Store interface {
	eventstore.Appender
	eventstore.StreamReader
	eventstore.Subscriber
}

// Registry is the live set of dashboard users. It is safe for concurrent
// use. Create it with NewRegistry, call Load, then Follow in a goroutine.
type Registry struct {
	store Store
	// cost is the bcrypt cost of new hashes; dummy a hash of that cost.
	cost  int
	dummy []byte

	fold *eventstore.Fold // of Stream into users

	mu    sync.RWMutex
	users map[string]*User
}

// dummyHash is compared against when a user does not exist, so that a
// failed login takes as long for an unknown name as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("hocvu-dummy-password"), bcrypt.DefaultCost)

// dummyFor is a dummy hash of the given cost.
func dummyFor(cost int) []byte {
	if cost == bcrypt.DefaultCost {
		return dummyHash
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("hocvu-dummy-password"), cost)
	return h
}

// NewRegistry creates a registry over store.
func NewRegistry(store Store, log *slog.Logger) *Registry {
	r := &Registry{store: store, cost: bcrypt.DefaultCost, dummy: dummyHash, users: map[string]*User{}}
	r.fold = eventstore.NewFold(Stream, r.apply, eventstore.FoldOptions{Logger: log})
	return r
}

// SetCost sets the bcrypt cost of new hashes (tests use bcrypt.MinCost),
// and of the hash unknown names are compared against. Call it before use.
func (r *Registry) SetCost(cost int) { r.cost, r.dummy = cost, dummyFor(cost) }

// Load replays the users stream. A user event that cannot be decoded is
// skipped, logged and counted (eventstore.Fold, Skipped).
func (r *Registry) Load(ctx context.Context) error {
	if err := r.fold.Load(ctx, r.store); err != nil {
		return fmt.Errorf("users: load: %w", err)
	}
	return nil
}

// Follow applies dashboard-user events appended after Load until ctx ends,
// resubscribing after failures.
func (r *Registry) Follow(ctx context.Context) { r.fold.Follow(ctx, r.store) }

// Skipped returns how many dashboard-user events the registry skipped
// because it could not decode them.
func (r *Registry) Skipped() uint64 { return r.fold.Skipped() }

// apply folds one dashboard-user event into the state.
func (r *Registry) apply(ev *eventstore.RecordedEvent) error {
	switch ev.Type {
	case EventUserSet:
		var u User
		if err := json.Unmarshal(ev.Data, &u); err != nil {
			return fmt.Errorf("users: decode %s: %w", ev.Type, err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.users[u.Username] = &u
	case EventUserRemoved:
		var v struct {
			Username string `json:"username"`
		}
		if err := json.Unmarshal(ev.Data, &v); err != nil {
			return fmt.Errorf("users: decode %s: %w", ev.Type, err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.users, v.Username)
	case EventDisplayNameSet:
		var v DisplayNameChange
		if err := json.Unmarshal(ev.Data, &v); err != nil {
			return fmt.Errorf("users: decode %s: %w", ev.Type, err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if u, ok := r.users[v.Username]; ok {
			c := *u
			c.DisplayName, c.Updated = v.DisplayName, v.Updated
			r.users[v.Username] = &c
		}
	}
	return nil
}

// Get returns a user by name.
func (r *Registry) Get(username string) (User, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	u, ok := r.users[username]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// List returns every user, sorted by name.
func (r *Registry) List() []User {
	r.mu.RLock()
	out := make([]User, 0, len(r.users))
	for _, u := range r.users {
		out = append(out, *u)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
	return out
}

// Verify checks a user name and password and returns the user. Unknown
// names and wrong passwords both give ErrUnauthorized after one bcrypt
// comparison.
func (r *Registry) Verify(username, password string) (User, error) {
	u, ok := r.Get(username)
	hash := r.dummy
	if ok {
		hash = []byte(u.PasswordHash)
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if !ok || err != nil {
		return User{}, ErrUnauthorized
	}
	return u, nil
}

// Stamp identifies the security-relevant state of a user (password hash,
// role, commune). A session remembers the stamp it was created with and
// ends when it changes: a new password, a new role or a removal signs the
// user out everywhere.
func Stamp(u User) string {
	h := sha256.Sum256([]byte(u.PasswordHash + "\x00" + string(u.Role) + "\x00" + u.Commune))
	return hex.EncodeToString(h[:12])
}

// Set creates or replaces a user. A non-empty password is hashed and
// replaces the old one; an empty password keeps the existing hash (for a
// role or name change) and is an error for a new user. It appends at the
// revision the registry last saw, so two concurrent changes cannot
// silently overwrite each other.
func (r *Registry) Set(ctx context.Context, u User, password string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	old, exists := r.Get(u.Username)
	// A new or changed display name must pass CheckDisplayName; one stored
	// before display names were checked is kept as it is, so that a new
	// password (users passwd, a new seed password at start) never fails
	// on it.
	if !exists || u.DisplayName != old.DisplayName {
		if err := CheckDisplayName(u.DisplayName); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	u.Created, u.Updated = now, now
	if exists {
		u.Created = old.Created
	}
	switch {
	case password != "":
		if err := CheckPassword(password); err != nil {
			return err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(password), r.cost)
		if err != nil {
			return fmt.Errorf("users: hash password: %w", err)
		}
		u.PasswordHash = string(hash)
	case exists:
		u.PasswordHash = old.PasswordHash
	default:
		return fmt.Errorf("users: %s is a new user and needs a password", u.Username)
	}
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("users: encode user: %w", err)
	}
	return r.append(ctx, eventstore.EventData{ID: uuid.New(), Type: EventUserSet, Data: data})
}

// SetPassword replaces a user's password.
func (r *Registry) SetPassword(ctx context.Context, username, password string) error {
	u, ok := r.Get(username)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, username)
	}
	if password == "" {
		return errors.New("users: empty password")
	}
	return r.Set(ctx, u, password)
}

// SetDisplayName changes the name the dashboard shows for a user (empty:
// none, the user name is shown). Sessions go on: the name is not part of
// the user's Stamp.
func (r *Registry) SetDisplayName(ctx context.Context, username, displayName string) error {
	if _, ok := r.Get(username); !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, username)
	}
	if err := CheckDisplayName(displayName); err != nil {
		return err
	}
	data, err := json.Marshal(DisplayNameChange{Username: username, DisplayName: displayName, Updated: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("users: encode display name: %w", err)
	}
	return r.append(ctx, eventstore.EventData{ID: uuid.New(), Type: EventDisplayNameSet, Data: data})
}

// Remove deletes a user; their sessions end at their next request.
func (r *Registry) Remove(ctx context.Context, username string) error {
	if _, ok := r.Get(username); !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, username)
	}
	data, err := json.Marshal(map[string]string{"username": username})
	if err != nil {
		return fmt.Errorf("users: encode removal: %w", err)
	}
	return r.append(ctx, eventstore.EventData{ID: uuid.New(), Type: EventUserRemoved, Data: data})
}

// Seed makes sure a province user with this name and password exists
// (HOCVU_DASHBOARD_ADMIN / HOCVU_DASHBOARD_PASSWORD), with displayName
// when it is not empty (HOCVU_DASHBOARD_ADMIN_NAME). It writes only what
// differs: the user when it is missing, is not a province user or has
// another password (keeping a display name set since, e.g. by
// `hocvu users display-name`, unless displayName is given); the display
// name when displayName differs from it, or when it is LegacySeedNote.
func (r *Registry) Seed(ctx context.Context, username, password, displayName string) error {
	u, ok := r.Get(username)
	if !ok || u.Role != RoleProvince || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		name := displayName
		if name == "" && ok && u.DisplayName != LegacySeedNote {
			name = u.DisplayName
		}
		return r.Set(ctx, User{Username: username, Role: RoleProvince, DisplayName: name}, password)
	}
	switch {
	case displayName != "" && u.DisplayName != displayName:
		return r.SetDisplayName(ctx, username, displayName)
	case displayName == "" && u.DisplayName == LegacySeedNote:
		return r.SetDisplayName(ctx, username, "")
	}
	return nil
}

func (r *Registry) append(ctx context.Context, ev eventstore.EventData) error {
	res, err := r.store.Append(ctx, Stream, r.fold.Expected(), ev)
	if err != nil {
		return fmt.Errorf("users: append %s (reload and retry on a conflict): %w", ev.Type, err)
	}
	evs, err := r.store.ReadStream(ctx, Stream, eventstore.ReadStreamOptions{From: res.NextExpectedRevision, Max: 1})
	if err != nil {
		return fmt.Errorf("users: read back %s: %w", ev.Type, err)
	}
	for i := range evs {
		r.fold.Apply(&evs[i])
	}
	return nil
}
