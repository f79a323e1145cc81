package sealing

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// KeyIDs is what a keyring gives for attachment scopes
// (privacy/keys.Keyring.CurrentKeyID).
type KeyIDs interface {
	// CurrentKeyID returns the id of the subject's current data key,
	// making it when the subject has none: the key its next Seal uses.
	CurrentKeyID(ctx context.Context, subject string) (string, error)
}

// AttachmentScope names where the attachments of a statement whose actor
// is given are kept (lrs/attachments.Store.PutScoped): the id of the
// actor's current key, the key the statement's actor is then sealed
// under, so that erasing the person deletes them (DeleteScope of their
// key ids). An actor without an identifier (an anonymous Group) has no
// scope (""): its attachments go to the shared store.
func (s Sealer) AttachmentScope(ctx context.Context, actor map[string]any) (string, error) {
	k, ok := xapi.AgentKey(actor)
	if !ok {
		return "", nil
	}
	ids, ok := s.Keys.(KeyIDs)
	if !ok {
		return "", fmt.Errorf("%w: the keyring cannot name key ids", ErrKeys)
	}
	id, err := ids.CurrentKeyID(ctx, s.Keys.Subject(k))
	if err != nil {
		return "", fmt.Errorf("%w: the key of the actor: %w", ErrKeys, err)
	}
	return id, nil
}

// SealedActor returns the subject and key id of a sealed statement's
// actor ("" when the actor is not sealed): the key id is the scope of the
// statement's attachments.
func SealedActor(statement []byte) (subject, keyID string) {
	if !bytes.Contains(statement, sealedMarker) {
		return "", ""
	}
	var st struct {
		Actor struct {
			Sealed *envelope `json:"hocvu:sealed"`
		} `json:"actor"`
	}
	if err := json.Unmarshal(statement, &st, json.RejectUnknownMembers(false)); err != nil || st.Actor.Sealed == nil {
		return "", ""
	}
	return st.Actor.Sealed.Subject, st.Actor.Sealed.KeyID
}

// SealedActor is SealedActor (the statement index's Sealer).
func (Sealer) SealedActor(statement []byte) (subject, keyID string) { return SealedActor(statement) }
