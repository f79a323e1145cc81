package kurrentdb_test

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/eventstoretest"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
)

// The benchmarks measure the adapter, the client and gRPC over loopback
// against the fake server (a Pebble store behind it), so they show the
// cost of the wire, not KurrentDB's speed.

func benchHarness() eventstoretest.Harness {
	return harness(func(t testing.TB) string { return kurrenttest.New(t, kurrenttest.Options{}).URL() }, false)
}

func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 8, 64} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("writers=%d/batch=%d", writers, batch), func(b *testing.B) {
				eventstoretest.BenchAppend(b, benchHarness(), writers, batch)
			})
		}
	}
}

const preloadEvents = 100_000

var (
	preloadOnce sync.Once
	preloadURL  string
)

// preloaded returns an adapter on a server holding preloadEvents events,
// loaded once for all read benchmarks.
func preloaded(b *testing.B) eventstore.Store {
	preloadOnce.Do(func() {
		srv := kurrenttest.New(&keepAlive{b}, kurrenttest.Options{})
		eventstoretest.Preload(b, srv.Store(), preloadEvents)
		preloadURL = srv.URL()
	})
	s := openStore(b, preloadURL, testOptions())
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// keepAlive lets the shared server outlive the benchmark that created it:
// its cleanups never run, and the process exit removes it.
type keepAlive struct{ testing.TB }

func (k *keepAlive) Cleanup(func()) {}
func (k *keepAlive) TempDir() string {
	dir, err := tempDir()
	if err != nil {
		k.Fatal(err)
	}
	return dir
}

func BenchmarkReadAll(b *testing.B)   { eventstoretest.BenchReadAll(b, preloaded(b)) }
func BenchmarkSubscribe(b *testing.B) { eventstoretest.BenchSubscribe(b, preloaded(b)) }

var benchDirs []string

func tempDir() (string, error) {
	dir, err := os.MkdirTemp("", "hocvu-kurrent-bench-*")
	if err == nil {
		benchDirs = append(benchDirs, dir)
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range benchDirs {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}
