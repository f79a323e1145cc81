package lrs

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// gatedLog holds the first append until released (saying on entered that
// it is held) and records how many events each append carried.
type gatedLog struct {
	StatementLog
	entered chan struct{}
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	sizes   []int
}

func (g *gatedLog) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	g.once.Do(func() {
		close(g.entered)
		<-g.release
	})
	g.mu.Lock()
	g.sizes = append(g.sizes, len(evs))
	g.mu.Unlock()
	return g.StatementLog.Append(ctx, stream, exp, evs...)
}

type noLookup struct{}

func (noLookup) LookupStatement(context.Context, uuid.UUID) ([]byte, bool, error) {
	return nil, false, nil
}
func (noLookup) WaitFor(context.Context, eventstore.Position) error { return nil }
func (noLookup) LastStored() time.Time                              { return time.Time{} }

// TestWriterGroupsStayUnderMaxGroupBytes queues many requests behind a held
// append and checks that the writer merges them into appends of at most
// MaxGroupBytes (KurrentDB refuses appends over its size limit), never
// splits a request, and answers every request.
func TestWriterGroupsStayUnderMaxGroupBytes(t *testing.T) {
	store, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	log := &gatedLog{StatementLog: store, entered: make(chan struct{}), release: make(chan struct{})}
	// Requests of 4 statements of ~1 KiB: at most 2 requests (8 KiB) fit
	// in 10 KiB.
	w := NewStatementWriter(log, noLookup{}, WriterOptions{MaxGroupBytes: 10 << 10})
	defer w.Close()
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(log.release) }) }
	defer release() // before w.Close, also when the test fails early
	const requests, per = 31, 4
	raw := []byte(`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.com/a"},"pad":"` + strings.Repeat("x", 900) + `"}`)
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	submit := func() {
		defer wg.Done()
		req := &StoreRequest{Credential: "test", XAPIVersion: "2.0.0"}
		for i := 0; i < per; i++ {
			id := uuid.NewString()
			req.Statements = append(req.Statements, Statement{"id": id, "authority": map[string]any{"mbox": "mailto:lrs@example.com"}, "version": "2.0.0"})
			req.Raw = append(req.Raw, raw)
			req.Assigned = append(req.Assigned, true)
		}
		res, err := w.Store(context.Background(), req)
		if err == nil && (len(res.IDs) != per || res.Position == (eventstore.Position{})) {
			t.Errorf("request answered with %+v", res)
		}
		errs <- err
	}
	wg.Add(1)
	go submit()
	select { // the ingester took it and its append is held
	case <-log.entered:
	case <-time.After(time.Minute):
		t.Fatal("the first append never started")
	}
	for i := 1; i < requests; i++ {
		wg.Add(1)
		go submit()
	}
	// The ingester is held in Append, so the others can only queue.
	deadline := time.Now().Add(time.Minute)
	for len(w.reqs) < requests-1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if len(w.reqs) < requests-1 {
		t.Fatalf("only %d requests queued", len(w.reqs))
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	total, merged := 0, false
	for _, n := range log.sizes {
		total += n
		if n%per != 0 || n > 2*per {
			t.Errorf("an append of %d events: requests split or more than 10 KiB merged (appends %v)", n, log.sizes)
		}
		merged = merged || n > per
	}
	if total != requests*per {
		t.Fatalf("%d events appended, want %d", total, requests*per)
	}
	if !merged {
		t.Fatalf("no append merged two requests (appends %v): the test did not exercise grouping", log.sizes)
	}
}
