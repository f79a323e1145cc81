package eventstoretest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// benchPayload is about the size of a stored xAPI statement event.
var benchPayload = []byte(`{"statement":{"id":"0b2c1c7e-8d1a-4c55-9d27-1f0f2d0c9a11","actor":{"objectType":"Agent","account":{"homePage":"https://hoctap.quangngai.gov.vn","name":"hv-000123456"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"vi-VN":"đã hoàn thành"}},"object":{"objectType":"Activity","id":"https://hoctap.quangngai.gov.vn/khoa-hoc/kns-so/bai-3"},"result":{"completion":true,"duration":"PT14M30S"},"context":{"registration":"7d6c2b0e-4a7b-4d7e-b35a-2a7d0d9e3f10","extensions":{"https://binhdanhocvuso.gov.vn/xapi/ext/commune":"21172","https://binhdanhocvuso.gov.vn/xapi/ext/target-group":"citizen"}},"timestamp":"2026-10-10T08:15:00Z","stored":"2026-10-10T08:15:01.123Z"}}`)

// BenchAppend measures durable append throughput with the given number of
// concurrent writers, each appending batches of batch events to its own
// stream. It reports events/s.
func BenchAppend(b *testing.B, h Harness, writers, batch int) {
	s := h.New(b)
	defer s.Close()
	prefix := "bench-" + uuid.NewString()
	var next atomic.Int64
	total := int64(b.N)
	b.SetBytes(int64(len(benchPayload) * batch))
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			stream := fmt.Sprintf("%s-%d", prefix, w)
			events := make([]eventstore.EventData, batch)
			for next.Add(1) <= total {
				for i := range events {
					events[i] = eventstore.EventData{ID: uuid.New(), Type: "bench.event", Data: benchPayload}
				}
				if _, err := s.Append(context.Background(), stream, eventstore.Any, events...); err != nil {
					b.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "events/s")
}

// Preload appends n events in batches of 100 from 8 writers and returns
// the store. It is for read benchmarks.
func Preload(tb testing.TB, s eventstore.Store, n int) {
	prefix := "preload-" + uuid.NewString()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			events := make([]eventstore.EventData, 100)
			for i := next.Add(100); i <= int64(n); i = next.Add(100) {
				for j := range events {
					events[j] = eventstore.EventData{ID: uuid.New(), Type: "bench.event", Data: benchPayload}
				}
				if _, err := s.Append(context.Background(), fmt.Sprintf("%s-%d", prefix, i%1000), eventstore.Any, events...); err != nil {
					tb.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}

// BenchReadAll measures reading the global log forwards from the start in
// pages of 1000. It reports events/s.
func BenchReadAll(b *testing.B, s eventstore.Store) {
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var read int
	for i := 0; i < b.N; i++ {
		from := eventstore.Start
		for {
			page, err := s.ReadAll(ctx, eventstore.ReadAllOptions{From: from, Max: 1000})
			if err != nil {
				b.Fatal(err)
			}
			read += len(page)
			if len(page) < 1000 {
				break
			}
			last := page[len(page)-1].Position
			from = eventstore.Position{Commit: last.Commit + 1, Prepare: last.Prepare + 1}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(read)/time.Since(start).Seconds(), "events/s")
}

// BenchSubscribe measures a catch-up subscription from the start of the
// log until it is caught up. It reports events/s.
func BenchSubscribe(b *testing.B, s eventstore.Store) {
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var read int
	for i := 0; i < b.N; i++ {
		sub, err := s.SubscribeAll(ctx, eventstore.SubscribeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			m, err := sub.Recv(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if m.Event != nil {
				read++
			}
			if m.CaughtUp {
				break
			}
		}
		_ = sub.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(read)/time.Since(start).Seconds(), "events/s")
}
