package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/hocvu/hocvu/analytics"
)

// dimTables are the dimension tables, in the order writeDims fills them.
var dimTables = []string{"dim_communes", "dim_population", "dim_targets", "dim_teams", "dim_mentors"}

// writeDims replaces the dimension tables with d inside the caller's
// transaction.
func writeDims(ctx context.Context, c *sql.Conn, d *analytics.Dims) error {
	for _, t := range dimTables {
		if _, err := c.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return fmt.Errorf("duckdb: empty %s: %w", t, err)
		}
	}
	steps := []struct {
		table string
		n     int
		row   func(i int) []driver.Value
	}{
		{"dim_communes", len(d.Communes), func(i int) []driver.Value {
			x := d.Communes[i]
			return []driver.Value{x.Code, x.Name, x.Kind, x.District, nonNil(x.AreaTypes)}
		}},
		{"dim_population", len(d.Populations), func(i int) []driver.Value {
			x := d.Populations[i]
			return []driver.Value{x.Commune, x.Group, x.People}
		}},
		{"dim_targets", len(d.Targets), func(i int) []driver.Value {
			x := d.Targets[i]
			return []driver.Value{int32(x.Year), x.Commune, x.Group, x.Metric, x.Value}
		}},
		{"dim_teams", len(d.Teams), func(i int) []driver.Value {
			x := d.Teams[i]
			return []driver.Value{x.ID, x.Commune, x.Name, x.Members}
		}},
		{"dim_mentors", len(d.Mentors), func(i int) []driver.Value {
			x := d.Mentors[i]
			return []driver.Value{x.ID, x.Commune, x.Team, x.Label}
		}},
	}
	for _, s := range steps {
		if s.n == 0 {
			continue
		}
		if err := appendRows(ctx, c, s.table, s.n, s.row); err != nil {
			return err
		}
	}
	return nil
}

// Dims implements analytics.Counter.
func (e *Engine) Dims(ctx context.Context) (*analytics.Dims, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: read dimensions: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to undo
	d := &analytics.Dims{}
	scan := func(query string, each func(rows *sql.Rows) error) error {
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("duckdb: %s: %w", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if err := scan("SELECT code, name, kind, district, area_types FROM dim_communes ORDER BY code", func(r *sql.Rows) error {
		var c analytics.DimCommune
		var areas []any
		if err := r.Scan(&c.Code, &c.Name, &c.Kind, &c.District, &areas); err != nil {
			return err
		}
		for _, a := range areas {
			if s, ok := a.(string); ok {
				c.AreaTypes = append(c.AreaTypes, s)
			}
		}
		d.Communes = append(d.Communes, c)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := scan("SELECT commune, target_group, people FROM dim_population ORDER BY commune, target_group", func(r *sql.Rows) error {
		var p analytics.DimPopulation
		if err := r.Scan(&p.Commune, &p.Group, &p.People); err != nil {
			return err
		}
		d.Populations = append(d.Populations, p)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := scan("SELECT year, commune, target_group, metric, value FROM dim_targets ORDER BY year, commune, target_group, metric", func(r *sql.Rows) error {
		var t analytics.DimTarget
		var y int32
		if err := r.Scan(&y, &t.Commune, &t.Group, &t.Metric, &t.Value); err != nil {
			return err
		}
		t.Year = int(y)
		d.Targets = append(d.Targets, t)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := scan("SELECT id, commune, name, members FROM dim_teams ORDER BY id", func(r *sql.Rows) error {
		var t analytics.DimTeam
		if err := r.Scan(&t.ID, &t.Commune, &t.Name, &t.Members); err != nil {
			return err
		}
		d.Teams = append(d.Teams, t)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := scan("SELECT id, commune, team, label FROM dim_mentors ORDER BY id", func(r *sql.Rows) error {
		var m analytics.DimMentor
		if err := r.Scan(&m.ID, &m.Commune, &m.Team, &m.Label); err != nil {
			return err
		}
		d.Mentors = append(d.Mentors, m)
		return nil
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// learnerCountsSQL groups distinct learners by a key expression.
const learnerCountsSQL = `SELECT %s AS k,
    count(DISTINCT actor_id) FILTER (WHERE actor_id <> 0 AND verb <> $voided) AS learners,
    count(DISTINCT actor_id) FILTER (WHERE actor_id <> 0 AND verb = $earned AND activity_type = $certificate) AS certified
FROM statements
WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
    AND %s
GROUP BY k`

// latestCellSQL counts each learner once, in the commune and group of the
// latest month with a statement attributed to a known commune and group
// (analytics.ByCommuneGroup): the greatest "YYYYMM\0commune\0group" of
// the learner's agg_learner_months rows, without its month.
const latestCellSQL = `SELECT k, count(*) AS learners, count(*) FILTER (WHERE certified) AS certified
FROM (
    SELECT actor_id,
        substr(max(month::VARCHAR || chr(0) || commune || chr(0) || target_group)
            FILTER (WHERE commune IN (SELECT code FROM dim_communes) AND list_contains($groups, target_group)), 8) AS k,
        bool_or(certificates > 0) AS certified
    FROM agg_learner_months
    WHERE month <= $last_month AND statements > 0
    GROUP BY actor_id
)
WHERE k IS NOT NULL
GROUP BY k`

// mentorCommuneSQL counts, per commune, the distinct learners whose
// statements name one of the commune's ambassadors.
const mentorCommuneSQL = `SELECT m.commune AS k,
    count(DISTINCT s.actor_id) AS learners,
    count(DISTINCT s.actor_id) FILTER (WHERE s.verb = $earned AND s.activity_type = $certificate) AS certified
FROM statements s JOIN dim_mentors m ON s.mentor = m.id
WHERE s.date BETWEEN $first_day::DATE AND $last_day::DATE
    AND s.actor_id <> 0 AND s.verb <> $voided
GROUP BY m.commune`

// LearnerCounts implements analytics.Counter.
func (e *Engine) LearnerCounts(ctx context.Context, p analytics.Params, by analytics.LearnersBy) (map[string]analytics.LearnerCount, error) {
	var q string
	switch by {
	case analytics.ByCommuneGroup:
		q, p = latestCellSQL, analytics.Params{To: p.To}
	case analytics.ByMentor:
		q = fmt.Sprintf(learnerCountsSQL, "mentor", "mentor <> ''")
	case analytics.ByTeam:
		q = fmt.Sprintf(learnerCountsSQL, "team", "team <> ''")
	case analytics.ByMentorCommune:
		q = mentorCommuneSQL
	default:
		return nil, fmt.Errorf("duckdb: unknown grouping %q", by)
	}
	rows, err := e.db.QueryContext(ctx, q, queryArgs(p)...)
	if err != nil {
		return nil, fmt.Errorf("duckdb: learner counts by %s: %w", by, err)
	}
	defer rows.Close()
	out := map[string]analytics.LearnerCount{}
	for rows.Next() {
		var k string
		var n analytics.LearnerCount
		if err := rows.Scan(&k, &n.Learners, &n.Certified); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
