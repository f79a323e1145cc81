package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// Scoped attachments belong to one person's key (with sealing,
// docs/privacy.md): dir/people/<scope>/<sha2>, where scope is the id of
// the data key that seals the actor of the statements that carry them.
// They are stored like the others (checked against their hash, durable
// before Put returns) but never shared with another scope, so that an
// erasure deletes a person's attachments by deleting their scopes
// (DeleteScope) without looking at anyone else's statements.

// scopeName is what a scope may be: a key id (a UUID, or a test's name).
var scopeName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// peopleDir holds the scopes.
const peopleDir = "people"

func (s *Store) scopeDir(scope string) (string, error) {
	if !scopeName.MatchString(scope) {
		return "", fmt.Errorf("attachments: scope %q: not a key id", scope)
	}
	return filepath.Join(s.dir, peopleDir, scope), nil
}

// PutScoped is Put into a scope.
func (s *Store) PutScoped(ctx context.Context, scope, sha2 string, r io.Reader) error {
	key, err := NormalizeHash(sha2)
	if err != nil {
		return &Error{Kind: KindInvalid, Msg: "put", Err: err}
	}
	dir, err := s.scopeDir(scope)
	if err != nil {
		return err
	}
	final := filepath.Join(dir, key)
	if fi, err := os.Stat(final); err == nil && fi.Mode().IsRegular() {
		return syncDir(dir)
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("attachments: put %s/%s: %w", scope, key, err)
		}
		// The new directories' entries are durable before a file in them.
		for _, d := range []string{filepath.Dir(dir), s.dir} {
			if err := syncDir(d); err != nil {
				return fmt.Errorf("attachments: put %s/%s: %w", scope, key, err)
			}
		}
	}
	return s.write(ctx, key, final, r)
}

// OpenScoped is Open in a scope; "" is the shared store.
func (s *Store) OpenScoped(scope, sha2 string) (io.ReadCloser, int64, error) {
	if scope == "" {
		return s.Open(sha2)
	}
	key, err := NormalizeHash(sha2)
	if err != nil {
		return nil, 0, fmt.Errorf("attachments: open: %w: %w", ErrNotFound, err)
	}
	dir, err := s.scopeDir(scope)
	if err != nil {
		return nil, 0, fmt.Errorf("attachments: open: %w: %w", ErrNotFound, err)
	}
	f, err := os.Open(filepath.Join(dir, key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("attachments: open %s/%s: %w", scope, key, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("attachments: open %s/%s: %w", scope, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("attachments: open %s/%s: %w", scope, key, err)
	}
	return f, fi.Size(), nil
}

// HasScoped is Has in a scope; "" is the shared store.
func (s *Store) HasScoped(scope, sha2 string) bool {
	if scope == "" {
		return s.Has(sha2)
	}
	key, err := NormalizeHash(sha2)
	if err != nil {
		return false
	}
	dir, err := s.scopeDir(scope)
	if err != nil {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, key))
	return err == nil && fi.Mode().IsRegular()
}

// DeleteScope deletes every attachment of a scope (an erased person's
// key), durably; deleting an absent scope succeeds.
func (s *Store) DeleteScope(scope string) error {
	dir, err := s.scopeDir(scope)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("attachments: delete scope %s: %w", scope, err)
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("attachments: delete scope %s: %w", scope, err)
	}
	return nil
}

// Scopes deletes the scopes of the store in dir without opening it (an
// open Store clears the writes in progress of dir/tmp, which a running
// server may own): for a process that only applies erasures, such as a
// rebuild of the statement index.
type Scopes struct{ dir string }

// NewScopes returns the scopes of the store in dir.
func NewScopes(dir string) Scopes { return Scopes{dir: dir} }

// DeleteScope is Store.DeleteScope.
func (s Scopes) DeleteScope(scope string) error {
	st := Store{dir: s.dir}
	return st.DeleteScope(scope)
}
