// Package keystest is the contract suite of keys.Store: every backend runs
// it unchanged (Run), like eventstore/eventstoretest for the log. Each case
// uses fresh random subjects, key ids and meta names, so the suite also
// runs against a shared, non-empty backend.
package keystest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/privacy/keys"
)

// Harness returns the store under test. It may return the same store for
// every call; the store must stay open until the test ends.
type Harness func(t testing.TB) keys.Store

// Run runs every case of the contract against the stores of h.
func Run(t *testing.T, h Harness) {
	t.Run("CreateIfAbsent", func(t *testing.T) { testCreateIfAbsent(t, h(t)) })
	t.Run("KeyByID", func(t *testing.T) { testKeyByID(t, h(t)) })
	t.Run("Destroy", func(t *testing.T) { testDestroy(t, h(t)) })
	t.Run("HasKey", func(t *testing.T) { testHasKey(t, h(t)) })
	t.Run("DestroyLeavesOthers", func(t *testing.T) { testDestroyLeavesOthers(t, h(t)) })
	t.Run("Generations", func(t *testing.T) { testGenerations(t, h(t)) })
	t.Run("ConcurrentCreate", func(t *testing.T) { testConcurrentCreate(t, h(t)) })
	t.Run("ConcurrentCreateAndDestroy", func(t *testing.T) { testConcurrentCreateAndDestroy(t, h(t)) })
	t.Run("Meta", func(t *testing.T) { testMeta(t, h(t)) })
	t.Run("ConcurrentMeta", func(t *testing.T) { testConcurrentMeta(t, h(t)) })
	t.Run("InvalidArguments", func(t *testing.T) { testInvalid(t, h(t)) })
}

// testHasKey: a subject has a key once one was made, and none once its
// keys were destroyed, until the next generation.
func testHasKey(t *testing.T, s keys.Store) {
	ctx := context.Background()
	sub := Subject()
	has := func(want bool, when string) {
		t.Helper()
		got, err := s.HasKey(ctx, sub)
		if err != nil || got != want {
			t.Fatalf("%s: HasKey = %v, %v; want %v", when, got, err, want)
		}
	}
	has(false, "before any key")
	if _, _, err := s.CurrentKey(ctx, sub, Fresh()); err != nil {
		t.Fatal(err)
	}
	has(true, "with a key")
	if _, err := s.Destroy(ctx, sub); err != nil {
		t.Fatal(err)
	}
	has(false, "after Destroy")
	if _, _, err := s.CurrentKey(ctx, sub, Fresh()); err != nil {
		t.Fatal(err)
	}
	has(true, "with a new generation")
	if _, err := s.HasKey(ctx, "bad subject with spaces"); err == nil {
		t.Error("HasKey accepted an invalid subject")
	}
}

// Subject returns a fresh random subject name.
func Subject() string { return "subj-" + uuid.NewString() }

// Fresh returns a fresh key record with random id and bytes.
func Fresh() keys.Key {
	b := make([]byte, 60)
	_, _ = rand.Read(b)
	return keys.Key{ID: uuid.NewString(), Wrapped: b}
}

func testCreateIfAbsent(t *testing.T, s keys.Store) {
	ctx := context.Background()
	subj := Subject()
	first := Fresh()
	got, created, err := s.CurrentKey(ctx, subj, first)
	if err != nil {
		t.Fatal(err)
	}
	if !created || got.ID != first.ID || !bytes.Equal(got.Wrapped, first.Wrapped) {
		t.Fatalf("first CurrentKey = %v, created %v; want the fresh key %s, created", got.ID, created, first.ID)
	}
	second := Fresh()
	got, created, err = s.CurrentKey(ctx, subj, second)
	if err != nil {
		t.Fatal(err)
	}
	if created || got.ID != first.ID || !bytes.Equal(got.Wrapped, first.Wrapped) {
		t.Fatalf("second CurrentKey = %s, created %v; want the first key %s, not created", got.ID, created, first.ID)
	}
	if _, err := s.Key(ctx, second.ID); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("the fresh key that was not used is readable: err = %v, want ErrNoKey", err)
	}
}

func testKeyByID(t *testing.T, s keys.Store) {
	ctx := context.Background()
	k := Fresh()
	if _, _, err := s.CurrentKey(ctx, Subject(), k); err != nil {
		t.Fatal(err)
	}
	w, err := s.Key(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w, k.Wrapped) {
		t.Fatalf("Key(%s) = %x, want %x", k.ID, w, k.Wrapped)
	}
	if _, err := s.Key(ctx, uuid.NewString()); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("Key(unknown) err = %v, want ErrNoKey", err)
	}
}

