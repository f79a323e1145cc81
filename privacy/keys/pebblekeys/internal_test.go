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
	s, err := Open(ctx, dir, Options{})
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
	s, err = Open(ctx, dir, Options{})
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
