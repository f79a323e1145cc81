package documents

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hocvu/hocvu/eventstore"
)

// Event types of the document streams. Stored formats are permanent: these
// names never change meaning; a new payload layout gets a new type (".v2").
// docs/events.md describes every field.
const (
	// EventDocumentSet records that a document has new content: a PUT, a
	// POST to an absent document, or a POST merged into an existing one.
	// Data is a SetData, Metadata a Meta.
	EventDocumentSet = "xapi.document.set.v1"
	// EventDocumentDeleted records that a document was deleted. Data is a
	// DeletedData, Metadata a Meta.
	EventDocumentDeleted = "xapi.document.deleted.v1"
	// EventDocumentSealed is EventDocumentSet for a document of a person
	// (State, Agent Profile) when personal data is sealed
	// (docs/privacy.md): the key's agent is the person's subject key, the
	// blob holds the content sealed under the person's key, and the SHA-1
	// of the content (the ETag) is sealed too. Data is a SetData with
	// Sealed set and SHA1 empty, Metadata a Meta.
	EventDocumentSealed = "xapi.document.sealed.v1"

	// EventPrefix selects every document event.
	EventPrefix = "xapi.document."
)

// KeyData is the readable document key carried by every document event.
type KeyData struct {
	Resource     Resource `json:"resource"`
	ActivityID   string   `json:"activityId,omitempty"`
	Agent        string   `json:"agent,omitempty"` // AgentKey form
	Registration string   `json:"registration,omitempty"`
	ID           string   `json:"id"`
}

// Key returns the document key.
func (k KeyData) Key() Key {
	return Key(k)
}

func keyData(k Key) KeyData {
	return KeyData(k)
}

// SetData is the data of EventDocumentSet.
type SetData struct {
	KeyData
	// ContentType is the document's Content-Type as the client sent it
	// (application/octet-stream when it sent none).
	ContentType string `json:"contentType"`
	// Size is the content length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the lower-case hex SHA-256 of the content: its address in
	// the blob store.
	SHA256 string `json:"sha256"`
	// SHA1 is the lower-case hex SHA-1 of the content: the ETag (quoted).
	SHA1 string `json:"sha1"`
	// Updated is when the LRS decided the change (UTC, RFC 3339 with
	// nanoseconds): the document's Last-Modified time and what "since"
	// compares with.
	Updated time.Time `json:"updated"`
	// Merged is true when a POST merged into an existing JSON document.
	Merged bool `json:"merged,omitempty"`
	// Sealed is set in EventDocumentSealed only: SHA256 then addresses
	// the sealed content and Size is the size of the content itself.
	Sealed *SealedData `json:"sealed,omitempty"`
}

// SealedData says under which key a sealed document is sealed.
type SealedData struct {
	// KeyID is the id of the person's data key that seals the content and
	// the ETag.
	KeyID string `json:"k"`
	// SHA1 is the lower-case hex SHA-1 of the content (the ETag), sealed
	// under KeyID, in unpadded base64url: once the person is erased it
	// cannot be opened, so the document reads as absent.
	SHA1 string `json:"sha1"`
}

// DeletedData is the data of EventDocumentDeleted.
type DeletedData struct {
	KeyData
	// Updated is when the LRS decided the deletion (UTC).
	Updated time.Time `json:"updated"`
	// All is true when the document was deleted by a State DELETE without
	// stateId (one event per deleted document).
	All bool `json:"all,omitempty"`
}

// Meta is the metadata of every document event.
type Meta struct {
	// Credential is the key of the credential that made the change.
	Credential string `json:"credential,omitempty"`
	// XAPIVersion is the version header of the request ("1.0.3", "2.0.0").
	XAPIVersion string `json:"xapiVersion,omitempty"`
	// Method is the HTTP method of the request (PUT, POST, DELETE).
	Method string `json:"method,omitempty"`
}

// Decoded is one document event, decoded.
type Decoded struct {
	Set     *SetData     // set for EventDocumentSet
	Deleted *DeletedData // set for EventDocumentDeleted
}

// Key returns the key of the document the event is about.
func (d Decoded) Key() Key {
	if d.Set != nil {
		return d.Set.Key()
	}
	return d.Deleted.Key()
}

// Decode decodes a document event. ok is false for an event type this
// version does not know (a newer one), which callers skip.
func Decode(ev *eventstore.RecordedEvent) (d Decoded, ok bool, err error) {
	switch ev.Type {
	case EventDocumentSet, EventDocumentSealed:
		var s SetData
		if err := json.Unmarshal(ev.Data, &s); err != nil {
			return d, false, fmt.Errorf("decode %s %s: %w", ev.Type, ev.ID, err)
		}
		if (ev.Type == EventDocumentSealed) != (s.Sealed != nil) {
			return d, false, fmt.Errorf("decode %s %s: the sealed member must be present exactly in %s", ev.Type, ev.ID, EventDocumentSealed)
		}
		d.Set = &s
	case EventDocumentDeleted:
		var x DeletedData
		if err := json.Unmarshal(ev.Data, &x); err != nil {
			return d, false, fmt.Errorf("decode %s %s: %w", ev.Type, ev.ID, err)
		}
		d.Deleted = &x
	default:
		return d, false, nil
	}
	return d, true, nil
}
