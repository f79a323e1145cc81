package clickhouse

import (
	"context"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// TestMigration7FillsFromExistingFacts replays the upgrade to migration 7
// on a database that already holds facts: its new tables start empty, the
// migration fills them from statements_valid (voided statements left out),
// and every named query then matches the reference. Running it again adds
// nothing.
func TestMigration7FillsFromExistingFacts(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := NewEngine(db, "analytics-clickhouse")
	ps, err := analytics.NewPseudonymizer(analyticstest.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	d := analyticstest.NewDataset(11)
	analyticstest.Project(t, analyticsfacts.NewProjection(e, ps, d), d.Events, 50)

	count := func(table string) uint64 {
		var n uint64
		if err := db.conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	forget7 := func() {
		if err := db.conn.Exec(ctx, "ALTER TABLE schema_migrations DELETE WHERE version = 7"); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			var n uint64
			if err := db.conn.QueryRow(ctx, "SELECT count() FROM schema_migrations WHERE version = 7").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("migration 7 still recorded after a minute")
			}
		}
	}
	if monthly, learners := count("agg_monthly"), count("agg_learner_months"); monthly == 0 || learners == 0 {
		t.Fatalf("the projection left agg_monthly with %d rows and agg_learner_months with %d", monthly, learners)
	}

	// As before the upgrade: the new tables exist but are empty.
	for _, table := range []string{"agg_monthly", "agg_learner_months"} {
		if err := db.conn.Exec(ctx, "TRUNCATE TABLE "+table); err != nil {
			t.Fatal(err)
		}
	}
	forget7()
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 1 {
		t.Fatalf("upgrade applied %v, %v; want migration 7 alone", applied, err)
	}
	if count("agg_monthly") == 0 || count("agg_learner_months") == 0 {
		t.Fatal("migration 7 did not fill its tables from the facts")
	}
	analyticstest.CheckAll(t, e, d)

	// Running it again (a run that died before recording it) adds nothing.
	// Sums, not row counts: background merges may fold rows meanwhile.
	sums := func() [2]uint64 {
		var out [2]uint64
		if err := db.conn.QueryRow(ctx, "SELECT sum(statements) FROM agg_monthly").Scan(&out[0]); err != nil {
			t.Fatal(err)
		}
		if err := db.conn.QueryRow(ctx, "SELECT sum(statements + certificates + starts + course_completions + passes) FROM agg_learner_months").Scan(&out[1]); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := sums()
	forget7()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if after := sums(); after != before {
		t.Fatalf("running migration 7 again changed the sums from %v to %v", before, after)
	}
	analyticstest.CheckAll(t, e, d)
}
