// Package sealingtest provides an in-memory keyring for tests of code that
// seals statements (privacy/sealing), so they need no key store.
package sealingtest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/hocvu/hocvu/privacy/keys"
)

// Keys is an in-memory keyring: one AES-256-GCM key per subject, subjects
// keyed by a random HMAC key. Safe for concurrent use.
type Keys struct {
	lookup  []byte
	mu      sync.Mutex
	current map[string]string // subject -> key id
	keys    map[string]cipher.AEAD
	n       int
}

// NewKeys returns an empty keyring.
func NewKeys() *Keys {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return &Keys{lookup: k, current: map[string]string{}, keys: map[string]cipher.AEAD{}}
}

// Subject implements sealing.Keys.
func (m *Keys) Subject(identifier string) string {
	h := hmac.New(sha256.New, m.lookup)
	h.Write([]byte(identifier))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// CurrentKeyID implements sealing.KeyIDs.
func (m *Keys) CurrentKeyID(_ context.Context, subject string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.currentLocked(subject)
}

// Seal implements sealing.Keys.
func (m *Keys) Seal(_ context.Context, subject string, plaintext, aad []byte) (string, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, err := m.currentLocked(subject)
	if err != nil {
		return "", nil, err
	}
	aead := m.keys[id]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return id, aead.Seal(nonce, nonce, plaintext, aad), nil
}

// currentLocked returns the subject's key id, making the key when it has
// none. The caller holds m.mu.
func (m *Keys) currentLocked(subject string) (string, error) {
	id, ok := m.current[subject]
	if !ok {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		block, err := aes.NewCipher(k)
		if err != nil {
			return "", err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return "", err
		}
		m.n++
		id = fmt.Sprintf("key-%d", m.n)
		m.current[subject] = id
		m.keys[id] = aead
	}
	return id, nil
}

// Open implements sealing.Keys.
func (m *Keys) Open(_ context.Context, keyID string, ct, aad []byte) ([]byte, error) {
	m.mu.Lock()
	aead, ok := m.keys[keyID]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("key %s: %w", keyID, keys.ErrNoKey)
	}
	if len(ct) < aead.NonceSize() {
		return nil, fmt.Errorf("%w: short ciphertext", keys.ErrDamaged)
	}
	plain, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", keys.ErrDamaged, err)
	}
	return plain, nil
}

// Destroy forgets the key of the person whose agent key (xapi.AgentKey)
// is identifier and returns its id ("" when there was none).
func (m *Keys) Destroy(identifier string) string {
	s := m.Subject(identifier)
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.current[s]
	delete(m.current, s)
	delete(m.keys, id)
	return id
}
