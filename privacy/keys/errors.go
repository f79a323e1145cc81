// Package keys is a placeholder until the key store lands (wave/keys).
package keys

import "errors"

// ErrNoKey reports a key that does not exist (destroyed or never made).
var ErrNoKey = errors.New("keys: no such key")

// ErrDamaged reports a ciphertext that is malformed or does not
// authenticate.
var ErrDamaged = errors.New("keys: damaged ciphertext")
