package pebblemodel_test

import (
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// TestSharedCacheOutlivesItsCreatorsReference opens two read models on
// one cache, drops the creator's reference at once (as cmd/hocvu does
// once the read models are open), and checks both still read and write,
// reopen, and close: each database holds its own reference.
func TestSharedCacheOutlivesItsCreatorsReference(t *testing.T) {
	cache := pebblemodel.NewCache(2 << 20)
	if got := cache.Size(); got != 2<<20 {
		t.Fatalf("Size() = %d, want %d", got, 2<<20)
	}
	dirs := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	var dbs []*pebblemodel.DB
	for _, dir := range dirs {
		db, err := pebblemodel.Open(dir, pebblemodel.Options{Name: "test-model", Cache: cache, MemTableSize: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	cache.Close()
	for i, db := range dbs {
		commit(t, db, "cp", "k", dirs[i])
		if v, ok := get(t, db, "k"); !ok || v != dirs[i] {
			t.Fatalf("db %d: k = %q, %v", i, v, ok)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for i, dir := range dirs {
		db := open(t, dir)
		if v, ok := get(t, db, "k"); !ok || v != dirs[i] {
			t.Fatalf("reopened db %d: k = %q, %v", i, v, ok)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
