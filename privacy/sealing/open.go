package sealing

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hocvu/hocvu/privacy/keys"
)

// ErrDamaged reports a sealed agent that cannot be opened because its
// ciphertext is malformed or does not authenticate (changed, or moved to
// another agent): the same every time, unlike ErrKeys.
var ErrDamaged = errors.New("sealing: damaged sealed agent")

// ErasedHomePage is the homePage of the account that stands in for an
// erased person; the account name is the key id of the destroyed key.
const ErasedHomePage = "https://hocvu.local/erased"

// Open returns the statement with every sealed agent opened; the agent of
// an erased person becomes a placeholder (package doc). A statement with
// nothing sealed comes back unchanged. An error means a sealed agent could
// not be read for another reason (a damaged ciphertext, the key store
// unreachable): the caller must not serve the statement as if it were
// whole.
func Open(ctx context.Context, ks Keys, statement []byte) ([]byte, error) {
	out, err := rewriteStatement(statement, func(v jsontext.Value) (jsontext.Value, error) {
		return openAgent(ctx, ks, v)
	})
	if err != nil {
		return nil, fmt.Errorf("sealing: open statement: %w", err)
	}
	return out, nil
}

// sealedAgent is an agent as Seal writes it.
type sealedAgent struct {
	ObjectType string         `json:"objectType"`
	Sealed     *envelope      `json:"hocvu:sealed"`
	Member     jsontext.Value `json:"member"`
}

// openAgent opens one agent value; one that is not sealed comes back as
// it is, but for its members.
func openAgent(ctx context.Context, ks Keys, v jsontext.Value) (jsontext.Value, error) {
	var sa sealedAgent
	if err := json.Unmarshal(v, &sa, lenient...); err != nil {
		return nil, fmt.Errorf("decode agent: %w", err)
	}
	members := sa.Member
	if members != nil {
		var err error
		if members, err = rewriteArray(members, func(m jsontext.Value) (jsontext.Value, error) {
			return ifObject(m, func(m jsontext.Value) (jsontext.Value, error) { return openAgent(ctx, ks, m) })
		}); err != nil {
			return nil, fmt.Errorf("member: %w", err)
		}
	}
	if sa.Sealed == nil {
		if members == nil {
			return v, nil
		}
		own, _, err := splitMembersLenient(v)
		if err != nil {
			return nil, err
		}
		return withMembers(own, members)
	}
	own, err := openEnvelope(ctx, ks, sa.ObjectType, *sa.Sealed)
	if err != nil {
		return nil, err
	}
	if members == nil {
		return own, nil
	}
	return withMembers(own, members)
}

// openEnvelope returns the agent's own members, or the placeholder when
// its key is gone.
func openEnvelope(ctx context.Context, ks Keys, objectType string, env envelope) (jsontext.Value, error) {
	ct, err := base64.RawURLEncoding.DecodeString(env.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("sealed agent with key %s: %w: %w", env.KeyID, ErrDamaged, err)
	}
	plain, err := ks.Open(ctx, env.KeyID, ct, aad(env.Subject))
	switch {
	case errors.Is(err, keys.ErrNoKey):
		return Placeholder(objectType, env.KeyID), nil
	case errors.Is(err, keys.ErrDamaged):
		return nil, fmt.Errorf("sealed agent with key %s: %w: %w", env.KeyID, ErrDamaged, err)
	case err != nil:
		return nil, fmt.Errorf("sealed agent with key %s: %w: %w", env.KeyID, ErrKeys, err)
	}
	return plain, nil
}

// Placeholder is the agent that stands in for an erased person whose key
// was keyID: an account on ErasedHomePage named by the key id.
func Placeholder(objectType, keyID string) jsontext.Value {
	if objectType == "" {
		objectType = "Agent"
	}
	b, _ := json.Marshal(map[string]any{
		"objectType": objectType,
		"account":    map[string]string{"homePage": ErasedHomePage, "name": keyID},
	}, json.Deterministic(true))
	return b
}

// splitMembersLenient is splitMembers for a reader (an unsealed agent
// never holds SealedMember, but a reader does not refuse).
func splitMembersLenient(v jsontext.Value) (own, members jsontext.Value, err error) {
	own, err = rewriteObjectDropping(v, func(name string, val jsontext.Value) (bool, error) {
		if name == "member" {
			members = bytes.Clone(val) // val lives until the next read
			return true, nil
		}
		return false, nil
	})
	return own, members, err
}
