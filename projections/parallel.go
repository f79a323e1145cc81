package projections

import (
	"runtime"
	"sync"

	"github.com/hocvu/hocvu/eventstore"
)

// parallelFrom is the number of events from which Prepare gives a
// processor a share of a batch; smaller batches (a live LRS at the head
// of the log) are prepared in the caller.
const parallelFrom = 256

// Prepare computes prep(&events[i]) for every event of a batch, spreading
// large batches (a catch-up, a rebuild) over the processors. It is for the
// work of Apply that depends on one event alone (decoding, hashing): the
// writes, which depend on what came before, then run in log order over
// the results. prep must be safe to run concurrently.
func Prepare[T any](events []eventstore.RecordedEvent, prep func(*eventstore.RecordedEvent) T) []T {
	out := make([]T, len(events))
	workers := min(runtime.GOMAXPROCS(0), len(events)/parallelFrom)
	if workers <= 1 {
		for i := range events {
			out[i] = prep(&events[i])
		}
		return out
	}
	var wg sync.WaitGroup
	chunk := (len(events) + workers - 1) / workers
	for lo := 0; lo < len(events); lo += chunk {
		hi := min(lo+chunk, len(events))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				out[i] = prep(&events[i])
			}
		})
	}
	wg.Wait()
	return out
}
