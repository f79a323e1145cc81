package keys

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MasterKey wraps every data key. It is given to the process (flag,
// HOCVU_* variable or key file) and never stored in the key store; the
// store keeps only a check value derived from it.
type MasterKey [32]byte

// LoadMasterKey returns the master key in value (64 hex digits) when value
// is not empty. Otherwise it reads file, creating it with a random key
// (mode 0600, its directory 0750) on first use; created reports that it
// did. Two processes starting together on one file end with the same key
// (the file appears whole, by a link; the loser reads the winner's). A
// malformed value or file is an error, never a silent new key.
func LoadMasterKey(value, file string) (key MasterKey, created bool, err error) {
	if value = strings.TrimSpace(value); value != "" {
		k, err := parseMasterKey(value)
		if err != nil {
			return MasterKey{}, false, fmt.Errorf("keys: the master key given must be 64 hex digits (32 bytes; make one with `openssl rand -hex 32`): %w", err)
		}
		return k, false, nil
	}
	if file == "" {
		return MasterKey{}, false, errors.New("keys: no master key: give a value or a key file")
	}
	if b, err := os.ReadFile(file); err == nil {
		k, err := parseMasterKey(strings.TrimSpace(string(b)))
		if err != nil {
			return MasterKey{}, false, fmt.Errorf("keys: master key file %s is corrupt (want 64 hex digits): %w", file, err)
		}
		return k, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return MasterKey{}, false, fmt.Errorf("keys: read master key file: %w", err)
	}
	if _, err := rand.Read(key[:]); err != nil {
		return MasterKey{}, false, fmt.Errorf("keys: make a master key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return MasterKey{}, false, fmt.Errorf("keys: create master key file: %w", err)
	}
	// Write a temporary file, then link it into place: the key file
	// appears whole or not at all, and of two processes racing only one
	// link succeeds (the other reads the winner's key).
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".tmp-*")
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("keys: create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key[:]) + "\n")
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("keys: write master key file: %w", err)
	}
	if err := os.Link(tmp.Name(), file); errors.Is(err, os.ErrExist) {
		return LoadMasterKey("", file)
	} else if err != nil {
		return MasterKey{}, false, fmt.Errorf("keys: create master key file: %w", err)
	}
	return key, true, nil
}

func parseMasterKey(s string) (MasterKey, error) {
	var k MasterKey
	if len(s) != 2*len(k) {
		return k, fmt.Errorf("%d characters", len(s))
	}
	if _, err := hex.Decode(k[:], []byte(s)); err != nil {
		return MasterKey{}, errors.New("not hexadecimal")
	}
	return k, nil
}
