package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/eventstore"
)

var _ analytics.Engine = (*Engine)(nil)

// ErrInUse is returned by Open when this process already has the file
// open. (Another process holding it makes DuckDB's own file lock fail.)
var ErrInUse = errors.New("duckdb: database file already open in this process")

// Engine is the DuckDB analytics engine: the sink of the analytics
// projection and the named queries. Its methods are safe for concurrent
// use; Write and Reset are serialised, queries run beside them on
// consistent snapshots.
type Engine struct {
	db         *sql.DB
	path       string // absolute; "" in memory
	projection string

	mu     sync.Mutex // serialises Write and Reset
	closed bool
	agg    aggregator // guarded by mu

	// afterStage, when set (by tests only), runs inside Write's
	// transaction after each stage ("facts", "voids", "checkpoint");
	// an error aborts the transaction.
	afterStage func(stage string) error
}

// open holds the absolute paths of the files open in this process. DuckDB
// locks a file against other processes only; within one, duckdb-go hands a
// second opener the same database, and two Engines would then move one
// checkpoint and close the file under each other.
var open = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

// Open opens (creating it if needed, with its directory) the DuckDB file at
// path, or a private in-memory database when path is "", and brings its
// schema up to date. projection names the checkpoint the engine keeps
// ("analytics-duckdb"). One process at a time may hold a file, and
// within it one Engine.
func Open(ctx context.Context, path, projection string) (*Engine, error) {
	return OpenWith(ctx, path, projection, Options{})
}

// Options tune OpenWith.
type Options struct {
	// MemoryLimit is DuckDB's memory_limit in bytes: what its buffer
	// manager may hold (DuckDB spills to disk beyond it, or fails a
	// query that cannot). DuckDB's default, 80% of the machine's memory,
	// when 0. It does not bound every allocation DuckDB makes.
	MemoryLimit int64
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path, projection string, o Options) (*Engine, error) {
	if projection == "" {
		return nil, errors.New("duckdb: empty projection name")
	}
	e := &Engine{projection: projection, agg: aggregator{minGrowth: compactMinGrowth}}
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("duckdb: path %q: no ? allowed (the driver reads what follows as options)", path)
	}
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("duckdb: %w", err)
		}
		open.Lock()
		if open.paths[abs] {
			open.Unlock()
			return nil, fmt.Errorf("%w: %s", ErrInUse, abs)
		}
		open.paths[abs] = true
		open.Unlock()
		e.path = abs
		if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
			e.release()
			return nil, fmt.Errorf("duckdb: %w", err)
		}
	}
	dsn := e.path
	if o.MemoryLimit > 0 {
		// Set at open, for the whole database: memory_limit is a global
		// setting, and every pooled connection shares it.
		dsn += fmt.Sprintf("?memory_limit=%dKiB", max(o.MemoryLimit>>10, 1))
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		e.release()
		return nil, fmt.Errorf("duckdb: open %q: %w", e.path, err)
	}
	e.db = sql.OpenDB(connector)
	migrations, err := fs.Sub(migrationFS, "migrations")
	if err == nil {
		_, err = migrate(ctx, e.db, migrations)
	}
	if err == nil {
		err = e.fillPending(ctx)
	}
	if err != nil {
		_ = e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Engine) release() {
	if e.path == "" {
		return
	}
	open.Lock()
	delete(open.paths, e.path)
	open.Unlock()
}

// Engine implements analytics.Sink.
func (e *Engine) Engine() string { return "duckdb" }

// Path returns the absolute path of the database file ("" in memory).
func (e *Engine) Path() string { return e.path }

// Close closes the database; DuckDB checkpoints its WAL into the file.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	err := e.db.Close()
	e.release()
	if err != nil {
		return fmt.Errorf("duckdb: close: %w", err)
	}
	return nil
}

// Checkpoint implements analytics.Sink. Nothing needs repairing: Write
// commits a batch's facts, voids and checkpoint in one DuckDB transaction.
// DuckDB appends a transaction to its write-ahead log only when it commits
// and replays the committed ones when the file is opened again, so after a
// crash the file holds each batch either whole with its checkpoint or not
// at all, and the projection resumes right after the last committed batch.
func (e *Engine) Checkpoint(ctx context.Context) (eventstore.Position, error) {
	return e.Position(ctx)
}

