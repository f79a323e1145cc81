package sealing

import (
	"bytes"
	"context"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// Sealer seals and opens statements with one keyring: the value a read
// model or the write path is given.
type Sealer struct {
	Keys Keys
	// Cache, when set, reuses the sealed form of agents seen before
	// (SealCache); it needs Keys to implement KeyIDs.
	Cache *SealCache
}

// Seal is Seal with s's keys (and cache).
func (s Sealer) Seal(ctx context.Context, statement []byte) ([]byte, error) {
	return sealWith(ctx, s.Keys, s.Cache, statement)
}

// Open is Open with s's keys; a statement with nothing sealed is returned
// as it is without being read.
func (s Sealer) Open(ctx context.Context, statement []byte) ([]byte, error) {
	if !IsSealed(statement) {
		return statement, nil
	}
	return Open(ctx, s.Keys, statement)
}

// AgentKey maps the key of an agent in clear (xapi.AgentKey) to the key
// a sealed copy of the agent has: SubjectKey of its keyed hash. A key
// that is a subject key already is returned as it is.
func (s Sealer) AgentKey(key string) string {
	if len(key) > len("subject:") && key[:len("subject:")] == "subject:" {
		return key
	}
	return xapi.SubjectKey(s.Keys.Subject(key))
}

var sealedMarker = []byte(`"` + SealedMember + `"`)

// IsSealed reports whether statement may hold a sealed agent (it names
// the sealed member; a false positive only costs a full Open).
func IsSealed(statement []byte) bool {
	return bytes.Contains(statement, sealedMarker)
}
