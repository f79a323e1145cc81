package keys

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"sync"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
)

// HKDF labels of the keys derived from the master key. Stored formats
// depend on them: never change one (add a new version instead).
const (
	labelLookup = "hocvu/keys/lookup/v1" // HMAC key of Subject
	labelWrap   = "hocvu/keys/wrap/v1"   // AES-256-GCM key that wraps data keys
	labelCheck  = "hocvu/keys/check/v1"  // the check value kept in the store
)

// MetaMasterCheck is the meta record holding the master key's check value.
const MetaMasterCheck = "master-key-check"

// sealVersion is the first byte of every ciphertext Seal makes: version 1
// is AES-256-GCM, a 12-byte random nonce, then the sealed text and its tag.
const sealVersion = 1

const nonceSize = 12

// DefaultCacheSize is the number of unwrapped data keys (and of subjects'
// current keys) a Keyring keeps in memory by default: about 1 KiB each.
const DefaultCacheSize = 4096

// Option configures Open.
type Option func(*options)

type options struct{ cacheSize int }

// WithCacheSize bounds the in-process caches of a Keyring to n entries
// each (unwrapped data keys by id, current key by subject). n < 1 means
// DefaultCacheSize.
func WithCacheSize(n int) Option { return func(o *options) { o.cacheSize = n } }

// Keyring seals and opens personal data under per-subject data keys kept
// in a Store, wrapped under the master key. Unwrapped keys are cached in
// bounded LRU caches, so memory stays bounded whatever the number of
// people. It is safe for concurrent use.
type Keyring struct {
	store  Store
	lookup []byte
	wrap   cipher.AEAD
	macs   sync.Pool // hash.Hash keyed with lookup

	mu      sync.Mutex // orders cache fills against evictions (epoch)
	epoch   uint64     // incremented by every eviction
	data    *lru.Cache[string, cipher.AEAD]
	current *lru.Cache[string, currentKey]
}

type currentKey struct {
	id   string
	aead cipher.AEAD
}

// Open returns a Keyring over store under master. The first Open of a
// store records a check value derived from master (meta record
// MetaMasterCheck); later Opens compare against it and fail with
// ErrWrongMasterKey on a different master key, in which case the caller
// must refuse to start.
func Open(ctx context.Context, store Store, master MasterKey, opts ...Option) (*Keyring, error) {
	o := options{cacheSize: DefaultCacheSize}
	for _, f := range opts {
		f(&o)
	}
	if o.cacheSize < 1 {
		o.cacheSize = DefaultCacheSize
	}
	derive := func(label string) ([]byte, error) {
		b, err := hkdf.Key(sha256.New, master[:], nil, label, 32)
		if err != nil {
			return nil, fmt.Errorf("keys: derive %s: %w", label, err)
		}
		return b, nil
	}
	check, err := derive(labelCheck)
	if err != nil {
		return nil, err
	}
	stored, err := store.CreateMeta(ctx, MetaMasterCheck, check)
	if err != nil {
		return nil, fmt.Errorf("keys: check the master key: %w", err)
	}
	if subtle.ConstantTimeCompare(stored, check) != 1 {
		return nil, ErrWrongMasterKey
	}
	lookup, err := derive(labelLookup)
	if err != nil {
		return nil, err
	}
	wk, err := derive(labelWrap)
	if err != nil {
		return nil, err
	}
	wrap, err := newAEAD(wk)
	if err != nil {
		return nil, err
	}
	k := &Keyring{store: store, lookup: lookup, wrap: wrap}
	k.macs.New = func() any { return hmac.New(sha256.New, k.lookup) }
	if k.data, err = lru.New[string, cipher.AEAD](o.cacheSize); err != nil {
		return nil, fmt.Errorf("keys: cache: %w", err)
	}
	if k.current, err = lru.New[string, currentKey](o.cacheSize); err != nil {
		return nil, fmt.Errorf("keys: cache: %w", err)
	}
	return k, nil
}

