package pebblestore_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/eventstoretest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 8, 64} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("writers=%d/batch=%d", writers, batch), func(b *testing.B) {
				eventstoretest.BenchAppend(b, harness(), writers, batch)
			})
		}
	}
}

// readStore is one preloaded store shared by the read benchmarks.
var readStore = sync.OnceValues(func() (eventstore.Store, error) {
	dir, err := tempDir()
	if err != nil {
		return nil, err
	}
	return pebblestore.Open(dir, pebblestore.Options{})
})

const preloadEvents = 500_000

var preloadOnce sync.Once

func preloaded(b *testing.B) eventstore.Store {
	s, err := readStore()
	if err != nil {
		b.Fatal(err)
	}
	preloadOnce.Do(func() { eventstoretest.Preload(b, s, preloadEvents) })
	return s
}

func BenchmarkReadAll(b *testing.B) {
	eventstoretest.BenchReadAll(b, preloaded(b))
}

func BenchmarkSubscribe(b *testing.B) {
	eventstoretest.BenchSubscribe(b, preloaded(b))
}