func testDestroy(t *testing.T, s keys.Store) {
	ctx := context.Background()
	subj := Subject()
	k := Fresh()
	if _, _, err := s.CurrentKey(ctx, subj, k); err != nil {
		t.Fatal(err)
	}
	ids, err := s.Destroy(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{k.ID}) {
		t.Fatalf("Destroy = %v, want [%s]", ids, k.ID)
	}
	if _, err := s.Key(ctx, k.ID); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("Key after Destroy: err = %v, want ErrNoKey", err)
	}
	ids, err = s.Destroy(ctx, subj)
	if err != nil || len(ids) != 0 {
		t.Fatalf("second Destroy = %v, %v; want no ids, no error", ids, err)
	}
	ids, err = s.Destroy(ctx, Subject())
	if err != nil || len(ids) != 0 {
		t.Fatalf("Destroy of an unknown subject = %v, %v; want no ids, no error", ids, err)
	}
}

func testDestroyLeavesOthers(t *testing.T, s keys.Store) {
	ctx := context.Background()
	a, b := Subject(), Subject()
	ka, kb := Fresh(), Fresh()
	if _, _, err := s.CurrentKey(ctx, a, ka); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CurrentKey(ctx, b, kb); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Destroy(ctx, a); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Key(ctx, kb.ID); err != nil || !bytes.Equal(w, kb.Wrapped) {
		t.Fatalf("the other subject's key after Destroy: %x, %v", w, err)
	}
	got, created, err := s.CurrentKey(ctx, b, Fresh())
	if err != nil || created || got.ID != kb.ID {
		t.Fatalf("the other subject's current key after Destroy: %s created %v err %v; want %s", got.ID, created, err, kb.ID)
	}
}

func testGenerations(t *testing.T, s keys.Store) {
	ctx := context.Background()
	subj := Subject()
	var all []string
	for gen := range 3 {
		k := Fresh()
		got, created, err := s.CurrentKey(ctx, subj, k)
		if err != nil {
			t.Fatal(err)
		}
		if !created || got.ID != k.ID {
			t.Fatalf("generation %d: CurrentKey = %s created %v; want a new key %s", gen, got.ID, created, k.ID)
		}
		all = append(all, k.ID)
		// Earlier generations stay destroyed.
		for _, old := range all[:len(all)-1] {
			if _, err := s.Key(ctx, old); !errors.Is(err, keys.ErrNoKey) {
				t.Fatalf("generation %d: old key %s: err = %v, want ErrNoKey", gen, old, err)
			}
		}
		if w, err := s.Key(ctx, k.ID); err != nil || !bytes.Equal(w, k.Wrapped) {
			t.Fatalf("generation %d: Key = %x, %v", gen, w, err)
		}
		ids, err := s.Destroy(ctx, subj)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, []string{k.ID}) {
			t.Fatalf("generation %d: Destroy = %v, want only the live key [%s]", gen, ids, k.ID)
		}
	}
}

func testConcurrentCreate(t *testing.T, s keys.Store) {
	ctx := context.Background()
	const n = 16
	for round := range 3 {
		subj := Subject()
		var wg sync.WaitGroup
		got := make([]keys.Key, n)
		fresh := make([]keys.Key, n)
		created := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			fresh[i] = Fresh()
			wg.Go(func() {
				got[i], created[i], errs[i] = s.CurrentKey(ctx, subj, fresh[i])
			})
		}
		wg.Wait()
		winners := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d: CurrentKey %d: %v", round, i, errs[i])
			}
			if got[i].ID != got[0].ID || !bytes.Equal(got[i].Wrapped, got[0].Wrapped) {
				t.Fatalf("round %d: callers got different keys: %s and %s", round, got[0].ID, got[i].ID)
			}
			if created[i] {
				winners++
				if fresh[i].ID != got[i].ID {
					t.Fatalf("round %d: caller %d created, but got %s instead of its fresh %s", round, i, got[i].ID, fresh[i].ID)
				}
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d callers report creating the key, want 1", round, winners)
		}
		for i := range n {
			if fresh[i].ID == got[0].ID {
				continue
			}
			if _, err := s.Key(ctx, fresh[i].ID); !errors.Is(err, keys.ErrNoKey) {
				t.Fatalf("round %d: a losing fresh key is readable: err = %v, want ErrNoKey", round, err)
			}
		}
		if w, err := s.Key(ctx, got[0].ID); err != nil || !bytes.Equal(w, got[0].Wrapped) {
			t.Fatalf("round %d: the winning key: %x, %v", round, w, err)
		}
	}
}

