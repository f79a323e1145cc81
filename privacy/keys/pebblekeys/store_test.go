package pebblekeys_test

import (
	"context"
	"testing"

	"github.com/hocvu/hocvu/privacy/keys"
	"github.com/hocvu/hocvu/privacy/keys/keystest"
	"github.com/hocvu/hocvu/privacy/keys/pebblekeys"
)

func open(t testing.TB, dir string) *pebblekeys.Store {
	t.Helper()
	s, err := pebblekeys.Open(context.Background(), dir, pebblekeys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	keystest.Run(t, func(t testing.TB) keys.Store { return open(t, t.TempDir()) })
}

// TestContractSharedStore runs the suite with one store for every case, as
// against a store that already holds other subjects.
func TestContractSharedStore(t *testing.T) {
	s := open(t, t.TempDir())
	keystest.Run(t, func(testing.TB) keys.Store { return s })
}
