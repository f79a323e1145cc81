package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Store keeps attachment data on disk beside the event log, addressed by
// hash: events refer to data by sha2 and the data lives in
// dir/ab/cdef…, where "ab" are the first two hex digits of the lower-case
// hash and "cdef…" the rest. dir/tmp holds writes in progress.
//
// Guarantees: a Put that returned nil survives a crash of the process or
// the machine (the file and its directory entry are fsynced), and a file
// under a final name is always complete and has the hash it is named by
// (data is written to dir/tmp, fsynced, then renamed into place). Data is
// never modified or deleted once stored.
//
// A Store is safe for concurrent use, including concurrent Puts of the same
// hash. One Store should own a directory: OpenStore removes what dir/tmp
// holds, the leftovers of interrupted Puts.
type Store struct {
	dir string
	tmp string
}

var _ Opener = (*Store)(nil)

// OpenStore opens the store in dir, creating it if needed, and removes the
// leftovers of interrupted Puts.
func OpenStore(dir string) (*Store, error) {
	s := &Store{dir: dir, tmp: filepath.Join(dir, "tmp")}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("attachments: open store: %w", err)
	}
	if err := os.RemoveAll(s.tmp); err != nil {
		return nil, fmt.Errorf("attachments: open store: clear tmp: %w", err)
	}
	if err := os.Mkdir(s.tmp, 0o750); err != nil {
		return nil, fmt.Errorf("attachments: open store: %w", err)
	}
	// All 256 fan-out directories exist before any Put, so that a Put
	// only ever adds a file to an existing, durable directory.
	for i := range 256 {
		if err := os.Mkdir(filepath.Join(dir, fmt.Sprintf("%02x", i)), 0o750); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("attachments: open store: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("attachments: open store: %w", err)
	}
	if err := syncDir(filepath.Dir(filepath.Clean(dir))); err != nil {
		return nil, fmt.Errorf("attachments: open store: %w", err)
	}
	return s, nil
}

// path returns the final name of a normalized hash.
func (s *Store) path(sha2 string) string {
	return filepath.Join(s.dir, sha2[:2], sha2[2:])
}

// Put stores the data read from r under sha2 (a hex SHA-2 digest; see
// [NormalizeHash]). It checks the hash while writing: data that does not
// hash to sha2 gives an [*Error] of [KindInvalid] and stores nothing. When
// the store already holds sha2, Put returns nil without reading r (after
// making sure the existing entry is durable). A nil error means the data
// is on stable storage.
func (s *Store) Put(ctx context.Context, sha2 string, r io.Reader) error {
	key, err := NormalizeHash(sha2)
	if err != nil {
		return &Error{Kind: KindInvalid, Msg: "put", Err: err}
	}
	if s.Has(key) {
		// A concurrent Put may have renamed the file without having synced
		// the directory yet; sync it so that this ack is durable too.
		if err := syncDir(filepath.Dir(s.path(key))); err != nil {
			return fmt.Errorf("attachments: put %s: %w", key, err)
		}
		return nil
	}
	return s.write(ctx, key, s.path(key), r)
}

// write stores r's data, which must hash to key, as the file final
// (whose directory exists): written to dir/tmp, checked, fsynced, renamed
// into place, and the directory fsynced. A concurrent write of the same
// file may rename first; the second rename atomically replaces a file by
// one with the same bytes.
func (s *Store) write(ctx context.Context, key, final string, r io.Reader) (err error) {
	h, _ := newHash(key)
	f, err := os.CreateTemp(s.tmp, key[:16]+"-*")
	if err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	if got := digestOf(h); got != key {
		return &Error{Kind: KindInvalid, Msg: fmt.Sprintf("put %s: the data hashes to %s", key, got)}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fmt.Errorf("attachments: put %s: %w", key, err)
	}
	return nil
}

// Open returns the data stored under sha2 and its size. The error wraps
// [ErrNotFound] when the store does not hold sha2.
func (s *Store) Open(sha2 string) (io.ReadCloser, int64, error) {
	key, err := NormalizeHash(sha2)
	if err != nil {
		return nil, 0, fmt.Errorf("attachments: open: %w: %w", ErrNotFound, err)
	}
	f, err := os.Open(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("attachments: open %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("attachments: open %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("attachments: open %s: %w", key, err)
	}
	return f, fi.Size(), nil
}

// Has reports whether the store holds sha2 (in any letter case).
func (s *Store) Has(sha2 string) bool {
	key, err := NormalizeHash(sha2)
	if err != nil {
		return false
	}
	fi, err := os.Stat(s.path(key))
	return err == nil && fi.Mode().IsRegular()
}

// syncDir makes the entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
