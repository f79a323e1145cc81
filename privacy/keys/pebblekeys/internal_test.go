package pebblekeys

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/keys/keystest"
)

func holds(t *testing.T, dir string, needle []byte) bool {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, needle) {
			return true
		}
	}
	return false
}

// TestOpenCompletesAnInterruptedDestroy stops a Destroy after its delete
// is durable and before its compaction (as a crash would): the key's bytes
// are still on disk, and the next Open removes them.
func TestOpenCompletesAnInterruptedDestroy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{noAutoCompactions: true})
	if err != nil {
		t.Fatal(err)
	}
	subj, victim := keystest.Subject(), keystest.Fresh()
	if _, _, err := s.CurrentKey(ctx, subj, victim); err != nil {
		t.Fatal(err)
	}
	ids, err := s.deleteSubject(subj)
	if err != nil || len(ids) != 1 {
		t.Fatalf("deleteSubject = %v, %v", ids, err)
	}
	if err := s.durable(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !holds(t, dir, victim.Wrapped) {
		t.Fatal("the interrupted Destroy left no bytes: this test cannot show that Open completes it")
	}
	s, err = Open(ctx, dir, Options{noAutoCompactions: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Key(ctx, victim.ID); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("Key after the interrupted Destroy: err = %v, want ErrNoKey", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if holds(t, dir, victim.Wrapped) {
		t.Fatal("Open did not complete the interrupted Destroy: the key's bytes survive")
	}
}

// TestAcknowledgedWritesAreOnDisk copies the directory of an open store
// (what a crash leaves: the store has no WAL, so nothing is replayed) and
// opens the copy: every key and meta value acknowledged is there.
// Automatic compactions are off so that no file disappears under the copy
// (so few writes: each is a flush, and Pebble stalls writes at 12 L0 files
// when nothing compacts them).
func TestAcknowledgedWritesAreOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{noAutoCompactions: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	kept := map[string][]byte{}
	for range 8 {
		k := keystest.Fresh()
		if _, _, err := s.CurrentKey(ctx, keystest.Subject(), k); err != nil {
			t.Fatal(err)
		}
		kept[k.ID] = k.Wrapped
	}
	if _, err := s.CreateMeta(ctx, "m", []byte("v")); err != nil {
		t.Fatal(err)
	}
	cp := t.TempDir()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cp, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Open(ctx, cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for id, w := range kept {
		got, err := c.Key(ctx, id)
		if err != nil || !bytes.Equal(got, w) {
			t.Fatalf("key %s in the copy: %x, %v", id, got, err)
		}
	}
	if v, err := c.Meta(ctx, "m"); err != nil || string(v) != "v" {
		t.Fatalf("meta in the copy: %q, %v", v, err)
	}
}
