package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/hocvu/hocvu/analytics"
)

// The pre-aggregates (migration 0007): agg_monthly counts statements per
// month, commune, group, verb, activity type and course; agg_learner_months
// holds per learner, month, commune, group and course what the distinct
// learner counts need. Write keeps both in the transaction of each batch,
// by the rules below (how a fact counts is said twice: in the SQL texts,
// and in Go by countNew and learnerCounts; the tests check that they
// agree):
//
//   - new facts are counted in Go (countNew) and their rows appended to
//     both tables;
//   - facts deleted by a void come back from the DELETE into agg_batch,
//     are counted out of agg_monthly (negative rows), and their learners'
//     agg_learner_months rows are counted again from the facts left;
//   - facts attributed again are counted out of agg_monthly before the
//     update and in after it, and their learners' rows counted again.
//
// So agg_monthly sums to the facts' counts, and agg_learner_months has
// only positive rows, whose sums per key are the facts' counts: a learner
// counts in a filter exactly when one of its rows there has statements > 0.
// Each batch adds rows; compactAggregates merges them when the tables have
// grown enough.

// monthlyRowsSQL adds to agg_monthly, times $sign, the rows of the facts in
// the table %s that match %s.
const monthlyRowsSQL = `INSERT INTO agg_monthly
SELECT year(date) * 100 + month(date), commune, target_group, verb, activity_type, course_id, count(*) * $sign
FROM %s
WHERE %s
GROUP BY ALL`

// learnerRowsSQL adds to agg_learner_months the rows of the facts in the
// table %s that match %s.
const learnerRowsSQL = `INSERT INTO agg_learner_months
SELECT year(date) * 100 + month(date), commune, target_group, course_id, actor_id,
    count(*) FILTER (WHERE verb <> $voided),
    count(*) FILTER (WHERE verb = $earned AND activity_type = $certificate),
    count(*) FILTER (WHERE verb = $launched OR verb = $initialized),
    count(*) FILTER (WHERE verb = $completed AND activity_type = $course_type),
    count(*) FILTER (WHERE verb = $passed)
FROM %s
WHERE actor_id <> 0 AND (%s)
GROUP BY ALL`

// aggArgs are the named parameters of the two texts above.
func aggArgs(sign int64) []any {
	return []any{
		sql.Named("sign", sign),
		sql.Named("voided", analytics.VerbVoided),
		sql.Named("earned", analytics.VerbEarned),
		sql.Named("certificate", analytics.TypeCertificate),
		sql.Named("launched", analytics.VerbLaunched),
		sql.Named("initialized", analytics.VerbInitialized),
		sql.Named("completed", analytics.VerbCompleted),
		sql.Named("course_type", analytics.TypeCourse),
		sql.Named("passed", analytics.VerbPassed),
	}
}

// aggregator tracks how many rows the aggregate tables hold, to compact
// them when they have grown by half since the last compaction. Its counts
// are estimates (a rolled-back batch still adds), which only moves the
// next compaction.
type aggregator struct {
	known      bool
	rows, base int64
	// minGrowth is the growth in rows below which the tables are not
	// compacted (compactMinGrowth; tests set -1: after every batch).
	minGrowth int64
}

const compactMinGrowth = 200_000

func (a *aggregator) added(n int64) { a.rows += n }

// exec runs one statement inside the Write transaction and counts the rows
// it inserted into the aggregates.
func (a *aggregator) exec(ctx context.Context, c *sql.Conn, what, query string, args ...any) error {
	res, err := c.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("duckdb: aggregates: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err == nil {
		a.added(n)
	}
	return nil
}

