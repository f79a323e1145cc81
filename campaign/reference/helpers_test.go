package reference_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// openStore opens an embedded event store in a temporary directory.
func openStore(t *testing.T) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(filepath.Join(t.TempDir(), "events"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// exampleState is the state after loading reference.Example().
func exampleState(t *testing.T) *reference.State {
	t.Helper()
	s := openStore(t)
	if _, err := reference.Load(context.Background(), s, reference.Example(), reference.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := reference.Replay(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
