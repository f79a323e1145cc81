package pebblekeys_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/keys/keystest"
	"github.com/hocvu/hocvu/privacy/keys/pebblekeys"
)

// filesHolding returns the files under dir whose bytes contain needle.
func filesHolding(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			found = append(found, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// fill stores keys for n other subjects, so that the destroyed key shares
// files with keys that must survive.
func fill(t *testing.T, s keys.Store, n int) map[string][]byte {
	t.Helper()
	kept := map[string][]byte{}
	for range n {
		k := keystest.Fresh()
		if _, _, err := s.CurrentKey(context.Background(), keystest.Subject(), k); err != nil {
			t.Fatal(err)
		}
		kept[k.ID] = k.Wrapped
	}
	return kept
}

func checkKept(t *testing.T, s keys.Store, kept map[string][]byte) {
	t.Helper()
	for id, w := range kept {
		got, err := s.Key(context.Background(), id)
		if err != nil || !bytes.Equal(got, w) {
			t.Fatalf("another subject's key %s after the Destroy: %x, %v", id, got, err)
		}
	}
}

// TestDestroyLeavesNoBytes writes a key among others, destroys it, closes
// the store and scans every byte of every file in its directory for the
// wrapped key: in a store that was closed and reopened between the write
// and the Destroy (where the same scan first finds the live key, so the
// scan can fail) and in one that was not, with the key written last (with
// a WAL, its log file would then be kept for recycling) or followed by
// other writes.
func TestDestroyLeavesNoBytes(t *testing.T) {
	for _, c := range []struct {
		name         string
		reopen, last bool
	}{
		{"same session", false, false},
		{"same session, written last", false, true},
		{"after a reopen", true, false},
		{"after a reopen, written last", true, true},
	} {
		reopen := c.reopen
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s, err := pebblekeys.Open(ctx, dir, pebblekeys.Options{})
			if err != nil {
				t.Fatal(err)
			}
			kept := fill(t, s, 50)
			subj := keystest.Subject()
			victim := keystest.Fresh()
			if _, _, err := s.CurrentKey(ctx, subj, victim); err != nil {
				t.Fatal(err)
			}
			if !c.last {
				for id, w := range fill(t, s, 50) {
					kept[id] = w
				}
			}
			if reopen {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if found := filesHolding(t, dir, victim.Wrapped); len(found) == 0 {
					t.Fatal("the scan does not find the key before Destroy: it cannot prove anything")
				}
				if s, err = pebblekeys.Open(ctx, dir, pebblekeys.Options{}); err != nil {
					t.Fatal(err)
				}
			}
			// (No scan while the store is open: Pebble's background
			// compactions delete files under the scan. The reopen cases
			// show that the scan finds a live key.)
			ids, err := s.Destroy(ctx, subj)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != 1 || ids[0] != victim.ID {
				t.Fatalf("Destroy = %v, want [%s]", ids, victim.ID)
			}
			checkKept(t, s, kept)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if found := filesHolding(t, dir, victim.Wrapped); len(found) > 0 {
				t.Fatalf("the destroyed key's bytes survive in %v", found)
			}
			s = open(t, dir)
			if _, err := s.Key(ctx, victim.ID); !errors.Is(err, keys.ErrNoKey) {
				t.Fatalf("Key after Destroy and reopen: err = %v, want ErrNoKey", err)
			}
			checkKept(t, s, kept)
		})
	}
}

func TestClosed(t *testing.T) {
	s, err := pebblekeys.Open(context.Background(), t.TempDir(), pebblekeys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Key(context.Background(), "x"); !errors.Is(err, pebblekeys.ErrClosed) {
		t.Fatalf("Key after Close: err = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	if _, err := pebblekeys.Open(context.Background(), dir, pebblekeys.Options{}); !errors.Is(err, pebblekeys.ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
}
