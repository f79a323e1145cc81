package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hocvu/hocvu/analytics"
)

// Attributing facts again when the learner directory changes. commune and
// target_group are columns of the sorting key of statements, which ALTER
// UPDATE cannot change, so each month that holds a fact to change is
// rewritten whole: copied into statements_reattributed with the new
// attribution, then swapped in with REPLACE PARTITION (atomic), and the
// aggregates of the month rebuilt. Every step can run again: a crash
// leaves learner_attributions as it was, so the projection computes the
// same changes at its next start and rewrites the months again (with the
// same result).

// openToDirectory is analytics.OpenToDirectory in SQL.
var openToDirectory = fmt.Sprintf("NOT (has(ext_keys, '%s') AND has(ext_keys, '%s'))", analytics.DirectoryKeys.Commune, analytics.DirectoryKeys.Group)

// reattributedColumns is the SELECT that rewrites statements (joined with
// the changes as r_*) in the order of factColumns: a changed learner's
// open fact takes the new value of each campaign extension it lacks.
// (Current servers require the joined subquery to have an alias.)
var reattributedColumns = func() string {
	k := analytics.DirectoryKeys
	// The columns the learner directory fills: the extension that, sent
	// by the statement itself, keeps the directory out, and the change's
	// column.
	directory := map[string][2]string{
		"commune": {k.Commune, "r_commune"}, "target_group": {k.Group, "r_group"},
		"subgroups": {k.Subgroups, "r_subgroups"}, "household_id": {k.Household, "r_household"},
		"team": {k.Team, "r_team"}, "mentor": {k.Mentor, "r_mentor"},
	}
	cols := make([]string, len(factSchema))
	for i, c := range factSchema {
		cols[i] = c.name
		if d, ok := directory[c.name]; ok {
			cols[i] = fmt.Sprintf("if(r_hit = 1 AND %s AND NOT has(ext_keys, '%s'), %s, %s)", openToDirectory, d[0], d[1], c.name)
		}
	}
	return strings.Join(cols, ", ")
}()

// reattribute attributes again the facts of the learners whose directory
// entry changed.
func (e *Engine) reattribute(ctx context.Context, changed []analytics.Attribution) error {
	if err := e.replaceAttributions(ctx, "reattributions", changed); err != nil {
		return err
	}
	var months []uint32
	row := e.db.conn.QueryRow(ctx, "SELECT groupUniqArray(toYYYYMM(date)) FROM statements WHERE actor_id IN (SELECT actor_id FROM reattributions) AND "+openToDirectory)
	if err := row.Scan(&months); err != nil {
		return fmt.Errorf("clickhouse: months to attribute again: %w", err)
	}
	slices.Sort(months)
	for _, m := range months {
		if err := e.rewriteMonth(ctx, m); err != nil {
			return err
		}
	}
	if err := e.rebuild(ctx, months); err != nil {
		return err
	}
	if err := e.db.conn.Exec(ctx, e.layout.truncate("reattributions")); err != nil {
		return fmt.Errorf("clickhouse: empty reattributions: %w", err)
	}
	return nil
}

// rewriteMonth swaps month m of statements for a copy with the changes of
// reattributions applied.
func (e *Engine) rewriteMonth(ctx context.Context, m uint32) error {
	drop := e.layout.dropPartition("statements_reattributed", m)
	if err := e.db.conn.Exec(ctx, drop); err != nil {
		return fmt.Errorf("clickhouse: clear statements_reattributed %d: %w", m, err)
	}
	if err := e.db.conn.Exec(ctx, "INSERT INTO statements_reattributed ("+factColumns+") SELECT "+reattributedColumns+
		" FROM statements ANY LEFT JOIN (SELECT actor_id, commune AS r_commune, target_group AS r_group, subgroups AS r_subgroups, "+
		"household_id AS r_household, team AS r_team, mentor AS r_mentor, toUInt8(1) AS r_hit FROM reattributions) AS r USING actor_id "+
		"WHERE toYYYYMM(date) = ?", m); err != nil {
		return fmt.Errorf("clickhouse: rewrite %d with the new attribution: %w", m, err)
	}
	var before, after uint64
	if err := e.db.conn.QueryRow(ctx, "SELECT count() FROM statements WHERE toYYYYMM(date) = ?", m).Scan(&before); err != nil {
		return fmt.Errorf("clickhouse: count %d: %w", m, err)
	}
	if err := e.db.conn.QueryRow(ctx, "SELECT count() FROM statements_reattributed WHERE toYYYYMM(date) = ?", m).Scan(&after); err != nil {
		return fmt.Errorf("clickhouse: count the rewrite of %d: %w", m, err)
	}
	if before != after {
		return fmt.Errorf("clickhouse: the rewrite of %d holds %d statements, the month %d: not swapped", m, after, before)
	}
	if err := e.db.conn.Exec(ctx, e.layout.replacePartition("statements", "statements_reattributed", m)); err != nil {
		return fmt.Errorf("clickhouse: swap in %d: %w", m, err)
	}
	if err := e.db.conn.Exec(ctx, drop); err != nil {
		return fmt.Errorf("clickhouse: clear statements_reattributed %d: %w", m, err)
	}
	return nil
}

// replaceAttributions replaces the rows of table (learner_attributions or
// reattributions) with as.
func (e *Engine) replaceAttributions(ctx context.Context, table string, as []analytics.Attribution) error {
	if err := e.db.conn.Exec(ctx, e.layout.truncate(table)); err != nil {
		return fmt.Errorf("clickhouse: empty %s: %w", table, err)
	}
	if len(as) == 0 {
		return nil
	}
	batch, err := e.db.conn.PrepareBatch(ctx, "INSERT INTO "+table+" (actor_id, commune, target_group, household_id, mentor, team, subgroups)")
	if err != nil {
		return fmt.Errorf("clickhouse: prepare %s: %w", table, err)
	}
	for _, a := range as {
		subs := a.Subgroups
		if subs == nil {
			subs = []string{}
		}
		if err := batch.Append(a.ActorID, a.Commune, a.Group, a.HouseholdID, a.Mentor, a.Team, subs); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("clickhouse: append to %s: %w", table, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: insert %s: %w", table, err)
	}
	return nil
}

// Learners implements analytics.Sink.
func (e *Engine) Learners(ctx context.Context) ([]analytics.Attribution, error) {
	rows, err := e.db.conn.Query(ctx, "SELECT actor_id, commune, target_group, household_id, mentor, team, subgroups FROM learner_attributions ORDER BY actor_id")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read learner_attributions: %w", err)
	}
	defer rows.Close()
	var out []analytics.Attribution
	for rows.Next() {
		var a analytics.Attribution
		if err := rows.Scan(&a.ActorID, &a.Commune, &a.Group, &a.HouseholdID, &a.Mentor, &a.Team, &a.Subgroups); err != nil {
			return nil, fmt.Errorf("clickhouse: read learner_attributions: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