// Subject returns the name of the subject of identifier (a canonical agent
// identifier, for example): HMAC-SHA256 under a lookup key derived from the
// master key, in unpadded URL-safe base64 (43 characters). It is stable for
// a master key, reveals nothing of identifier without the master key, and
// is what the Store sees.
func (k *Keyring) Subject(identifier string) string {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(identifier))
	var sum [sha256.Size]byte
	out := base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
	k.macs.Put(m)
	return out
}

// Seal encrypts plaintext with AES-256-GCM under the subject's current
// data key, creating that key on first use, and returns the key's id and
// the ciphertext (a version byte, a random nonce, the sealed text and its
// tag). aad is authenticated, not encrypted, and must be given again to
// Open. The current key of a subject is cached: after another replica
// destroyed it, this Keyring keeps sealing under it until Forget is called
// with its id.
func (k *Keyring) Seal(ctx context.Context, subject string, plaintext, aad []byte) (keyID string, ciphertext []byte, err error) {
	ck, err := k.currentKey(ctx, subject)
	if err != nil {
		return "", nil, err
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+ck.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return "", nil, fmt.Errorf("keys: nonce: %w", err)
	}
	return ck.id, ck.aead.Seal(out, out[1:1+nonceSize], plaintext, aad), nil
}

// CurrentKeyID returns the id of the subject's current data key, making
// it when the subject has none: the key the next Seal for the subject
// uses (the scope of its attachments, privacy/sealing.AttachmentScope).
func (k *Keyring) CurrentKeyID(ctx context.Context, subject string) (string, error) {
	ck, err := k.currentKey(ctx, subject)
	if err != nil {
		return "", err
	}
	return ck.id, nil
}

