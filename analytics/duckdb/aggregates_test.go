package duckdb_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/duckdb"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// The contract suite again, with the aggregates compacted after every
// batch and learners counted again in parts: merged rows answer as the
// rows of each batch do.
func TestEngineContractCompacting(t *testing.T) {
	analyticstest.Run(t, analyticstest.Harness{New: func(t testing.TB) analytics.Engine {
		e := openEngine(t, "")
		e.CompactAlways()
		e.RecountInParts()
		return e
	}})
}

// aggregateSums returns each aggregate table summed per key (keys summing
// to nothing left out), as sorted text rows.
func aggregateSums(tb testing.TB, e *duckdb.Engine, monthly, learners string) [2][]string {
	tb.Helper()
	var out [2][]string
	for i, q := range []string{
		`SELECT concat_ws('|', month, commune, target_group, verb, activity_type, course_id, s) FROM (
SELECT month, commune, target_group, verb, activity_type, course_id, sum(statements) AS s FROM ` + monthly + ` GROUP BY ALL HAVING sum(statements) <> 0) ORDER BY 1`,
		`SELECT concat_ws('|', month, commune, target_group, course_id, actor_id, s, c, st, cc, p) FROM (
SELECT month, commune, target_group, course_id, actor_id, sum(statements) AS s, sum(certificates) AS c, sum(starts) AS st,
    sum(course_completions) AS cc, sum(passes) AS p FROM ` + learners + ` GROUP BY ALL
HAVING sum(statements) + sum(certificates) + sum(starts) + sum(course_completions) + sum(passes) > 0) ORDER BY 1`,
	} {
		rows, err := duckdb.DB(e).QueryContext(ctx(tb), q)
		if err != nil {
			tb.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				tb.Fatal(err)
			}
			out[i] = append(out[i], s)
		}
		if err := rows.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// recounted counts both aggregates afresh from the facts, into
// recount_monthly and recount_learner_months.
func recounted(tb testing.TB, e *duckdb.Engine) [2][]string {
	tb.Helper()
	db := duckdb.DB(e)
	for i, table := range []string{"recount_monthly", "recount_learner_months"} {
		like := []string{"agg_monthly", "agg_learner_months"}[i]
		if _, err := db.ExecContext(ctx(tb), fmt.Sprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM %s LIMIT 0", table, like)); err != nil {
			tb.Fatal(err)
		}
		q := fmt.Sprintf(duckdb.RecountSQL[i], "statements", "true")
		q = "INSERT INTO " + table + q[len("INSERT INTO "+like):]
		if _, err := db.ExecContext(ctx(tb), q, duckdb.AggArgs()...); err != nil {
			tb.Fatal(err)
		}
	}
	return aggregateSums(tb, e, "recount_monthly", "recount_learner_months")
}

// After every batch of a dataset with voids (before and after their
// targets) and a learner directory that changes half-way, the aggregates
// sum to what counting the facts afresh gives, and every agg_learner_months
// row is positive.
func TestAggregatesFollowTheFacts(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			e := openEngine(t, "")
			defer e.Close()
			if compact {
				e.CompactAlways()
				e.RecountInParts()
			}
			d := analyticstest.NewDataset(11)
			p := analyticsfacts.NewProjection(e, pseudonymizer(t), d)
			step := 25
			if compact { // compacting after every batch costs a transaction per month and part
				step = 150
			}
			for n := step; ; n += step {
				n = min(n, len(d.Events))
				analyticstest.Project(t, p, d.Events[:n], step)
				if got, want := aggregateSums(t, e, "agg_monthly", "agg_learner_months"), recounted(t, e); !reflect.DeepEqual(got, want) {
					t.Fatalf("after %d events the aggregates differ from the facts: %s", n, firstDifference(got, want))
				}
				var negative int64
				if err := duckdb.DB(e).QueryRowContext(ctx(t), `SELECT count(*) FROM agg_learner_months
WHERE statements < 0 OR certificates < 0 OR starts < 0 OR course_completions < 0 OR passes < 0`).Scan(&negative); err != nil {
					t.Fatal(err)
				}
				if negative > 0 {
					t.Fatalf("after %d events: %d negative agg_learner_months rows", n, negative)
				}
				if compact { // compacted after every batch: one row per key
					for _, q := range []string{
						`SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT month, commune, target_group, verb, activity_type, course_id FROM agg_monthly)) FROM agg_monthly`,
						`SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT month, commune, target_group, course_id, actor_id FROM agg_learner_months)) FROM agg_learner_months`,
					} {
						var extra int64
						if err := duckdb.DB(e).QueryRowContext(ctx(t), q).Scan(&extra); err != nil {
							t.Fatal(err)
						}
						if extra != 0 {
							t.Fatalf("after %d events, compacted: %d rows more than keys (%s)", n, extra, q)
						}
					}
				}
				if n == len(d.Events) {
					break
				}
			}
			analyticstest.CheckAll(t, e, d)
		})
	}
}