// Position implements analytics.Sink. A DuckDB write is one transaction,
// so there is never a half-written batch to repair: it equals Checkpoint.
func (e *Engine) Position(ctx context.Context) (eventstore.Position, error) {
	var pos eventstore.Position
	err := e.db.QueryRowContext(ctx, `SELECT commit_position, prepare_position FROM projection_checkpoints WHERE projection = ?`, e.projection).
		Scan(&pos.Commit, &pos.Prepare)
	if errors.Is(err, sql.ErrNoRows) {
		return eventstore.Position{}, nil
	}
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("duckdb: read checkpoint: %w", err)
	}
	return pos, nil
}

// Write implements analytics.Sink: in one transaction it appends the
// facts, records the voids, deletes the facts they void (voiding
// statements cannot be voided, so those stay) and moves the checkpoint to
// b.Through.
func (e *Engine) Write(ctx context.Context, b *analytics.Batch) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.writeTx(ctx, b); err != nil {
		return err
	}
	e.maybeCompact(ctx)
	return nil
}

// writeTx is Write's transaction.
func (e *Engine) writeTx(ctx context.Context, b *analytics.Batch) error {
	return e.inTx(ctx, func(c *sql.Conn) error {
		if len(b.Facts) > 0 {
			if err := appendFacts(ctx, c, b.Facts); err != nil {
				return err
			}
			if err := e.agg.countNew(ctx, c, b.Facts); err != nil {
				return err
			}
		}
		if err := e.after("facts"); err != nil {
			return err
		}
		if len(b.Voids) > 0 {
			if err := e.recordVoids(ctx, c, b.Voids); err != nil {
				return err
			}
		}
		if err := e.after("voids"); err != nil {
			return err
		}
		if len(b.Reattribute) > 0 {
			if err := e.reattribute(ctx, c, b.Reattribute); err != nil {
				return err
			}
		}
		if b.SetLearners {
			if err := replaceAttributions(ctx, c, "learner_attributions", b.Learners); err != nil {
				return err
			}
		}
		if b.Dims != nil {
			if err := writeDims(ctx, c, b.Dims); err != nil {
				return err
			}
		}
		if err := writeCourseNames(ctx, c, b.CourseNames); err != nil {
			return err
		}
		if err := writeCheckpoint(ctx, c, e.projection, b.Through); err != nil {
			return err
		}
		return e.after("checkpoint")
	})
}

func (e *Engine) after(stage string) error {
	if e.afterStage == nil {
		return nil
	}
	return e.afterStage(stage)
}

