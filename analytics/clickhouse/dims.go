package clickhouse

import (
	"context"
	"fmt"

	"github.com/hocvu/hocvu/analytics"
)

// writeDims replaces the dimension tables with d. A crash half-way leaves
// some tables replaced and others not; the projection rewrites all of them
// from the reference-data stream when it starts.
func (e *Engine) writeDims(ctx context.Context, d *analytics.Dims) error {
	type table struct {
		name, cols string
		rows       int
		row        func(i int) []any
	}
	tables := []table{
		{"dim_communes", "code, name, kind, district, area_types", len(d.Communes), func(i int) []any {
			c := d.Communes[i]
			areas := c.AreaTypes
			if areas == nil {
				areas = []string{}
			}
			return []any{c.Code, c.Name, c.Kind, c.District, areas}
		}},
		{"dim_population", "commune, target_group, people", len(d.Populations), func(i int) []any {
			p := d.Populations[i]
			return []any{p.Commune, p.Group, uint64(max(p.People, 0))}
		}},
		{"dim_targets", "year, commune, target_group, metric, value", len(d.Targets), func(i int) []any {
			t := d.Targets[i]
			return []any{uint16(t.Year), t.Commune, t.Group, t.Metric, t.Value}
		}},
		{"dim_teams", "id, commune, name, members", len(d.Teams), func(i int) []any {
			t := d.Teams[i]
			return []any{t.ID, t.Commune, t.Name, uint64(max(t.Members, 0))}
		}},
		{"dim_mentors", "id, commune, team, label", len(d.Mentors), func(i int) []any {
			m := d.Mentors[i]
			return []any{m.ID, m.Commune, m.Team, m.Label}
		}},
	}
	for _, t := range tables {
		if err := e.db.conn.Exec(ctx, e.layout.truncate(t.name)); err != nil {
			return fmt.Errorf("clickhouse: truncate %s: %w", t.name, err)
		}
		if t.rows == 0 {
			continue
		}
		batch, err := e.db.conn.PrepareBatch(ctx, "INSERT INTO "+t.name+" ("+t.cols+")")
		if err != nil {
			return fmt.Errorf("clickhouse: prepare %s: %w", t.name, err)
		}
		for i := 0; i < t.rows; i++ {
			if err := batch.Append(t.row(i)...); err != nil {
				_ = batch.Abort()
				return fmt.Errorf("clickhouse: append to %s: %w", t.name, err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("clickhouse: insert %s: %w", t.name, err)
		}
	}
	return nil
}

// Dims implements analytics.Counter.
func (e *Engine) Dims(ctx context.Context) (*analytics.Dims, error) {
	d := &analytics.Dims{}
	rows, err := e.db.conn.Query(ctx, "SELECT code, name, kind, district, area_types FROM dim_communes ORDER BY code")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read dim_communes: %w", err)
	}
	for rows.Next() {
		var c analytics.DimCommune
		if err := rows.Scan(&c.Code, &c.Name, &c.Kind, &c.District, &c.AreaTypes); err != nil {
			rows.Close()
			return nil, err
		}
		d.Communes = append(d.Communes, c)
	}
	rows.Close()
	rows, err = e.db.conn.Query(ctx, "SELECT commune, target_group, people FROM dim_population ORDER BY commune, target_group")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read dim_population: %w", err)
	}
	for rows.Next() {
		var p analytics.DimPopulation
		var n uint64
		if err := rows.Scan(&p.Commune, &p.Group, &n); err != nil {
			rows.Close()
			return nil, err
		}
		p.People = int64(n)
		d.Populations = append(d.Populations, p)
	}
	rows.Close()
	rows, err = e.db.conn.Query(ctx, "SELECT year, commune, target_group, metric, value FROM dim_targets ORDER BY year, commune, target_group, metric")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read dim_targets: %w", err)
	}
	for rows.Next() {
		var t analytics.DimTarget
		var y uint16
		if err := rows.Scan(&y, &t.Commune, &t.Group, &t.Metric, &t.Value); err != nil {
			rows.Close()
			return nil, err
		}
		t.Year = int(y)
		d.Targets = append(d.Targets, t)
	}
	rows.Close()
	rows, err = e.db.conn.Query(ctx, "SELECT id, commune, name, members FROM dim_teams ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read dim_teams: %w", err)
	}
	for rows.Next() {
		var t analytics.DimTeam
		var n uint64
		if err := rows.Scan(&t.ID, &t.Commune, &t.Name, &n); err != nil {
			rows.Close()
			return nil, err
		}
		t.Members = int64(n)
		d.Teams = append(d.Teams, t)
	}
	rows.Close()
	rows, err = e.db.conn.Query(ctx, "SELECT id, commune, team, label FROM dim_mentors ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read dim_mentors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m analytics.DimMentor
		if err := rows.Scan(&m.ID, &m.Commune, &m.Team, &m.Label); err != nil {
			return nil, err
		}
		d.Mentors = append(d.Mentors, m)
	}
	return d, rows.Err()
}

// LearnerCounts implements analytics.Counter.
func (e *Engine) LearnerCounts(ctx context.Context, p analytics.Params, by analytics.LearnersBy) (map[string]analytics.LearnerCount, error) {
	var q string
	var f *filter
	switch by {
	case analytics.ByCommuneGroup:
		// Each learner once, in the latest month's cell: the greatest
		// "YYYYMM\0commune\0group" among the learner's attributed rows,
		// without its month (analytics.ByCommuneGroup).
		f = newFilter(analytics.Params{To: p.To}, "month", false)
		f.add("statements > 0")
		q = "SELECT k, count(), countIf(certified) FROM (SELECT actor_id, " +
			"substring(maxIf(concat(toString(month), '\\0', commune, '\\0', target_group), " + isKnownCell + "), 8, 256) AS k, " +
			"max(certificates > 0) AS certified FROM agg_learner_months" + f.where() + " GROUP BY actor_id) WHERE k != '' GROUP BY k"
	case analytics.ByMentorCommune:
		f = newFilter(analytics.Params{From: p.From, To: p.To}, "toYYYYMM(date)", false)
		f.add("actor_id != 0 AND mentor != '' AND " + notVoiding)
		q = "SELECT mentor_commune AS k, uniqExact(actor_id), uniqExactIf(actor_id, " + isCertificate + ") FROM (SELECT actor_id, verb, activity_type, mentor FROM statements_valid" + f.where() +
			") AS s ALL INNER JOIN (SELECT id AS mentor, commune AS mentor_commune FROM dim_mentors) AS m USING mentor GROUP BY k"
	case analytics.ByMentor, analytics.ByTeam:
		col := string(by)
		f = newFilter(p, "toYYYYMM(date)", true)
		f.add(col + " != ''")
		q = "SELECT " + col + " AS k, uniqExactIf(actor_id, actor_id != 0 AND " + notVoiding + "), uniqExactIf(actor_id, actor_id != 0 AND " + isCertificate + ") FROM statements_valid" + f.where() + " GROUP BY k"
	default:
		return nil, fmt.Errorf("clickhouse: unknown grouping %q", by)
	}
	rows, err := e.db.conn.Query(ctx, q, f.args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: learner counts by %s: %w", by, err)
	}
	defer rows.Close()
	out := map[string]analytics.LearnerCount{}
	for rows.Next() {
		var k string
		var l, c uint64
		if err := rows.Scan(&k, &l, &c); err != nil {
			return nil, err
		}
		out[k] = analytics.LearnerCount{Learners: int64(l), Certified: int64(c)}
	}
	return out, rows.Err()
}
