package kurrentkeys_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/keys/keystest"
	"github.com/hocvu/hocvu/privacy/keys/kurrentkeys"
)

// adapter opens the KurrentDB adapter on srv, closed when the test ends.
func adapter(t testing.TB, srv *kurrenttest.Server) *kurrentdb.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := kurrentdb.Open(ctx, srv.URL(), kurrentdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestContract(t *testing.T) {
	keystest.Run(t, func(t testing.TB) keys.Store {
		return kurrentkeys.New(adapter(t, kurrenttest.New(t, kurrenttest.Options{})))
	})
}

// TestContractSharedServer runs the suite with one server for every case,
// and a new connection (a replica) per case.
func TestContractSharedServer(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	keystest.Run(t, func(t testing.TB) keys.Store { return kurrentkeys.New(adapter(t, srv)) })
}

// TestReplicasRace races CurrentKey for one subject from several replicas
// (each its own client connection) on one server: one key wins.
func TestReplicasRace(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	const n = 4
	stores := make([]*kurrentkeys.Store, n)
	for i := range stores {
		stores[i] = kurrentkeys.New(adapter(t, srv))
	}
	ctx := context.Background()
	for round := range 3 {
		subj := keystest.Subject()
		got := make([]keys.Key, 2*n)
		created := make([]bool, 2*n)
		errs := make([]error, 2*n)
		var wg sync.WaitGroup
		for i := range 2 * n {
			wg.Go(func() { got[i], created[i], errs[i] = stores[i%n].CurrentKey(ctx, subj, keystest.Fresh()) })
		}
		wg.Wait()
		winners := 0
		for i := range got {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if got[i].ID != got[0].ID {
				t.Fatalf("round %d: replicas got keys %s and %s", round, got[0].ID, got[i].ID)
			}
			if created[i] {
				winners++
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners, want 1", round, winners)
		}
	}
}

// TestDestroyTombstones checks that Destroy hard-deletes the key stream:
// its name can never be written again (a soft delete would allow it).
func TestDestroyTombstones(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	a := adapter(t, srv)
	s := kurrentkeys.New(a)
	ctx := context.Background()
	subj, k := keystest.Subject(), keystest.Fresh()
	if _, _, err := s.CurrentKey(ctx, subj, k); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Destroy(ctx, subj); err != nil {
		t.Fatal(err)
	}
	stream := kurrentkeys.StreamKeyPrefix + k.ID
	if _, err := a.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("read of the destroyed key's stream: err = %v, want ErrStreamNotFound", err)
	}
	ev := eventstore.EventData{ID: uuid.New(), Type: kurrentkeys.EventKeyCreated, Data: []byte(`{}`)}
	if _, err := a.Append(ctx, stream, eventstore.Any, ev); !errors.Is(err, kurrentdb.ErrStreamDeleted) {
		t.Fatalf("append to the destroyed key's stream: err = %v, want ErrStreamDeleted (a tombstone, not a soft delete)", err)
	}
	// A fresh key reusing a destroyed id is refused, not stored.
	if _, _, err := s.CurrentKey(ctx, keystest.Subject(), keys.Key{ID: k.ID, Wrapped: []byte{1}}); !errors.Is(err, keys.ErrInvalid) {
		t.Fatalf("CurrentKey with a destroyed key id: err = %v, want ErrInvalid", err)
	}
}

// TestInterruptedDestroy tombstones a subject's key without the final
// hocvu.key.destroyed.v1 event (a Destroy that stopped half way): the key
// reads as destroyed, CurrentKey starts a new generation, and Destroy
// still reports and destroys the new key.
func TestInterruptedDestroy(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	a := adapter(t, srv)
	s := kurrentkeys.New(a)
	ctx := context.Background()
	subj, k := keystest.Subject(), keystest.Fresh()
	if _, _, err := s.CurrentKey(ctx, subj, k); err != nil {
		t.Fatal(err)
	}
	if err := a.Tombstone(ctx, kurrentkeys.StreamKeyPrefix+k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Key(ctx, k.ID); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("Key: err = %v, want ErrNoKey", err)
	}
	next := keystest.Fresh()
	got, created, err := s.CurrentKey(ctx, subj, next)
	if err != nil || !created || got.ID != next.ID {
		t.Fatalf("CurrentKey after the interrupted Destroy = %s created %v, %v; want the new key %s", got.ID, created, err, next.ID)
	}
	ids, err := s.Destroy(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[1] != next.ID {
		t.Fatalf("Destroy = %v, want both generations ending with %s", ids, next.ID)
	}
	if _, err := s.Key(ctx, next.ID); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("Key of the new generation after Destroy: err = %v, want ErrNoKey", err)
	}
}
