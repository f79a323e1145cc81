package pebblemodel_test

import (
	"fmt"
	"testing"
)

func TestStorageStatsFollowTheTree(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	before := db.StorageStats()
	if before.Flushes != 0 || before.ReadAmplification != 0 {
		t.Fatalf("a new database: %+v", before)
	}
	for i := 0; i < 3; i++ {
		var kv []string
		for k := 0; k < 100; k++ {
			kv = append(kv, fmt.Sprintf("k%d-%03d", i, k), "v")
		}
		commit(t, db, fmt.Sprint(i), kv...)
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	s := db.StorageStats()
	if s.Flushes < 3 || s.ReadAmplification < 1 || s.DiskBytes <= before.DiskBytes {
		t.Errorf("after three flushed batches: %+v (new: %+v)", s, before)
	}
}
