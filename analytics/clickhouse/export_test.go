package clickhouse

import (
	"context"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// CrashAfter makes Write stop after a stage, as a crash would.
func (e *Engine) CrashAfter(stage string) { e.crashAfter = stage }

// FactsAfter counts the statements rows past commit (tests look for a
// half-written batch).
func (e *Engine) FactsAfter(ctx context.Context, commit uint64) (uint64, error) {
	var n uint64
	err := e.db.conn.QueryRow(ctx, "SELECT count() FROM statements WHERE event_position > ?", commit).Scan(&n)
	return n, err
}

// OnConn returns a DB over conn in database, as Open would (tests run the
// package on ClickHouse 26.7 through internal/chdbtest's driver.Conn).
func OnConn(conn driver.Conn, database string, opts Options) *DB {
	if opts.LockStaleAfter <= 0 {
		opts.LockStaleAfter = time.Minute
	}
	return &DB{conn: conn, database: database, log: slog.New(slog.DiscardHandler), opts: opts}
}

// Conn exposes the connection to tests.
func (db *DB) Conn() driver.Conn { return db.conn }

// FactSchema lists the declared columns of statements as name and type.
func FactSchema() [][2]string {
	out := make([][2]string, len(factSchema))
	for i, c := range factSchema {
		out[i] = [2]string{c.name, c.typ}
	}
	return out
}
