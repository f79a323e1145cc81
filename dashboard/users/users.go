// Package users holds the leadership dashboard's users, kept as events in
// the "dashboard-users" stream (so every change has a history) with only a
// bcrypt hash of each password stored. A Registry replays the stream at
// start and follows it live, like the LRS credentials (lrs/auth), so a user
// added, changed or removed by `hocvu users` (or by another replica on a
// shared KurrentDB) takes effect without a restart.
//
// Two roles exist: a province user sees every commune; a commune user sees
// only the numbers of its own commune (the dashboard enforces it).
package users

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Stream is the stream holding every dashboard-user event.
const Stream = "dashboard-users"

// Event types (stored formats: never renamed; add versions instead).
const (
	EventUserSet     = "dashboard.user.set.v1"
	EventUserRemoved = "dashboard.user.removed.v1"
	// EventDisplayNameSet changes only a user's display name
	// (DisplayNameChange): no password hash is written again for it.
	EventDisplayNameSet = "dashboard.user.display-name.set.v1"
)

// DisplayNameChange is the data of a dashboard.user.display-name.set.v1
// event. An empty DisplayName removes the display name (the dashboard
// then shows the user name).
type DisplayNameChange struct {
	Username    string    `json:"username"`
	DisplayName string    `json:"displayName"`
	Updated     time.Time `json:"updated"`
}

// LegacySeedNote is the display name that versions before the display-name
// event gave the HOCVU_DASHBOARD_ADMIN user: a note, not a name. Seed
// replaces it.
const LegacySeedNote = "seeded from HOCVU_DASHBOARD_ADMIN"

// MaxDisplayName is the longest display name, in characters.
const MaxDisplayName = 120

// Role is what a user may see.
type Role string

// The roles.
const (
	// RoleProvince sees the whole province.
	RoleProvince Role = "province"
	// RoleCommune sees only its own commune (User.Commune).
	RoleCommune Role = "commune"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleProvince, RoleCommune:
		return Role(s), nil
	}
	return "", fmt.Errorf("users: unknown role %q (want province or commune)", s)
}

// User is one dashboard user as stored in a dashboard.user.set.v1 event.
type User struct {
	Username     string `json:"username"`
	PasswordHash string `json:"passwordHash"` // bcrypt
	Role         Role   `json:"role"`
	// Commune is the commune/ward code of a commune user; empty for a
	// province user.
	Commune     string    `json:"commune,omitempty"`
	DisplayName string    `json:"displayName,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// Label is how the dashboard names the user: the display name, or the
// user name when there is none (or only LegacySeedNote).
func (u User) Label() string {
	if u.DisplayName != "" && u.DisplayName != LegacySeedNote {
		return u.DisplayName
	}
	return u.Username
}

// ErrUnauthorized is returned by Verify for an unknown user or a wrong
// password (deliberately indistinguishable).
var ErrUnauthorized = errors.New("users: invalid user name or password")

// ErrNotFound is returned when a named user does not exist.
var ErrNotFound = errors.New("users: no such user")

var (
	usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)
	communeRE  = regexp.MustCompile(`^[0-9A-Za-z-]{1,16}$`)
)

// MinPassword is the shortest password accepted.
const MinPassword = 10

// Validate checks a user's name, role and commune (not its password; the
// display name is checked by Set when it is new or changed).
func (u *User) Validate() error {
	if !usernameRE.MatchString(u.Username) {
		return fmt.Errorf("users: user name %q: use 2–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", u.Username)
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return err
	}
	switch u.Role {
	case RoleCommune:
		if !communeRE.MatchString(u.Commune) {
			return fmt.Errorf("users: a commune user needs a commune code (got %q)", u.Commune)
		}
	case RoleProvince:
		if u.Commune != "" {
			return errors.New("users: a province user has no commune")
		}
	}
	return nil
}

// CheckDisplayName checks a display name: at most MaxDisplayName
// characters of valid UTF-8, no control characters, no surrounding spaces.
func CheckDisplayName(s string) error {
	switch {
	case !utf8.ValidString(s):
		return errors.New("users: a display name must be UTF-8 text")
	case utf8.RuneCountInString(s) > MaxDisplayName:
		return fmt.Errorf("users: a display name may have at most %d characters", MaxDisplayName)
	case strings.TrimSpace(s) != s:
		return errors.New("users: a display name may not start or end with spaces")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errors.New("users: a display name may not hold control characters")
	}
	return nil
}

// CheckPassword checks a new password's strength.
func CheckPassword(p string) error {
	if len([]rune(p)) < MinPassword {
		return fmt.Errorf("users: a password needs at least %d characters", MinPassword)
	}
	if len(p) > 72 {
		return errors.New("users: a password may have at most 72 bytes (bcrypt's limit)")
	}
	return nil
}

// NewPassword returns a random password (shown once; only its hash is
// kept): 18 random bytes, URL-safe base64 (24 characters).
func NewPassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
