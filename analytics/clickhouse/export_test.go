package clickhouse

import "context"

// CrashAfter makes Write stop after a stage, as a crash would.
func (e *Engine) CrashAfter(stage string) { e.crashAfter = stage }

// FactsAfter counts the statements rows past commit (tests look for a
// half-written batch).
func (e *Engine) FactsAfter(ctx context.Context, commit uint64) (uint64, error) {
	var n uint64
	err := e.db.conn.QueryRow(ctx, "SELECT count() FROM statements WHERE event_position > ?", commit).Scan(&n)
	return n, err
}
