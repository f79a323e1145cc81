// Package auth holds the LRS credentials: HTTP Basic key/secret pairs with
// xAPI scopes, kept as events (so every change has history) in the
// "credentials" stream, with only a bcrypt hash of each secret stored.
// A Registry replays that stream at start and follows it live, so a
// credential created or revoked by `hocvu credentials` (or by another
// replica) takes effect without a restart.
//
// Verification (Registry.Authenticate) costs one bcrypt comparison on every
// failure path alike (an unknown or revoked key is compared against a
// dummy hash of the same cost), reserves each attempt against a per-key
// and a per-address budget of failures before comparing (more failures get
// a *LimitedError with the wait, for 429 Retry-After), runs at most a few
// comparisons at once, and remembers successful verifications for a few
// idle minutes under an HMAC of key and secret, so valid traffic does not
// pay bcrypt per request. Changing or revoking a credential forgets them.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Stream is the stream holding every credential event.
const Stream = "credentials"

// Event types (stored formats: never renamed).
const (
	EventCredentialSet     = "credential.set.v1"
	EventCredentialRevoked = "credential.revoked.v1"
	EventPrefix            = "credential."
)

// xAPI scopes (1.0.3 §4.2 / 2.0 "Authorization Scope").
const (
	ScopeStatementsWrite    = "statements/write"
	ScopeStatementsRead     = "statements/read"
	ScopeStatementsReadMine = "statements/read/mine"
	ScopeAllRead            = "all/read"
	ScopeAll                = "all"
	ScopeState              = "state"
	ScopeDefine             = "define"
	ScopeProfile            = "profile"
	// ScopeAnalytics is Hocvu's own scope for the analytics API.
	ScopeAnalytics = "analytics"
	// ScopeForwards is Hocvu's own scope for the admin API of statement
	// forwarding (/api/forwards): whoever holds it can send statements
	// anywhere, so grant it to operators only.
	ScopeForwards = "forwards"
	// ScopePeople is Hocvu's own scope for the admin API of personal-data
	// requests (/api/people: erasure). "all" does not grant it: an erasure
	// cannot be undone, so it is given by name only.
	ScopePeople = "people"
)

// AllScopes lists every scope Hocvu knows.
var AllScopes = []string{ScopeStatementsWrite, ScopeStatementsRead, ScopeStatementsReadMine, ScopeAllRead, ScopeAll, ScopeState, ScopeDefine, ScopeProfile, ScopeAnalytics, ScopeForwards, ScopePeople}

// ValidScope reports whether s is a known scope.
func ValidScope(s string) bool { return slices.Contains(AllScopes, s) }

// Credential is one key/secret pair.
type Credential struct {
	Key        string    `json:"key"`
	Name       string    `json:"name"`
	SecretHash string    `json:"secretHash"` // bcrypt
	Scopes     []string  `json:"scopes"`
	Created    time.Time `json:"created"`
	Revoked    bool      `json:"revoked,omitempty"`
	// AuthorityHome is the homePage of the authority account (the LRS's
	// base URL, or a configured IRI).
	AuthorityHome string `json:"authorityHome"`
}

// Has reports whether c grants scope s, counting the scopes that imply it
// ("all" implies everything but ScopePeople). "all/read" is not expanded here: each
// read route lists it among the scopes it accepts (HasAny).
func (c *Credential) Has(s string) bool {
	for _, g := range c.Scopes {
		if g == s || (g == ScopeAll && s != ScopePeople) {
			return true
		}
	}
	return false
}

// HasAny reports whether c grants at least one of scopes.
func (c *Credential) HasAny(scopes ...string) bool {
	for _, s := range scopes {
		if c.Has(s) {
			return true
		}
	}
	return false
}

// Authority is the xAPI Agent that statements stored with c carry as their
// authority.
func (c *Credential) Authority() map[string]any {
	a := map[string]any{
		"objectType": "Agent",
		"account":    map[string]any{"homePage": c.AuthorityHome, "name": c.Key},
	}
	if c.Name != "" {
		a["name"] = c.Name
	}
	return a
}

// NewKey returns a random credential key (public identifier).
func NewKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "hv_" + hex.EncodeToString(b)
}

// NewSecret returns a random secret (shown once; only its hash is kept).
func NewSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseScopes splits a comma- or space-separated scope list and checks it.
func ParseScopes(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) == 0 {
		return nil, fmt.Errorf("auth: no scopes given (known: %s)", strings.Join(AllScopes, ", "))
	}
	for _, f := range fields {
		if !ValidScope(f) {
			return nil, fmt.Errorf("auth: unknown scope %q (known: %s)", f, strings.Join(AllScopes, ", "))
		}
	}
	slices.Sort(fields)
	return slices.Compact(fields), nil
}
