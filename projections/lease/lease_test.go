package lease_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections/lease"
)

func TestOneHolderAtATime(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const ttl = 300 * time.Millisecond
	var holders atomic.Int32
	var maxHolders atomic.Int32
	var acquisitions atomic.Int32
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				l := lease.New(store, "analytics", "", ttl, nil)
				if err := l.Acquire(ctx); err != nil {
					return
				}
				acquisitions.Add(1)
				n := holders.Add(1)
				for m := maxHolders.Load(); n > m && !maxHolders.CompareAndSwap(m, n); m = maxHolders.Load() {
				}
				// Hold and renew for a while, then release.
				for j := 0; j < 3 && l.Holding(); j++ {
					time.Sleep(ttl / 4)
					if err := l.Renew(context.Background()); err != nil {
						t.Errorf("holder lost a lease it renews: %v", err)
					}
				}
				holders.Add(-1)
				if err := l.Release(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}(i)
	}
	time.Sleep(3 * time.Second)
	close(stop)
	cancel()
	wg.Wait()
	if maxHolders.Load() != 1 {
		t.Fatalf("%d processes held the lease at once", maxHolders.Load())
	}
	if acquisitions.Load() < 4 {
		t.Fatalf("only %d acquisitions: the lease did not move between processes", acquisitions.Load())
	}
}

func TestTakeOverFromADeadHolder(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	const ttl = 200 * time.Millisecond
	dead := lease.New(store, "analytics", "dead", ttl, nil)
	if err := dead.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	// The dead holder stops renewing; a contender takes over after a TTL.
	start := time.Now()
	next := lease.New(store, "analytics", "next", ttl, nil)
	if err := next.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < ttl {
		t.Fatalf("took over after %s, before the TTL", waited)
	}
	// The old holder finds out at its next renewal and stops writing.
	if err := dead.Renew(ctx); err != lease.ErrLost {
		t.Fatalf("renew by the replaced holder: %v, want ErrLost", err)
	}
	if dead.Holding() {
		t.Fatal("replaced holder still thinks it holds the lease")
	}
	if !next.Holding() {
		t.Fatal("new holder does not hold the lease")
	}
	time.Sleep(ttl / 2)
	if next.Holding() {
		t.Fatal("a holder that stopped renewing for TTL/2 must stop writing")
	}
}

// A lease event nobody can decode (written below hocvu) has an unknown
// holder, taken over after a TTL, instead of keeping the lease from every
// process for good.
func TestCorruptLeaseEventIsTakenOver(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := store.Append(ctx, "lease-analytics", eventstore.NoStream, eventstore.EventData{ID: uuid.New(), Type: lease.EventRenewed, Data: []byte(`{"holder":`)}); err != nil {
		t.Fatal(err)
	}
	l := lease.New(store, "analytics", "", 100*time.Millisecond, nil)
	if err := l.Acquire(ctx); err != nil {
		t.Fatalf("acquire over a corrupt lease event: %v", err)
	}
	if !l.Holding() {
		t.Fatal("not holding after Acquire")
	}
}