// A learner directory that arrives after the learner's statements, then
// moves the learner, then drops them: the facts are attributed again each
// time, and the aggregates follow.
func TestAggregatesFollowDirectoryChanges(t *testing.T) {
	e := openEngine(t, "")
	defer e.Close()
	e.RecountInParts()
	d := analyticstest.Fixture()
	ps := pseudonymizer(t)
	check := func(when string) {
		t.Helper()
		if got, want := aggregateSums(t, e, "agg_monthly", "agg_learner_months"), recounted(t, e); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the aggregates differ from the facts: %s", when, firstDifference(got, want))
		}
	}
	k := slices.IndexFunc(d.Events, func(ev eventstore.RecordedEvent) bool { return ev.Type == reference.EventLearnersSet })
	if k < 0 {
		t.Fatal("the fixture has no learner directory")
	}
	p := analyticsfacts.NewProjection(e, ps, analyticstest.Log(d.Events[:k]))
	analyticstest.Project(t, p, d.Events[:k], 5)
	check("before the directory")
	analyticstest.Project(t, p, d.Events, 4)
	check("after the directory")
	const home = "https://fx.example" // the fixture's account home page
	d.Load(&reference.Data{Learners: []reference.Learner{{HomePage: home, Name: "late", Commune: "21172", Group: "student"}}})
	analyticstest.Project(t, p, d.Events, 4)
	check("after the learner moved")
	d.Load(&reference.Data{Learners: []reference.Learner{{HomePage: home, Name: "someone-else", Commune: "21178", Group: "citizen"}}})
	analyticstest.Project(t, p, d.Events, 4)
	check("after the learner left the directory")
}

// A file written before migration 0007 (facts, no aggregates, the fill
// request of the migration) gets its aggregates when opened, and answers
// as before.
func TestAggregatesFilledOnUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "analytics.duckdb")
	d := analyticstest.NewDataset(12)
	e := openEngine(t, path)
	analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 100)
	want := aggregateSums(t, e, "agg_monthly", "agg_learner_months")
	for _, q := range []string{`DELETE FROM agg_monthly`, `DELETE FROM agg_learner_months`, `INSERT INTO agg_fill_pending VALUES (true)`} {
		if _, err := duckdb.DB(e).ExecContext(ctx(t), q); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openEngine(t, path)
	defer e.Close()
	if got := aggregateSums(t, e, "agg_monthly", "agg_learner_months"); !reflect.DeepEqual(got, want) {
		t.Fatalf("filled on open: %s", firstDifference(got, want))
	}
	var pending int64
	if err := duckdb.DB(e).QueryRowContext(ctx(t), `SELECT count(*) FROM agg_fill_pending`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Fatalf("%d fill requests left", pending)
	}
	analyticstest.CheckAll(t, e, d)
}

// firstDifference describes where two aggregateSums results part.
func firstDifference(got, want [2][]string) string {
	for t := range got {
		for i := range max(len(got[t]), len(want[t])) {
			var g, w string
			if i < len(got[t]) {
				g = got[t][i]
			}
			if i < len(want[t]) {
				w = want[t][i]
			}
			if g != w {
				return fmt.Sprintf("%s row %d (of %d, want %d): %q, want %q",
					[]string{"agg_monthly", "agg_learner_months"}[t], i, len(got[t]), len(want[t]), g, w)
			}
		}
	}
	return "none"
}
