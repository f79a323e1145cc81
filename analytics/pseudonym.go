package analytics

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Pseudonymizer turns identifiers into stable keyed pseudonyms. It is
// safe for concurrent use.
type Pseudonymizer struct {
	key  []byte
	macs sync.Pool // hash.Hash keyed with key, reused (hmac.New costs more than the MAC)
	// agentKeys maps agent keys in clear to the keys of sealed agents
	// (MapAgentKeys); nil: keys as they are.
	agentKeys func(string) string
}

// MapAgentKeys makes Agent pseudonymize agents by the key a sealed copy
// of them has (privacy/sealing: xapi.SubjectKey of the keyed hash of the
// identifier), so that a person has one pseudonym whether a statement
// holds them sealed or in clear. Set it before the first use; with it,
// every pseudonym differs from the ones made without it (the analytics
// are rebuilt when sealing is turned on).
func (p *Pseudonymizer) MapAgentKeys(fn func(key string) string) { p.agentKeys = fn }

// MapsAgentKeys reports whether MapAgentKeys was given a function.
func (p *Pseudonymizer) MapsAgentKeys() bool { return p.agentKeys != nil }

// Agent returns the pseudonym of the agent with key (xapi.AgentKey).
func (p *Pseudonymizer) Agent(key string) uint64 {
	return p.ID("agent", p.AgentKey(key))
}

// AgentKey is the key Agent pseudonymizes: key itself, or its sealed form
// under MapAgentKeys. A sealed agent's key is never mapped again.
func (p *Pseudonymizer) AgentKey(key string) string {
	if p.agentKeys == nil || key == "" || strings.HasPrefix(key, "subject:") {
		return key
	}
	return p.agentKeys(key)
}

// NewPseudonymizer uses key (at least 16 bytes).
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < 16 {
		return nil, errors.New("analytics: the pseudonym key must be at least 16 bytes")
	}
	p := &Pseudonymizer{key: append([]byte(nil), key...)}
	p.macs.New = func() any { return hmac.New(sha256.New, p.key) }
	return p, nil
}

// ID returns the 64-bit pseudonym of value within kind ("agent",
// "household"). Zero is reserved for "none".
func (p *Pseudonymizer) ID(kind, value string) uint64 {
	if value == "" {
		return 0
	}
	m := p.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	var sum [sha256.Size]byte
	id := binary.BigEndian.Uint64(m.Sum(sum[:0]))
	p.macs.Put(m)
	if id == 0 {
		id = 1
	}
	return id
}

// FormatID renders a pseudonym for display (16 upper-case hex digits).
func FormatID(id uint64) string { return fmt.Sprintf("%016X", id) }

// PublishedExampleKey is the pseudonym key that .env.example once shipped
// with: public, so pseudonyms made with it can be recomputed by anyone
// from learner ids. LoadOrCreateKey refuses it.
const PublishedExampleKey = "00112233445566778899aabbccddeeff"

// LoadOrCreateKey returns the key in env (hex or plain text) or, when env
// is empty, the key stored in file, creating a random one there on first
// use so that pseudonyms stay stable across restarts. It refuses
// PublishedExampleKey.
func LoadOrCreateKey(env, file string) ([]byte, bool, error) {
	if strings.EqualFold(strings.TrimSpace(env), PublishedExampleKey) {
		return nil, false, errors.New("analytics: HOCVU_PSEUDONYM_KEY is the example key once published in .env.example, with which anyone can recompute learners' pseudonyms: " +
			"generate a key with `openssl rand -hex 32`, set it on every projector, and back it up (a new key changes every pseudonym: rebuild the analytics after changing it)")
	}
	if env != "" {
		if b, err := hex.DecodeString(env); err == nil && len(b) >= 16 {
			return b, false, nil
		}
		if len(env) < 16 {
			return nil, false, errors.New("analytics: HOCVU_PSEUDONYM_KEY must be at least 16 characters (or 32 hex digits)")
		}
		return []byte(env), false, nil
	}
	if b, err := os.ReadFile(file); err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) < 16 {
			return nil, false, fmt.Errorf("analytics: pseudonym key file %s is corrupt", file)
		}
		return k, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("analytics: read pseudonym key: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(file, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, false, fmt.Errorf("analytics: write pseudonym key: %w", err)
	}
	return k, true, nil
}
