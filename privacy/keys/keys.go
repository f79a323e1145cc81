// Package keys is the key store that crypto-shredding stands on (see
// package privacy): per-subject data keys, wrapped under a master key, kept
// in a Store that can destroy them for good, and the Keyring that seals and
// opens personal data with them.
//
// # The contract
//
// A Store keeps raw records and does no cryptography: key records (a
// random key id and the wrapped key bytes), the current key of each
// subject, and small "meta" records. Every backend passes the contract
// suite in privacy/keys/keystest:
//
//   - CurrentKey is create-if-absent: callers racing for a subject that has
//     no key (in one process or on several replicas sharing the backend)
//     all end with the same one key; the fresh keys that lost are not kept.
//   - A subject has one current key at a time and may have several over
//     time: after Destroy, the next CurrentKey stores a new key (a new key
//     generation) under a new id.
//   - Key returns the wrapped key of an id, or ErrNoKey when the id is
//     unknown or its key was destroyed.
//   - HasKey reports whether a subject has a current key not destroyed.
//   - Destroy removes every key of a subject, is idempotent, and returns
//     the ids it destroyed (none when there was nothing left to destroy; a
//     backend may list again keys that an interrupted earlier Destroy had
//     already removed, as it completes that Destroy).
//     What "removes" means on disk is each backend's business, and is
//     written in its package documentation and in docs/privacy.md.
//   - CreateMeta is create-if-absent for a named value; Meta reads it, or
//     returns ErrNoMeta.
//
// All methods are safe for concurrent use.
package keys

import (
	"context"
	"errors"
	"fmt"
)

// Errors of the contract.
var (
	// ErrNoKey is returned for a key id that is unknown or whose key was
	// destroyed (the data sealed under it is erased).
	ErrNoKey = errors.New("keys: no such key (unknown or destroyed)")
	// ErrDamaged is wrapped by Open's error for a ciphertext that is
	// malformed or does not authenticate (changed, or given with another
	// aad): the same every time, unlike a failure to reach the store.
	ErrDamaged = errors.New("keys: damaged ciphertext")
	// ErrNoMeta is returned by Meta for a name never created.
	ErrNoMeta = errors.New("keys: no such meta record")
	// ErrWrongMasterKey is returned by Open when the master key is not the
	// one the store was first opened with. The caller must refuse to
	// start: with a wrong key every seal would be unreadable by the others
	// and every open would fail.
	ErrWrongMasterKey = errors.New("keys: the master key is not the one this key store was created with")
	// ErrInvalid is wrapped by the errors for a malformed subject, key
	// record or meta name.
	ErrInvalid = errors.New("keys: invalid argument")
)

// Key is a key record: its id and its wrapped (encrypted) key bytes.
type Key struct {
	ID      string
	Wrapped []byte
}

// Store is the backend contract (see the package documentation). It holds
// wrapped keys only; the Keyring wraps and unwraps them.
type Store interface {
	// CurrentKey returns the subject's current key. When the subject has
	// none (it never had one, or its keys were destroyed), it stores fresh
	// as the current key and returns it with created set. Atomic: of
	// concurrent callers for one subject exactly one stores its fresh key
	// and the others get that key.
	CurrentKey(ctx context.Context, subject string, fresh Key) (key Key, created bool, err error)
	// Key returns the wrapped key of id, or ErrNoKey.
	Key(ctx context.Context, id string) ([]byte, error)
	// HasKey reports whether the subject has a current key that was not
	// destroyed (so data sealed for it can still be opened).
	HasKey(ctx context.Context, subject string) (bool, error)
	// Destroy removes every key of subject and returns their ids. It is
	// idempotent: a subject with no key left returns no ids and no error.
	Destroy(ctx context.Context, subject string) ([]string, error)
	// CreateMeta stores value under name unless a value is already there,
	// and returns the stored value (value itself, or the earlier one).
	CreateMeta(ctx context.Context, name string, value []byte) ([]byte, error)
	// Meta returns the value stored under name, or ErrNoMeta.
	Meta(ctx context.Context, name string) ([]byte, error)
}

// MaxNameLength bounds subjects, key ids and meta names (bytes). Backends
// put them in keys and stream names.
const MaxNameLength = 200

// ValidateName checks a subject, key id or meta name: not empty, at most
// MaxNameLength bytes, only the characters of URL-safe base64, digits and
// "-", "_", "." (what Keyring.Subject and UUIDs produce), so that every
// backend can use it in a key or a stream name as it is.
func ValidateName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, kind)
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalid, kind, MaxNameLength)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("%w: %s %q: only letters, digits, '-', '_' and '.' are allowed", ErrInvalid, kind, name)
		}
	}
	return nil
}

// ValidateFresh checks a fresh key record given to CurrentKey.
func ValidateFresh(k Key) error {
	if err := ValidateName("key id", k.ID); err != nil {
		return err
	}
	if len(k.Wrapped) == 0 {
		return fmt.Errorf("%w: key %s has no key bytes", ErrInvalid, k.ID)
	}
	return nil
}
