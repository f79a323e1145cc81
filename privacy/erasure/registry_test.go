package erasure_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/privacy/erasure"
)

// fakeKeys records which subjects have keys and which were destroyed.
type fakeKeys struct {
	mu        sync.Mutex
	has       map[string]bool
	destroyed map[string]int
	fail      bool
}

func newFakeKeys(subjects ...string) *fakeKeys {
	k := &fakeKeys{has: map[string]bool{}, destroyed: map[string]int{}}
	for _, s := range subjects {
		k.has[s] = true
	}
	return k
}

func (k *fakeKeys) Subject(identifier string) string {
	h := sha256.Sum256([]byte(identifier))
	return "s-" + hex.EncodeToString(h[:8])
}

func (k *fakeKeys) Has(_ context.Context, subject string) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.has[subject], nil
}

func (k *fakeKeys) Destroy(_ context.Context, subject string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail {
		return nil, errors.New("key store unreachable")
	}
	k.destroyed[subject]++
	var ids []string
	if k.has[subject] {
		ids = []string{"key-of-" + subject}
	}
	delete(k.has, subject)
	return ids, nil
}

func (k *fakeKeys) count(subject string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.destroyed[subject]
}

func openLog(t *testing.T) eventstore.Store {
	t.Helper()
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestEraseRecordsThenDestroys(t *testing.T) {
	ctx := context.Background()
	log := openLog(t)
	keys := newFakeKeys()
	keys.has[keys.Subject("mbox:mailto:an@example.vn")] = true
	r := erasure.New(log, keys, nil)
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Erase(ctx, "mbox:mailto:nobody@example.vn", "cli", ""); !errors.Is(err, erasure.ErrUnknownPerson) {
		t.Fatalf("unknown person: %v, want ErrUnknownPerson", err)
	}
	if len(r.Records()) != 0 {
		t.Fatal("an unknown person's erasure was recorded")
	}
	rec, err := r.Erase(ctx, "mbox:mailto:an@example.vn", "cli", "YC-1")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Subject != keys.Subject("mbox:mailto:an@example.vn") || rec.By != "cli" || rec.Reference != "YC-1" {
		t.Fatalf("record %+v", rec)
	}
	if keys.count(rec.Subject) != 1 {
		t.Fatal("the keys were not destroyed")
	}
	// The event holds the subject, never the identifier.
	evs, err := log.ReadStream(ctx, erasure.Stream, eventstore.ReadStreamOptions{Max: 10})
	if err != nil || len(evs) != 1 {
		t.Fatalf("stream: %d events, %v", len(evs), err)
	}
	if !json.Valid(evs[0].Data) || bytes.Contains(evs[0].Data, []byte("an@example.vn")) {
		t.Fatalf("the erasure event holds the identifier: %s", evs[0].Data)
	}
	// A second registry reads it back.
	r2 := erasure.New(log, keys, nil)
	if err := r2.Load(ctx); err != nil || len(r2.Records()) != 1 {
		t.Fatalf("reloaded: %v %v", r2.Records(), err)
	}
	// Erased already: nothing of the person is kept.
	if _, err := r.Erase(ctx, "mbox:mailto:an@example.vn", "cli", ""); !errors.Is(err, erasure.ErrUnknownPerson) {
		t.Fatalf("erasing again: %v, want ErrUnknownPerson", err)
	}
}

// A crash after the erasure was recorded and before its keys were
// destroyed: the next start (Reconcile) destroys them.
func TestReconcileFinishesAnInterruptedErasure(t *testing.T) {
	ctx := context.Background()
	log := openLog(t)
	keys := newFakeKeys()
	x := keys.Subject("x")
	keys.has[x] = true
	keys.fail = true
	r := erasure.New(log, keys, nil)
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := r.Erase(ctx, "x", "cli", "")
	if err == nil || rec.Subject != x {
		t.Fatalf("erase with the key store down: %+v %v, want the record and an error", rec, err)
	}
	if has, _ := keys.Has(ctx, x); !has {
		t.Fatal("the fake destroyed the key although it failed")
	}
	keys.fail = false
	restarted := erasure.New(log, keys, nil)
	if err := restarted.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := restarted.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if has, _ := keys.Has(ctx, x); has {
		t.Fatal("Reconcile did not destroy the keys of a recorded erasure")
	}
}

// Another replica's erasure reaches this one, which destroys the keys too
// (evicting them from its caches).
func TestFollowDestroysOtherReplicasErasures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := openLog(t)
	keys := newFakeKeys("s-y")
	follower := erasure.New(log, keys, nil)
	if err := follower.Load(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); follower.Follow(ctx) }()
	data, _ := json.Marshal(erasure.Erased{Subject: "s-y", At: time.Now(), By: "cli"})
	if _, err := log.Append(ctx, erasure.Stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: erasure.EventErased, Data: data}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for keys.count("s-y") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the follower never destroyed the keys")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(follower.Records()) != 1 {
		t.Fatalf("follower records %v", follower.Records())
	}
	cancel()
	<-done
}
