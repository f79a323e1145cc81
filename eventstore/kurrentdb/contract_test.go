package kurrentdb_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/eventstoretest"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
)

// testOptions keep the timings short so that tests are quick.
func testOptions() kurrentdb.Options {
	return kurrentdb.Options{
		ReconnectMin:   10 * time.Millisecond,
		ReconnectMax:   200 * time.Millisecond,
		IdleCheckpoint: 200 * time.Millisecond,
	}
}

func openStore(t testing.TB, url string, opts kurrentdb.Options) *kurrentdb.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := kurrentdb.Open(ctx, url, opts)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return s
}

// harness opens adapters; newURL gives the server of a new store. Reopen
// closes the adapter and opens a new one on the same server.
func harness(newURL func(t testing.TB) string, large bool) eventstoretest.Harness {
	var mu sync.Mutex
	urls := map[eventstore.Store]string{}
	open := func(t testing.TB, url string) eventstore.Store {
		s := openStore(t, url, testOptions())
		mu.Lock()
		urls[s] = url
		mu.Unlock()
		return s
	}
	return eventstoretest.Harness{
		New: func(t testing.TB) eventstore.Store { return open(t, newURL(t)) },
		Reopen: func(t testing.TB, s eventstore.Store) eventstore.Store {
			mu.Lock()
			url := urls[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			return open(t, url)
		},
		Large: large,
	}
}

// TestContract runs the contract suite against the adapter talking over
// gRPC to the fake server, each case with a fresh Pebble store behind it.
// The 100,000-stream case runs at full size without the race detector
// (about 30 s here); under -race it takes over 4 minutes on two cores, so
// it then runs with the suite's small size.
func TestContract(t *testing.T) {
	const limit = 4 << 20 // room for LargeEvents' 2 MiB
	h := harness(func(t testing.TB) string {
		return kurrenttest.New(t, kurrenttest.Options{MaxAppendSize: limit}).URL()
	}, !raceEnabled)
	h.MaxAppendSize = limit
	eventstoretest.Run(t, h)
}

// TestContractRealServer runs the contract suite against a real KurrentDB
// named by HOCVU_TEST_EVENTSTORE_URL (for example
// kurrentdb://127.0.0.1:2113?tls=false). The server must accept appends of
// about 2 MiB (KurrentDB's --max-append-size defaults to 1 MiB) for the
// LargeEvents case. The suite uses fresh stream names, so a shared server
// is fine; the 100k-stream case runs only with HOCVU_TEST_EVENTSTORE_LARGE=1.
// HOCVU_TEST_EVENTSTORE_MAX_APPEND, when set to the server's MaxAppendSize,
// also checks that a larger append is refused as too large.
func TestContractRealServer(t *testing.T) {
	url := os.Getenv("HOCVU_TEST_EVENTSTORE_URL")
	if url == "" {
		t.Skip("HOCVU_TEST_EVENTSTORE_URL is not set: the contract suite was NOT run against a real KurrentDB")
	}
	t.Logf("running the contract suite against a real KurrentDB at %s", redactURL(url))
	h := harness(func(testing.TB) string { return url }, os.Getenv("HOCVU_TEST_EVENTSTORE_LARGE") != "")
	if v := os.Getenv("HOCVU_TEST_EVENTSTORE_MAX_APPEND"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("HOCVU_TEST_EVENTSTORE_MAX_APPEND=%q: %v", v, err)
		}
		h.MaxAppendSize = n
	}
	eventstoretest.Run(t, h)
}

func redactURL(u string) string {
	for i := 0; i+3 <= len(u); i++ {
		if u[i:i+3] == "://" {
			rest := u[i+3:]
			for j := 0; j < len(rest) && rest[j] != '/' && rest[j] != '?'; j++ {
				if rest[j] == '@' {
					return u[:i+3] + "***@" + rest[j+1:]
				}
			}
			break
		}
	}
	return u
}
