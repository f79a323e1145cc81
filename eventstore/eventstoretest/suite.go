// Package eventstoretest is the contract suite of eventstore.Store. Every
// implementation runs it unchanged:
//
//	func TestContract(t *testing.T) { eventstoretest.Run(t, harness) }
//
// Each case uses fresh, random stream names and only looks at its own
// events, so the suite also runs against a shared server that already
// holds data.
package eventstoretest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// Harness adapts one implementation to the suite.
type Harness struct {
	// New opens a store for one test; the test closes it (closing twice
	// must be harmless). Stores returned by successive calls may share data.
	New func(t testing.TB) eventstore.Store
	// Reopen closes s and opens the same data again (a restarted process,
	// or a new client on the same server).
	Reopen func(t testing.TB, s eventstore.Store) eventstore.Store
	// Large enables the cases that write a lot (100k streams).
	Large bool
	// MaxAppendSize, when set, is the store's limit on one append in bytes
	// (KurrentDB's MaxAppendSize); the TooLarge case then also appends
	// more than that in events each under the limit.
	MaxAppendSize int
}

// Run runs every contract case as a subtest.
func Run(t *testing.T, h Harness) {
	cases := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"AppendAndReadStream", testAppendAndReadStream},
		{"ExpectedRevision", testExpectedRevision},
		{"WrongExpectedRevisionError", testWrongExpectedRevisionError},
		{"IdempotentRetry", testIdempotentRetry},
		{"InvalidAppends", testInvalidAppends},
		{"ReadStreamDirections", testReadStreamDirections},
		{"ReadMissingStream", testReadMissingStream},
		{"GlobalLogOrder", testGlobalLogOrder},
		{"HeadAdvances", testHeadAdvances},
		{"SubscriptionHistoryThenLive", testSubscriptionHistoryThenLive},
		{"SubscriptionFilters", testSubscriptionFilters},
		{"SubscriptionResumeFromCheckpoint", testSubscriptionResume},
		{"SubscriptionClose", testSubscriptionClose},
		{"ConcurrentWritersOneStream", testConcurrentWritersOneStream},
		{"SubscriptionUnderConcurrentAppends", testSubscriptionUnderConcurrentAppends},
		{"ReadWhileCreating", testReadWhileCreating},
		{"Reopen", testReopen},
		{"LargeEvents", testLargeEvents},
		{"TooLarge", testTooLarge},
		{"ManyStreams", testManyStreams},
		{"ClosedStore", testClosedStore},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, h) })
	}
}

// ctx returns a context that ends with the test, bounded so a broken
// implementation fails instead of hanging.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func open(t testing.TB, h Harness) eventstore.Store {
	t.Helper()
	s := h.New(t)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newStream returns a stream name no other test uses.
func newStream(prefix string) string { return prefix + "-" + uuid.NewString() }

func ev(typ string, data string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(data), Metadata: []byte(`{"m":1}`)}
}

func evs(n int, typ string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = ev(typ, `{"i":`+strconv.Itoa(i)+`}`)
	}
	return out
}

func mustAppend(t testing.TB, s eventstore.Store, stream string, exp eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctx(t), stream, exp, events...)
	if err != nil {
		t.Fatalf("append %d events to %s (expected %s): %v", len(events), stream, exp, err)
	}
	return res
}

func readStream(t testing.TB, s eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	from := uint64(0)
	for {
		page, err := s.ReadStream(ctx(t), stream, eventstore.ReadStreamOptions{From: from, Max: 500})
		if err != nil {
			t.Fatalf("read stream %s: %v", stream, err)
		}
		out = append(out, page...)
		if len(page) < 500 {
			return out
		}
		from = page[len(page)-1].Revision + 1
	}
}

// readAllAfter returns the events of the global log strictly after pos
// that belong to streams with the given prefix.
func readAllAfter(t testing.TB, s eventstore.Store, pos eventstore.Position, streamPrefix string) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	after := pos
	for {
		page, err := s.ReadAll(ctx(t), eventstore.ReadAllOptions{From: after, Max: 1000})
		if err != nil {
			t.Fatalf("read all from %s: %v", after, err)
		}
		for _, e := range page {
			if !after.IsStart() && e.Position.Compare(after) <= 0 {
				continue // ReadAll is inclusive
			}
			if strings.HasPrefix(e.Stream, streamPrefix) {
				out = append(out, e)
			}
		}
		if len(page) < 1000 {
			return out
		}
		after = page[len(page)-1].Position
	}
}
