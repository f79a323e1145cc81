package forwarding

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Secret is a target's credential as stored in a configuration event:
// either a reference to where the delivering process finds it, or the
// secret sealed under the forward-secrets key. It is never in clear, and
// it prints, logs and encodes for people as "[secret]".
type Secret struct {
	// Ref is "env:NAME" (an environment variable of the delivering
	// process) or "file:PATH" (a file it reads, e.g. a mounted secret).
	Ref string `json:"ref,omitempty"`
	// Sealed is base64 of a 12-byte nonce followed by the AES-256-GCM
	// ciphertext of the secret, with "hocvu-forward-secret", NUL and the
	// forward's id as additional data (a sealed secret cannot be moved to
	// another forward).
	Sealed string `json:"sealed,omitempty"`
	// Key identifies the key it was sealed with: the first 16 hex digits
	// of SHA-256 of the key.
	Key string `json:"key,omitempty"`
}

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s.Ref == "" && s.Sealed == "" }

// String never shows the secret.
func (s Secret) String() string {
	switch {
	case s.Ref != "":
		return "[secret " + s.Ref + "]"
	case s.Sealed != "":
		return "[secret]"
	}
	return "[no secret]"
}

// GoString never shows the secret.
func (s Secret) GoString() string { return s.String() }

// LogValue never shows the secret.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseSecretRef checks a secret reference: env:NAME or file:PATH (an
// absolute path).
func ParseSecretRef(ref string) (Secret, error) {
	kind, arg, _ := strings.Cut(ref, ":")
	switch kind {
	case "env":
		if envNameRE.MatchString(arg) {
			return Secret{Ref: ref}, nil
		}
	case "file":
		if filepath.IsAbs(arg) {
			return Secret{Ref: "file:" + filepath.Clean(arg)}, nil
		}
	}
	return Secret{}, invalid("secret reference %q: want env:NAME or file:/absolute/path", ref)
}

// resolveRef reads a referenced secret.
func resolveRef(ref string) (string, error) {
	kind, arg, _ := strings.Cut(ref, ":")
	switch kind {
	case "env":
		v := os.Getenv(arg)
		if v == "" {
			return "", fmt.Errorf("forwarding: secret reference %s: the variable is not set in this process", ref)
		}
		return v, nil
	case "file":
		b, err := os.ReadFile(arg)
		if err != nil {
			return "", fmt.Errorf("forwarding: secret reference %s: %w", ref, errors.Unwrap(err))
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("forwarding: secret reference %s: the file is empty", ref)
		}
		return v, nil
	}
	return "", fmt.Errorf("forwarding: bad secret reference %q", ref)
}

// SecretBox seals and opens secrets with the forward-secrets key.
type SecretBox struct {
	aead cipher.AEAD
	id   string
}

// NewSecretBox uses key (32 bytes: AES-256).
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != 32 {
		return nil, errors.New("forwarding: the forward-secrets key must be 32 bytes (64 hex digits)")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("forwarding: secrets key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("forwarding: secrets key: %w", err)
	}
	sum := sha256.Sum256(key)
	return &SecretBox{aead: aead, id: hex.EncodeToString(sum[:8])}, nil
}

// KeyID identifies the box's key (what Secret.Key records).
func (b *SecretBox) KeyID() string { return b.id }

func secretAD(forwardID string) []byte { return []byte("hocvu-forward-secret\x00" + forwardID) }

// Seal encrypts a secret for the forward with this id.
func (b *SecretBox) Seal(forwardID, plain string) Secret {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, []byte(plain), secretAD(forwardID))
	return Secret{Sealed: base64.StdEncoding.EncodeToString(out), Key: b.id}
}

// Open returns the secret in clear: it resolves a reference or decrypts a
// sealed secret. b may be nil when only references are used.
func (b *SecretBox) Open(forwardID string, s Secret) (string, error) {
	switch {
	case s.Ref != "":
		return resolveRef(s.Ref)
	case s.Sealed == "":
		return "", nil
	case b == nil:
		return "", errors.New("forwarding: this process has no forward-secrets key to open the sealed secret")
	case s.Key != b.id:
		return "", fmt.Errorf("forwarding: the secret was sealed with key %s, this process has key %s (set HOCVU_FORWARD_SECRETS_KEY to the same key on every process)", s.Key, b.id)
	}
	raw, err := base64.StdEncoding.DecodeString(s.Sealed)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("forwarding: the sealed secret is corrupt")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], secretAD(forwardID))
	if err != nil {
		return "", errors.New("forwarding: the sealed secret does not open with this key")
	}
	return string(plain), nil
}

// PublishedExampleSecretsKey is the forward-secrets key that .env.example
// once shipped with: public, so secrets sealed with it can be opened by
// anyone who reads the log. LoadOrCreateSecretsKey refuses it.
const PublishedExampleSecretsKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// LoadOrCreateSecretsKey returns the key in env (64 hex digits) or, when
// env is empty, the key stored in file, creating a random one there on
// first use (mode 0600). created is true when it did. It refuses
// PublishedExampleSecretsKey.
func LoadOrCreateSecretsKey(env, file string) (key []byte, created bool, err error) {
	if strings.EqualFold(strings.TrimSpace(env), PublishedExampleSecretsKey) {
		return nil, false, errors.New("forwarding: HOCVU_FORWARD_SECRETS_KEY is the example key once published in .env.example, with which anyone who reads the log can open the forwards' secrets: " +
			"generate a key with `openssl rand -hex 32`, set it on every process, back it up, and set the forwards' secrets again (hocvu forwards change)")
	}
	if env != "" {
		k, err := hex.DecodeString(strings.TrimSpace(env))
		if err != nil || len(k) != 32 {
			return nil, false, errors.New("forwarding: HOCVU_FORWARD_SECRETS_KEY must be 64 hex digits (32 bytes)")
		}
		return k, false, nil
	}
	if b, err := os.ReadFile(file); err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return nil, false, fmt.Errorf("forwarding: forward-secrets key file %s is corrupt", file)
		}
		return k, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("forwarding: read forward-secrets key: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return nil, false, fmt.Errorf("forwarding: create forward-secrets key: %w", err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process created it first
		return LoadOrCreateSecretsKey("", file)
	}
	if err != nil {
		return nil, false, fmt.Errorf("forwarding: create forward-secrets key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(k) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, fmt.Errorf("forwarding: write forward-secrets key: %w", err)
	}
	return k, true, nil
}
