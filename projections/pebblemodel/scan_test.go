package pebblemodel_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// TestScanSeesWhatTheDatabaseHolds: Scan finds a value written, flushed
// and closed (in compressed sstables), and no longer finds it once it
// is deleted.
func TestScanSeesWhatTheDatabaseHolds(t *testing.T) {
	dir := t.TempDir()
	secret := []byte("Nguyễn Văn Scan")
	write := func(del bool) {
		db, err := pebblemodel.Open(dir, pebblemodel.Options{Name: "scan"})
		if err != nil {
			t.Fatal(err)
		}
		b := db.NewBatch()
		for i := range 1000 {
			k := fmt.Appendf(nil, "k%04d", i)
			if del {
				err = b.Delete(k)
			} else {
				err = b.Set(k, append(bytes.Repeat([]byte("padding "), 20), secret...))
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Commit([]byte("cp")); err != nil {
			t.Fatal(err)
		}
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		n := 0
		err := pebblemodel.Scan(dir, func(_, v []byte) error {
			if bytes.Contains(v, secret) {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	write(false)
	if n := count(); n != 1000 {
		t.Fatalf("Scan found the value %d times, want 1000", n)
	}
	write(true)
	if n := count(); n != 0 {
		t.Fatalf("Scan found a deleted value %d times", n)
	}
}
