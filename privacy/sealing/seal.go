package sealing

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// SealedMember is the member of a sealed agent that holds the envelope.
// No xAPI Agent or Group may have it (the schemas refuse unknown
// properties), so a client cannot forge one.
const SealedMember = xapi.SealedMember

// Keys is what sealing needs from a keyring (privacy/keys.Keyring).
type Keys interface {
	// Subject is the keyed hash of an agent identifier (xapi.AgentKey).
	Subject(identifier string) string
	// Seal encrypts plaintext under the subject's current data key.
	Seal(ctx context.Context, subject string, plaintext, aad []byte) (keyID string, ciphertext []byte, err error)
	// Open decrypts; an error matching keys.ErrNoKey means the key was
	// destroyed (the person erased).
	Open(ctx context.Context, keyID string, ciphertext, aad []byte) ([]byte, error)
}

// envelope is the value of SealedMember.
type envelope struct {
	Subject    string `json:"s"`
	KeyID      string `json:"k"`
	Ciphertext string `json:"c"` // base64url, no padding
}

// ErrKeys wraps a failure of the keyring (the key store unreachable, a
// key that cannot be made): the statement is fine and a retry may
// succeed. Any other error of Seal or Open is about the statement.
var ErrKeys = errors.New("sealing: keyring")

// ErrAlreadySealed reports a statement given to Seal that holds a sealed
// agent already.
var ErrAlreadySealed = errors.New("sealing: the statement holds a sealed agent already")

// Seal returns the statement with every agent sealed under its person's
// key (package doc). The statement must be one the LRS validated: every
// Agent has an identifier.
func Seal(ctx context.Context, keys Keys, statement []byte) ([]byte, error) {
	return sealWith(ctx, keys, nil, statement)
}

// sealWith is Seal reusing the sealed agents of cache (nil: none).
func sealWith(ctx context.Context, keys Keys, cache *SealCache, statement []byte) ([]byte, error) {
	out, err := rewriteStatement(statement, func(v jsontext.Value) (jsontext.Value, error) {
		if sealed, ok := cache.get(ctx, keys, v); ok {
			return sealed, nil
		}
		return sealAgent(ctx, keys, cache, v)
	})
	if err != nil {
		return nil, fmt.Errorf("sealing: seal statement: %w", err)
	}
	return out, nil
}

// identity holds the identifying members of an agent.
type identity struct {
	ObjectType string `json:"objectType"`
	Mbox       string `json:"mbox"`
	MboxSHA1   string `json:"mbox_sha1sum"`
	OpenID     string `json:"openid"`
	Account    *struct {
		HomePage string `json:"homePage"`
		Name     string `json:"name"`
	} `json:"account"`
}

// key returns the agent's identifier (xapi.AgentKey).
func (id identity) key() (string, bool) {
	var home, name string
	if id.Account != nil {
		home, name = id.Account.HomePage, id.Account.Name
	}
	return xapi.IFIKey(id.Mbox, id.MboxSHA1, id.OpenID, home, name)
}

// aad binds a ciphertext to its subject.
func aad(subject string) []byte { return []byte("hocvu/sealing/agent\x00" + subject) }

// sealAgent seals one Agent or Group: its own members (all but "member")
// under its identifier's key, and each of a Group's members on its own.
func sealAgent(ctx context.Context, keys Keys, cache *SealCache, v jsontext.Value) (jsontext.Value, error) {
	var id identity
	if err := json.Unmarshal(v, &id, lenient...); err != nil {
		return nil, fmt.Errorf("decode agent: %w", err)
	}
	own, members, err := splitMembers(v)
	if err != nil {
		return nil, err
	}
	if members != nil {
		if members, err = rewriteArray(members, func(m jsontext.Value) (jsontext.Value, error) {
			return ifObject(m, func(m jsontext.Value) (jsontext.Value, error) { return sealAgent(ctx, keys, nil, m) })
		}); err != nil {
			return nil, fmt.Errorf("member: %w", err)
		}
	}
	ifi, ok := id.key()
	if !ok {
		// An anonymous Group: nobody to seal its own members under; its
		// members are sealed one by one.
		if members == nil {
			return v, nil
		}
		return withMembers(own, members)
	}
	typ := id.ObjectType
	if typ == "" {
		typ = "Agent"
	}
	subject := keys.Subject(ifi)
	keyID, ct, err := keys.Seal(ctx, subject, own, aad(subject))
	if err != nil {
		return nil, fmt.Errorf("seal agent: %w: %w", ErrKeys, err)
	}
	env := envelope{Subject: subject, KeyID: keyID, Ciphertext: base64.RawURLEncoding.EncodeToString(ct)}
	sealed := struct {
		ObjectType string         `json:"objectType"`
		Sealed     envelope       `json:"hocvu:sealed"`
		Member     jsontext.Value `json:"member,omitzero"`
	}{typ, env, members}
	b, err := json.Marshal(sealed)
	if err != nil {
		return nil, err
	}
	if members == nil {
		cache.put(v, cachedAgent{subject: subject, keyID: keyID, sealed: b})
	}
	return b, nil
}

// splitMembers returns an agent object without its "member" property, and
// that property's value (nil when absent). A sealed agent refuses.
func splitMembers(v jsontext.Value) (own, members jsontext.Value, err error) {
	own, err = rewriteObjectDropping(v, func(name string, val jsontext.Value) (bool, error) {
		switch name {
		case SealedMember:
			return false, ErrAlreadySealed
		case "member":
			members = bytes.Clone(val) // val lives until the next read
			return true, nil
		}
		return false, nil
	})
	return own, members, err
}

// withMembers returns the object own with a "member" property appended.
func withMembers(own, members jsontext.Value) (jsontext.Value, error) {
	b, err := xapi.SetMembers(own, xapi.Member{Name: "member", Value: members})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// rewriteObjectDropping copies the object raw without the members for
// which drop reports true.
func rewriteObjectDropping(raw jsontext.Value, drop func(name string, v jsontext.Value) (bool, error)) (jsontext.Value, error) {
	return transcode(raw, func(dec *jsontext.Decoder, enc *jsontext.Encoder) error {
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		if err := enc.WriteToken(jsontext.BeginObject); err != nil {
			return err
		}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return err
			}
			n := name.String() // before ReadValue, which voids the token
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			d, err := drop(n, v)
			if err != nil {
				return err
			}
			if d {
				continue
			}
			if err := enc.WriteToken(jsontext.String(n)); err != nil {
				return err
			}
			if err := enc.WriteValue(v); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndObject)
	})
}
