package pebblestore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// TestReadsRacingClose: reads and subscriptions that are running when the
// store closes end with ErrClosed (or a closed subscription), never with a
// read of a closed Pebble (which panics: "pebble: closed"). Close waits
// for the reads in flight.
func TestReadsRacingClose(t *testing.T) {
	ctx := context.Background()
	for round := 0; round < 20; round++ {
		s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			evs := make([]eventstore.EventData, 50)
			for j := range evs {
				evs[j] = eventstore.EventData{ID: uuid.New(), Type: "t.v1", Data: []byte(`{"n":1}`)}
			}
			if _, err := s.Append(ctx, fmt.Sprintf("s-%d", i%3), eventstore.Any, evs...); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		started := make(chan struct{}, 12)
		for g := 0; g < 4; g++ {
			wg.Add(3)
			go func() { // the whole log, again and again
				defer wg.Done()
				started <- struct{}{}
				for {
					if _, err := s.ReadAll(ctx, eventstore.ReadAllOptions{Max: 1000}); err != nil {
						errs <- err
						return
					}
				}
			}()
			go func() { // a stream, again and again
				defer wg.Done()
				started <- struct{}{}
				for {
					if _, err := s.ReadStream(ctx, "s-1", eventstore.ReadStreamOptions{Max: 1000}); err != nil {
						errs <- err
						return
					}
				}
			}()
			go func() { // a subscription from the start, again and again
				defer wg.Done()
				started <- struct{}{}
				for {
					sub, err := s.SubscribeAll(ctx, eventstore.SubscribeOptions{})
					if err != nil {
						errs <- err
						return
					}
					for {
						m, err := sub.Recv(ctx)
						if err != nil {
							sub.Close()
							errs <- err
							return
						}
						if m.CaughtUp {
							break
						}
					}
					sub.Close()
				}
			}()
		}
		for i := 0; i < 12; i++ {
			<-started
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if !errors.Is(err, eventstore.ErrClosed) && !errors.Is(err, eventstore.ErrSubscriptionClosed) {
				t.Fatalf("a read racing Close ended with %v, want ErrClosed", err)
			}
		}
	}
}
