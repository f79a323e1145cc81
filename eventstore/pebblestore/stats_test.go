package pebblestore_test

import (
	"testing"

	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

func TestStorageStatsUntilClose(t *testing.T) {
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, ok := s.StorageStats()
	if !ok || st.DiskBytes == 0 {
		t.Errorf("an open store: %+v %v, want its files counted", st, ok)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.StorageStats(); ok {
		t.Error("a closed store reported stats")
	}
}