// testConcurrentCreateAndDestroy races creates against destroys of one
// subject; afterwards, a final Destroy leaves no key of the subject
// readable, and every key any caller was given is then gone.
func testConcurrentCreateAndDestroy(t *testing.T, s keys.Store) {
	ctx := context.Background()
	subj := Subject()
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	var seen []string
	errs := make(chan error, 2*n)
	for range n {
		wg.Go(func() {
			k, _, err := s.CurrentKey(ctx, subj, Fresh())
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			seen = append(seen, k.ID)
			mu.Unlock()
		})
		wg.Go(func() {
			if _, err := s.Destroy(ctx, subj); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := s.Destroy(ctx, subj); err != nil {
		t.Fatal(err)
	}
	for _, id := range seen {
		if _, err := s.Key(ctx, id); !errors.Is(err, keys.ErrNoKey) {
			t.Fatalf("key %s survived the final Destroy: err = %v", id, err)
		}
	}
	if ids, err := s.Destroy(ctx, subj); err != nil || len(ids) != 0 {
		t.Fatalf("Destroy after the final Destroy = %v, %v; want nothing", ids, err)
	}
}

func testMeta(t *testing.T, s keys.Store) {
	ctx := context.Background()
	name := "meta-" + uuid.NewString()
	if _, err := s.Meta(ctx, name); !errors.Is(err, keys.ErrNoMeta) {
		t.Fatalf("Meta(unknown) err = %v, want ErrNoMeta", err)
	}
	v1 := []byte("first value")
	got, err := s.CreateMeta(ctx, name, v1)
	if err != nil || !bytes.Equal(got, v1) {
		t.Fatalf("CreateMeta = %q, %v; want %q", got, err, v1)
	}
	got, err = s.CreateMeta(ctx, name, []byte("second value"))
	if err != nil || !bytes.Equal(got, v1) {
		t.Fatalf("CreateMeta again = %q, %v; want the first value %q", got, err, v1)
	}
	got, err = s.Meta(ctx, name)
	if err != nil || !bytes.Equal(got, v1) {
		t.Fatalf("Meta = %q, %v; want %q", got, err, v1)
	}
}

func testConcurrentMeta(t *testing.T, s keys.Store) {
	ctx := context.Background()
	name := "meta-" + uuid.NewString()
	const n = 16
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.CreateMeta(ctx, name, fmt.Appendf(nil, "value %d", i)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("CreateMeta callers got %q and %q", got[0], got[i])
		}
	}
	if stored, err := s.Meta(ctx, name); err != nil || !bytes.Equal(stored, got[0]) {
		t.Fatalf("Meta = %q, %v; want %q", stored, err, got[0])
	}
}

func testInvalid(t *testing.T, s keys.Store) {
	ctx := context.Background()
	for _, subj := range []string{"", "has space", "has/slash", "nul\x00"} {
		if _, _, err := s.CurrentKey(ctx, subj, Fresh()); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("CurrentKey(subject %q) err = %v, want ErrInvalid", subj, err)
		}
		if _, err := s.Destroy(ctx, subj); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("Destroy(subject %q) err = %v, want ErrInvalid", subj, err)
		}
	}
	if _, _, err := s.CurrentKey(ctx, Subject(), keys.Key{ID: uuid.NewString()}); !errors.Is(err, keys.ErrInvalid) {
		t.Errorf("CurrentKey with empty key bytes: err = %v, want ErrInvalid", err)
	}
	if _, _, err := s.CurrentKey(ctx, Subject(), keys.Key{Wrapped: []byte{1}}); !errors.Is(err, keys.ErrInvalid) {
		t.Errorf("CurrentKey with empty key id: err = %v, want ErrInvalid", err)
	}
	for _, id := range []string{"", "a/b", "x y"} {
		if _, err := s.Key(ctx, id); !errors.Is(err, keys.ErrNoKey) {
			t.Errorf("Key(%q) err = %v, want ErrNoKey", id, err)
		}
	}
	if _, err := s.CreateMeta(ctx, "", []byte("x")); !errors.Is(err, keys.ErrInvalid) {
		t.Errorf("CreateMeta(empty name) err = %v, want ErrInvalid", err)
	}
}