// countNew counts the batch's new facts into both tables. It counts in Go
// (saving a copy of the facts into agg_batch), by the rules of
// monthlyRowsSQL and learnerRowsSQL; TestAggregatesFollowTheFacts checks
// after every batch that the two agree.
func (a *aggregator) countNew(ctx context.Context, c *sql.Conn, facts []analytics.Fact) error {
	type monthlyKey struct {
		month                                      int32
		commune, group, verb, activityType, course string
	}
	type learnerKey struct {
		month                  int32
		commune, group, course string
		actor                  uint64
	}
	monthly := map[monthlyKey]int64{}
	learners := map[learnerKey]*[5]int64{}
	var learnerOrder []learnerKey
	var monthlyOrder []monthlyKey
	for i := range facts {
		f := &facts[i]
		month := int32(f.Date.Year()*100 + int(f.Date.Month()))
		mk := monthlyKey{month, f.Commune, f.TargetGroup, f.Verb, f.ActivityType, f.CourseID}
		if _, ok := monthly[mk]; !ok {
			monthlyOrder = append(monthlyOrder, mk)
		}
		monthly[mk]++
		if f.ActorID == 0 {
			continue
		}
		lk := learnerKey{month, f.Commune, f.TargetGroup, f.CourseID, f.ActorID}
		r, ok := learners[lk]
		if !ok {
			r = new([5]int64)
			learners[lk] = r
			learnerOrder = append(learnerOrder, lk)
		}
		for j, counts := range learnerCounts(f.Verb, f.ActivityType) {
			if counts {
				r[j]++
			}
		}
	}
	if err := appendRows(ctx, c, "agg_monthly", len(monthlyOrder), func(i int) []driver.Value {
		k := monthlyOrder[i]
		return []driver.Value{k.month, k.commune, k.group, k.verb, k.activityType, k.course, monthly[k]}
	}); err != nil {
		return err
	}
	if err := appendRows(ctx, c, "agg_learner_months", len(learnerOrder), func(i int) []driver.Value {
		k := learnerOrder[i]
		r := learners[k]
		return []driver.Value{k.month, k.commune, k.group, k.course, k.actor, r[0], r[1], r[2], r[3], r[4]}
	}); err != nil {
		return err
	}
	a.added(int64(len(monthlyOrder) + len(learnerOrder)))
	return nil
}

// learnerCounts says which of agg_learner_months' counts (statements,
// certificates, starts, course completions, passes) a statement adds to,
// as learnerRowsSQL does.
func learnerCounts(verb, activityType string) [5]bool {
	return [5]bool{
		verb != analytics.VerbVoided,
		verb == analytics.VerbEarned && activityType == analytics.TypeCertificate,
		verb == analytics.VerbLaunched || verb == analytics.VerbInitialized,
		verb == analytics.VerbCompleted && activityType == analytics.TypeCourse,
		verb == analytics.VerbPassed,
	}
}

// countOut copies the facts matching pred (over statements) into agg_batch
// and counts them out of agg_monthly, before the caller deletes or changes
// them; recountLearners then finishes.
func (a *aggregator) countOut(ctx context.Context, c *sql.Conn, pred string) error {
	if _, err := c.ExecContext(ctx, `INSERT INTO agg_batch
SELECT date, commune, target_group, verb, activity_type, course_id, actor_id FROM statements WHERE `+pred); err != nil {
		return fmt.Errorf("duckdb: aggregates: copy facts out: %w", err)
	}
	return a.exec(ctx, c, "count facts out", fmt.Sprintf(monthlyRowsSQL, "agg_batch", "true"), aggArgs(-1)...)
}

// deleteCountingOut deletes the facts matching pred (over statements) and
// counts them out of agg_monthly: DELETE … RETURNING hands back the columns
// the aggregates need (one scan of statements, which a void can only
// search by statement_id), they go into agg_batch, and recountLearners
// then finishes (needless when it returns 0: no fact was deleted). The
// facts returned are at most those the batch voids.
func (a *aggregator) deleteCountingOut(ctx context.Context, c *sql.Conn, pred string, args ...any) (int, error) {
	rows, err := c.QueryContext(ctx, `DELETE FROM statements WHERE `+pred+`
RETURNING date, commune, target_group, verb, activity_type, course_id, actor_id`, args...)
	if err != nil {
		return 0, fmt.Errorf("duckdb: delete facts: %w", err)
	}
	var gone [][]driver.Value
	for rows.Next() {
		var date any
		var commune, group, verb, activityType, course string
		var actor uint64
		if err := rows.Scan(&date, &commune, &group, &verb, &activityType, &course, &actor); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("duckdb: delete facts: %w", err)
		}
		gone = append(gone, []driver.Value{date, commune, group, verb, activityType, course, actor})
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("duckdb: delete facts: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("duckdb: delete facts: %w", err)
	}
	if len(gone) == 0 {
		return 0, nil
	}
	if err := appendRows(ctx, c, "agg_batch", len(gone), func(i int) []driver.Value { return gone[i] }); err != nil {
		return 0, err
	}
	return len(gone), a.exec(ctx, c, "count facts out", fmt.Sprintf(monthlyRowsSQL, "agg_batch", "true"), aggArgs(-1)...)
}

// countIn counts the facts matching pred (over statements) into
// agg_monthly, after the caller changed them.
func (a *aggregator) countIn(ctx context.Context, c *sql.Conn, pred string, args ...any) error {
	return a.exec(ctx, c, "count facts in", fmt.Sprintf(monthlyRowsSQL, "statements", pred), append(aggArgs(1), args...)...)
}

