package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/hocvu/hocvu/analytics"
)

// reattributeSQL gives the open facts (analytics.OpenToDirectory) of the
// learners in reattributions their new entry, for each campaign extension
// the fact lacks.
const reattributeSQL = `UPDATE statements SET
    commune = CASE WHEN list_contains(statements.ext_keys, $ck) THEN statements.commune ELSE r.commune END,
    target_group = CASE WHEN list_contains(statements.ext_keys, $gk) THEN statements.target_group ELSE r.target_group END,
    household_id = CASE WHEN list_contains(statements.ext_keys, $hk) THEN statements.household_id ELSE r.household_id END,
    mentor = CASE WHEN list_contains(statements.ext_keys, $mk) THEN statements.mentor ELSE r.mentor END,
    team = CASE WHEN list_contains(statements.ext_keys, $tk) THEN statements.team ELSE r.team END,
    subgroups = CASE WHEN list_contains(statements.ext_keys, $sk) THEN statements.subgroups ELSE r.subgroups END
FROM reattributions r
WHERE statements.actor_id = r.actor_id
    AND NOT (list_contains(statements.ext_keys, $ck) AND list_contains(statements.ext_keys, $gk))`

// reattribute attributes again, inside the caller's transaction, the facts
// of the learners whose directory entry changed, and counts them again in
// the aggregates.
func (e *Engine) reattribute(ctx context.Context, c *sql.Conn, changed []analytics.Attribution) error {
	if err := replaceAttributions(ctx, c, "reattributions", changed); err != nil {
		return err
	}
	const theirs = "actor_id IN (SELECT actor_id FROM reattributions)"
	if err := e.agg.countOut(ctx, c, theirs); err != nil {
		return err
	}
	k := analytics.DirectoryKeys
	if _, err := c.ExecContext(ctx, reattributeSQL, sql.Named("ck", k.Commune), sql.Named("gk", k.Group), sql.Named("hk", k.Household),
		sql.Named("mk", k.Mentor), sql.Named("tk", k.Team), sql.Named("sk", k.Subgroups)); err != nil {
		return fmt.Errorf("duckdb: attribute facts again: %w", err)
	}
	if err := e.agg.countIn(ctx, c, theirs); err != nil {
		return err
	}
	if err := e.agg.recountLearners(ctx, c, "SELECT actor_id FROM reattributions"); err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, `DELETE FROM reattributions`); err != nil {
		return fmt.Errorf("duckdb: empty reattributions: %w", err)
	}
	return nil
}

// replaceAttributions replaces the rows of table (learner_attributions or
// reattributions) with as, inside the caller's transaction.
func replaceAttributions(ctx context.Context, c *sql.Conn, table string, as []analytics.Attribution) error {
	if _, err := c.ExecContext(ctx, "DELETE FROM "+table); err != nil {
		return fmt.Errorf("duckdb: empty %s: %w", table, err)
	}
	if len(as) == 0 {
		return nil
	}
	return appendRows(ctx, c, table, len(as), func(i int) []driver.Value {
		a := &as[i]
		return []driver.Value{a.ActorID, a.Commune, a.Group, a.HouseholdID, a.Mentor, a.Team, nonNil(a.Subgroups)}
	})
}

// Learners implements analytics.Sink.
func (e *Engine) Learners(ctx context.Context) ([]analytics.Attribution, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT actor_id, commune, target_group, household_id, mentor, team, subgroups FROM learner_attributions ORDER BY actor_id`)
	if err != nil {
		return nil, fmt.Errorf("duckdb: read learner_attributions: %w", err)
	}
	defer rows.Close()
	var out []analytics.Attribution
	for rows.Next() {
		var a analytics.Attribution
		var subs []any
		if err := rows.Scan(&a.ActorID, &a.Commune, &a.Group, &a.HouseholdID, &a.Mentor, &a.Team, &subs); err != nil {
			return nil, fmt.Errorf("duckdb: read learner_attributions: %w", err)
		}
		for _, s := range subs {
			if v, ok := s.(string); ok {
				a.Subgroups = append(a.Subgroups, v)
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
