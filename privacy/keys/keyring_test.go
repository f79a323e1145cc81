package keys_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/keys/pebblekeys"
)

func newStore(t *testing.T) keys.Store {
	t.Helper()
	s, err := pebblekeys.Open(context.Background(), t.TempDir(), pebblekeys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func master(b byte) keys.MasterKey {
	var m keys.MasterKey
	for i := range m {
		m[i] = b + byte(i)
	}
	return m
}

func openRing(t *testing.T, s keys.Store, m keys.MasterKey, opts ...keys.Option) *keys.Keyring {
	t.Helper()
	k, err := keys.Open(context.Background(), s, m, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	k := openRing(t, s, master(1))
	subj := k.Subject("mailto:lan@example.vn")
	plain := []byte(`{"name":"Nguyễn Thị Lan","mbox":"mailto:lan@example.vn"}`)
	aad := []byte("statement 1")
	id, ct, err := k.Seal(ctx, subj, plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("Lan")) {
		t.Fatal("the ciphertext holds the clear text")
	}
	got, err := k.Open(ctx, id, ct, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v; want %q", got, err, plain)
	}
	// The same subject keeps its key; two seals of one text differ (random nonce).
	id2, ct2, err := k.Seal(ctx, subj, plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if id2 != id {
		t.Fatalf("second Seal used key %s, want the subject's current key %s", id2, id)
	}
	if bytes.Equal(ct, ct2) {
		t.Fatal("two seals of the same text are equal: the nonce is not random")
	}
	// Another subject gets another key.
	other, _, err := k.Seal(ctx, k.Subject("mailto:hoa@example.vn"), plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if other == id {
		t.Fatal("two subjects share a key")
	}
	// A second Keyring on the same store (another replica, cold cache) opens it.
	k2 := openRing(t, s, master(1))
	if got, err := k2.Open(ctx, id, ct, aad); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("second Keyring: Open = %q, %v", got, err)
	}
}

func TestSubject(t *testing.T) {
	s := newStore(t)
	k := openRing(t, s, master(1))
	a := k.Subject("mailto:lan@example.vn")
	if a != k.Subject("mailto:lan@example.vn") {
		t.Fatal("Subject is not stable")
	}
	if a == k.Subject("mailto:hoa@example.vn") {
		t.Fatal("two identifiers share a subject")
	}
	if err := keys.ValidateName("subject", a); err != nil {
		t.Fatalf("Subject gives an invalid name: %v", err)
	}
	if strings.Contains(a, "lan") || len(a) != 43 {
		t.Fatalf("Subject = %q: want 43 URL-safe base64 characters, no clear identifier", a)
	}
	other := openRing(t, newStore(t), master(2))
	if other.Subject("mailto:lan@example.vn") == a {
		t.Fatal("Subject does not depend on the master key")
	}
	if openRing(t, s, master(1)).Subject("mailto:lan@example.vn") != a {
		t.Fatal("Subject differs between two Keyrings with one master key")
	}
}

func TestOpenAfterDestroy(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	k := openRing(t, s, master(1))
	replica := openRing(t, s, master(1))
	subj := k.Subject("account:https://hocvu.vn/lan")
	id, ct, err := k.Seal(ctx, subj, []byte("Lan"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The replica caches the key by opening once.
	if _, err := replica.Open(ctx, id, ct, nil); err != nil {
		t.Fatal(err)
	}
	ids, err := k.Destroy(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("Destroy = %v, want [%s]", ids, id)
	}
	if _, err := k.Open(ctx, id, ct, nil); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("Open after Destroy: err = %v, want ErrNoKey", err)
	}
	// The replica still holds the key in its cache until told to forget.
	if _, err := replica.Open(ctx, id, ct, nil); err != nil {
		t.Fatalf("the replica's cache lost the key before Forget (the next check would prove nothing): %v", err)
	}
	replica.Forget(ids...)
	if _, err := replica.Open(ctx, id, ct, nil); !errors.Is(err, keys.ErrNoKey) {
		t.Fatalf("the replica after Forget: err = %v, want ErrNoKey", err)
	}
	// Destroy again: nothing left.
	if ids, err := k.Destroy(ctx, subj); err != nil || len(ids) != 0 {
		t.Fatalf("second Destroy = %v, %v", ids, err)
	}
}

func TestNewGenerationAfterDestroy(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	k := openRing(t, s, master(1))
	replica := openRing(t, s, master(1))
	subj := k.Subject("mailto:lan@example.vn")
	old, _, err := k.Seal(ctx, subj, []byte("before"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The replica seals under the same (cached) current key.
	if id, _, err := replica.Seal(ctx, subj, []byte("x"), nil); err != nil || id != old {
		t.Fatalf("replica Seal = %s, %v; want %s", id, err, old)
	}
	ids, err := k.Destroy(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	id, ct, err := k.Seal(ctx, subj, []byte("after"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if id == old {
		t.Fatal("Seal after Destroy used the destroyed key")
	}
	if got, err := k.Open(ctx, id, ct, nil); err != nil || string(got) != "after" {
		t.Fatalf("Open of the new generation = %q, %v", got, err)
	}
	replica.Forget(ids...)
	if rid, _, err := replica.Seal(ctx, subj, []byte("y"), nil); err != nil || rid != id {
		t.Fatalf("replica Seal after Forget = %s, %v; want the new key %s", rid, err, id)
	}
}

func TestWrongMasterKey(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	openRing(t, s, master(1))
	if _, err := keys.Open(ctx, s, master(2)); !errors.Is(err, keys.ErrWrongMasterKey) {
		t.Fatalf("Open with another master key: err = %v, want ErrWrongMasterKey", err)
	}
	if _, err := keys.Open(ctx, s, master(1)); err != nil {
		t.Fatalf("Open with the right master key again: %v", err)
	}
}

func TestTamperedCiphertext(t *testing.T) {
	ctx := context.Background()
	k := openRing(t, newStore(t), master(1))
	id, ct, err := k.Seal(ctx, k.Subject("x"), []byte("personal"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() ([]byte, []byte){
		"flipped bit":  func() ([]byte, []byte) { c := bytes.Clone(ct); c[len(c)-1] ^= 1; return c, []byte("aad") },
		"other aad":    func() ([]byte, []byte) { return ct, []byte("other") },
		"truncated":    func() ([]byte, []byte) { return ct[:10], []byte("aad") },
		"empty":        func() ([]byte, []byte) { return nil, []byte("aad") },
		"bad version":  func() ([]byte, []byte) { c := bytes.Clone(ct); c[0] = 9; return c, []byte("aad") },
		"flipped body": func() ([]byte, []byte) { c := bytes.Clone(ct); c[14] ^= 0x80; return c, []byte("aad") },
	}
	for name, mk := range cases {
		c, aad := mk()
		_, err := k.Open(ctx, id, c, aad)
		if err == nil {
			t.Errorf("%s: Open succeeded", name)
		} else if errors.Is(err, keys.ErrNoKey) {
			t.Errorf("%s: err = %v: a bad ciphertext must not look like an erased key", name, err)
		}
	}
	if _, err := k.Open(ctx, "no-such-key", ct, []byte("aad")); !errors.Is(err, keys.ErrNoKey) {
		t.Errorf("unknown key id: err = %v, want ErrNoKey", err)
	}
}

// TestCacheBounded seals for more subjects than the cache holds: every
// ciphertext still opens (evicted keys come back from the store).
func TestCacheBounded(t *testing.T) {
	ctx := context.Background()
	k := openRing(t, newStore(t), master(1), keys.WithCacheSize(4))
	type sealed struct {
		id string
		ct []byte
	}
	var all []sealed
	for i := range 20 {
		id, ct, err := k.Seal(ctx, k.Subject(string(rune('a'+i))), []byte{byte(i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sealed{id, ct})
	}
	for i, s := range all {
		got, err := k.Open(ctx, s.id, s.ct, nil)
		if err != nil || !bytes.Equal(got, []byte{byte(i)}) {
			t.Fatalf("Open %d = %v, %v", i, got, err)
		}
	}
}

func TestConcurrentSeal(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	rings := []*keys.Keyring{openRing(t, s, master(1)), openRing(t, s, master(1))}
	subj := rings[0].Subject("mailto:lan@example.vn")
	const n = 16
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ids[i], _, errs[i] = rings[i%2].Seal(ctx, subj, []byte("x"), nil) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("concurrent seals for one subject used keys %s and %s", ids[0], ids[i])
		}
	}
}

func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sub", "master.key")
	k, created, err := keys.LoadMasterKey("", file)
	if err != nil || !created {
		t.Fatalf("first load = created %v, %v; want a new file", created, err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	if k == (keys.MasterKey{}) {
		t.Fatal("the new key is all zeros")
	}
	k2, created, err := keys.LoadMasterKey("", file)
	if err != nil || created || k2 != k {
		t.Fatalf("second load = created %v, equal %v, %v; want the same key, not created", created, k2 == k, err)
	}
	const hexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	v, created, err := keys.LoadMasterKey(hexKey, file)
	if err != nil || created || v != master(0) {
		t.Fatalf("load from value = %x, created %v, %v", v, created, err)
	}
	for name, bad := range map[string]string{
		"short":   "0011",
		"not hex": strings.Repeat("zz", 32),
		"long":    hexKey + "00",
	} {
		if _, _, err := keys.LoadMasterKey(bad, file); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
			t.Errorf("%s value: err = %v, want one that says 64 hex digits", name, err)
		}
	}
	corrupt := filepath.Join(dir, "corrupt.key")
	if err := os.WriteFile(corrupt, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := keys.LoadMasterKey("", corrupt); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt file: err = %v, want one that says corrupt", err)
	}
	if b, _ := os.ReadFile(corrupt); string(b) != "not a key\n" {
		t.Error("a corrupt key file was overwritten")
	}
	if _, _, err := keys.LoadMasterKey("", ""); err == nil {
		t.Error("no value and no file: no error")
	}
}

// TestLoadMasterKeyRace creates the key file from several goroutines at
// once: all end with the same key, and one of them created it.
func TestLoadMasterKeyRace(t *testing.T) {
	file := filepath.Join(t.TempDir(), "master.key")
	const n = 8
	got := make([]keys.MasterKey, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], created[i], errs[i] = keys.LoadMasterKey("", file) })
	}
	wg.Wait()
	makers := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i] != got[0] {
			t.Fatal("racing loads got different keys")
		}
		if created[i] {
			makers++
		}
	}
	if makers != 1 {
		t.Fatalf("%d loads report creating the file, want 1", makers)
	}
}

// TestSealDuringDestroy seals and opens for one subject while it is
// destroyed, round after round (each round's Destroy meets the key sealed
// under in the rounds before). Afterwards no ciphertext under a destroyed
// key opens, every other one does, and the next Seal uses a key that was
// not destroyed: no destroyed key stays in the caches.
func TestSealDuringDestroy(t *testing.T) {
	ctx := context.Background()
	k := openRing(t, newStore(t), master(1))
	subj := k.Subject("mailto:lan@example.vn")
	type sealed struct {
		id string
		ct []byte
	}
	var (
		mu        sync.Mutex
		all       []sealed
		destroyed = map[string]bool{}
	)
	for range 10 {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 4 {
			wg.Go(func() {
				for range 5 {
					id, ct, err := k.Seal(ctx, subj, []byte("x"), nil)
					if err != nil {
						errs <- err
						return
					}
					if _, err := k.Open(ctx, id, ct, nil); err != nil && !errors.Is(err, keys.ErrNoKey) {
						errs <- err
						return
					}
					mu.Lock()
					all = append(all, sealed{id, ct})
					mu.Unlock()
				}
			})
		}
		wg.Go(func() {
			ids, err := k.Destroy(ctx, subj)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			for _, id := range ids {
				destroyed[id] = true
			}
			mu.Unlock()
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	if len(destroyed) < 2 {
		t.Fatalf("only %d keys destroyed: the test proves little", len(destroyed))
	}
	for _, s := range all {
		_, err := k.Open(ctx, s.id, s.ct, nil)
		if destroyed[s.id] && !errors.Is(err, keys.ErrNoKey) {
			t.Fatalf("a ciphertext under destroyed key %s: err = %v, want ErrNoKey", s.id, err)
		}
		if !destroyed[s.id] && err != nil {
			t.Fatalf("a ciphertext under live key %s: %v", s.id, err)
		}
	}
	id, _, err := k.Seal(ctx, subj, []byte("after"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if destroyed[id] {
		t.Fatalf("Seal after the destroys used destroyed key %s", id)
	}
}