// Open decrypts a ciphertext made by Seal under key keyID with the same
// aad. When the key was destroyed (or never existed) the error wraps
// ErrNoKey; a ciphertext that is malformed, tampered with, or given with
// another aad gives another error.
func (k *Keyring) Open(ctx context.Context, keyID string, ciphertext, aad []byte) ([]byte, error) {
	aead, err := k.dataKey(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if len(ciphertext) < 1+nonceSize+aead.Overhead() || ciphertext[0] != sealVersion {
		return nil, fmt.Errorf("%w: open under key %s: malformed ciphertext", ErrDamaged, keyID)
	}
	plain, err := aead.Open(nil, ciphertext[1:1+nonceSize], ciphertext[1+nonceSize:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: open under key %s: the ciphertext does not authenticate (tampered, or another aad)", ErrDamaged, keyID)
	}
	return plain, nil
}

// Has reports whether subject has a key that was not destroyed: whether
// anything sealed for that person can still be opened.
func (k *Keyring) Has(ctx context.Context, subject string) (bool, error) {
	if err := ValidateName("subject", subject); err != nil {
		return false, err
	}
	ok, err := k.store.HasKey(ctx, subject)
	if err != nil {
		return false, fmt.Errorf("keys: look up the key of %s: %w", subject, err)
	}
	return ok, nil
}

// Destroy destroys every key of subject in the store, evicts them from
// this Keyring's caches and returns their ids. Other Keyrings (other
// replicas) must be told to Forget them. Idempotent.
func (k *Keyring) Destroy(ctx context.Context, subject string) ([]string, error) {
	k.mu.Lock()
	k.epoch++
	cached, _ := k.current.Peek(subject)
	k.current.Remove(subject)
	k.mu.Unlock()
	ids, err := k.store.Destroy(ctx, subject)
	if cached.id != "" {
		k.Forget(append(ids, cached.id)...)
	} else {
		k.Forget(ids...)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: destroy the keys of %s: %w", subject, err)
	}
	return ids, nil
}

// Forget evicts keys from this Keyring's caches, for keys that another
// replica destroyed: the next Open of such a key asks the store (and gets
// ErrNoKey), and the next Seal for its subject asks the store for the
// current key.
func (k *Keyring) Forget(keyIDs ...string) {
	if len(keyIDs) == 0 {
		return
	}
	gone := make(map[string]bool, len(keyIDs))
	for _, id := range keyIDs {
		gone[id] = true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.epoch++
	for _, id := range keyIDs {
		k.data.Remove(id)
	}
	// The caches are bounded, so this walk is too.
	for _, subject := range k.current.Keys() {
		if ck, ok := k.current.Peek(subject); ok && gone[ck.id] {
			k.current.Remove(subject)
		}
	}
}

// currentKey returns the subject's current key, from the cache or the
// store (which creates it when the subject has none).
func (k *Keyring) currentKey(ctx context.Context, subject string) (currentKey, error) {
	if ck, ok := k.current.Get(subject); ok {
		return ck, nil
	}
	if err := ValidateName("subject", subject); err != nil {
		return currentKey{}, err
	}
	epoch := k.readEpoch()
	raw := make([]byte, 32)
	defer clear(raw)
	if _, err := rand.Read(raw); err != nil {
		return currentKey{}, fmt.Errorf("keys: make a data key: %w", err)
	}
	id := uuid.NewString()
	fresh := Key{ID: id, Wrapped: k.wrapKey(id, raw)}
	got, created, err := k.store.CurrentKey(ctx, subject, fresh)
	if err != nil {
		return currentKey{}, fmt.Errorf("keys: current key of %s: %w", subject, err)
	}
	var aead cipher.AEAD
	if created {
		aead, err = newAEAD(raw)
	} else {
		aead, err = k.unwrap(got.ID, got.Wrapped)
	}
	if err != nil {
		return currentKey{}, err
	}
	ck := currentKey{id: got.ID, aead: aead}
	k.mu.Lock()
	if k.epoch == epoch {
		k.current.Add(subject, ck)
		k.data.Add(ck.id, aead)
	}
	k.mu.Unlock()
	return ck, nil
}

// dataKey returns the unwrapped key of id, from the cache or the store.
func (k *Keyring) dataKey(ctx context.Context, id string) (cipher.AEAD, error) {
	if aead, ok := k.data.Get(id); ok {
		return aead, nil
	}
	if ValidateName("key id", id) != nil {
		return nil, fmt.Errorf("keys: key %q: %w", id, ErrNoKey)
	}
	epoch := k.readEpoch()
	wrapped, err := k.store.Key(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: %w", id, err)
	}
	aead, err := k.unwrap(id, wrapped)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if k.epoch == epoch {
		k.data.Add(id, aead)
	}
	k.mu.Unlock()
	return aead, nil
}

func (k *Keyring) readEpoch() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.epoch
}

// wrapKey seals a data key under the wrapping key, bound to its id: a
// nonce, then the sealed key and its tag.
func (k *Keyring) wrapKey(id string, raw []byte) []byte {
	out := make([]byte, nonceSize, nonceSize+len(raw)+k.wrap.Overhead())
	_, _ = rand.Read(out) // never returns an error: since Go 1.24 it crashes the program instead
	return k.wrap.Seal(out, out, raw, wrapAD(id))
}

func (k *Keyring) unwrap(id string, wrapped []byte) (cipher.AEAD, error) {
	if len(wrapped) < nonceSize+k.wrap.Overhead() {
		return nil, fmt.Errorf("keys: key %s: the wrapped key is corrupt", id)
	}
	raw, err := k.wrap.Open(nil, wrapped[:nonceSize], wrapped[nonceSize:], wrapAD(id))
	if err != nil {
		return nil, fmt.Errorf("keys: key %s does not unwrap under this master key (corrupt record)", id)
	}
	defer clear(raw)
	return newAEAD(raw)
}

func wrapAD(id string) []byte { return []byte(labelWrap + "\x00" + id) }

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return aead, nil
}
