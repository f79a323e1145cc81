package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/lrs/attachments"
)

// TestScopes: data put in a scope is checked against its hash, read back
// from that scope only, and gone with its scope; other scopes and the
// shared store keep theirs.
func TestScopes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := attachments.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("chứng chỉ")
	sum := sha256.Sum256(data)
	sha2 := hex.EncodeToString(sum[:])
	if err := s.PutScoped(ctx, "key-a", sha2, bytes.NewReader([]byte("something else"))); attachments.KindOf(err) != attachments.KindInvalid {
		t.Fatalf("data that does not hash to its name: %v", err)
	}
	for _, scope := range []string{"key-a", "key-b"} {
		if err := s.PutScoped(ctx, scope, sha2, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, sha2, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutScoped(ctx, "../escape", sha2, bytes.NewReader(data)); err == nil {
		t.Fatal("a scope that is not a key id was accepted")
	}
	read := func(scope string) []byte {
		rc, _, err := s.OpenScoped(scope, sha2)
		if errors.Is(err, attachments.ErrNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return b
	}
	if got := read("key-a"); !bytes.Equal(got, data) || !s.HasScoped("key-a", sha2) {
		t.Fatalf("scope key-a reads %q", got)
	}
	if s.HasScoped("key-c", sha2) || read("key-c") != nil {
		t.Fatal("an empty scope holds the data")
	}
	if err := s.DeleteScope("key-a"); err != nil {
		t.Fatal(err)
	}
	if err := attachments.NewScopes(dir).DeleteScope("key-a"); err != nil {
		t.Fatalf("deleting a deleted scope: %v", err)
	}
	if s.HasScoped("key-a", sha2) || read("key-a") != nil {
		t.Fatal("a deleted scope still holds the data")
	}
	if !bytes.Equal(read("key-b"), data) || !bytes.Equal(read(""), data) {
		t.Fatal("another scope or the shared store lost the data")
	}
	if err := attachments.NewScopes(dir).DeleteScope("key-b"); err != nil || s.HasScoped("key-b", sha2) {
		t.Fatalf("NewScopes did not delete: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "people", "*")); len(files) != 0 {
		t.Fatalf("left behind: %v", files)
	}
}
