package pebblemodel_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/projections/pebblemodel"
)

func open(t *testing.T, dir string) *pebblemodel.DB {
	t.Helper()
	db, err := pebblemodel.Open(dir, pebblemodel.Options{Name: "test-model"})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func get(t *testing.T, r pebblemodel.Reader, key string) (string, bool) {
	t.Helper()
	v, closer, err := r.Get([]byte(key))
	if errors.Is(err, pebblemodel.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	return string(v), true
}

// commit writes the keys (key, value, key, value, ...) with checkpoint cp
// in one batch.
func commit(t *testing.T, db *pebblemodel.DB, cp string, kv ...string) {
	t.Helper()
	b := db.NewBatch()
	defer b.Close()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := b.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit([]byte(cp)); err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenIsRefusedUntilClose(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	_, err := pebblemodel.Open(dir, pebblemodel.Options{Name: "test-model"})
	if err == nil || !strings.Contains(err.Error(), "test-model: ") || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second open: %v, want test-model: ... in use by another process", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if err := open(t, dir).Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckpointIsCommittedWithTheEffectsAndSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	if cp, err := db.Checkpoint(); err != nil || cp != nil {
		t.Fatalf("new database: checkpoint %q, %v; want none", cp, err)
	}

	discarded := db.NewBatch()
	if err := discarded.Set([]byte("k-discarded"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	_ = discarded.Close() // never committed

	commit(t, db, "cp-1", "k1", "v1")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, dir)
	defer db.Close()
	cp, err := db.Checkpoint()
	if err != nil || string(cp) != "cp-1" {
		t.Fatalf("checkpoint after reopen: %q, %v; want cp-1", cp, err)
	}
	if v, ok := get(t, db, "k1"); !ok || v != "v1" {
		t.Fatalf("k1 = %q, %v; want v1", v, ok)
	}
	if _, ok := get(t, db, "k-discarded"); ok {
		t.Fatal("a batch closed without commit was written")
	}
	// The checkpoint is the one-byte key 'c' (the stored layout of every
	// read model): it must not move.
	if v, ok := get(t, db, string([]byte{pebblemodel.CheckpointKey})); !ok || v != "cp-1" || pebblemodel.CheckpointKey != 'c' {
		t.Fatalf("checkpoint key 'c' = %q, %v", v, ok)
	}
}

func TestIndexedBatchReadsItsOwnWritesAndDeletes(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	b := db.NewIndexedBatch()
	defer b.Close()
	if err := b.Set([]byte("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if v, ok := get(t, b, "a"); !ok || v != "1" {
		t.Fatalf("batch read a = %q, %v; want 1", v, ok)
	}
	if _, ok := get(t, db, "a"); ok {
		t.Fatal("uncommitted write visible in the database")
	}
	if err := b.Delete([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, ok := get(t, b, "a"); ok {
		t.Fatal("deleted key still visible in the batch")
	}
}

func TestIterWalksTheBoundsInOrder(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	commit(t, db, "cp", "p3", "vp3", "p1", "vp1", "q1", "vq1", "p2", "vp2", "o9", "vo9")

	it, err := db.NewIter([]byte("p"), []byte("q"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for valid := it.First(); valid; valid = it.Next() {
		if !bytes.Equal(it.Value(), append([]byte("v"), it.Key()...)) {
			t.Fatalf("value of %s = %s", it.Key(), it.Value())
		}
		got = append(got, string(it.Key()))
	}
	if it.Error() != nil {
		t.Fatal(it.Error())
	}
	if strings.Join(got, ",") != "p1,p2,p3" {
		t.Fatalf("walk = %v, want p1,p2,p3", got)
	}
	if !it.SeekGE([]byte("p15")) || string(it.Key()) != "p2" {
		t.Fatalf("SeekGE(p15) at %q", it.Key())
	}
	if !it.SeekLT([]byte("p2")) || string(it.Key()) != "p1" {
		t.Fatalf("SeekLT(p2) at %q", it.Key())
	}
	if it.SeekLT([]byte("p1")) {
		t.Fatalf("SeekLT(p1) found %q below the lower bound", it.Key())
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestResetEmptiesEverythingWithTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	commit(t, db, "cp", "k", "v")
	if err := db.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, dir)
	defer db.Close()
	if cp, err := db.Checkpoint(); err != nil || cp != nil {
		t.Fatalf("checkpoint after reset: %q, %v; want none", cp, err)
	}
	if _, ok := get(t, db, "k"); ok {
		t.Fatal("key survived reset")
	}
}

func TestPrefixIterStopsAtThePrefixEnd(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	commit(t, db, "cp", "a\xff", "1", "a\xff\x00", "2", "a\xff\xff", "3", "b", "4",
		"\xff\xff", "5", "\xff\xff\x01", "6")
	for _, tc := range []struct{ prefix, want string }{
		{"a", "a\xff,a\xff\x00,a\xff\xff"},
		{"a\xff", "a\xff,a\xff\x00,a\xff\xff"},
		{"a\xff\x00", "a\xff\x00"},
		{"\xff\xff", "\xff\xff,\xff\xff\x01"}, // no upper bound
		{"d", ""},
	} {
		it, err := db.NewPrefixIter([]byte(tc.prefix))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for valid := it.First(); valid; valid = it.Next() {
			got = append(got, string(it.Key()))
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("prefix %q: %q, want %q", tc.prefix, got, tc.want)
		}
	}
}

func TestSnapshotHoldsTheWritesBeforeItAndTheirCheckpoint(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	commit(t, db, "cp-1", "k1", "1", "k2", "2")
	commit(t, db, "cp-2", "k3", "3")

	copyDir := filepath.Join(t.TempDir(), "copy")
	if err := db.Snapshot(copyDir); err != nil {
		t.Fatal(err)
	}
	commit(t, db, "cp-3", "k4", "4", "k1", "changed")
	if err := db.Snapshot(copyDir); err == nil {
		t.Fatal("a second snapshot into the same directory succeeded; want an error")
	}

	cp := open(t, copyDir)
	defer cp.Close()
	if got, err := cp.Checkpoint(); err != nil || string(got) != "cp-2" {
		t.Fatalf("copy's checkpoint: %q, %v; want cp-2", got, err)
	}
	for k, want := range map[string]string{"k1": "1", "k2": "2", "k3": "3"} {
		if v, ok := get(t, cp, k); !ok || v != want {
			t.Errorf("copy: %s = %q (present %v), want %q", k, v, ok, want)
		}
	}
	if v, ok := get(t, cp, "k4"); ok {
		t.Errorf("copy: k4 = %q, written after the snapshot", v)
	}
	// The copy is a database of its own: writes to it do not reach the
	// original, and the reverse.
	commit(t, cp, "cp-copy", "k5", "5")
	if _, ok := get(t, db, "k5"); ok {
		t.Error("a write to the copy reached the original")
	}
	if v, _ := get(t, db, "k1"); v != "changed" {
		t.Errorf("original: k1 = %q, want changed", v)
	}
}

// With value separation, large values live in blob files beside the
// sstables once flushed: they must read back after a reopen and through a
// snapshot (which must copy the blob files).
func TestSeparatedValuesSurviveReopenAndSnapshot(t *testing.T) {
	dir := t.TempDir()
	opts := pebblemodel.Options{Name: "test-model", SeparateValuesFrom: 64}
	db, err := pebblemodel.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	value := func(i int) string { return fmt.Sprintf("%04d-%s", i, strings.Repeat("v", 500)) }
	const n = 2000
	for batch := 0; batch < 4; batch++ {
		var kv []string
		for i := batch * n / 4; i < (batch+1)*n/4; i++ {
			kv = append(kv, fmt.Sprintf("k%04d", i), value(i))
			kv = append(kv, fmt.Sprintf("s%04d", i), "small") // under the threshold: stays inline
		}
		commit(t, db, fmt.Sprintf("cp-%d", batch), kv...)
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	blobs, _ := filepath.Glob(filepath.Join(dir, "*.blob"))
	if len(blobs) == 0 {
		t.Fatal("no blob file after flushing large values: value separation is off")
	}
	check := func(name string, r pebblemodel.Reader) {
		t.Helper()
		for i := 0; i < n; i += 7 {
			if v, ok := get(t, r, fmt.Sprintf("k%04d", i)); !ok || v != value(i) {
				t.Fatalf("%s: k%04d = %.20q… (present %v)", name, i, v, ok)
			}
			if v, _ := get(t, r, fmt.Sprintf("s%04d", i)); v != "small" {
				t.Fatalf("%s: s%04d = %q", name, i, v)
			}
		}
	}
	check("after flush", db)
	copyDir := filepath.Join(t.TempDir(), "copy")
	if err := db.Snapshot(copyDir); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = pebblemodel.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check("after reopen", db)
	cp, err := pebblemodel.Open(copyDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	check("snapshot", cp)
	if got, _ := cp.Checkpoint(); string(got) != "cp-3" {
		t.Errorf("snapshot checkpoint %q, want cp-3", got)
	}
}

// TestSortedBatchKeepsTheOrderOfWritesToOneKey: a sorted batch reorders
// writes of different keys only; the last write of a key wins, and a
// DeleteRange applies to the writes before it, not to those after.
func TestSortedBatchKeepsTheOrderOfWritesToOneKey(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	commit(t, db, "1", "k5", "old", "k7", "old", "r1", "x", "r2", "x")
	b := db.NewSortedBatch()
	steps := []func() error{
		func() error { return b.Set([]byte("k9"), []byte("first")) },
		func() error { return b.Set([]byte("k1"), []byte("a")) },
		func() error { return b.Delete([]byte("k5")) },
		func() error { return b.Set([]byte("k9"), []byte("second")) },
		func() error { return b.Set([]byte("k5"), []byte("again")) },
		func() error { return b.Delete([]byte("k7")) },
		func() error { return b.Set([]byte("r3"), []byte("before the range delete")) },
		func() error { return b.DeleteRange([]byte("r"), []byte("s")) },
		func() error { return b.Set([]byte("r2"), []byte("after the range delete")) },
		func() error { return b.Set([]byte("k0"), []byte("z")) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := b.Commit([]byte("2")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"k0": "z", "k1": "a", "k5": "again", "k9": "second", "r2": "after the range delete"}
	for _, k := range []string{"k0", "k1", "k5", "k7", "k9", "r1", "r2", "r3"} {
		v, found := get(t, db, k)
		if w, ok := want[k]; found != ok || v != w {
			t.Errorf("%s = %q (found %v), want %q (found %v)", k, v, found, w, ok)
		}
	}
	if cp, err := db.Checkpoint(); err != nil || string(cp) != "2" {
		t.Fatalf("checkpoint %q, %v", cp, err)
	}
	// A batch from the pool starts empty.
	b2 := db.NewSortedBatch()
	if err := b2.Commit([]byte("3")); err != nil {
		t.Fatal(err)
	}
	_ = b2.Close()
	if v, _ := get(t, db, "k9"); v != "second" {
		t.Fatalf("after an empty sorted batch, k9 = %q", v)
	}
}