// recountLearners replaces the agg_learner_months rows of the learners in
// agg_batch by rows counted from their facts now, and empties agg_batch.
func (a *aggregator) recountLearners(ctx context.Context, c *sql.Conn) error {
	const touched = "actor_id IN (SELECT actor_id FROM agg_batch)"
	if _, err := c.ExecContext(ctx, "DELETE FROM agg_learner_months WHERE "+touched); err != nil {
		return fmt.Errorf("duckdb: aggregates: drop learners' rows: %w", err)
	}
	if err := a.exec(ctx, c, "count learners again", fmt.Sprintf(learnerRowsSQL, "statements", touched), aggArgs(1)...); err != nil {
		return err
	}
	return emptyBatch(ctx, c)
}

func emptyBatch(ctx context.Context, c *sql.Conn) error {
	if _, err := c.ExecContext(ctx, "DELETE FROM agg_batch"); err != nil {
		return fmt.Errorf("duckdb: aggregates: empty agg_batch: %w", err)
	}
	return nil
}

// maybeCompact merges the rows of each aggregate key once the tables have
// grown by half (and by compactMinGrowth) since the last compaction, so
// that the queries read about one row per key; amortised, each row is
// merged a bounded number of times.
func (a *aggregator) maybeCompact(ctx context.Context, c *sql.Conn) error {
	if !a.known {
		n, err := aggRows(ctx, c)
		if err != nil {
			return err
		}
		a.known, a.rows, a.base = true, n, n
	}
	if a.minGrowth >= 0 && a.rows-a.base < max(a.minGrowth, a.base/2) {
		return nil
	}
	if err := compactAggregates(ctx, c); err != nil {
		return err
	}
	n, err := aggRows(ctx, c)
	if err != nil {
		return err
	}
	a.rows, a.base = n, n
	return nil
}

func aggRows(ctx context.Context, c *sql.Conn) (int64, error) {
	var n int64
	if err := c.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM agg_monthly) + (SELECT count(*) FROM agg_learner_months)`).Scan(&n); err != nil {
		return 0, fmt.Errorf("duckdb: aggregates: count rows: %w", err)
	}
	return n, nil
}

// compactAggregates replaces each table by its sums per key, dropping the
// keys that sum to nothing.
func compactAggregates(ctx context.Context, c *sql.Conn) error {
	for _, q := range []string{
		`CREATE TEMP TABLE agg_compacted AS
SELECT month, commune, target_group, verb, activity_type, course_id, sum(statements)::BIGINT AS statements
FROM agg_monthly GROUP BY ALL HAVING sum(statements) <> 0`,
		`DELETE FROM agg_monthly`,
		`INSERT INTO agg_monthly SELECT * FROM agg_compacted`,
		`DROP TABLE agg_compacted`,
		`CREATE TEMP TABLE agg_compacted AS
SELECT month, commune, target_group, course_id, actor_id, sum(statements)::BIGINT AS statements,
    sum(certificates)::BIGINT AS certificates, sum(starts)::BIGINT AS starts,
    sum(course_completions)::BIGINT AS course_completions, sum(passes)::BIGINT AS passes
FROM agg_learner_months GROUP BY ALL
HAVING sum(statements) + sum(certificates) + sum(starts) + sum(course_completions) + sum(passes) > 0`,
		`DELETE FROM agg_learner_months`,
		`INSERT INTO agg_learner_months SELECT * FROM agg_compacted`,
		`DROP TABLE agg_compacted`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: aggregates: compact: %w", err)
		}
	}
	return nil
}

// fillPending counts every fact into the aggregates when migration 0007
// asked for it (a file written before it), in one transaction with
// clearing the request.
func (e *Engine) fillPending(ctx context.Context) error {
	var n int64
	if err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM agg_fill_pending`).Scan(&n); err != nil {
		return fmt.Errorf("duckdb: aggregates: %w", err)
	}
	if n == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inTx(ctx, func(c *sql.Conn) error {
		for _, q := range []string{`DELETE FROM agg_monthly`, `DELETE FROM agg_learner_months`, `DELETE FROM agg_fill_pending`} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("duckdb: aggregates: fill: %w", err)
			}
		}
		if err := e.agg.exec(ctx, c, "fill", fmt.Sprintf(monthlyRowsSQL, "statements", "true"), aggArgs(1)...); err != nil {
			return err
		}
		return e.agg.exec(ctx, c, "fill learners", fmt.Sprintf(learnerRowsSQL, "statements", "true"), aggArgs(1)...)
	})
}