// writeCheckpoint moves the projection's checkpoint. (UPDATE, then INSERT
// the first time: an upsert, INSERT … ON CONFLICT, costs ten times more.)
func writeCheckpoint(ctx context.Context, c *sql.Conn, projection string, pos eventstore.Position) error {
	now := time.Now().UTC()
	res, err := c.ExecContext(ctx, `UPDATE projection_checkpoints SET commit_position = ?, prepare_position = ?, written_at = ? WHERE projection = ?`,
		pos.Commit, pos.Prepare, now, projection)
	if err != nil {
		return fmt.Errorf("duckdb: write checkpoint: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO projection_checkpoints (projection, commit_position, prepare_position, written_at) VALUES (?, ?, ?, ?)`,
		projection, pos.Commit, pos.Prepare, now); err != nil {
		return fmt.Errorf("duckdb: write checkpoint: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction on one connection and commits; on any
// error it rolls back (and drops the connection if even that fails).
// database/sql's Tx cannot hand out its driver connection, which the
// appender needs, hence the explicit BEGIN and COMMIT.
func (e *Engine) inTx(ctx context.Context, fn func(c *sql.Conn) error) error {
	if e.closed {
		return errors.New("duckdb: engine closed")
	}
	c, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("duckdb: begin: %w", err)
	}
	err = fn(c)
	if err == nil {
		if _, err = c.ExecContext(ctx, "COMMIT"); err == nil {
			return nil
		}
		err = fmt.Errorf("duckdb: commit: %w", err)
	}
	if _, rerr := c.ExecContext(context.Background(), "ROLLBACK"); rerr != nil {
		// A connection in an unknown state must not go back to the pool.
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}

// appendFacts appends facts to statements.
func appendFacts(ctx context.Context, c *sql.Conn, facts []analytics.Fact) error {
	return appendRows(ctx, c, "statements", len(facts), func(i int) []driver.Value {
		f := &facts[i]
		return []driver.Value{
			f.Position, f.Prepare, f.StatementID, f.Stored.UTC(), f.Timestamp.UTC(), f.Date,
			f.Verb, f.ObjectID, f.ObjectType, f.ActivityType, f.CourseID, f.Registration, f.ActorID,
			f.Success, f.Completion, f.HasScore, f.ScoreScaled, f.ScoreRaw, f.DurationSeconds, f.ExpectedSeconds,
			f.Platform, f.Language, f.Province, f.Commune, f.TargetGroup, nonNil(f.Subgroups), f.HouseholdID, f.Team, f.Mentor,
			nonNil(f.ExtKeys),
		}
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// recordVoids appends the voids to voided_statements and deletes every
// voided fact that is not a voiding statement, counting those facts out of
// the aggregates.
func (e *Engine) recordVoids(ctx context.Context, c *sql.Conn, voids []analytics.Void) error {
	if err := appendRows(ctx, c, "voided_statements", len(voids), func(i int) []driver.Value {
		return []driver.Value{voids[i].Target, voids[i].By, voids[i].Position}
	}); err != nil {
		return err
	}
	const gone = `verb <> $voided AND statement_id IN (SELECT statement_id FROM voided_statements)`
	voided := sql.Named("voided", analytics.VerbVoided)
	n, err := e.agg.deleteCountingOut(ctx, c, gone, voided)
	if err != nil || n == 0 {
		return err
	}
	if err := e.agg.recountLearners(ctx, c, "SELECT DISTINCT actor_id FROM agg_batch"); err != nil {
		return err
	}
	return emptyBatch(ctx, c)
}

// appendRows appends n rows to table with DuckDB's appender, which writes
// into the connection's open transaction: 20 to 40 times faster than
// multi-row INSERTs here. (A string that is not UTF-8 becomes NULL, which
// the NOT NULL columns refuse: an error, never a crash.)
func appendRows(ctx context.Context, c *sql.Conn, table string, n int, row func(i int) []driver.Value) error {
	return c.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("duckdb: unexpected driver connection %T", dc)
		}
		a, err := duckdb.NewAppenderFromConn(conn, "", table)
		if err != nil {
			return fmt.Errorf("duckdb: appender for %s: %w", table, err)
		}
		for i := range n {
			if err := a.AppendRow(row(i)...); err != nil {
				_ = a.Close()
				return fmt.Errorf("duckdb: append to %s: %w", table, err)
			}
		}
		if err := a.CloseWithCancel(ctx); err != nil {
			return fmt.Errorf("duckdb: append %d rows to %s: %w", n, table, err)
		}
		return nil
	})
}

// Voided implements analytics.Sink.
func (e *Engine) Voided(ctx context.Context) (voided, voiding []string, err error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("duckdb: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if voided, err = stringsOf(ctx, tx, `SELECT DISTINCT statement_id FROM voided_statements`); err != nil {
		return nil, nil, err
	}
	if voiding, err = stringsOf(ctx, tx, `SELECT statement_id FROM statements WHERE verb = ?`, analytics.VerbVoided); err != nil {
		return nil, nil, err
	}
	return voided, voiding, nil
}

func stringsOf(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("duckdb: %s: %w", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("duckdb: %s: %w", query, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Reset implements analytics.Sink: it empties the facts and voids and
// drops the projection's checkpoint, in one transaction.
func (e *Engine) Reset(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inTx(ctx, func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, `DELETE FROM statements`); err != nil {
			return fmt.Errorf("duckdb: reset statements: %w", err)
		}
		for _, t := range dimTables {
			if _, err := c.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("duckdb: reset %s: %w", t, err)
			}
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM voided_statements`); err != nil {
			return fmt.Errorf("duckdb: reset voided_statements: %w", err)
		}
		for _, t := range []string{"agg_monthly", "agg_learner_months", "agg_batch", "agg_fill_pending"} {
			if _, err := c.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("duckdb: reset %s: %w", t, err)
			}
		}
		e.agg = aggregator{minGrowth: e.agg.minGrowth, recountParts: e.agg.recountParts}
		if _, err := c.ExecContext(ctx, `DELETE FROM course_names`); err != nil {
			return fmt.Errorf("duckdb: reset course_names: %w", err)
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM learner_attributions`); err != nil {
			return fmt.Errorf("duckdb: reset learner_attributions: %w", err)
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM projection_checkpoints WHERE projection = ?`, e.projection); err != nil {
			return fmt.Errorf("duckdb: reset checkpoint: %w", err)
		}
		return nil
	})
}
