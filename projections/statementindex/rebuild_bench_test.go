package statementindex_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/hocvu/hocvu/campaign/simulate"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// BenchmarkRebuild replays a simulated campaign (25,000 learners, about
// 280,000 statements) into an empty statement index, from the embedded
// log and from the KurrentDB adapter over the in-process test server (a
// Pebble store behind gRPC on loopback: the cost of the wire and the
// adapter, not KurrentDB's speed). It reports events/s, and the index's
// size on disk per event right after the rebuild (its write-ahead log and
// not yet compacted tables included); docs/benchmarks.md
// records the figures. `hocvu projections rebuild statement-index`
// measures the same on a real data directory at any size.
func BenchmarkRebuild(b *testing.B) {
	ctx := context.Background()
	log := bulkCampaign(b, 25_000)
	b.Run("embedded", func(b *testing.B) { benchRebuild(b, log) })
	b.Run("kurrentdb-adapter", func(b *testing.B) {
		srv, err := kurrenttest.Start(log, kurrenttest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(srv.Close)
		openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := kurrentdb.Open(openCtx, srv.URL(), kurrentdb.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		benchRebuild(b, s)
	})
}

// bulkCampaign writes a simulated campaign of the given learners into a
// new embedded log, as hocvu simulate --mode bulk does.
func bulkCampaign(b *testing.B, learners int) *pebblestore.Store {
	b.Helper()
	ctx := context.Background()
	camp, err := simulate.Generate(ctx, simulate.Config{Seed: 1, Learners: learners},
		simulate.Authority("https://hocvu.local/", "bench"))
	if err != nil {
		b.Fatal(err)
	}
	log, err := pebblestore.Open(b.TempDir(), pebblestore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = log.Close() })
	if _, err := camp.WriteBulk(ctx, log, simulate.BulkOptions{Credential: "bench"}); err != nil {
		b.Fatal(err)
	}
	return log
}

func benchRebuild(b *testing.B, src projections.Source) {
	ctx := context.Background()
	head, err := src.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var events uint64
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		ix, err := statementindex.Open(dir, nil)
		if err != nil {
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
		b.StopTimer()
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			b.Fatal(err)
		}
		_ = ix.Close()
		b.ReportMetric(float64(dirSize(b, dir))/float64(head.Commit), "B/event")
		events += head.Commit
		b.StartTimer()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// dirSize is the size of the files under dir.
func dirSize(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}
