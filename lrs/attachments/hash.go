package attachments

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// NormalizeHash checks that s is a hex-encoded SHA-2 digest and returns it
// in lower case, the form used for matching parts to attachments and as the
// key of the [Store]. The algorithm follows from the length: 56 hex digits
// are SHA-224, 64 SHA-256, 96 SHA-384 and 128 SHA-512 (Communication
// 1.5.2.s4.b4 asks for SHA-256, SHA-384 or SHA-512; the "sha2" property
// allows any SHA-2). The truncated SHA-512/224 and SHA-512/256 have the same
// lengths as SHA-224 and SHA-256 and are read as those.
func NormalizeHash(s string) (string, error) {
	if _, err := newHash(s); err != nil {
		return "", err
	}
	return strings.ToLower(s), nil
}

// newHash returns an empty hash of the algorithm that the digest sha2 is
// written in, or an error when sha2 is not a hex SHA-2 digest.
func newHash(sha2 string) (hash.Hash, error) {
	var h hash.Hash
	switch len(sha2) {
	case 56:
		h = sha256.New224()
	case 64:
		h = sha256.New()
	case 96:
		h = sha512.New384()
	case 128:
		h = sha512.New()
	default:
		return nil, fmt.Errorf("%q is not a SHA-2 digest: want 56, 64, 96 or 128 hex digits, got %d characters", clip(sha2), len(sha2))
	}
	if _, err := hex.DecodeString(sha2); err != nil {
		return nil, fmt.Errorf("%q is not a SHA-2 digest: not hexadecimal", clip(sha2))
	}
	return h, nil
}

// digestOf returns the lower-case hex digest of h.
func digestOf(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// clip shortens s for error messages.
func clip(s string) string {
	const maxLen = 140
	if len(s) <= maxLen {
		return s
	}
	return s[:maxLen] + "…"
}

// equalHash compares two hex digests ignoring letter case.
func equalHash(a, b string) bool { return strings.EqualFold(a, b) }
