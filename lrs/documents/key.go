package documents

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// Resource names a document resource. The values are stored in events.
type Resource string

// The document resources.
const (
	State           Resource = "state"           // /activities/state
	ActivityProfile Resource = "activityProfile" // /activities/profile
	AgentProfile    Resource = "agentProfile"    // /agents/profile
)

// Valid reports whether r is one of the three resources.
func (r Resource) Valid() bool {
	return r == State || r == ActivityProfile || r == AgentProfile
}

// IsProfile reports whether r is a profile resource (whose PUTs need a
// concurrency header).
func (r Resource) IsProfile() bool { return r == ActivityProfile || r == AgentProfile }

// Key addresses one document. Unused parts are empty: a State key has
// ActivityID, Agent, optionally Registration, and ID; an Activity Profile
// key ActivityID and ID; an Agent Profile key Agent and ID.
type Key struct {
	Resource   Resource
	ActivityID string
	// Agent is the canonical form of the Agent's inverse functional
	// identifier ([AgentKey]).
	Agent string
	// Registration is a lower-case UUID or "".
	Registration string
	// ID is the stateId or profileId, as sent.
	ID string
}

// StreamPrefix starts the name of every document stream.
const StreamPrefix = "xapi-doc-"

// Stream is the name of the document's stream: StreamPrefix followed by
// the lower-case hex SHA-256 of the key's canonical encoding, which is
// Resource, ActivityID, Agent, Registration and ID in this order, each as
// its length in bytes (unsigned LEB128 varint) followed by its bytes.
// Stream names are bounded in length (KurrentDB and the embedded store
// bound them) while ids and IRIs are not; the readable key is in every
// event's data. This mapping is a stored format: it never changes.
func (k Key) Stream() string {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	for _, f := range []string{string(k.Resource), k.ActivityID, k.Agent, k.Registration, k.ID} {
		n := binary.PutUvarint(buf[:], uint64(len(f)))
		h.Write(buf[:n])
		h.Write([]byte(f))
	}
	return StreamPrefix + hex.EncodeToString(h.Sum(nil))
}

// AgentKey returns the canonical form of an Agent's inverse functional
// identifier, the part of a document key that identifies the Agent:
// "mbox:" + mailto IRI, "mbox_sha1sum:" + lower-case hex, "openid:" + URI,
// or "account:" + homePage + NUL + name. Two Agent parameters address the
// same documents exactly when their keys are equal (other properties, such
// as name, do not matter). ok is false when agent has no IFI. The format is
// stored in events: it never changes (it is also the form the statement
// index uses).
func AgentKey(agent map[string]any) (key string, ok bool) {
	if v, ok := agent["mbox"].(string); ok && v != "" {
		return "mbox:" + v, true
	}
	if v, ok := agent["mbox_sha1sum"].(string); ok && v != "" {
		return "mbox_sha1sum:" + strings.ToLower(v), true
	}
	if v, ok := agent["openid"].(string); ok && v != "" {
		return "openid:" + v, true
	}
	if acc, ok := agent["account"].(map[string]any); ok {
		home, _ := acc["homePage"].(string)
		name, _ := acc["name"].(string)
		if home != "" || name != "" {
			return "account:" + home + "\x00" + name, true
		}
	}
	return "", false
}
