package sealing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/keys"
)

// Content seals whole values of one person, such as the content of their
// State and Agent Profile documents (lrs/documents.Sealer), under the
// person's key: the key of the person's sealed agents, so that one
// erasure makes both unreadable.
type Content struct {
	Keys Keys
}

// AgentKey maps an agent key in clear (xapi.AgentKey) to the key a sealed
// copy of the agent has; a subject key is returned as it is.
func (c Content) AgentKey(inClear string) string {
	return Sealer{Keys: c.Keys}.AgentKey(inClear)
}

// Seal encrypts plaintext under the current key of the person whose agent
// key is agentKey (a subject key, or a key in clear, which is mapped
// first). aad is authenticated and must be given again to Open.
func (c Content) Seal(ctx context.Context, agentKey string, plaintext, aad []byte) (keyID string, sealed []byte, err error) {
	subject, ok := strings.CutPrefix(c.AgentKey(agentKey), xapi.SubjectKey(""))
	if !ok || subject == "" {
		return "", nil, fmt.Errorf("sealing: content: no subject in agent key")
	}
	keyID, sealed, err = c.Keys.Seal(ctx, subject, plaintext, aad)
	if err != nil {
		return "", nil, fmt.Errorf("%w: seal content: %w", ErrKeys, err)
	}
	return keyID, sealed, nil
}

// Open decrypts a value made by Seal; ok is false when the key was
// destroyed (the person was erased). An error wraps ErrDamaged (the
// value is not what Seal made with this aad) or ErrKeys (the keyring
// failed; a retry may succeed).
func (c Content) Open(ctx context.Context, keyID string, sealed, aad []byte) (plaintext []byte, ok bool, err error) {
	plain, err := c.Keys.Open(ctx, keyID, sealed, aad)
	switch {
	case errors.Is(err, keys.ErrNoKey):
		return nil, false, nil
	case errors.Is(err, keys.ErrDamaged):
		return nil, false, fmt.Errorf("sealed content with key %s: %w: %w", keyID, ErrDamaged, err)
	case err != nil:
		return nil, false, fmt.Errorf("sealed content with key %s: %w: %w", keyID, ErrKeys, err)
	}
	return plain, true, nil
}
