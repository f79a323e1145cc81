package clickhouse

import (
	"context"
	"fmt"
	"time"
)

// The months a crash repair rebuilds are written down (table
// aggregate_repairs, migration 12) before the repair deletes the rows that
// name them, and cleared once their aggregates are rebuilt: a repair that
// crashes half-way is finished by the next one, instead of leaving the
// aggregates with the counts of deleted rows (which the batch, written
// again, would then add a second time).

// pendingRepairs returns the months an earlier repair of this projection
// wrote down and did not finish.
func (e *Engine) pendingRepairs(ctx context.Context) ([]uint32, error) {
	var months []uint32
	if err := e.db.conn.QueryRow(ctx, "SELECT groupUniqArray(month) FROM aggregate_repairs WHERE projection_name = ?", e.projection).Scan(&months); err != nil {
		return nil, fmt.Errorf("clickhouse: read unfinished repairs: %w", err)
	}
	return months, nil
}

// recordRepairs writes months down for this projection.
func (e *Engine) recordRepairs(ctx context.Context, months []uint32) error {
	if len(months) == 0 {
		return nil
	}
	batch, err := e.db.conn.PrepareBatch(ctx, "INSERT INTO aggregate_repairs (projection_name, month, written_at)")
	if err != nil {
		return fmt.Errorf("clickhouse: prepare the repair record: %w", err)
	}
	now := time.Now()
	for _, m := range months {
		if err := batch.Append(e.projection, m, now); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("clickhouse: record the months to repair: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: record the months to repair: %w", err)
	}
	return nil
}

// clearRepairs deletes this projection's record of months to repair and
// waits until the deletion (a mutation) is done.
func (e *Engine) clearRepairs(ctx context.Context) error {
	if err := e.db.conn.Exec(ctx, "ALTER TABLE aggregate_repairs DELETE WHERE projection_name = ?", e.projection); err != nil {
		return fmt.Errorf("clickhouse: clear the repair record: %w", err)
	}
	for {
		months, err := e.pendingRepairs(ctx)
		if err != nil || len(months) == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
