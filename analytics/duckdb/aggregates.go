package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"strings"

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
//     update and in after it, and their learners' rows counted again;
//   - counting learners again, filling and compacting group their rows in
//     parts small enough for the default memory_limit (64 MiB).
//
// So agg_monthly sums to the facts' counts, and agg_learner_months has
// only positive rows, whose sums per key are the facts' counts: a learner
// counts in a filter exactly when one of its rows there has statements > 0.
// Each batch adds rows; maybeCompact merges them when the tables have grown
// enough.

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
	// recountParts, when set, is the number of parts recountLearners
	// uses whatever the number of learners (tests).
	recountParts int64
}

const compactMinGrowth = 200_000

// learnerParts is how many parts (by actor_id) a month of learner rows is
// grouped in, when filled or compacted: grouping a busy month of a 20M
// store at once needs more than DuckDB's memory_limit of the default
// budget (64 MiB), and DuckDB then fails the statement.
const learnerParts = 16

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

// countOut counts the facts matching pred (over statements) out of
// agg_monthly, before the caller changes them. (Grouped by agg_monthly's
// keys, which are few, however many facts match.)
func (a *aggregator) countOut(ctx context.Context, c *sql.Conn, pred string) error {
	return a.exec(ctx, c, "count facts out", fmt.Sprintf(monthlyRowsSQL, "statements", pred), aggArgs(-1)...)
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
func (a *aggregator) countIn(ctx context.Context, c *sql.Conn, pred string) error {
	return a.exec(ctx, c, "count facts in", fmt.Sprintf(monthlyRowsSQL, "statements", pred), aggArgs(1)...)
}

// recountLearners replaces the agg_learner_months rows of the learners
// whose actor_id the query actors returns by rows counted from their facts
// now. Many learners (a directory change may move thousands) are counted
// in parts of about recountPart learners: grouping them all at once could
// need more than DuckDB's memory_limit, and a batch that always fails
// would stop the projection.
func (a *aggregator) recountLearners(ctx context.Context, c *sql.Conn, actors string) error {
	touched := "actor_id IN (" + actors + ")"
	var n int64
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM ("+actors+")").Scan(&n); err != nil {
		return fmt.Errorf("duckdb: aggregates: count learners: %w", err)
	}
	if n == 0 {
		return nil
	}
	if _, err := c.ExecContext(ctx, "DELETE FROM agg_learner_months WHERE "+touched); err != nil {
		return fmt.Errorf("duckdb: aggregates: drop learners' rows: %w", err)
	}
	parts := (n + recountPart - 1) / recountPart
	if a.recountParts > 0 {
		parts = a.recountParts
	}
	for part := range parts {
		pred := touched
		if parts > 1 {
			pred += fmt.Sprintf(" AND actor_id %% %d = %d", parts, part)
		}
		if err := a.exec(ctx, c, "count learners again", fmt.Sprintf(learnerRowsSQL, "statements", pred), aggArgs(1)...); err != nil {
			return err
		}
	}
	return nil
}

// recountPart is about how many learners recountLearners counts at once.
const recountPart = 20_000

func emptyBatch(ctx context.Context, c *sql.Conn) error {
	if _, err := c.ExecContext(ctx, "DELETE FROM agg_batch"); err != nil {
		return fmt.Errorf("duckdb: aggregates: empty agg_batch: %w", err)
	}
	return nil
}

// maybeCompact merges the rows of each aggregate key once the tables have
// grown by half (and by minGrowth) since the last compaction, so that the
// queries read about one row per key; amortised, each row is merged a
// bounded number of times. It runs after a batch has committed, in
// transactions of its own, each merging one month (and, for the learner
// rows, one part of it): merging does not change what the rows sum to, so
// queries between two of them read the same answers, and a failure costs
// only speed. A failure is logged, and the next attempt waits for the
// tables to grow by half again.
func (e *Engine) maybeCompact(ctx context.Context) {
	a := &e.agg
	if !a.known {
		n, err := aggRows(ctx, e.db)
		if err != nil {
			slog.WarnContext(ctx, "duckdb: counting the aggregate rows failed", "err", err)
			return
		}
		a.known, a.rows, a.base = true, n, n
	}
	if a.minGrowth >= 0 && a.rows-a.base < max(a.minGrowth, a.base/2) {
		return
	}
	err := e.compactAggregates(ctx)
	n, cerr := aggRows(ctx, e.db)
	if cerr != nil {
		n = a.rows
	}
	a.rows, a.base = n, n
	if err != nil {
		slog.WarnContext(ctx, "duckdb: compacting the aggregates failed; they still answer exactly, only slower, and compaction is tried again once they have grown by half", "err", err)
	}
}

// rowQuerier is a *sql.DB or a *sql.Conn.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func aggRows(ctx context.Context, q rowQuerier) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM agg_monthly) + (SELECT count(*) FROM agg_learner_months)`).Scan(&n); err != nil {
		return 0, fmt.Errorf("duckdb: aggregates: count rows: %w", err)
	}
	return n, nil
}

