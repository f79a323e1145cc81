package pebblemodel

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

var testPointKeys = PointKeys{Name: "test", Holds: func(k []byte) bool { return len(k) > 0 && k[0] == 'i' }}

// TestPointKeyFilterHoldsOnlyPointKeys checks the filter itself: the keys
// it holds are found, most absent ones are excluded, and every key it
// does not hold may be contained (the table is read), present or not.
func TestPointKeyFilterHoldsOnlyPointKeys(t *testing.T) {
	f := pointKeyFilter{keys: testPointKeys, bloom: 10}
	w := f.NewWriter(pebble.TableFilter)
	for i := range 1000 {
		w.AddKey(fmt.Appendf(nil, "i%04d", i))
		w.AddKey(fmt.Appendf(nil, "p%04d", i))
	}
	filter := w.Finish(nil)
	for i := range 1000 {
		if !f.MayContain(pebble.TableFilter, filter, fmt.Appendf(nil, "i%04d", i)) {
			t.Fatalf("i%04d was added and is excluded", i)
		}
	}
	excluded := 0
	for i := 1000; i < 2000; i++ {
		if !f.MayContain(pebble.TableFilter, filter, fmt.Appendf(nil, "i%04d", i)) {
			excluded++
		}
		if !f.MayContain(pebble.TableFilter, filter, fmt.Appendf(nil, "p%04d", i)) {
			t.Fatalf("p%04d is not a point key, so the filter may not exclude it", i)
		}
	}
	if excluded < 950 {
		t.Errorf("%d of 1,000 absent point keys excluded, want about 99%%", excluded)
	}
	// The filter is sized for the 1,000 point keys, not the 2,000 keys.
	if most := 1000*bitsPerKey/8 + 128; len(filter) > most {
		t.Errorf("filter of %d bytes for 1,000 point keys, want at most %d", len(filter), most)
	}
}

// TestPointKeysAcrossFilterPolicies writes sstables under the filter of
// every key, then under the point-key filter, then under every key again,
// and checks that every key is found (and absent keys are not) under each
// policy: a table keeps the filter it was written with.
func TestPointKeysAcrossFilterPolicies(t *testing.T) {
	dir := t.TempDir()
	policies := []PointKeys{{}, testPointKeys, {}, testPointKeys}
	var written []string
	for round, keys := range policies {
		db, err := Open(dir, Options{Name: "test-model", PointKeys: keys})
		if err != nil {
			t.Fatal(err)
		}
		b := db.NewBatch()
		for i := range 100 {
			for _, tag := range "ip" {
				k := fmt.Sprintf("%c%d-%03d", tag, round, i)
				if err := b.Set([]byte(k), []byte(k)); err != nil {
					t.Fatal(err)
				}
				written = append(written, k)
			}
		}
		if err := b.Commit([]byte{byte(round)}); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, k := range written {
			v, closer, err := db.Get([]byte(k))
			if err != nil {
				t.Fatalf("round %d: get %s: %v", round, k, err)
			}
			if string(v) != k {
				t.Fatalf("round %d: get %s = %q", round, k, v)
			}
			_ = closer.Close()
		}
		for _, k := range []string{"i9-000", "p9-000", "i0-100"} {
			if _, _, err := db.Get([]byte(k)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("round %d: get absent %s: %v, want ErrNotFound", round, k, err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
