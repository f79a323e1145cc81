package duckdb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// synthetic generates campaign-like facts directly (no statements): 300
// communes, the four target groups, 8 courses of 12 lessons, 200k
// learners, May 2025 to December 2026, sessions of launch, lesson
// completions (some implausibly fast), tests, course completions and
// certificates, and about one void per thousand statements.
type synthetic struct {
	rng *rand.Rand
	pos uint64
	at  time.Time
	ids []string // recent statement ids, void targets
	ext []string
}

func newSynthetic(seed uint64) *synthetic {
	return &synthetic{
		rng: rand.New(rand.NewPCG(seed, 7)),
		at:  time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
		ext: []string{vocab.ExtCommune, vocab.ExtHousehold, vocab.ExtProvince, vocab.ExtTargetGroup, "https://example.com/ext/cccd"},
	}
}

// next returns a batch of about n facts and the voids among them.
func (s *synthetic) next(n int) *analytics.Batch {
	b := &analytics.Batch{Facts: make([]analytics.Fact, 0, n+8)}
	// Spread ~1.6M facts over 20 months.
	step := 20 * 30 * 24 * time.Hour / 1_600_000
	for len(b.Facts) < n {
		learner := uint64(1 + s.rng.IntN(200_000))
		commune := fmt.Sprintf("2%04d", learner%300)
		group := vocab.TargetGroups[learner%4]
		course := fmt.Sprintf("https://hoctap.example/khoa/%d", s.rng.IntN(8))
		add := func(verb, obj, typ string, expected, took float64) {
			s.pos++
			s.at = s.at.Add(step + time.Duration(s.rng.IntN(1000))*time.Millisecond)
			local := s.at.In(analytics.Local)
			f := analytics.Fact{
				Position: s.pos, Prepare: s.pos, StatementID: uuid.NewString(), Stored: s.at, Timestamp: s.at.Add(-time.Second),
				Date: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC),
				Verb: verb, ObjectID: obj, ObjectType: "Activity", ActivityType: typ, CourseID: course, ActorID: learner,
				Success: -1, Completion: -1, DurationSeconds: took, ExpectedSeconds: expected,
				Platform: "Cổng học tập", Language: "vi-VN", Province: "51", Commune: commune, TargetGroup: group,
				HouseholdID: learner / 3, ExtKeys: s.ext,
			}
			if verb == vocab.VerbCompleted {
				f.Completion = 1
			}
			b.Facts = append(b.Facts, f)
			if len(s.ids) < 10_000 {
				s.ids = append(s.ids, f.StatementID)
			} else {
				s.ids[s.rng.IntN(len(s.ids))] = f.StatementID
			}
		}
		add(vocab.VerbLaunched, course, vocab.TypeCourse, -1, -1)
		for i := 0; i < 1+s.rng.IntN(4); i++ {
			took := float64(120 + s.rng.IntN(1200))
			if s.rng.IntN(10) == 0 {
				took = float64(20 + s.rng.IntN(100))
			}
			add(vocab.VerbCompleted, fmt.Sprintf("%s/bai-%d", course, s.rng.IntN(12)), vocab.TypeLesson, 900, took)
		}
		if s.rng.IntN(3) == 0 {
			verb := vocab.VerbPassed
			if s.rng.IntN(3) == 0 {
				verb = vocab.VerbFailed
			}
			add(verb, course+"/kiem-tra", vocab.TypeAssessment, -1, -1)
			if verb == vocab.VerbPassed {
				add(vocab.VerbCompleted, course, vocab.TypeCourse, -1, -1)
				add(vocab.VerbEarned, course+"/chung-chi", vocab.TypeCertificate, -1, -1)
			}
		}
		if s.rng.IntN(300) == 0 && len(s.ids) > 0 { // ~1 void per 1000 facts
			target := s.ids[s.rng.IntN(len(s.ids))]
			add(vocab.VerbVoided, target, "", -1, -1)
			f := &b.Facts[len(b.Facts)-1]
			f.ObjectType, f.CourseID, f.ActorID = "StatementRef", "", 0
			b.Voids = append(b.Voids, analytics.Void{Target: target, By: f.StatementID, Position: f.Position})
		}
	}
	b.Through = eventstore.Position{Commit: s.pos, Prepare: s.pos}
	return b
}

// fill writes n synthetic facts in batches of batch.
func fill(tb testing.TB, e analytics.Sink, n, batch int) {
	tb.Helper()
	s := newSynthetic(1)
	for written := 0; written < n; {
		b := s.next(min(batch, n-written))
		if err := e.Write(context.Background(), b); err != nil {
			tb.Fatal(err)
		}
		written += len(b.Facts)
	}
}

// BenchmarkWrite measures the sink alone: synthetic facts written through
// Write in batches of 5000 (the projection runner's default).
func BenchmarkWrite(b *testing.B) {
	for _, where := range []string{"memory", "file"} {
		b.Run(where, func(b *testing.B) {
			path := ""
			if where == "file" {
				path = filepath.Join(b.TempDir(), "analytics.duckdb")
			}
			e := openEngine(b, path)
			defer e.Close()
			s := newSynthetic(1)
			facts := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				bt := s.next(5000)
				b.StartTimer()
				if err := e.Write(context.Background(), bt); err != nil {
					b.Fatal(err)
				}
				facts += len(bt.Facts)
			}
			b.ReportMetric(float64(facts)/b.Elapsed().Seconds(), "facts/s")
		})
	}
}

// BenchmarkProject measures the whole projection: dataset statements
// (JSON, as stored) flattened, pseudonymised and written in batches of
// 5000 events, into a file.
func BenchmarkProject(b *testing.B) {
	var events []eventstore.RecordedEvent
	for seed := uint64(1); len(events) < 100_000; seed++ {
		for _, ev := range analyticstest.NewDataset(seed).Events {
			ev.Position = eventstore.Position{Commit: uint64(len(events) + 1), Prepare: uint64(len(events) + 1)}
			events = append(events, ev)
		}
	}
	ps, err := analytics.NewPseudonymizer(analyticstest.TestKey)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := openEngine(b, filepath.Join(b.TempDir(), "analytics.duckdb"))
		p := analyticsfacts.NewProjection(e, ps, analyticstest.Log(events))
		b.StartTimer()
		analyticstest.Project(b, p, events, 5000)
		b.StopTimer()
		if err := e.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "facts/s")
}

// BenchmarkQueries runs every named query over 1.6M synthetic facts
// written through Write in batches of 50k, in a file.
func BenchmarkQueries(b *testing.B) {
	e := openEngine(b, filepath.Join(b.TempDir(), "analytics.duckdb"))
	defer e.Close()
	start := time.Now()
	fill(b, e, 1_600_000, 50_000)
	b.Logf("wrote 1.6M synthetic facts in batches of 50k in %v (generation included): %.0f facts/s",
		time.Since(start).Round(time.Millisecond), 1.6e6/time.Since(start).Seconds())
	sets := map[string]analytics.Params{
		"all":     {},
		"commune": {Commune: "20042", From: "2025-09", To: "2026-02"},
	}
	for _, q := range analytics.Catalog {
		for _, set := range []string{"all", "commune"} {
			b.Run(q.Name+"/"+set, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := e.Query(context.Background(), q.Name, sets[set]); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
			})
		}
	}
}
