package kurrentkeys_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/keys/kurrentkeys"
)

// TestKeyringOverKurrentDB runs the Keyring's life cycle on two replicas
// sharing one server: seal on one, open on the other, destroy on the
// first, and the other gets ErrNoKey once it forgets its cached key. A
// wrong master key is refused.
func TestKeyringOverKurrentDB(t *testing.T) {
	ctx := context.Background()
	srv := kurrenttest.New(t, kurrenttest.Options{})
	var m keys.MasterKey
	m[0] = 7
	a, err := keys.Open(ctx, kurrentkeys.New(adapter(t, srv)), m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := keys.Open(ctx, kurrentkeys.New(adapter(t, srv)), m)
	if err != nil {
		t.Fatal(err)
	}
	subj := a.Subject("mailto:lan@example.vn")
	id, ct, err := a.Seal(ctx, subj, []byte("Nguyễn Thị Lan"), []byte("s1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(ctx, id, ct, []byte("s1")); err != nil || string(got) != "Nguyễn Thị Lan" {
		t.Fatalf("replica Open = %q, %v", got, err)
	}
	ids, err := a.Destroy(ctx, subj)
	if err != nil || len(ids) != 1 || ids[0] != id {
		t.Fatalf("Destroy = %v, %v", ids, err)
	}
	if _, err := a.Open(ctx, id, ct, []byte("s1")); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("Open after Destroy: err = %v, want ErrNoKey", err)
	}
	b.Forget(ids...)
	if _, err := b.Open(ctx, id, ct, []byte("s1")); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("replica Open after Forget: err = %v, want ErrNoKey", err)
	}
	m[0] = 8
	if _, err := keys.Open(ctx, kurrentkeys.New(adapter(t, srv)), m); !errors.Is(err, keys.ErrWrongMasterKey) {
		t.Fatalf("Open with another master key: err = %v, want ErrWrongMasterKey", err)
	}
}
