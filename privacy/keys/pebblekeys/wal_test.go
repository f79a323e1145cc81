package pebblekeys_test

import (
	"context"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/hocvu/hocvu/privacy/keys/keystest"
)

type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic("pebble fatal: " + format)
}

// TestWALWouldKeepDestroyedBytes is why the store runs without a WAL: with
// Pebble's default options (WAL on), a value that is deleted, flushed and
// compacted away still survives in a write-ahead log file that Pebble kept
// for recycling. If a Pebble upgrade makes this test fail, recycled WALs no
// longer keep old bytes; the package documentation must then be revised.
func TestWALWouldKeepDestroyedBytes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := pebble.Open(dir, &pebble.Options{FormatMajorVersion: pebble.FormatNewest, Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	secret := keystest.Fresh().Wrapped
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Set([]byte("k/victim"), secret, pebble.Sync))
	for i := range 10 {
		must(db.Set([]byte{'o', byte(i)}, make([]byte, 60), pebble.Sync))
	}
	must(db.Delete([]byte("k/victim"), pebble.Sync))
	must(db.Flush())
	must(db.Compact(ctx, []byte("k/"), []byte("k0"), false))
	if v, closer, err := db.Get([]byte("k/victim")); err == nil {
		_ = closer.Close()
		t.Fatalf("the deleted value is still readable: %x", v)
	}
	must(db.Close())
	found := filesHolding(t, dir, secret)
	if len(found) == 0 {
		t.Fatal("with a WAL, no file keeps the deleted value: Pebble no longer recycles WALs with their old bytes (revise the package documentation)")
	}
	t.Logf("with a WAL, the deleted, flushed and compacted value survives in %v", found)
}
