package clickhouse_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// TestCrashBetweenWriteAndCheckpoint stops a batch after each stage of a
// write (facts inserted; void rows inserted; aggregates rebuilt; course
// names inserted) without its checkpoint, as a crash would, then restarts
// the projection on a new engine: the repair removes the half-written
// batch, the batch is written again, and every named query matches the
// reference exactly.
func TestCrashBetweenWriteAndCheckpoint(t *testing.T) {
	for _, stage := range crashStages {
		t.Run(stage, func(t *testing.T) {
			srv := chtest.Shared(t)
			dsn := srv.DSN(srv.NewDatabase(t))
			testCrash(t, stage, func() *clickhouse.Engine {
				db, err := clickhouse.Open(context.Background(), dsn, clickhouse.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = db.Close() })
				return clickhouse.NewEngine(db, "analytics-clickhouse")
			})
		})
	}
}

// crashStages are the stages a write stops at; "+repair": the restarted
// process's repair crashes too, after it deleted the half-written rows and
// before it rebuilt the aggregates, and a third process finishes it.
var crashStages = []string{"facts", "void-rows", "voids", "course-names", "void-rows+repair"}

// testCrash crashes a write at stage on the engines that open returns (each
// call a new process's engine on the same database) and checks the repair.
//
// The answers are compared under params (all of analyticstest.ParamSets
// when none are given).
func testCrash(t *testing.T, stage string, open func() *clickhouse.Engine, params ...analytics.Params) {
	stage, repairCrashes := strings.CutSuffix(stage, "+repair")
	ps, _ := analytics.NewPseudonymizer(analyticstest.TestKey)
	d := analyticstest.NewDataset(5)
	// Find a batch that holds a void of an earlier statement, so
	// that every stage has something to leave half-done.
	crashAt := -1
	for i := len(d.Events) - 1; i >= 0; i-- {
		if strings.Contains(string(d.Events[i].Data), "expapi/verbs/voided") {
			crashAt = i
			break
		}
	}
	if crashAt < 10 {
		t.Fatal("dataset has no void to crash on")
	}
	first := open()
	analyticstest.Project(t, analyticsfacts.NewProjection(first, ps, d), d.Events[:crashAt-5], 100)
	p := analyticsfacts.NewProjection(first, ps, d)
	if _, err := p.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	first.CrashAfter(stage)
	batch := d.Events[crashAt-5 : crashAt+1]
	if err := p.Apply(context.Background(), batch, batch[len(batch)-1].Position); err == nil {
		t.Fatal("the simulated crash did not happen")
	}
	if repairCrashes {
		// A restart whose repair dies after deleting the half-written
		// rows: the months they touched are known only from the record
		// the repair wrote first.
		crashed := open()
		crashed.CrashAfter("repair-delete")
		if _, err := crashed.Checkpoint(context.Background()); err == nil {
			t.Fatal("the simulated crash of the repair did not happen")
		}
		if left, err := crashed.FactsAfter(context.Background(), d.Events[crashAt-6].Position.Commit); err != nil || left != 0 {
			t.Fatalf("%d facts past the checkpoint after the crashed repair (err %v): it did not get to delete them", left, err)
		}
	}
	// Restart: a new engine and projection resume from the
	// checkpoint, which must still be before the crashed batch.
	second := open()
	// Position (what status commands use) only reads: the
	// half-written facts are still there afterwards.
	pos, err := second.Position(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	left, err := second.FactsAfter(context.Background(), pos.Commit)
	if err != nil {
		t.Fatal(err)
	}
	if left == 0 && !repairCrashes {
		t.Fatalf("no fact past the checkpoint after a crash at %q: nothing to repair, the test proves nothing", stage)
	}
	cp, err := second.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cp != d.Events[crashAt-6].Position || pos != cp {
		t.Fatalf("checkpoint after the crash is %s (position %s), want %s", cp, pos, d.Events[crashAt-6].Position)
	}
	if left, err = second.FactsAfter(context.Background(), cp.Commit); err != nil || left != 0 {
		t.Fatalf("after Checkpoint's repair, %d facts past the checkpoint (err %v), want 0", left, err)
	}
	analyticstest.Project(t, analyticsfacts.NewProjection(second, ps, d), d.Events, 100)
	if len(params) == 0 {
		params = analyticstest.ParamSets
	}
	analyticstest.CheckParams(t, second, d, params...)
}

// TestCrashWhileAttributingAgain stops the batch that brings a late
// learner directory before the facts were attributed again ("voids"), or
// after (their months swapped in) but before the directory and the
// checkpoint were recorded ("reattribute"), as a crash would: the
// restarted projection repairs the batch, finds that the facts do not
// carry the latest directory and attributes them (again), and the answers
// are the hand-computed ones.
func TestCrashWhileAttributingAgain(t *testing.T) {
	for _, stage := range attributionCrashStages {
		t.Run(stage, func(t *testing.T) {
			srv := chtest.Shared(t)
			dsn := srv.DSN(srv.NewDatabase(t))
			crashWhileAttributingAgain(t, stage, func() *clickhouse.Engine {
				db, err := clickhouse.Open(context.Background(), dsn, clickhouse.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = db.Close() })
				return clickhouse.NewEngine(db, "analytics-clickhouse")
			})
		})
	}
}

var attributionCrashStages = []string{"voids", "reattribute"}

// crashWhileAttributingAgain crashes the late directory's batch at stage on
// the engines that open returns (each call a new process's engine on the
// same database).
func crashWhileAttributingAgain(t *testing.T, stage string, open func() *clickhouse.Engine) {
	ps, _ := analytics.NewPseudonymizer(analyticstest.TestKey)
	d := analyticstest.Fixture()
	k := slices.IndexFunc(d.Events, func(ev eventstore.RecordedEvent) bool { return ev.Type == reference.EventLearnersSet })
	first := open()
	p := analyticsfacts.NewProjection(first, ps, analyticstest.Log(d.Events[:k]))
	analyticstest.Project(t, p, d.Events[:k], 10)
	first.CrashAfter(stage)
	rest := d.Events[k:]
	if err := p.Apply(context.Background(), rest, rest[len(rest)-1].Position); err == nil {
		t.Fatal("the simulated crash did not happen")
	}
	second := open()
	analyticstest.Project(t, analyticsfacts.NewProjection(second, ps, d), d.Events, 10)
	learner := func(name string) string { return analyticstest.FixtureLearner(ps, name) }
	for _, x := range analyticstest.Expectations(learner) {
		got, err := second.Query(context.Background(), x.Query, x.Params)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Rows, x.Rows) {
			t.Errorf("%s %+v after the crash (%s):\n got %v\nwant %v", x.Query, x.Params, x.Why, got.Rows, x.Rows)
		}
	}
}
