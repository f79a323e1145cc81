package pebblekeys_test

import (
	"context"
	"testing"

	"github.com/hocvu/hocvu/privacy/keys/keystest"
)

// BenchmarkCreate measures the creation of a subject's first key: one
// flush per creation when alone, shared between concurrent creators.
func BenchmarkCreate(b *testing.B) {
	s := open(b, b.TempDir())
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.CurrentKey(ctx, keystest.Subject(), keystest.Fresh()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := s.CurrentKey(ctx, keystest.Subject(), keystest.Fresh()); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkCurrentExisting measures CurrentKey for a subject that has a
// key (a read; no flush).
func BenchmarkCurrentExisting(b *testing.B) {
	s := open(b, b.TempDir())
	ctx := context.Background()
	subj := keystest.Subject()
	if _, _, err := s.CurrentKey(ctx, subj, keystest.Fresh()); err != nil {
		b.Fatal(err)
	}
	fresh := keystest.Fresh()
	for b.Loop() {
		if _, _, err := s.CurrentKey(ctx, subj, fresh); err != nil {
			b.Fatal(err)
		}
	}
}
