package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/eventstore"
)

var _ analytics.Engine = (*Engine)(nil)

// Engine is the ClickHouse analytics engine: the sink of the analytics
// projection and the named queries.
//
// Exactly once without transactions: a batch is written as (1) one insert
// of its facts into statements (materialized views feed the aggregate
// tables), (2) its voids and the rebuild of the aggregate partitions they
// touch, (3) one checkpoint row. A crash can leave (1) or (2) without (3).
// Checkpoint therefore repairs before it answers: rows past the last
// checkpoint are deleted (a mutation, waited for) and the aggregate
// partitions they touched are rebuilt from statements_valid, so the batch
// can be written again from scratch. A batch that changes the learner
// directory also attributes facts again (attribution.go) before its
// checkpoint; that step, too, can run again with the same result.
//
// On a cluster (Options.Cluster, the layout of cluster/0001_cluster.sql)
// the same statements act on the local tables ON CLUSTER: see [layout].
type Engine struct {
	db         *DB
	projection string
	layout     layout
	// crashAfter makes Write (or the repair) stop after a stage ("facts",
	// "voids", "repair-delete"), as a crash would; set only by tests.
	crashAfter string

	checkMu sync.Mutex
	checked bool // the tables match the layout
}

// errCrash is what Write returns when a test makes it stop early.
var errCrash = fmt.Errorf("clickhouse: simulated crash")

// NewEngine uses db (migrated) for the projection named projection, in the
// layout that db's Options.Cluster names.
func NewEngine(db *DB, projection string) *Engine {
	return &Engine{db: db, projection: projection, layout: layout{cluster: db.opts.Cluster}}
}

// checkpointTable holds one row per written batch; a projection's
// checkpoint is its greatest position (migration 8).
const checkpointTable = "analytics_checkpoints"

// begin checks, once, that the tables are laid out as the engine expects,
// and returns the context to run the engine's statements with.
func (e *Engine) begin(ctx context.Context) (context.Context, error) {
	e.checkMu.Lock()
	defer e.checkMu.Unlock()
	if !e.checked {
		var engine string
		err := e.db.conn.QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'statements'").Scan(&engine)
		if err != nil {
			return ctx, fmt.Errorf("clickhouse: look at the table statements (is the database migrated?): %w", err)
		}
		if err := e.layout.check(engine); err != nil {
			return ctx, err
		}
		e.checked = true
	}
	return e.layout.context(ctx), nil
}

// Engine implements analytics.Sink.
func (e *Engine) Engine() string { return "clickhouse" }

// Close closes the connection.
func (e *Engine) Close() error { return e.db.Close() }

// aggregates are the tables fed by materialized views from statements,
// with the SELECT that rebuilds one month of each from statements_valid.
// Each must stay identical to its view in migrations/.
var aggregates = []struct{ table, rebuild string }{
	{"agg_daily", `INSERT INTO agg_daily (date, commune, target_group, verb, activity_type, course_id, object_id, statements, successes, completions, duration_seconds)
SELECT date, commune, target_group, verb, activity_type, course_id, object_id,
    count() AS statements,
    countIf(result_success = 1) AS successes,
    countIf(result_completion = 1) AS completions,
    sum(if(duration_seconds > 0, duration_seconds, 0)) AS duration_seconds
FROM statements_valid WHERE toYYYYMM(date) = ?
GROUP BY date, commune, target_group, verb, activity_type, course_id, object_id`},
	{"agg_monthly", `INSERT INTO agg_monthly (month, commune, target_group, verb, activity_type, course_id, statements)
SELECT toYYYYMM(date) AS month, commune, target_group, verb, activity_type, course_id,
    count() AS statements
FROM statements_valid WHERE toYYYYMM(date) = ?
GROUP BY month, commune, target_group, verb, activity_type, course_id`},
	{"agg_learner_months", `INSERT INTO agg_learner_months (month, commune, target_group, course_id, actor_id, statements, certificates, starts, course_completions, passes)
SELECT toYYYYMM(date) AS month, commune, target_group, course_id, actor_id,
    countIf(` + notVoiding + `) AS statements,
    countIf(` + isCertificate + `) AS certificates,
    countIf(` + isStart + `) AS starts,
    countIf(` + isCourseDone + `) AS course_completions,
    countIf(` + isPass + `) AS passes
FROM statements_valid WHERE toYYYYMM(date) = ? AND actor_id != 0
GROUP BY month, commune, target_group, course_id, actor_id`},
}