// compactAggregates replaces the rows of each month (and each part of a
// month's learner rows) by their sums per key, dropping the keys that sum
// to nothing, a transaction each.
func (e *Engine) compactAggregates(ctx context.Context) error {
	var months []int64
	rows, err := e.db.QueryContext(ctx, `SELECT month FROM agg_monthly UNION SELECT month FROM agg_learner_months ORDER BY month`)
	if err != nil {
		return fmt.Errorf("duckdb: aggregates: compact: %w", err)
	}
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			_ = rows.Close()
			return fmt.Errorf("duckdb: aggregates: compact: %w", err)
		}
		months = append(months, m)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("duckdb: aggregates: compact: %w", err)
	}
	for _, m := range months {
		month := fmt.Sprintf("month = %d", m)
		if err := e.compactWhere(ctx, monthlyCompaction, month); err != nil {
			return err
		}
		for part := range learnerParts {
			if err := e.compactWhere(ctx, learnerCompaction, fmt.Sprintf("%s AND actor_id %% %d = %d", month, learnerParts, part)); err != nil {
				return err
			}
		}
	}
	return nil
}

// monthlyCompaction and learnerCompaction merge the rows matching %s (the
// same condition thrice) of one table.
var (
	monthlyCompaction = []string{
		`CREATE TEMP TABLE agg_compacted AS
SELECT month, commune, target_group, verb, activity_type, course_id, sum(statements)::BIGINT AS statements
FROM agg_monthly WHERE %[1]s GROUP BY ALL HAVING sum(statements) <> 0`,
		`DELETE FROM agg_monthly WHERE %[1]s`,
		`INSERT INTO agg_monthly SELECT * FROM agg_compacted`,
		`DROP TABLE agg_compacted`,
	}
	learnerCompaction = []string{
		`CREATE TEMP TABLE agg_compacted AS
SELECT month, commune, target_group, course_id, actor_id, sum(statements)::BIGINT AS statements,
    sum(certificates)::BIGINT AS certificates, sum(starts)::BIGINT AS starts,
    sum(course_completions)::BIGINT AS course_completions, sum(passes)::BIGINT AS passes
FROM agg_learner_months WHERE %[1]s GROUP BY ALL
HAVING sum(statements) + sum(certificates) + sum(starts) + sum(course_completions) + sum(passes) > 0`,
		`DELETE FROM agg_learner_months WHERE %[1]s`,
		`INSERT INTO agg_learner_months SELECT * FROM agg_compacted`,
		`DROP TABLE agg_compacted`,
	}
)

func (e *Engine) compactWhere(ctx context.Context, steps []string, cond string) error {
	return e.inTx(ctx, func(c *sql.Conn) error {
		for _, q := range steps {
			if strings.Contains(q, "%[1]s") {
				q = fmt.Sprintf(q, cond)
			}
			if _, err := c.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("duckdb: aggregates: compact %s: %w", cond, err)
			}
		}
		return nil
	})
}

// fillPending counts every fact into the aggregates when migration 0007
// asked for it (a file written before it). It empties both tables, fills
// them a month of facts per transaction (one transaction for a whole store
// would hold all its aggregate rows in memory, beyond DuckDB's
// memory_limit), and clears the request last: a crash half-way leaves the
// request, and the next Open starts again from empty tables.
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
	var months []int64
	if err := e.inTx(ctx, func(c *sql.Conn) error {
		for _, q := range []string{`DELETE FROM agg_monthly`, `DELETE FROM agg_learner_months`} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("duckdb: aggregates: fill: %w", err)
			}
		}
		var err error
		months, err = factMonths(ctx, c)
		return err
	}); err != nil {
		return err
	}
	for _, m := range months {
		month := fmt.Sprintf("year(date) * 100 + month(date) = %d", m)
		if err := e.inTx(ctx, func(c *sql.Conn) error {
			return e.agg.exec(ctx, c, fmt.Sprintf("fill %d", m), fmt.Sprintf(monthlyRowsSQL, "statements", month), aggArgs(1)...)
		}); err != nil {
			return err
		}
		for part := range learnerParts {
			part := fmt.Sprintf("%s AND actor_id %% %d = %d", month, learnerParts, part)
			if err := e.inTx(ctx, func(c *sql.Conn) error {
				return e.agg.exec(ctx, c, fmt.Sprintf("fill learners %d", m), fmt.Sprintf(learnerRowsSQL, "statements", part), aggArgs(1)...)
			}); err != nil {
				return err
			}
		}
	}
	return e.inTx(ctx, func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, `DELETE FROM agg_fill_pending`); err != nil {
			return fmt.Errorf("duckdb: aggregates: fill: %w", err)
		}
		return nil
	})
}

// factMonths lists the months (YYYYMM) that facts fall in.
func factMonths(ctx context.Context, c *sql.Conn) ([]int64, error) {
	rows, err := c.QueryContext(ctx, `SELECT DISTINCT year(date) * 100 + month(date) AS m FROM statements ORDER BY m`)
	if err != nil {
		return nil, fmt.Errorf("duckdb: aggregates: months: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("duckdb: aggregates: months: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
