package sealing

import (
	"context"

	"github.com/go-json-experiment/json/jsontext"
	lru "github.com/hashicorp/golang-lru/v2"
)

// SealCache remembers how agents were sealed, so that a person who
// appears in many statements (a learner's launched, progressed, completed
// and passed) is sealed once per key rather than once per statement. An
// agent's sealed form is reused only while its key is still the
// subject's current key (KeyIDs.CurrentKeyID, a cache lookup in
// privacy/keys.Keyring): after an erasure the person's next statement is
// sealed again under their new key. Reusing a ciphertext tells no more
// than the subject it sits next to: both say it is the same person.
// Only agents without members are kept (a Group's members have keys of
// their own). Safe for concurrent use.
type SealCache struct {
	c *lru.Cache[string, cachedAgent]
}

// cachedAgent is one agent's sealed form.
type cachedAgent struct {
	subject, keyID string
	sealed         jsontext.Value
}

// NewSealCache returns a cache of at most n agents (about 400 bytes
// each).
func NewSealCache(n int) *SealCache {
	c, _ := lru.New[string, cachedAgent](max(n, 1))
	return &SealCache{c: c}
}

// get returns the sealed form of the agent v, when one is kept and its
// key is still current.
func (c *SealCache) get(ctx context.Context, keys Keys, v jsontext.Value) (jsontext.Value, bool) {
	if c == nil {
		return nil, false
	}
	ids, ok := keys.(KeyIDs)
	if !ok {
		return nil, false
	}
	e, ok := c.c.Get(string(v))
	if !ok {
		return nil, false
	}
	if id, err := ids.CurrentKeyID(ctx, e.subject); err != nil || id != e.keyID {
		c.c.Remove(string(v))
		return nil, false
	}
	return e.sealed, true
}

// put keeps the sealed form of v.
func (c *SealCache) put(v jsontext.Value, e cachedAgent) {
	if c != nil {
		c.c.Add(string(v), e)
	}
}
