package statementindex_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/privacy/sealing/sealingtest"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// BenchmarkSealingCost measures what sealing (issue 18) costs the
// statement index: the replay of a simulated campaign (5,000 learners,
// about 56,000 statements) into an empty index from a log in clear, from
// the same log sealed (with an in-memory keyring), and from it sealed
// with a seal cache as the server seals (a learner's agent sealed once
// per key); then the same GET page of 100 statements read again and
// again, and 100 successive pages each read once (a sealed index opens
// every statement it returns). docs/benchmarks.md ("Sealing") records
// the figures.
func BenchmarkSealingCost(b *testing.B) {
	ctx := context.Background()
	plain := bulkCampaign(b, 5_000)
	sealer := sealing.Sealer{Keys: sealingtest.NewKeys()}
	sealed := sealLog(b, plain, sealer)
	// As the server seals: with a seal cache, a learner once per key.
	cachedKeys := sealingtest.NewKeys()
	withCache := func() sealing.Sealer {
		return sealing.Sealer{Keys: cachedKeys, Cache: sealing.NewSealCache(16384)}
	}
	sealedCached := sealLog(b, plain, withCache())
	outer := b // the indexes outlive their replay sub-benchmark
	for _, c := range []struct {
		name   string
		log    projections.Source
		sealer func() statementindex.Sealer
	}{{"clear", plain, func() statementindex.Sealer { return nil }},
		{"sealed", sealed, func() statementindex.Sealer { return sealer }},
		{"sealed+cache", sealedCached, func() statementindex.Sealer { return withCache() }}} {
		var ix *statementindex.Index
		b.Run("replay/"+c.name, func(b *testing.B) {
			ix = benchReplay(b, outer, c.log, c.sealer())
		})
		if ix != nil {
			b.Cleanup(func() { _ = ix.Close() })
		}
		b.Run("page-of-100/"+c.name, func(b *testing.B) {
			if ix == nil {
				b.Skip("the replay did not run")
			}
			const pages = 100 // per iteration: -benchtime counts replays
			for b.Loop() {
				for range pages {
					sts, _, err := ix.Query(ctx, lrs.Query{Limit: 100})
					if err != nil || len(sts) != 100 {
						b.Fatalf("%d statements, %v", len(sts), err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*pages)/1000, "ms/page")
		})
		// Paging through 100 successive pages, each read once.
		b.Run("pages-through/"+c.name, func(b *testing.B) {
			if ix == nil {
				b.Skip("the replay did not run")
			}
			const pages = 100
			for b.Loop() {
				var after *lrs.Cursor
				for range pages {
					sts, more, err := ix.Query(ctx, lrs.Query{Limit: 100, After: after})
					if err != nil || len(sts) != 100 || more == nil {
						b.Fatalf("%d statements, %v", len(sts), err)
					}
					after = more
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*pages)/1000, "ms/page")
		})
	}
}

// sealLog returns a new log holding the statements of plain sealed by s.
func sealLog(b *testing.B, plain *pebblestore.Store, s sealing.Sealer) *pebblestore.Store {
	ctx := context.Background()
	sealed, err := pebblestore.Open(b.TempDir(), pebblestore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sealed.Close() })
	for from := (eventstore.Position{}); ; {
		evs, err := plain.ReadAll(ctx, eventstore.ReadAllOptions{From: from, Max: 1000})
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		out := make([]eventstore.EventData, 0, len(evs))
		for _, ev := range evs {
			if ev.Position == from {
				continue
			}
			data, err := s.Seal(ctx, ev.Data)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, eventstore.EventData{ID: ev.ID, Type: lrs.EventStatementSealed, Data: data, Metadata: ev.Metadata})
		}
		if len(out) == 0 {
			break
		}
		if _, err := sealed.Append(ctx, lrs.StatementsStream, eventstore.Any, out...); err != nil {
			b.Fatal(err)
		}
		from = evs[len(evs)-1].Position
	}
	return sealed
}

// benchReplay replays src into a new index (in a directory of dirs) b.N
// times and returns the last index, open (the caller closes it).
func benchReplay(b, dirs *testing.B, src projections.Source, sealer statementindex.Sealer) *statementindex.Index {
	ctx := context.Background()
	head, err := src.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var ix *statementindex.Index
	var events uint64
	for b.Loop() {
		b.StopTimer()
		if ix != nil {
			_ = ix.Close()
		}
		if ix, err = statementindex.Open(dirs.TempDir(), nil); err != nil {
			b.Fatal(err)
		}
		if err := ix.UseSealer(sealer); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		runCtx, stop := context.WithCancel(ctx)
		r := projections.NewRunner(src, ix, projections.Options{})
		done := make(chan error, 1)
		go func() { done <- r.Run(runCtx) }()
		if err := r.WaitFor(ctx, head); err != nil {
			b.Fatal(err)
		}
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			b.Fatal(err)
		}
		events += head.Commit
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	return ix
}