// Checkpoint implements analytics.Sink, repairing a half-written batch.
func (e *Engine) Checkpoint(ctx context.Context) (eventstore.Position, error) {
	ctx, err := e.begin(ctx)
	if err != nil {
		return eventstore.Position{}, err
	}
	cp, err := e.Position(ctx)
	if err != nil {
		return cp, err
	}
	if err := e.repair(ctx, cp.Commit); err != nil {
		return cp, err
	}
	return cp, nil
}

// Position implements analytics.Sink: the stored checkpoint, read only.
func (e *Engine) Position(ctx context.Context) (eventstore.Position, error) {
	var n uint64
	var commit, prepare uint64
	row := e.db.conn.QueryRow(ctx, "SELECT count(), max(commit_position), argMax(prepare_position, commit_position) FROM "+checkpointTable+" WHERE projection_name = ?", e.projection)
	if err := row.Scan(&n, &commit, &prepare); err != nil {
		return eventstore.Position{}, fmt.Errorf("clickhouse: read checkpoint: %w", err)
	}
	cp := eventstore.Position{}
	if n > 0 {
		cp = eventstore.Position{Commit: commit, Prepare: prepare}
	}
	return cp, nil
}

// repair removes what was written after the checkpoint at commit.
func (e *Engine) repair(ctx context.Context, commit uint64) error {
	// A writer killed in the middle of an insert may leave the server
	// finishing it; wait for such inserts before looking.
	if err := e.waitInserts(ctx); err != nil {
		return err
	}
	pending, err := e.pendingRepairs(ctx)
	if err != nil {
		return err
	}
	var facts uint64
	var months []uint32
	row := e.db.conn.QueryRow(ctx, "SELECT count(), groupUniqArray(toYYYYMM(date)) FROM statements WHERE event_position > ?", commit)
	if err := row.Scan(&facts, &months); err != nil {
		return fmt.Errorf("clickhouse: look for a half-written batch: %w", err)
	}
	var voids uint64
	var targets []string
	row = e.db.conn.QueryRow(ctx, "SELECT count(), groupUniqArray(statement_id) FROM voided_statements WHERE event_position > ?", commit)
	if err := row.Scan(&voids, &targets); err != nil {
		return fmt.Errorf("clickhouse: look for half-written voids: %w", err)
	}
	if facts == 0 && voids == 0 && len(pending) == 0 {
		return nil
	}
	e.db.log.Warn("clickhouse: repairing a batch written after the last checkpoint", "facts", facts, "voids", voids, "checkpoint", commit, "unfinished_repair_months", len(pending))
	voidMonths, err := e.monthsOf(ctx, targets)
	if err != nil {
		return err
	}
	months = append(append(months, voidMonths...), pending...)
	// Once the rows are deleted nothing says which months they touched:
	// write the months down first, so that a crash from here on leaves
	// them to the next repair.
	if err := e.recordRepairs(ctx, months); err != nil {
		return err
	}
	for _, table := range []string{"statements", "voided_statements", "course_names"} {
		if err := e.db.conn.Exec(ctx, e.layout.deletePast(table), commit); err != nil {
			return fmt.Errorf("clickhouse: delete from %s past the checkpoint: %w", table, err)
		}
		if err := e.waitGone(ctx, table, commit); err != nil {
			return err
		}
	}
	if e.crashAfter == "repair-delete" {
		return errCrash
	}
	if err := e.rebuild(ctx, months); err != nil {
		return err
	}
	return e.clearRepairs(ctx)
}

