package documents

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sealer seals the person in the documents of a person (State, Agent
// Profile) when personal data is sealed (privacy/sealing.Content,
// docs/privacy.md): the key's agent becomes the person's subject key, so
// stream names and the index hold no identifier, and the content and its
// ETag are sealed under the person's key, so that erasing the person
// (destroying the key) makes their documents unreadable and absent.
type Sealer interface {
	// AgentKey maps an agent key in clear (AgentKey) to the key a sealed
	// agent has ("subject:" and the keyed hash of the identifier).
	AgentKey(inClear string) string
	// Seal encrypts plaintext under the current key of the person whose
	// sealed agent key is agentKey.
	Seal(ctx context.Context, agentKey string, plaintext, aad []byte) (keyID string, sealed []byte, err error)
	// Open decrypts; ok is false when the key was destroyed (the person
	// was erased). Any error is either the keyring's (transient) or the
	// ciphertext's (damaged).
	Open(ctx context.Context, keyID string, sealed, aad []byte) (plaintext []byte, ok bool, err error)
}

// subjectPrefix starts the agent key of a sealed agent (xapi.SubjectKey).
const subjectPrefix = "subject:"

// located is where a request's document lives.
type located struct {
	// key is the key documents are written under: with a sealer, its
	// agent is the person's subject key.
	key Key
	// legacy is the key in clear of a document of a person stored before
	// sealing was turned on, read while key's stream does not exist; nil
	// without a sealer or for an Activity Profile. It is set exactly when
	// the document is sealed.
	legacy *Key
}

// locate maps the key of a request (its agent in clear) to where its
// document lives.
func (s *Service) locate(k Key) located {
	if s.sealer == nil || k.Agent == "" || strings.HasPrefix(k.Agent, subjectPrefix) {
		return located{key: k}
	}
	inClear := k
	k.Agent = s.sealer.AgentKey(k.Agent)
	return located{key: k, legacy: &inClear}
}

// contentAAD binds sealed content to its document stream, so that a
// sealed blob cannot be passed off as another document's.
func contentAAD(stream string) []byte { return []byte("hocvu-document-content\x00" + stream) }

// etagAAD binds a sealed ETag to its document stream.
func etagAAD(stream string) []byte { return []byte("hocvu-document-etag\x00" + stream) }

// sealContent seals a document's content and its SHA-1 (hex) for the
// document at key.
func (s *Service) sealContent(ctx context.Context, key Key, content []byte, sha1Hex string) (sealedContent []byte, sd *SealedData, err error) {
	stream := key.Stream()
	keyID, sealed, err := s.sealer.Seal(ctx, key.Agent, content, contentAAD(stream))
	if err != nil {
		return nil, nil, fmt.Errorf("seal the document: %w", err)
	}
	etagID, etag, err := s.sealer.Seal(ctx, key.Agent, []byte(sha1Hex), etagAAD(stream))
	if err != nil {
		return nil, nil, fmt.Errorf("seal the document's ETag: %w", err)
	}
	if etagID != keyID {
		// The person's key changed between the two (an erasure in
		// between): the caller decides again.
		return nil, nil, errors.New("seal the document: the person's key changed while sealing; retry")
	}
	return sealed, &SealedData{KeyID: keyID, SHA1: base64.RawURLEncoding.EncodeToString(etag)}, nil
}

// openETag returns the SHA-1 of a sealed document's content; ok is false
// when the person was erased.
func (s *Service) openETag(ctx context.Context, key Key, sd *SealedData) (sha1Hex string, ok bool, err error) {
	if s.sealer == nil {
		return "", false, errors.New("the document is sealed, and sealing is off (--seal-personal-data)")
	}
	ct, err := base64.RawURLEncoding.DecodeString(sd.SHA1)
	if err != nil {
		return "", false, fmt.Errorf("sealed ETag: %w", err)
	}
	plain, ok, err := s.sealer.Open(ctx, sd.KeyID, ct, etagAAD(key.Stream()))
	if err != nil || !ok {
		return "", ok, err
	}
	return string(plain), true, nil
}

// readContent returns the content of a document: the blob itself, or the
// blob opened with the person's key. ok is false when the person was
// erased.
func (s *Service) readContent(ctx context.Context, doc *Document) (rc io.ReadCloser, ok bool, err error) {
	rc, _, err = s.blobs.Open(doc.SHA256)
	if err != nil {
		return nil, false, fmt.Errorf("content %s: %w", doc.SHA256, err)
	}
	if doc.keyID == "" {
		return rc, true, nil
	}
	sealed, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		return nil, false, fmt.Errorf("content %s: %w", doc.SHA256, err)
	}
	plain, ok, err := s.sealer.Open(ctx, doc.keyID, sealed, contentAAD(doc.Key.Stream()))
	if err != nil || !ok {
		return nil, ok, err
	}
	return io.NopCloser(bytes.NewReader(plain)), true, nil
}

// locateQuery maps the agent of a list query as locate maps a key's.
func (s *Service) locateQuery(q ListQuery) ListQuery {
	if s.sealer != nil && q.Agent != "" && !strings.HasPrefix(q.Agent, subjectPrefix) {
		q.Agent = s.sealer.AgentKey(q.Agent)
	}
	return q
}