// waitGone waits until table has no row past commit: the mutation that
// deletes them is asynchronous, and the aggregates must be rebuilt only
// from what remains.
func (e *Engine) waitGone(ctx context.Context, table string, commit uint64) error {
	for {
		var n uint64
		if err := e.db.conn.QueryRow(ctx, "SELECT count() FROM "+table+" WHERE event_position > ?", commit).Scan(&n); err != nil {
			return fmt.Errorf("clickhouse: watch the delete from %s: %w", table, err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitInserts waits (up to a minute) until the server runs no insert into
// the tables this engine writes, from any session.
func (e *Engine) waitInserts(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		var n uint64
		row := e.db.conn.QueryRow(ctx, "SELECT count() FROM system.processes WHERE query LIKE 'INSERT INTO statements %' OR query LIKE 'INSERT INTO voided_statements %' OR query LIKE 'INSERT INTO course_names %' OR query LIKE 'INSERT INTO "+checkpointTable+" %'")
		if err := row.Scan(&n); err != nil {
			return fmt.Errorf("clickhouse: look for running inserts: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("clickhouse: %d inserts still running after a minute; is another projector writing? (only one may run per projection)", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// monthsOf returns the months of the (non-voiding) statements with ids.
func (e *Engine) monthsOf(ctx context.Context, ids []string) ([]uint32, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var months []uint32
	row := e.db.conn.QueryRow(ctx, "SELECT groupUniqArray(toYYYYMM(date)) FROM statements WHERE has(?, statement_id) AND verb != ?", ids, analytics.VerbVoided)
	if err := row.Scan(&months); err != nil {
		return nil, fmt.Errorf("clickhouse: months of voided statements: %w", err)
	}
	return months, nil
}

// rebuild recomputes the aggregate partitions of months from
// statements_valid.
func (e *Engine) rebuild(ctx context.Context, months []uint32) error {
	seen := map[uint32]bool{}
	for _, m := range months {
		if seen[m] {
			continue
		}
		seen[m] = true
		for _, a := range aggregates {
			if err := e.db.conn.Exec(ctx, e.layout.dropPartition(a.table, m)); err != nil {
				return fmt.Errorf("clickhouse: drop %s partition %d: %w", a.table, m, err)
			}
			if err := e.db.conn.Exec(ctx, a.rebuild, m); err != nil {
				return fmt.Errorf("clickhouse: rebuild %s for %d: %w", a.table, m, err)
			}
		}
	}
	return nil
}

// Write implements analytics.Sink, in the order the type's comment
// gives: the facts, the voids and the aggregate partitions they touch,
// the facts attributed again and the learner directory, the dimensions
// and course names, then the checkpoint row last.
func (e *Engine) Write(ctx context.Context, b *analytics.Batch) error {
	ctx, err := e.begin(ctx)
	if err != nil {
		return err
	}
	if err := e.writeFacts(ctx, b.Facts); err != nil {
		return err
	}
	if e.crashAfter == "facts" {
		return errCrash
	}
	if err := e.writeVoids(ctx, b.Voids); err != nil {
		return err
	}
	if e.crashAfter == "voids" {
		return errCrash
	}
	if len(b.Reattribute) > 0 {
		if err := e.reattribute(ctx, b.Reattribute); err != nil {
			return err
		}
	}
	if e.crashAfter == "reattribute" {
		return errCrash
	}
	if b.SetLearners {
		if err := e.replaceAttributions(ctx, "learner_attributions", b.Learners); err != nil {
			return err
		}
	}
	if b.Dims != nil {
		if err := e.writeDims(ctx, b.Dims); err != nil {
			return err
		}
	}
	if err := e.writeCourseNames(ctx, b.CourseNames); err != nil {
		return err
	}
	if e.crashAfter == "course-names" {
		return errCrash
	}
	return e.writeCheckpoint(ctx, b.Through)
}

// writeFacts inserts facts into statements (none: nothing), column by
// column: the driver then converts each column once instead of each
// value (faster than appending rows).
func (e *Engine) writeFacts(ctx context.Context, facts []analytics.Fact) error {
	if len(facts) == 0 {
		return nil
	}
	batch, err := e.db.conn.PrepareBatch(ctx, "INSERT INTO statements ("+factColumns+")")
	if err != nil {
		return fmt.Errorf("clickhouse: prepare fact insert: %w", err)
	}
	if err := appendFactColumns(batch, facts); err != nil {
		_ = batch.Abort()
		return fmt.Errorf("clickhouse: append facts: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: insert %d facts: %w", len(facts), err)
	}
	return nil
}

// writeVoids inserts voids into voided_statements (none: nothing), then
// rebuilds the aggregate partitions of the months of their targets.
func (e *Engine) writeVoids(ctx context.Context, voids []analytics.Void) error {
	if len(voids) == 0 {
		return nil
	}
	batch, err := e.db.conn.PrepareBatch(ctx, "INSERT INTO voided_statements (statement_id, voided_by, event_position)")
	if err != nil {
		return fmt.Errorf("clickhouse: prepare void insert: %w", err)
	}
	targets := make([]string, len(voids))
	for i, v := range voids {
		targets[i] = v.Target
		if err := batch.Append(v.Target, v.By, v.Position); err != nil {
			_ = batch.Abort()
			return err
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: insert voids: %w", err)
	}
	months, err := e.monthsOf(ctx, targets)
	if err != nil {
		return err
	}
	if e.crashAfter == "void-rows" {
		return errCrash
	}
	return e.rebuild(ctx, months)
}

// writeCheckpoint records that the projection has written through, the
// last step of a Write.
func (e *Engine) writeCheckpoint(ctx context.Context, through eventstore.Position) error {
	batch, err := e.db.conn.PrepareBatch(ctx, "INSERT INTO "+checkpointTable+" (projection_name, commit_position, prepare_position, written_at)")
	if err != nil {
		return fmt.Errorf("clickhouse: prepare checkpoint: %w", err)
	}
	if err := batch.Append(e.projection, through.Commit, through.Prepare, time.Now()); err != nil {
		_ = batch.Abort()
		return err
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: write checkpoint: %w", err)
	}
	return nil
}

// Voided implements analytics.Sink.
func (e *Engine) Voided(ctx context.Context) (voided, voiding []string, err error) {
	voided, err = e.strings(ctx, "SELECT DISTINCT statement_id FROM voided_statements")
	if err != nil {
		return nil, nil, err
	}
	voiding, err = e.strings(ctx, "SELECT statement_id FROM statements WHERE verb = ?", analytics.VerbVoided)
	return voided, voiding, err
}

func (e *Engine) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := e.db.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %s: %w", strings.Fields(query)[0], err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Reset implements analytics.Sink.
func (e *Engine) Reset(ctx context.Context) error {
	ctx, err := e.begin(ctx)
	if err != nil {
		return err
	}
	for _, t := range []string{"statements", "voided_statements", "agg_daily", "agg_monthly", "agg_learner_months", "dim_communes", "dim_population", "dim_targets", "dim_teams", "dim_mentors", "aggregate_repairs",
		"learner_attributions", "reattributions", "statements_reattributed", "course_names"} {
		if err := e.db.conn.Exec(ctx, e.layout.truncate(t)); err != nil {
			return fmt.Errorf("clickhouse: truncate %s: %w", t, err)
		}
	}
	if err := e.db.conn.Exec(ctx, "ALTER TABLE "+checkpointTable+" DELETE WHERE projection_name = ?", e.projection); err != nil {
		return fmt.Errorf("clickhouse: delete checkpoints: %w", err)
	}
	for {
		var n uint64
		if err := e.db.conn.QueryRow(ctx, "SELECT count() FROM "+checkpointTable+" WHERE projection_name = ?", e.projection).Scan(&n); err != nil {
			return fmt.Errorf("clickhouse: watch the checkpoint delete: %w", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
